"""The benchmark's URLs: the whole site, plus the limit views (mounted here only, never by the project)."""

from django.urls import path

from eventsite.urls import handler404, handler500  # noqa: F401
from eventsite.urls import urlpatterns as site_urlpatterns

from . import limit, limits

urlpatterns = [
    path("bench/limit/discount-codes/<id:pk>/tickets", limit.code_tickets, name="bench-limit-code-tickets"),
    path("bench/limit/events/<id:pk>/tickets", limits.event_tickets),
    path("bench/limit/discount-codes", limits.codes_with_tickets),
    path("bench/limit/tickets/<id:pk>", limits.ticket_with_code),
    path("bench/limit/events/<id:event_pk>/discount-codes/<str:code>", limits.code_check),
    path("bench/limit/orders/calculate-amount", limits.calculate_amount),
    path("bench/limit/discount-codes/<id:pk>/relationships/tickets", limits.code_tickets_patch),
    path("bench/limit/orders", limits.create_order),
    *site_urlpatterns,
]
