"""404 and 500 answers: JSON:API error documents for the API, Django's HTML pages for everything else."""

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
        return _api_error(500, "server_error", "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)
