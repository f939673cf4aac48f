"""API responses outside the views' reach: a database that fails anywhere in a request is a JSON:API 503, every
error answer under ``/v1`` is a JSON:API error document, and every API response carries a strict
Content-Security-Policy (the docs page, which runs Swagger UI, excepted)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from .exceptions import TITLES, ServiceUnavailable, error_object

logger = logging.getLogger(__name__)

API_PREFIX = "/v1/"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DATABASE_ERRORS = (OperationalError, InterfaceError)
ERROR_DOCUMENT_TYPE = "application/vnd.api+json"
#: Headers an error answer carries that its JSON:API replacement keeps.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
NOT_A_DOCUMENT = "an error answer under /v1 was not a JSON:API document and was replaced: %s %s → %s (%s)"


def is_api_path(path: str) -> bool:
    """``/v1`` itself and everything under it."""
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


def error_document(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [error_object(status_code, code, detail)]}, status=status_code, content_type=ERROR_DOCUMENT_TYPE
    )


def service_unavailable() -> JsonResponse:
    response = error_document(503, ServiceUnavailable.default_code, ServiceUnavailable.default_detail)
    response["Retry-After"] = "5"
    return response


def as_error_document(request, response):
    """The last guard: an error answer some layer wrote as HTML, YAML or plain JSON (Django's 405 of a function
    view, a template page, a library's own answer) becomes a JSON:API error document of the same status. Each
    such answer is logged as a warning: it names a view that should answer with an error document itself
    (``eventsite/tests/test_every_method.py`` fails on the warning)."""
    logger.warning(
        NOT_A_DOCUMENT, request.method, request.path, response.status_code, response.get("Content-Type", "")
    )
    status_code = response.status_code
    title = TITLES.get(status_code) or getattr(response, "reason_phrase", "") or "Error"
    replacement = error_document(status_code, title.lower().replace(" ", "_"), f"{title}.")
    for header in KEPT_HEADERS:
        if header in response:
            replacement[header] = response[header]
    return replacement


class APIMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_api_path(request.path):
            if response.status_code >= 400 and not response.get("Content-Type", "").startswith(ERROR_DOCUMENT_TYPE):
                response = as_error_document(request, response)
            if request.path != "/v1/docs" or response.status_code >= 400:
                response.headers.setdefault("Content-Security-Policy", API_CSP)
        return response

    def process_exception(self, request, exception):
        """A database error that escaped DRF's handler (authentication, rendering, a lazy query) → 503."""
        if is_api_path(request.path) and isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return service_unavailable()
        return None
