"""A code's remaining uses and whether it is usable now each have one rule, in ``discounts.rules``: the
Python function and its query expression agree, and the admin's state is the rule's answer read as a state."""

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from discounts import rules, states
from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes_of_every_use(event):
    """Codes with no limit, with room left and exactly used up (the database refuses uses beyond the limit)."""
    codes = []
    pairs = [(limit, used) for limit, used in product((None, 0, 1, 5), (0, 1, 5, 7)) if limit is None or used <= limit]
    for i, (limit, used) in enumerate(pairs):
        code = DiscountCodeFactory(event=event, code=f"USE{i}", for_event=True)
        DiscountCode.objects.filter(pk=code.pk).update(tickets_number=limit, used_count=used)  # past the rules
        codes.append(code.pk)
    return DiscountCode.objects.filter(pk__in=codes)


def test_remaining_uses_agrees_with_its_query_expression(codes_of_every_use):
    annotated = {c.pk: c.remaining for c in codes_of_every_use.annotate(remaining=rules.REMAINING_USES)}
    by_function = {c.pk: rules.remaining_uses(c) for c in codes_of_every_use}
    assert annotated == by_function
    assert set(by_function.values()) >= {None, 0, 4}  # no limit, used up and room left all occur


def test_remaining_uses_never_falls_below_zero_and_none_means_no_limit(event):
    code = DiscountCode(event=event, code="X", tickets_number=3, used_count=5)
    assert rules.remaining_uses(code) == 0
    code.tickets_number = None
    assert rules.remaining_uses(code) is None


@pytest.mark.parametrize(
    ("fields", "state", "problem"),
    [
        ({"is_active": False}, states.CodeState.INACTIVE, "code_inactive"),
        ({"valid_from": +1}, states.CodeState.UPCOMING, "code_not_yet_valid"),
        ({"valid_from": -9, "valid_till": -1}, states.CodeState.EXPIRED, "code_expired"),
        ({"tickets_number": 2, "used_count": 2}, states.CodeState.USED_UP, "code_used_up"),
        ({"tickets_number": 2, "used_count": 1}, states.CodeState.ACTIVE, None),
    ],
)
def test_the_state_is_the_availability_rule_read_as_a_state(event, fields, state, problem):
    now = timezone.now()
    values = {k: now + timedelta(days=v) if k.startswith("valid") else v for k, v in fields.items()}
    values.setdefault("valid_from", now - timedelta(days=10))
    code = DiscountCode(event=event, code="X", **values)
    problems = rules.availability_problems(code, now=now)
    assert [p.code for p in problems] == ([problem] if problem else [])
    assert states.state_of(code, now) == state
