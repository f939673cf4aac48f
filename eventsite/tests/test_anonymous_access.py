"""Without a token, every endpoint that needs a login answers 401, generated from the URL configuration.

Each route of ``get_resolver()`` is sent GET, POST, PATCH and DELETE anonymously, its ids naming rows that exist
(so a 404 cannot stand in for the 401). Only the (route, method) pairs in ``PUBLIC`` may answer anything else;
a new route needs a login unless it is added there, with the reason.
"""

import pytest
from rest_framework.test import APIClient

from reliability.routes import fill, iter_routes
from reliability.seed import build_world

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "delete")

#: What anyone may do without logging in (the README's table of who may do what).
PUBLIC = {
    ("v1/schema", "get"): "the OpenAPI document",
    ("v1/docs", "get"): "the API docs page",
    ("v1/auth/login", "post"): "logging in",
    ("v1/auth/token/refresh", "post"): "refreshing a token (needs a signed refresh token, not a login)",
    ("v1/users", "post"): "signing up",
    ("v1/events", "get"): "the public list of events",
    ("v1/events/<id:pk>", "get"): "a public event",
    ("v1/tickets", "get"): "the public list of tickets",
    ("v1/tickets/<id:pk>", "get"): "a public ticket",
    ("v1/events/<id:event_pk>/tickets", "get"): "an event's public tickets",
    ("v1/events/<id:event_pk>/discount-codes/<str:code>", "get"): "the public code check",
    ("v1/orders/calculate-amount", "post"): "the public quote",
    ("", "get"): "the landing page",
    ("healthz", "get"): "the health check of load balancers",
    ("v1/auth/reset-password", "post"): "asking for a password reset mail (the same answer for any address)",
    ("v1/auth/reset-password", "patch"): "setting a new password with a mailed token",
}

#: Routes outside this test, with the reason.
ELSEWHERE = {
    "v1/^.*$": "the catch-all: a JSON:API 404 for every method (test_api_conventions.py)",
    "v1": "/v1 itself: a JSON:API 404 for every method, not a redirect (test_every_method.py)",
    "admin/": "the admin logs in with a session (eventsite/tests/test_admin_access.py)",
}


def routes():
    for route, _pattern in iter_routes():
        if route in ELSEWHERE or any(route.startswith(prefix) for prefix in ELSEWHERE if prefix.endswith("/")):
            continue
        for method in METHODS:
            yield pytest.param(route, method, id=f"{method.upper()} /{route}")


def path_values(route: str, w) -> dict:
    parts = route.split("/")
    resource = parts[1] if len(parts) > 1 else ""
    pk = {
        "users": w.owner.pk,
        "events": w.event.pk,
        "tickets": w.ticket.pk,
        "discount-codes": w.code.pk,
        "orders": w.order.pk,
        "organizer-invitations": w.invitation.pk,
    }.get(resource)
    return {
        "pk": pk,
        "event_pk": w.event.pk,
        "code_pk": w.code.pk,
        "code": w.code.code,
        "order_pk": w.order.pk,
        "user_pk": w.owner.pk,
    }


def test_public_names_only_routes_that_exist():
    existing = {route for route, _ in iter_routes()}
    assert not {route for route, _ in PUBLIC} - existing


@pytest.mark.parametrize(("route", "method"), list(routes()))
def test_an_anonymous_request_needs_a_login_unless_public(route, method):
    w = build_world()
    body = {"data": "{}", "content_type": "application/vnd.api+json"} if method in ("post", "patch") else {}
    response = getattr(APIClient(), method)(fill(route, path_values(route, w)), **body)
    assert response.status_code < 500, response.content[:300]
    if (route, method) in PUBLIC:
        assert response.status_code != 401, f"{PUBLIC[route, method]} is public: {response.content[:300]}"
        return
    if response.status_code == 405 and any((route, other) in PUBLIC for other in METHODS):
        return  # a method a public endpoint does not have: nothing behind it needs a login
    assert response.status_code == 401, (
        f"{method.upper()} /{route} without a token answered {response.status_code}, not 401; if it is public, "
        f"add it to PUBLIC with the reason. {response.content[:300]}"
    )
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert set(errors[0]) <= {"status", "code", "title", "detail", "source", "meta", "id", "links"}
    assert "WWW-Authenticate" in response
