"""What the fuzzer needs to reach success: where path parameters come from, and one request per operation that
must succeed, all built from the seeded world (``reliability/seed.py``).

``reliability/tests/test_fuzz.py`` fills every path parameter from the world (``RESOURCE_IDS`` for ``{id}`` by the
path's first segment, ``PARAMETERS`` by name), sends each operation's example first (``EXAMPLES``; an operation
without one is sent with its path parameters alone, which suits reads and deletes), then generated input around
it, and fails naming every operation that never answered a 2xx. A new operation needs at most one entry here:
a body for a write, a parameter the tables do not know, or a user who may do it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.tokens import default_token_generator

from eventsite.rules import email_verification_token, reset_uid
from reliability.seed import World

Build = Callable[[World], Any]


@dataclass(frozen=True)
class Example:
    """A request that must answer 2xx: the body, query and path parameters (overriding the tables) it needs,
    and the role that sends it (``World.user``; the fuzzer's is the event's organizer)."""

    body: Build | None = None
    query: Build | None = None
    path: Build | None = None
    user: str = "organizer"


#: ``{id}`` in a path, by the path's first segment.
RESOURCE_IDS: dict[str, Build] = {
    "events": lambda w: w.event.pk,
    "discount-codes": lambda w: w.code.pk,
    "tickets": lambda w: w.ticket.pk,
    "orders": lambda w: w.order.pk,
    "users": lambda w: w.organizer.pk,
    "organizer-invitations": lambda w: w.invitation.pk,
}

#: Every other path parameter, by name.
PARAMETERS: dict[str, Build] = {
    "event_pk": lambda w: w.event.pk,
    "code_pk": lambda w: w.code.pk,
    "code": lambda w: w.code.code,
    "order_pk": lambda w: w.order.pk,
    "user_pk": lambda w: w.organizer.pk,
}


def resource(type_: str, id_: Any = None, relationships: dict | None = None, **attributes: Any) -> dict:
    """A JSON:API document of one resource; attribute names as Python names (``min_order`` → ``min-order``)."""
    data: dict[str, Any] = {"type": type_}
    if id_ is not None:
        data["id"] = str(id_)
    if attributes:
        data["attributes"] = {name.replace("_", "-"): value for name, value in attributes.items()}
    if relationships:
        data["relationships"] = {name: {"data": linkage} for name, linkage in relationships.items()}
    return {"data": data}


def ref(type_: str, obj: Any) -> dict:
    return {"type": type_, "id": str(obj.pk)}


def linkage(*refs: dict | None) -> dict:
    return {"data": list(refs)}


EXAMPLES: dict[str, Example] = {
    "POST /v1/auth/login": Example(body=lambda w: {"email": w.organizer.email, "password": w.password}),
    "POST /v1/auth/token/refresh": Example(body=lambda w: {"refresh_token": w.refresh_token("organizer")}),
    "POST /v1/auth/change-password": Example(
        body=lambda w: {"old_password": w.password, "new_password": "another-sturdy-passphrase"}
    ),
    "POST /v1/auth/reset-password": Example(body=lambda w: {"email": w.organizer.email}, user="anonymous"),
    "PATCH /v1/auth/reset-password": Example(
        body=lambda w: {
            "uid": reset_uid(w.organizer),
            "token": default_token_generator.make_token(w.organizer),
            "new_password": "another-sturdy-passphrase",
        },
        user="anonymous",
    ),
    # The token the organizer's address was mailed (verifying a verified address again is a 200).
    "POST /v1/auth/verify-email": Example(body=lambda w: {"token": email_verification_token(w.organizer)}),
    "POST /v1/users": Example(
        body=lambda w: resource("user", email="newcomer@example.org", password="a-sturdy-passphrase"),
        user="anonymous",
    ),
    "POST /v1/events": Example(
        body=lambda w: resource(
            "event",
            name="FuzzConf",
            starts_at="2031-05-01T09:00:00+02:00",
            ends_at="2031-05-02T18:00:00+02:00",
            payment_currency="EUR",
        )
    ),
    "PATCH /v1/events/{id}": Example(body=lambda w: resource("event", w.event.pk, name="PyCon Test, renamed")),
    # the seeded event has orders, which keep it (409): an admin deletes the other event, which has none
    "DELETE /v1/events/{id}": Example(path=lambda w: {"id": w.other_event.pk}, user="admin"),
    "DELETE /v1/events/{id}/relationships/organizers": Example(
        body=lambda w: linkage(ref("user", w.organizer)), user="owner"
    ),
    "POST /v1/events/{event_pk}/organizer-invitations": Example(
        body=lambda w: resource("organizer-invitation", email="new-organizer@example.org"), user="owner"
    ),
    # the seeded invitation is the stranger's: the owner sees it, the stranger answers it
    "GET /v1/organizer-invitations/{id}": Example(user="owner"),
    "PATCH /v1/organizer-invitations/{id}": Example(
        body=lambda w: resource("organizer-invitation", w.invitation.pk, status="accepted"), user="stranger"
    ),
    "POST /v1/events/{event_pk}/code-generations": Example(
        body=lambda w: resource(
            "code-generation", count=3, prefix="FUZZ-", discount_type="percent", value="15.00", used_for="event"
        )
    ),
    "POST /v1/tickets": Example(
        body=lambda w: resource(
            "ticket",
            relationships={"event": ref("event", w.event)},
            name="Fuzz pass",
            ticket_type="paid",
            price="25.00",
        )
    ),
    "PATCH /v1/tickets/{id}": Example(body=lambda w: resource("ticket", w.ticket.pk, name="Early bird, renamed")),
    "DELETE /v1/tickets/{id}": Example(path=lambda w: {"id": w.spare_ticket.pk}),
    "PATCH /v1/tickets/{id}/relationships/discount-code": Example(body=lambda w: {"data": None}),
    "POST /v1/discount-codes": Example(
        body=lambda w: resource(
            "discount-code",
            relationships={"event": ref("event", w.event), "tickets": [ref("ticket", w.spare_ticket)]},
            code="FUZZ10",
            value="10.00",
            discount_type="amount",
            used_for="ticket",
        )
    ),
    "PATCH /v1/discount-codes/{id}": Example(body=lambda w: resource("discount-code", w.code.pk, code="RENAMED7Q")),
    "PATCH /v1/discount-codes/{id}/relationships/event": Example(body=lambda w: {"data": ref("event", w.event)}),
    "POST /v1/discount-codes/{id}/relationships/tickets": Example(
        body=lambda w: linkage(ref("ticket", w.spare_ticket))
    ),
    "PATCH /v1/discount-codes/{id}/relationships/tickets": Example(
        body=lambda w: linkage(ref("ticket", w.ticket), ref("ticket", w.spare_ticket))
    ),
    "DELETE /v1/discount-codes/{id}/relationships/tickets": Example(body=lambda w: linkage(ref("ticket", w.ticket))),
    "POST /v1/orders": Example(
        body=lambda w: resource("order", tickets=[{"id": str(w.ticket.pk), "quantity": 1}], code=w.code.code)
    ),
    "PATCH /v1/orders/{id}": Example(body=lambda w: resource("order", w.order.pk, status="cancelled")),
    "POST /v1/orders/calculate-amount": Example(
        body=lambda w: {"tickets": [{"id": str(w.ticket.pk), "quantity": 2}], "discount-code": w.code.code},
        user="anonymous",
    ),
}
