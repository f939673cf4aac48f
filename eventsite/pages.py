"""The two pages outside the API and the admin: the landing page a newcomer opens first, and the health check that
load balancers poll."""

import logging

from django.db import Error, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTH_CHECK_PATH = "/healthz"


@require_safe
def home(request):
    """``/``: where to go next (the admin, the API docs, a first walk through the API)."""
    return render(request, "home.html")


@csrf_exempt
@require_safe
@never_cache
def healthz(request):
    """``/healthz``: 200 while the database answers, 503 when it does not, so that a load balancer sends traffic
    only to app servers that can serve it. No login, no throttle, no HTTPS redirect (``SECURE_REDIRECT_EXEMPT``):
    a load balancer polls every few seconds over plain HTTP. An outage is a warning here, once per poll, not an
    error: the requests that fail log their own errors, and ``QuietHealthCheck`` keeps Django from logging every
    503 of this page as one."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as error:
        logger.warning("health check: the database does not answer (%s)", error)
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class QuietHealthCheck(logging.Filter):
    """On the ``django.request`` logger: drop its record of a health check's answer (a 503 is logged as an error
    otherwise). That logger's records carry the request (``record.request``), as Django documents."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(getattr(record, "request", None), "path", None) != HEALTH_CHECK_PATH
