"""API responses outside the views' reach: a database that fails anywhere in a request is a JSON:API 503, and
every API response carries a strict Content-Security-Policy (the docs page, which runs Swagger UI, excepted)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from .exceptions import ServiceUnavailable, error_object

logger = logging.getLogger(__name__)

API_PREFIX = "/v1/"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def service_unavailable() -> JsonResponse:
    response = JsonResponse(
        {"errors": [error_object(503, ServiceUnavailable.default_code, ServiceUnavailable.default_detail)]},
        status=503,
        content_type="application/vnd.api+json",
    )
    response["Retry-After"] = "5"
    return response


class APIMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and request.path != "/v1/docs":
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        return response

    def process_exception(self, request, exception):
        """A database error that escaped DRF's handler (authentication, rendering, a lazy query) → 503."""
        if request.path.startswith(API_PREFIX) and isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return service_unavailable()
        return None
