"""404 and 500 answers: JSON:API error documents for the API, Django's HTML pages for everything else."""

import sys

from django.http import JsonResponse
from django.views import defaults

from .api.exceptions import error_object

API_PREFIX = "/v1/"


def _api_error(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [error_object(status_code, code, detail)]},
        status=status_code,
        content_type="application/vnd.api+json",
    )


def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _api_error(404, "not_found", "There is no such resource or endpoint.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        # handler500 runs inside the ``except`` that caught the error: a database that failed in a middleware or
        # in Django's request handling is a 503 like one that failed in a view.
        from django.db import InterfaceError, OperationalError

        from .api.middleware import service_unavailable

        if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
            return service_unavailable()
        return _api_error(500, "server_error", "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)
