"""The door of a web request: the admin or the API, by path (the one seam both share)."""

from django.urls import reverse

from .context import acting
from .models import Door

API_PREFIX = "/v1/"


class ActingMiddleware:
    """Changes made while answering a request under ``/admin/`` or ``/v1/`` are recorded with that door and the
    request's user. The user is read when an entry is written: by then DRF has authenticated the API's token
    (it sets the user on the request it wraps), and the admin has its session user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        door = door_of(request.path_info)
        if door is None:
            return self.get_response(request)
        with acting(door=door, user=lambda: getattr(request, "user", None), label="anonymous"):
            return self.get_response(request)


def door_of(path: str) -> str | None:
    if path.startswith(API_PREFIX):
        return Door.API
    if path.startswith(reverse("admin:index")):
        return Door.ADMIN
    return None
