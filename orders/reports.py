"""How codes perform, from orders: reads only, each a fixed number of aggregate queries (never a loop of queries).

What counts:

- Only **placed** orders (a cancelled order gave nothing and used nothing; cancelling frees its uses).
- **uses**: tickets sold with the code's discount, the sum of the lines' ``discounted_quantity`` (the same
  number ``used_count`` keeps); **remaining**: ``rules.remaining_uses`` (``REMAINING_USES`` in a query).
- **discount given**: the sum of the lines' ``discount``.
- **revenue**: what the orders that used the code took in after the discount, i.e. the sum of the totals of all
  their lines (the whole orders, also tickets bought alongside without the discount). Per ticket, the revenue
  is that ticket's lines in those orders.
- **uses per day**: by the day the order was placed, in the event's time zone.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from discounts import rules
from discounts.models import DiscountCode

from .models import OrderLine, OrderStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TicketFigures:
    ticket_id: int
    name: str
    applies: bool  # the code covers this ticket (``rules.covers``)
    uses: int
    sold: int  # tickets of this kind in orders that used the code, discounted or not
    discount: Decimal
    revenue: Decimal


@dataclass(frozen=True)
class CodeReport:
    code: DiscountCode
    uses: int
    remaining: int | None
    orders: int
    discount: Decimal
    revenue: Decimal
    tickets: list[TicketFigures]
    per_day: list[tuple[date, int]] = field(default_factory=list)


def _placed_lines(code_ids) -> "OrderLine.objects":
    return OrderLine.objects.filter(order__discount_code__in=code_ids, order__status=OrderStatus.PLACED)


def code_report(code: DiscountCode) -> CodeReport:
    """The report of one code: three queries (lines per ticket, uses per day, the tickets it applies to)."""
    per_ticket = list(
        _placed_lines([code.pk])
        .values("ticket_id", "ticket__name", "ticket__position")
        .annotate(
            uses=Sum("discounted_quantity"),
            sold=Sum("quantity"),
            discount=Sum("discount"),
            revenue=Sum("total"),
            orders=Count("order_id", distinct=True),
        )
        .order_by("ticket__position", "ticket_id")
    )
    zone = _zone(code.event.timezone)
    per_day = list(
        _placed_lines([code.pk])
        .annotate(day=TruncDate("order__created_at", tzinfo=zone))
        .values("day")
        .annotate(uses=Sum("discounted_quantity"), orders=Count("order_id", distinct=True))
        .order_by("day")
    )
    applicable = dict(rules.covered_tickets(code).values_list("pk", "name"))
    rows = {
        r["ticket_id"]: TicketFigures(
            r["ticket_id"],
            r["ticket__name"],
            r["ticket_id"] in applicable,
            r["uses"] or 0,
            r["sold"] or 0,
            cents(r["discount"]),
            cents(r["revenue"]),
        )
        for r in per_ticket
    }
    for pk, name in applicable.items():
        rows.setdefault(pk, TicketFigures(pk, name, True, 0, 0, ZERO, ZERO))
    return CodeReport(
        code=code,
        uses=sum(r.uses for r in rows.values()),
        remaining=rules.remaining_uses(code),
        orders=sum(d["orders"] for d in per_day),
        discount=sum((r.discount for r in rows.values()), ZERO),
        revenue=sum((r.revenue for r in rows.values()), ZERO),
        tickets=sorted(rows.values(), key=lambda r: (not r.applies, -r.uses, r.name)),
        per_day=[(d["day"], d["uses"] or 0) for d in per_day],
    )


def ranked_codes(event_id: int):
    """The event's codes ranked by use (most first, then by code), each annotated with its figures.

    One query (a page of it, plus COUNT when paginated): ``uses``, ``discount_given``, ``revenue``,
    ``order_count``, ``remaining``.
    """
    placed = Q(orders__status=OrderStatus.PLACED)
    return (
        DiscountCode.objects.filter(event_id=event_id)
        .annotate(
            uses=Coalesce(Sum("orders__lines__discounted_quantity", filter=placed), Value(0)),
            discount_given=Coalesce(Sum("orders__lines__discount", filter=placed), Value(ZERO)),
            revenue=Coalesce(Sum("orders__lines__total", filter=placed), Value(ZERO)),
            order_count=Count("orders", filter=placed, distinct=True),
            remaining=rules.REMAINING_USES,
        )
        .order_by(F("uses").desc(), "code", "pk")
    )


def cents(value) -> Decimal:
    """Money to two places (SQLite's sums drop trailing zeros)."""
    return (value or ZERO).quantize(ZERO)


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
