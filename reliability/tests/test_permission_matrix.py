"""The permission matrix: every route, GET/POST/PATCH/DELETE and every role, with the exact status of each cell.

The rows are checked against ``get_resolver()``: a route without a row (or a row without a route) fails
``test_every_route_has_a_row`` with the message to add one. Writes carry valid bodies, so a 2xx proves the
permission and a 4xx is the refusal, not bad input. Each cell is its own test (its own transaction, rolled back).

Besides the status, a cell whose role may not see the canary code (anonymous, stranger, rival organizer) must
answer with a body that contains neither the code's text nor its id.

Roles, in the order of the status strings: anonymous, stranger (signed up, manages nothing), rival (organizer of
another event), organizer, owner, admin (superuser).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from orders.models import Order
from reliability import figures
from reliability.routes import fill, iter_routes
from reliability.seed import CANARY_CODE, CANARY_ID, MAY_NOT_SEE_CODE, ROLES, build_world

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

JSONAPI = "application/vnd.api+json"
JSON = "application/json"
METHODS = ("get", "post", "patch", "delete")

# Shorthands for a method a route does not have: refused before or after authentication.
NO = "405 405 405 405 405 405"
NO_AUTH = "401 405 405 405 405 405"  # the view checks the login (DRF's initial()) before it looks for the handler

# Routes outside the API, left out with the reason.
NOT_IN_MATRIX = {
    "v1/^.*$": "the catch-all under /v1/ answers every method with a JSON:API 404 (test_api_conventions.py)",
    "v1": "/v1 itself answers every method with a JSON:API 404, not a redirect (eventsite/tests/test_every_method.py)",
    "admin/": "Django admin: every page is scoped by eventsite/admin_site.py and tested (per role, per page) in "
    "eventsite/tests/test_admin_scoping.py and test_admin_access.py; ADMIN_CELLS below pins who gets in.",
}


@dataclass
class Row:
    cells: dict[str, str]  # method → six statuses, in the order of ROLES
    bodies: dict[str, Callable] = field(default_factory=dict)  # method → world → (body, content type)
    prepare: dict[str, Callable] = field(default_factory=dict)  # method → world → None (before the request)
    leak_exempt: str = ""  # why this route may show the code to everyone (the requester named it)
    otherwise: str = NO_AUTH  # status string of the methods not in ``cells``


def doc(type_, attributes=None, relationships=None, id=None):
    data = {"type": type_}
    if id is not None:
        data["id"] = str(id)
    if attributes:
        data["attributes"] = attributes
    if relationships:
        data["relationships"] = relationships
    return {"data": data}, JSONAPI


def rel(type_, id):
    return {"data": {"type": type_, "id": str(id)}}


def linkage(type_, *ids):
    return {"data": [{"type": type_, "id": str(i)} for i in ids]}, JSONAPI


NEW_EVENT = {
    "name": "New Conf",
    "starts-at": "2031-05-01T09:00:00+02:00",
    "ends-at": "2031-05-03T18:00:00+02:00",
    "payment-currency": "EUR",
}


def reset_body(user) -> dict:
    from django.contrib.auth.tokens import default_token_generator

    from eventsite.rules import reset_uid

    token = default_token_generator.make_token(user)
    return {"uid": reset_uid(user), "token": token, "new_password": "a-new-sturdy-passphrase"}


def unverify(user) -> None:
    type(user).objects.filter(pk=user.pk).update(email_verified_at=None)


def email_verification_token(user) -> str:
    from eventsite.rules import email_verification_token

    return email_verification_token(user)


def drop_orders(w):
    """An event with orders cannot be deleted (409); the DELETE cell is about permission, so it has none."""
    Order.objects.all().delete()


MATRIX: dict[str, Row] = {
    # the landing page and the load balancers' health check: for everyone, reads only
    "": Row({"get": "200 200 200 200 200 200"}, otherwise=NO),
    "healthz": Row({"get": "200 200 200 200 200 200"}, otherwise=NO),
    "v1/schema": Row({"get": "200 200 200 200 200 200"}, otherwise=NO),
    "v1/docs": Row({"get": "200 200 200 200 200 200"}, otherwise=NO),
    "v1/auth/login": Row(
        {"post": "200 200 200 200 200 200"},
        bodies={"post": lambda w: ({"email": w.organizer.email, "password": w.password}, JSON)},
        otherwise=NO,
    ),
    "v1/auth/token/refresh": Row(
        {"post": "200 200 200 200 200 200"},
        bodies={"post": lambda w: ({"refresh_token": str(RefreshToken.for_user(w.organizer))}, JSON)},
        otherwise=NO,
    ),
    "v1/auth/change-password": Row(
        {"post": "401 200 200 200 200 200"},
        bodies={"post": lambda w: ({"old_password": w.password, "new_password": "a-new-sturdy-passphrase"}, JSON)},
    ),
    "v1/auth/reset-password": Row(
        {"post": "202 202 202 202 202 202", "patch": "200 200 200 200 200 200"},
        bodies={
            "post": lambda w: ({"email": w.buyer.email}, JSON),
            "patch": lambda w: (reset_body(w.buyer), JSON),
        },
        otherwise=NO,
    ),
    # Only the account a verification token was made for verifies with it (the others: 422 at /token).
    "v1/auth/verify-email": Row(
        {"post": "401 200 422 422 422 422"},
        prepare={"post": lambda w: unverify(w.stranger)},
        bodies={"post": lambda w: ({"token": email_verification_token(w.stranger)}, JSON)},
    ),
    "v1/auth/verify-email/resend": Row(
        {"post": "401 202 200 200 200 200"},  # 200: verified already, nothing mailed
        prepare={"post": lambda w: unverify(w.stranger)},
        bodies={"post": lambda w: ({}, JSON)},
    ),
    "v1/users": Row(
        {"post": "201 201 201 201 201 201"},
        bodies={"post": lambda w: doc("user", {"email": "new@example.org", "password": "a-sturdy-passphrase"})},
    ),
    "v1/users/<id:pk>": Row({"get": "401 404 404 404 200 200"}),
    "v1/events": Row(
        {"get": "200 200 200 200 200 200", "post": "401 201 201 201 201 201"},
        bodies={"post": lambda w: doc("event", NEW_EVENT)},
    ),
    "v1/events/<id:pk>": Row(
        {"get": "200 200 200 200 200 200", "patch": "401 403 403 200 200 200", "delete": "401 403 403 403 204 204"},
        bodies={"patch": lambda w: doc("event", {"name": "Renamed"}, id=w.event.pk)},
        prepare={"delete": drop_orders},
    ),
    "v1/events/<id:pk>/relationships/organizers": Row(
        {
            "get": "401 404 404 200 200 200",
            "post": "401 404 404 403 403 403",  # nobody adds organizers by id: they are invited
            "patch": "401 404 404 403 403 403",
            "delete": "401 404 404 403 200 200",
        },
        bodies={
            "post": lambda w: linkage("user", w.stranger.pk),
            "patch": lambda w: linkage("user", w.stranger.pk),
            "delete": lambda w: linkage("user", w.organizer.pk),
        },
    ),
    "v1/events/<id:event_pk>/organizer-invitations": Row(
        {"post": "401 403 403 403 201 201"},
        bodies={"post": lambda w: doc("organizer-invitation", {"email": "new-organizer@example.org"})},
    ),
    "v1/organizer-invitations": Row({"get": "401 200 200 200 200 200"}),
    # the invitation is the stranger's: they see and answer it; the owner and admins see it (and may revoke it)
    "v1/organizer-invitations/<id:pk>": Row(
        {"get": "401 200 404 404 200 200", "patch": "401 200 404 404 403 403"},
        bodies={"patch": lambda w: doc("organizer-invitation", {"status": "accepted"}, id=w.invitation.pk)},
    ),
    "v1/tickets": Row(
        {"get": "200 200 200 200 200 200", "post": "401 403 403 201 201 201"},
        bodies={
            "post": lambda w: doc(
                "ticket",
                {"name": "New", "ticket-type": "paid", "price": "10.00"},
                {"event": rel("event", w.event.pk)},
            )
        },
    ),
    "v1/tickets/<id:pk>": Row(
        {"get": "200 200 200 200 200 200", "patch": "401 403 403 200 200 200", "delete": "401 403 403 204 204 204"},
        bodies={"patch": lambda w: doc("ticket", {"name": "Renamed"}, id=w.ticket.pk)},
    ),
    "v1/tickets/<id:pk>/discount-code": Row({"get": "401 404 404 200 200 200"}),
    "v1/tickets/<id:pk>/relationships/discount-code": Row(
        {"get": "401 404 404 200 200 200", "patch": "401 404 404 200 200 200"},
        bodies={"patch": lambda w: ({"data": None}, JSONAPI)},
    ),
    "v1/events/<id:event_pk>/tickets": Row({"get": "200 200 200 200 200 200"}),
    "v1/discount-codes/<id:code_pk>/tickets": Row({"get": "401 404 404 200 200 200"}),
    "v1/discount-codes": Row(
        {"get": "401 200 200 200 200 200", "post": "401 403 403 201 201 201"},
        bodies={
            "post": lambda w: doc(
                "discount-code",
                {"code": "NEWCODE", "value": "5.00", "discount-type": "amount", "used-for": "ticket"},
                {"event": rel("event", w.event.pk)},
            )
        },
    ),
    "v1/discount-codes/<id:pk>": Row(
        {"get": "401 404 404 200 200 200", "patch": "401 404 404 200 200 200", "delete": "401 404 404 204 204 204"},
        bodies={"patch": lambda w: doc("discount-code", {"value": "5.00"}, id=w.code.pk)},
    ),
    "v1/discount-codes/<id:pk>/event": Row({"get": "401 404 404 200 200 200"}),
    "v1/discount-codes/<id:pk>/relationships/tickets": Row(
        {
            "get": "401 404 404 200 200 200",
            "post": "401 404 404 200 200 200",
            "patch": "401 404 404 200 200 200",
            "delete": "401 404 404 200 200 200",
        },
        bodies={
            "post": lambda w: linkage("ticket", w.spare_ticket.pk),
            "patch": lambda w: linkage("ticket", w.ticket.pk, w.spare_ticket.pk),
            "delete": lambda w: linkage("ticket", w.ticket.pk),
        },
    ),
    "v1/discount-codes/<id:pk>/relationships/event": Row(
        {"get": "401 404 404 200 200 200", "patch": "401 404 404 200 200 200"},
        bodies={"patch": lambda w: (rel("event", w.event.pk), JSONAPI)},
    ),
    "v1/events/<id:event_pk>/discount-codes": Row({"get": "401 403 403 200 200 200"}),
    "v1/events/<id:event_pk>/code-generations": Row(
        {"post": "401 403 403 201 201 201"},
        bodies={
            "post": lambda w: doc(
                "code-generation", {"count": 3, "prefix": "FALL-", "discount-type": "percent", "value": "15"}
            )
        },
    ),
    "v1/events/<id:event_pk>/discount-code-report": Row({"get": "401 403 403 200 200 200"}),
    "v1/discount-codes/<id:pk>/report": Row({"get": "401 404 404 200 200 200"}),
    # the history of changes (history/views.py): the code's and the event's, organizers only
    "v1/discount-codes/<id:pk>/history": Row({"get": "401 404 404 200 200 200"}),
    "v1/events/<id:event_pk>/history": Row({"get": "401 403 403 200 200 200"}),
    "v1/events/<id:event_pk>/discount-codes/<str:code>": Row(
        {"get": "200 200 200 200 200 200"},
        leak_exempt="the public code check: the requester typed the code",
        otherwise=NO,
    ),
    "v1/orders/calculate-amount": Row(
        {"post": "200 200 200 200 200 200"},
        bodies={"post": lambda w: ({"tickets": [{"id": str(w.spare_ticket.pk), "quantity": 1}]}, JSON)},
        otherwise=NO,
    ),
    "v1/orders": Row(
        {"get": "401 200 200 200 200 200", "post": "401 201 201 201 201 201"},
        bodies={"post": lambda w: doc("order", {"tickets": [{"id": str(w.spare_ticket.pk), "quantity": 1}]})},
    ),
    "v1/orders/<id:pk>": Row(
        {"get": "401 404 404 200 200 200", "patch": "401 404 404 200 200 200"},
        bodies={"patch": lambda w: doc("order", {"status": "cancelled"}, id=w.order.pk)},
    ),
    "v1/events/<id:event_pk>/orders": Row({"get": "401 403 403 200 200 200"}),
    "v1/discount-codes/<id:code_pk>/orders": Row({"get": "401 404 404 200 200 200"}),
    # the buyer (not a role here) reads them too: tickets/tests/test_order_tickets.py
    "v1/orders/<id:order_pk>/tickets": Row({"get": "401 404 404 200 200 200"}),
    # the organizer's own codes (the canary's marketer); the owner manages the event but these are not theirs
    "v1/users/<id:user_pk>/discount-codes": Row({"get": "401 404 404 200 404 200"}),
}

# Who gets into the admin (session login), per role: anonymous users are sent to the log-in page; the stranger
# has a pending invitation (the seed's), so they get in to answer it and are refused everything else (403); an
# organizer of any event gets in but finds another event's code "not found" (a redirect to the index).
ADMIN_CELLS = {
    "/admin/": "302 200 200 200 200 200",
    "/admin/discounts/discountcode/{code}/change/": "302 403 302 200 200 200",
    "/admin/orders/order/{order}/change/": "302 403 302 200 200 200",
}


def routes_in_matrix():
    out = []
    for route, _pattern in iter_routes():
        if route in NOT_IN_MATRIX or any(route.startswith(prefix) for prefix in NOT_IN_MATRIX if prefix.endswith("/")):
            continue
        out.append(route)
    return out


def test_every_route_has_a_row():
    routes = routes_in_matrix()
    missing = [r for r in routes if r not in MATRIX]
    assert not missing, (
        "These routes have no row in the permission matrix (reliability/tests/test_permission_matrix.py); "
        f"add a row with the expected status of every method and role: {missing}"
    )
    stale = [r for r in MATRIX if r not in routes]
    assert not stale, f"These rows name routes that no longer exist; remove them: {stale}"


def path_values(route: str, w) -> dict:
    resource = route.split("/")[1] if route.startswith("v1/") else ""  # v1/<resource>/...
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
        "code": w.code.code.lower(),
        "order_pk": w.order.pk,
        "user_pk": w.organizer.pk,
    }


def cells():
    for route in MATRIX:
        row = MATRIX[route]
        for method in METHODS:
            statuses = row.cells.get(method, row.otherwise).split()
            assert len(statuses) == len(ROLES), (route, method)
            for role, status in zip(ROLES, statuses, strict=True):
                yield pytest.param(route, method, role, int(status), id=f"{method.upper()} /{route} as {role}")


def client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")
    return client


@pytest.mark.parametrize(("route", "method", "role", "expected"), list(cells()))
def test_cell(route, method, role, expected):
    w = build_world()
    row = MATRIX[route]
    if method in row.prepare:
        row.prepare[method](w)
    path = fill(route, path_values(route, w))
    kwargs = {}
    if method in row.bodies:
        import json

        body, content_type = row.bodies[method](w)
        kwargs = {"data": json.dumps(body), "content_type": content_type}
    elif method in ("post", "patch"):
        kwargs = {"data": "{}", "content_type": JSONAPI}
    response = getattr(client_for(w.user(role)), method)(path, **kwargs)
    figures.record("matrix_cells")
    assert response.status_code == expected, (response.status_code, response.content[:500])
    assert response.status_code < 500
    if response.status_code >= 400 and route.startswith("v1/") and route not in ("v1/docs", "v1/schema"):
        assert "errors" in response.json(), response.content[:300]
    if role in MAY_NOT_SEE_CODE and not row.leak_exempt:
        body = response.content.decode(errors="replace")
        figures.record("leak_checks")
        assert CANARY_CODE.lower() not in body.lower(), f"{role} sees the code's text: {body[:500]}"
        assert str(CANARY_ID) not in body, f"{role} sees the code's id: {body[:500]}"


def admin_cells():
    for url, statuses in ADMIN_CELLS.items():
        for role, status in zip(ROLES, statuses.split(), strict=True):
            yield pytest.param(url, role, int(status), id=f"GET {url} as {role}")


@pytest.mark.parametrize(("url", "role", "expected"), list(admin_cells()))
def test_admin_cell(client, url, role, expected):
    w = build_world()
    user = w.user(role)
    if user is not None:
        client.force_login(user)
    response = client.get(url.format(code=w.code.pk, order=w.order.pk))
    figures.record("matrix_cells")
    assert response.status_code == expected, response.content[:300]
    if role in MAY_NOT_SEE_CODE:
        figures.record("leak_checks")
        body = response.content.decode(errors="replace")
        assert CANARY_CODE.lower() not in body.lower()
