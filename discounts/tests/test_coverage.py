"""Which tickets a code covers: one rule (``rules.covers`` and its query ``rules.covered_tickets``), asked by the
public check, the quote, orders and reports alike. An event code covers every paid, visible ticket of its event;
a hidden ticket only a ticket code attached to it."""

from itertools import product

import pytest
from rest_framework.test import APIClient

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from orders import reports
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind_of_ticket(event, other_event, ticket_code, event_code):
    """A ticket of each type, hidden or not, attached to ``ticket_code``, to another code or to none, in the
    code's event; and the same in another event (a stray attachment, as a database edited by hand could hold)."""
    other_code = DiscountCodeFactory(event=event, code="OTHER")
    tickets = []
    for owner, kind, hidden, attached in product(
        (event, other_event), TicketType.values, (False, True), (None, ticket_code, other_code)
    ):
        ticket = TicketFactory(event=owner, type=kind, price=0 if kind == TicketType.FREE else 20, is_hidden=hidden)
        if attached is not None:
            Ticket.objects.filter(pk=ticket.pk).update(discount_code=attached)  # past the rules, on purpose
        tickets.append(ticket)
    return Ticket.objects.filter(pk__in=[t.pk for t in tickets])


@pytest.mark.parametrize("which", ["ticket_code", "event_code"])
def test_the_predicate_and_the_query_agree_on_every_kind_of_ticket(request, every_kind_of_ticket, which):
    code = request.getfixturevalue(which)
    by_predicate = {t.pk for t in every_kind_of_ticket if rules.covers(code, t)}
    assert set(rules.covered_ticket_ids(code)) == by_predicate
    assert by_predicate  # the rule covers something in this world, so agreement is not trivial


def test_an_event_code_covers_paid_visible_tickets_of_its_event_only(event, event_code, every_kind_of_ticket):
    covered = Ticket.objects.filter(pk__in=rules.covered_ticket_ids(event_code))
    assert covered.count() == 3  # one per attachment state
    assert all(t.event_id == event.pk and t.type == TicketType.PAID and not t.is_hidden for t in covered)


def test_a_ticket_code_covers_its_attached_tickets_hidden_ones_too(event, ticket_code, every_kind_of_ticket):
    covered = Ticket.objects.filter(pk__in=rules.covered_ticket_ids(ticket_code))
    assert {(t.type, t.is_hidden) for t in covered} == {
        (TicketType.PAID, False),
        (TicketType.PAID, True),
        (TicketType.DONATION, False),
        (TicketType.DONATION, True),
    }
    assert all(t.event_id == event.pk and t.discount_code_id == ticket_code.pk for t in covered)


# The hidden ticket through every door: the public check, the quote, an order, the report.


@pytest.fixture
def hidden(event):
    return TicketFactory(event=event, name="Speakers", is_hidden=True, price=50)


@pytest.fixture
def visible(event):
    return TicketFactory(event=event, name="Regular", price=50)


def check(event, code):
    return APIClient().get(f"/v1/events/{event.pk}/discount-codes/{code}")


def quote(ticket, code):
    body = {"tickets": [{"id": str(ticket.pk), "quantity": 1}], "discount-code": code}
    return APIClient().post("/v1/orders/calculate-amount", body, format="json")


def order(api, buyer, ticket, code):
    attributes = {"tickets": [{"id": str(ticket.pk), "quantity": 1}], "code": code}
    return api(buyer).post("/v1/orders", {"data": {"type": "order", "attributes": attributes}})


def linked_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {t["id"] for t in response.json()["data"]["relationships"]["tickets"]["data"]}


def test_an_event_code_does_not_unlock_a_hidden_ticket(api, stranger, event, event_code, hidden, visible):
    assert linked_ids(check(event, "team")) == {str(visible.pk)}

    response = quote(hidden, "team")
    assert response.status_code == 422, response.content
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == ["/tickets/0/id"]
    assert quote(visible, "team").json()["discount"] != "0.00"

    response = order(api, stranger, hidden, "team")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/tickets/0/id"
    hidden.refresh_from_db()
    assert hidden.sold_count == 0
    assert order(api, stranger, visible, "team").status_code == 201

    figures = {t.ticket_id: t.applies for t in reports.code_report(event_code).tickets}
    assert figures == {visible.pk: True}


def test_a_ticket_code_attached_to_a_hidden_ticket_unlocks_it(api, stranger, event, ticket_code, hidden):
    rules.attach_tickets(code=ticket_code, tickets=[hidden])
    assert linked_ids(check(event, "early")) == {str(hidden.pk)}

    response = quote(hidden, "early")
    assert response.status_code == 200, response.content
    assert response.json()["discount"] == "10.00"

    response = order(api, stranger, hidden, "early")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["discount"] == "10.00"

    figures = {t.ticket_id: (t.applies, t.uses) for t in reports.code_report(ticket_code).tickets}
    assert figures == {hidden.pk: (True, 1)}


def test_a_code_never_covers_a_ticket_of_another_event(other_event, event_code):
    stray = TicketFactory(event=other_event)
    assert not rules.covers(event_code, stray)
    assert stray.pk not in rules.covered_ticket_ids(event_code)
