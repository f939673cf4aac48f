"""404 and 500 answers: JSON:API error documents for the API, Django's HTML pages for everything else."""

import sys

from django.db import InterfaceError, OperationalError
from django.views import defaults

from .api.middleware import error_document, is_api_path, service_unavailable


def page_not_found(request, exception=None):
    if is_api_path(request.path):
        return error_document(404, "not_found", "There is no such resource or endpoint.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api_path(request.path):
        # handler500 runs inside the ``except`` that caught the error: a database that failed in a middleware or
        # in Django's request handling is a 503 like one that failed in a view.
        if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
            return service_unavailable()
        return error_document(500, "server_error", "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)
