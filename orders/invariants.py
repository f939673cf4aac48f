"""The invariants of the whole database, checked in a few aggregate queries (``manage.py check_invariants``).

Production code, in orders because they span tickets, codes and orders; the reliability suite asks them too.

- no ticket sold beyond its quantity, and every ticket's ``sold_count`` equal to a recount from placed orders;
- no code used beyond its ``tickets_number``, and every code's ``used_count`` equal to a recount from orders;
- every ticket's code belongs to the ticket's event;
- every order's lines add up to the order, and all its lines are of the order's event.
"""

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from discounts.models import DiscountCode
from tickets.models import Ticket

from .models import Order, OrderLine, OrderStatus


def _sum(queryset, field):
    return Coalesce(
        Subquery(queryset.values(total=Sum(field)).values("total")[:1], output_field=IntegerField()),
        Value(0),
    )


def violations() -> list[str]:
    """Every broken invariant, one line each; an empty list means the database is consistent."""
    out: list[str] = []
    placed_lines = OrderLine.objects.filter(order__status=OrderStatus.PLACED)

    tickets = Ticket.objects.annotate(
        recount=_sum(placed_lines.filter(ticket=OuterRef("pk")).order_by().values("ticket"), "quantity")
    )
    for t in tickets.filter(sold_count__gt=F("quantity")).values("pk", "sold_count", "quantity"):
        out.append(f"ticket {t['pk']}: sold {t['sold_count']} of {t['quantity']}")
    for t in tickets.exclude(sold_count=F("recount")).values("pk", "sold_count", "recount"):
        out.append(f"ticket {t['pk']}: sold_count {t['sold_count']} but orders say {t['recount']}")

    codes = DiscountCode.objects.annotate(
        recount=_sum(
            placed_lines.filter(order__discount_code=OuterRef("pk")).order_by().values("order__discount_code"),
            "discounted_quantity",
        )
    )
    for c in codes.filter(tickets_number__isnull=False, used_count__gt=F("tickets_number")).values(
        "pk", "used_count", "tickets_number"
    ):
        out.append(f"code {c['pk']}: used {c['used_count']} times, limit {c['tickets_number']}")
    for c in codes.exclude(used_count=F("recount")).values("pk", "used_count", "recount"):
        out.append(f"code {c['pk']}: used_count {c['used_count']} but orders say {c['recount']}")

    for t in (
        Ticket.objects.filter(discount_code__isnull=False)
        .exclude(discount_code__event=F("event"))
        .values("pk", "event_id", "discount_code_id")
    ):
        out.append(f"ticket {t['pk']} of event {t['event_id']} has code {t['discount_code_id']} of another event")

    for line in OrderLine.objects.exclude(ticket__event=F("order__event")).values("pk", "order_id"):
        out.append(f"order {line['order_id']}: line {line['pk']} is of another event")
    orders = Order.objects.annotate(
        lines_total=Coalesce(
            Subquery(
                OrderLine.objects.filter(order=OuterRef("pk"))
                .order_by()
                .values("order")
                .annotate(t=Sum("total"))
                .values("t")[:1]
            ),
            Value(None),
        )
    )
    for o in orders.filter(Q(lines_total__isnull=True) | ~Q(lines_total=F("amount"))).values("pk", "amount"):
        out.append(f"order {o['pk']}: its lines do not add up to its amount {o['amount']}")
    return out
