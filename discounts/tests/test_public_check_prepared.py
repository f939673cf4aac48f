"""The public check's covered tickets come from ``discounts.views.covered_ticket_ids``: the rule's own query
(``rules.covered_tickets``) compiled once per kind of code; it must name the tickets the rule names."""

from decimal import Decimal

import pytest

from discounts import rules
from discounts.views import covered_ticket_ids
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_the_prepared_covered_tickets_are_the_rules(event, other_event):
    tickets = [TicketFactory(event=event, position=3 - i % 2, is_hidden=i == 1) for i in range(4)]
    TicketFactory(event=event, free=True)
    TicketFactory(event=other_event)
    ticket_code = DiscountCodeFactory(event=event, used_for="ticket", value=Decimal("1.00"))
    rules.attach_tickets(code=ticket_code, tickets=tickets[:2])
    event_code = DiscountCodeFactory(event=event, used_for="event", value=Decimal("1.00"))
    other_code = DiscountCodeFactory(event=other_event, used_for="event", value=Decimal("1.00"))
    for code in (ticket_code, event_code, other_code):
        assert covered_ticket_ids(code) == rules.covered_ticket_ids(code)
    assert rules.covered_ticket_ids(ticket_code) and rules.covered_ticket_ids(event_code)
