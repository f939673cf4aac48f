"""``GET /v1/orders/{id}/tickets`` (as Open Event clients read it): the tickets in the order's lines, as ticket
resources, for the order's buyer and the event's organizers; anyone else finds no such order."""

from decimal import Decimal

import pytest
from django.utils import timezone

from discounts import rules as discount_rules
from eventsite.tests.factories import TicketFactory, UserFactory
from orders import rules as order_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.org")


@pytest.fixture
def order(buyer, event, ticket_code):
    """Two lines: a visible ticket and a hidden one the code unlocked; a third ticket of the event not bought."""
    regular = TicketFactory(event=event, name="Regular", price=Decimal("40.00"))
    hidden = TicketFactory(event=event, name="Speakers", price=Decimal("20.00"), is_hidden=True)
    TicketFactory(event=event, name="Not bought")
    discount_rules.attach_tickets(code=ticket_code, tickets=[hidden])
    placed, _ = order_rules.place_order(
        buyer=buyer,
        lines=[order_rules.LineInput(regular.pk, 2), order_rules.LineInput(hidden.pk, 1)],
        code_text="EARLY",
        now=timezone.now(),
    )
    placed.tickets = [regular, hidden]
    return placed


def url(order):
    return f"/v1/orders/{order.pk}/tickets"


def test_the_buyer_reads_the_tickets_of_the_order_hidden_ones_too(api, buyer, order):
    response = api(buyer).get(url(order))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [(t["type"], t["id"]) for t in data] == [("ticket", str(t.pk)) for t in order.tickets]
    assert data[1]["attributes"]["is-hidden"] is True
    # the buyer manages nothing: no member only organizers see (which code a ticket has, how many are sold)
    assert "discount-code" not in data[1].get("relationships", {})
    assert "sold-count" not in data[1]["attributes"]
    assert response.json()["meta"]["pagination"]["count"] == 2


def test_the_events_organizers_read_them_with_their_members(api, organizer, order, ticket_code):
    response = api(organizer).get(url(order), {"include": "event"})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [t["id"] for t in data] == [str(t.pk) for t in order.tickets]
    assert data[1]["relationships"]["discount-code"]["data"] == {"type": "discount-code", "id": str(ticket_code.pk)}
    assert data[0]["attributes"]["sold-count"] == 2
    assert [e["type"] for e in response.json()["included"]] == ["event"]


def test_the_list_is_paginated(api, buyer, order):
    body = api(buyer).get(url(order), {"page[size]": 1, "page[number]": 2}).json()
    assert [t["id"] for t in body["data"]] == [str(order.tickets[1].pk)]
    assert body["meta"]["pagination"] == {"page": 2, "pages": 2, "count": 2}


def test_nobody_else_finds_the_order(api, stranger, other_organizer, order):
    for user in (stranger, other_organizer):
        response = api(user).get(url(order))
        assert response.status_code == 404, response.content
        assert str(order.tickets[0].pk) not in response.content.decode()
    assert api(None).get(url(order)).status_code == 401
    assert api(order.buyer).get(f"/v1/orders/{order.pk + 1000}/tickets").status_code == 404


def test_a_cancelled_order_still_lists_what_it_held(api, buyer, order):
    order_rules.cancel_order(order=order, now=timezone.now())
    assert len(api(buyer).get(url(order)).json()["data"]) == 2


def test_the_buyer_cannot_include_the_codes_of_the_tickets(api, buyer, order, ticket_code):
    response = api(buyer).get(url(order), {"include": "discount-code,event"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {r["type"] for r in body["included"]} == {"event"}
    assert all("discount-code" not in t.get("relationships", {}) for t in body["data"])
    assert ticket_code.code not in response.content.decode()
