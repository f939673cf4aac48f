from django.urls import path

from . import views

urlpatterns = [
    path("events/<id:event_pk>/history", views.EventHistoryView.as_view(), name="event-history"),
]
