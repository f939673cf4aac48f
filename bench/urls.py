"""The benchmark's URLs: the whole site, plus the limit view (mounted here only, never by the project)."""

from django.urls import path

from eventsite.urls import handler404, handler500  # noqa: F401
from eventsite.urls import urlpatterns as site_urlpatterns

from . import limit

urlpatterns = [
    path("bench/limit/discount-codes/<id:pk>/tickets", limit.code_tickets, name="bench-limit-code-tickets"),
    *site_urlpatterns,
]
