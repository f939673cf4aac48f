"""Where a code stands in its life (inactive, upcoming, active, expired, used up), for lists and filters.

``state_of`` (one code) and ``filter_state`` (a queryset) answer the same question and are tested against each
other. "Used up" needs the number of uses, which only orders can give: until an ``orders`` relation exists on
``DiscountCode``, ``used_count`` returns None, no code is ever used up, and filters leave that state out.
"""

from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet

from .models import DiscountCode


class CodeState(models.TextChoices):
    INACTIVE = "inactive", "inactive"
    UPCOMING = "upcoming", "upcoming"
    ACTIVE = "active", "active"
    EXPIRED = "expired", "expired"
    USED_UP = "used_up", "used up"


def orders_exist() -> bool:
    """Whether codes can be counted yet: true once another app adds orders pointing at a code (``orders``)."""
    return any(rel.name == "orders" for rel in DiscountCode._meta.related_objects)


def used_count(code: DiscountCode) -> int | None:
    """How many times the code was used: its orders, once they exist; None before (nothing to count)."""
    if not orders_exist():
        return None
    return code.orders.count()


def state_of(code: DiscountCode, now: datetime) -> CodeState:
    if not code.is_active:
        return CodeState.INACTIVE
    if code.valid_from and code.valid_from > now:
        return CodeState.UPCOMING
    if code.valid_till and code.valid_till <= now:
        return CodeState.EXPIRED
    used = used_count(code) if code.tickets_number is not None else None
    if used is not None and used >= code.tickets_number:
        return CodeState.USED_UP
    return CodeState.ACTIVE


def filter_state(queryset: QuerySet, state: str, now: datetime) -> QuerySet:
    """The codes of ``queryset`` in ``state`` (as ``state_of`` says); USED_UP is empty until orders exist."""
    active = Q(is_active=True)
    if state == CodeState.INACTIVE:
        return queryset.filter(is_active=False)
    if state == CodeState.UPCOMING:
        return queryset.filter(active, valid_from__gt=now)
    if state == CodeState.EXPIRED:
        return queryset.filter(active, valid_from__lte=now, valid_till__lte=now)
    current = queryset.filter(active, valid_from__lte=now).exclude(valid_till__lte=now)
    if state == CodeState.ACTIVE:
        return current if not orders_exist() else current.exclude(pk__in=_used_up(current))
    if state == CodeState.USED_UP:
        return current.filter(pk__in=_used_up(current)) if orders_exist() else queryset.none()
    return queryset


def _used_up(queryset: QuerySet) -> QuerySet:
    return (
        queryset.filter(tickets_number__isnull=False)
        .annotate(uses=models.Count("orders"))
        .filter(uses__gte=models.F("tickets_number"))
        .values("pk")
    )
