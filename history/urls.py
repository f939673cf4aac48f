from django.urls import path

from . import views

urlpatterns = [
    path("discount-codes/<id:pk>/history", views.CodeHistoryView.as_view(), name="discount-code-history"),
    path("events/<id:event_pk>/history", views.EventHistoryView.as_view(), name="event-history"),
]
