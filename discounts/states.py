"""Where a code stands in its life (inactive, upcoming, active, expired, used up), for lists and filters.

``state_of`` (one code) and ``filter_state`` (a queryset) answer the same question and are tested against each
other. "Used up" compares ``used_count`` (kept exact by the order rules) with the limit ``tickets_number``.
"""

from datetime import datetime

from django.db import models
from django.db.models import F, Q, QuerySet

from .models import DiscountCode


class CodeState(models.TextChoices):
    INACTIVE = "inactive", "inactive"
    UPCOMING = "upcoming", "upcoming"
    ACTIVE = "active", "active"
    EXPIRED = "expired", "expired"
    USED_UP = "used_up", "used up"


USED_UP = Q(tickets_number__isnull=False, used_count__gte=F("tickets_number"))


def state_of(code: DiscountCode, now: datetime) -> CodeState:
    if not code.is_active:
        return CodeState.INACTIVE
    if code.valid_from and code.valid_from > now:
        return CodeState.UPCOMING
    if code.valid_till and code.valid_till <= now:
        return CodeState.EXPIRED
    if code.tickets_number is not None and code.used_count >= code.tickets_number:
        return CodeState.USED_UP
    return CodeState.ACTIVE


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
