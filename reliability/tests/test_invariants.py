"""The invariant check finds each kind of violation (so that a clean result after the soak means something)."""

import pytest
from django.core.management import CommandError, call_command

from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory
from orders.invariants import violations
from reliability.seed import build_world
from tickets.models import Ticket

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


def test_a_consistent_database_has_none(capsys):
    build_world()
    assert violations() == []
    call_command("check_invariants")
    assert "0 violations" in capsys.readouterr().out


def test_each_kind_of_violation_is_found():
    w = build_world()
    Ticket.objects.filter(pk=w.sold_ticket.pk).update(sold_count=5)  # orders say 1
    DiscountCode.objects.filter(pk=w.code.pk).update(used_count=3)  # orders say 0
    foreign = DiscountCodeFactory(event=w.other_event)
    Ticket.objects.filter(pk=w.spare_ticket.pk).update(discount_code=foreign)
    found = violations()
    assert any(f"ticket {w.sold_ticket.pk}: sold_count 5" in v for v in found), found
    assert any(f"code {w.code.pk}: used_count 3" in v for v in found), found
    assert any(f"ticket {w.spare_ticket.pk} of event" in v for v in found), found
    with pytest.raises(CommandError):
        call_command("check_invariants")
