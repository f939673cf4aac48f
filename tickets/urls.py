from django.urls import path

from . import views

tickets = views.TicketViewSet

urlpatterns = [
    path("tickets", tickets.as_view({"get": "list", "post": "create"}), name="ticket-list"),
    path(
        "tickets/<id:pk>",
        tickets.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="ticket-detail",
    ),
    path("events/<id:event_pk>/tickets", tickets.as_view({"get": "list"}), name="event-tickets"),
    path("discount-codes/<id:code_pk>/tickets", tickets.as_view({"get": "list"}), name="discount-code-tickets"),
]
