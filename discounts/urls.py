from django.urls import path

from . import campaign_views, views

codes = views.DiscountCodeViewSet

urlpatterns = [
    path("discount-codes", codes.as_view({"get": "list", "post": "create"}), name="discount-code-list"),
    path(
        "discount-codes/<id:pk>",
        codes.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="discount-code-detail",
    ),
    path("discount-codes/<id:pk>/history", views.CodeHistoryView.as_view(), name="discount-code-history"),
    path("discount-codes/<id:pk>/event", codes.as_view({"get": "related_event"}), name="discount-code-event"),
    path(
        "discount-codes/<id:pk>/relationships/tickets",
        views.DiscountCodeTicketsRelationship.as_view(),
        name="discount-code-relationships-tickets",
    ),
    path(
        "discount-codes/<id:pk>/relationships/event",
        views.DiscountCodeEventRelationship.as_view(),
        name="discount-code-relationships-event",
    ),
    # A ticket's code, from the ticket's side (the ticket's own routes are tickets/urls.py).
    path(
        "tickets/<id:pk>/discount-code",
        views.TicketCodeViewSet.as_view({"get": "related_discount_code"}),
        name="ticket-discount-code",
    ),
    path(
        "tickets/<id:pk>/relationships/discount-code",
        views.TicketDiscountCodeRelationship.as_view(),
        name="ticket-relationships-discount-code",
    ),
    path("events/<id:event_pk>/discount-codes", codes.as_view({"get": "list"}), name="event-discount-codes"),
    path("users/<id:user_pk>/discount-codes", codes.as_view({"get": "list"}), name="user-discount-codes"),
    # Campaign tools (discounts/campaign_views.py; the reports are orders/report_views.py): none of these paths can
    # be a code of the public check below.
    path(
        "events/<id:event_pk>/code-generations", campaign_views.CodeGenerationView.as_view(), name="code-generations"
    ),
    path(
        "events/<id:event_pk>/discount-codes/<str:code>",
        views.DiscountCodeCheck.as_view(),
        name="event-discount-code-check",
    ),
]
