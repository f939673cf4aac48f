"""Where a code stands in its life (inactive, upcoming, active, expired, used up), for lists and filters.

``state_of`` (one code) is ``rules.availability_problems`` read as a state: the one rule of "is this code usable
now", which the public check and pricing ask too. ``filter_state`` (a queryset) answers the same question in one
query and is tested against it. "Used up" compares ``used_count`` (kept exact by the order rules) with the limit
``tickets_number``.
"""

from datetime import datetime

from django.db import models
from django.db.models import F, Q, QuerySet

from . import rules
from .models import DiscountCode


class CodeState(models.TextChoices):
    INACTIVE = "inactive", "inactive"
    UPCOMING = "upcoming", "upcoming"
    ACTIVE = "active", "active"
    EXPIRED = "expired", "expired"
    USED_UP = "used_up", "used up"


USED_UP = Q(tickets_number__isnull=False, used_count__gte=F("tickets_number"))


# The problem ``rules.availability_problems`` reports, as the state it puts the code in.
STATE_OF_PROBLEM = {
    "code_inactive": CodeState.INACTIVE,
    "code_not_yet_valid": CodeState.UPCOMING,
    "code_expired": CodeState.EXPIRED,
    "code_used_up": CodeState.USED_UP,
}


def state_of(code: DiscountCode, now: datetime) -> CodeState:
    problems = rules.availability_problems(code, now=now)
    return STATE_OF_PROBLEM[problems[0].code] if problems else CodeState.ACTIVE


def filter_state(queryset: QuerySet, state: str, now: datetime) -> QuerySet:
    """The codes of ``queryset`` in ``state``, as ``state_of`` says, in one query."""
    active = Q(is_active=True)
    if state == CodeState.INACTIVE:
        return queryset.filter(is_active=False)
    if state == CodeState.UPCOMING:
        return queryset.filter(active, valid_from__gt=now)
    if state == CodeState.EXPIRED:
        return queryset.filter(active, valid_from__lte=now, valid_till__lte=now)
    current = queryset.filter(active, valid_from__lte=now).exclude(valid_till__lte=now)
    if state == CodeState.ACTIVE:
        return current.exclude(USED_UP)
    if state == CodeState.USED_UP:
        return current.filter(USED_UP)
    return queryset
