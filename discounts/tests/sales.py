"""Orders built by hand for the report tests: the fixture ``sales`` (import ``sales_fixture`` to use it)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory, UserFactory
from orders import rules as order_rules
from orders.models import Order
from orders.rules import LineInput

UTC = ZoneInfo("UTC")


def place(ticket_lines, code=None, when=None):
    order, _ = order_rules.place_order(
        buyer=UserFactory(),
        lines=[LineInput(t.pk, q) for t, q in ticket_lines],
        code_text=code,
        now=timezone.now(),
    )
    if when is not None:
        Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


@pytest.fixture(name="sales")
def sales_fixture(event, paid_ticket, second_paid_ticket):
    """EARLY: 10.00 off Early bird (50.00) and Student (20.00), limit 50; TEAM: 20 % off every paid ticket.

    1. Early bird x2 with EARLY (1 March, 10:00 UTC)       → 2 uses, discount 20.00, paid 80.00
    2. Student x1 + Regular x1 with EARLY (2 March, 23:30 UTC = 3 March in Berlin)
                                                           → 1 use, discount 10.00, paid 10.00 + 99.00
    3. Early bird x1 with EARLY, then cancelled            → not counted
    4. Early bird x1 without a code                        → not counted
    5. Regular x1 with TEAM                                → 1 use, discount 19.80, paid 79.20
    """
    event.timezone = "Europe/Berlin"
    event.save()
    regular = TicketFactory(event=event, name="Regular", price=Decimal("99.00"))
    early = rules.create_code(
        event=event,
        code="EARLY",
        value=Decimal("10.00"),
        used_for="ticket",
        tickets_number=50,
        tickets=[paid_ticket, second_paid_ticket],
    )
    team = rules.create_code(event=event, code="TEAM", type="percent", value=Decimal("20"), used_for="event")
    DiscountCodeFactory(event=event, code="UNUSED", for_event=True)
    place([(paid_ticket, 2)], "EARLY", datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
    place([(second_paid_ticket, 1), (regular, 1)], "early", datetime(2027, 3, 2, 23, 30, tzinfo=UTC))
    cancelled = place([(paid_ticket, 1)], "EARLY")
    order_rules.cancel_order(order=cancelled, now=timezone.now())
    place([(paid_ticket, 1)])
    place([(regular, 1)], "TEAM")
    return {"early": early, "team": team, "regular": regular}
