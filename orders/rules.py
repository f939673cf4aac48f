"""The rules of orders: which lines may be bought, and the limits that hold under any concurrency.

A placed order locks, in this order, the discount code row and then its tickets' rows (primary-key order),
the same order ``discounts.rules`` locks them in, so no two transactions wait on each other in a cycle.
Sold and used counters then change with conditional UPDATEs, and CHECK constraints in the database
(``sold_count <= quantity``, ``used_count <= tickets_number``) hold even against a bug here.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum

from discounts import rules as discount_rules
from discounts.models import DiscountCode
from eventsite.access import manages
from eventsite.errors import Kind, Problem, RuleError, raise_if
from eventsite.models import User
from tickets.models import Ticket, TicketType

from .models import Order, OrderLine, OrderStatus
from .pricing import LineRequest, Quote, price_order

NO_LINES = "An order needs at least one ticket."
TICKET_UNKNOWN = "There is no ticket with id {id}."
TICKET_TWICE = "Each ticket appears once per order; add up the quantities."
SEVERAL_EVENTS = "All tickets of an order belong to one event."
BELOW_MIN_ORDER = "“{ticket}” is sold at least {n} at a time."
ABOVE_MAX_ORDER = "“{ticket}” is sold at most {n} at a time."
NOT_ON_SALE_YET = "“{ticket}” is on sale from {when}."
NO_LONGER_ON_SALE = "“{ticket}” was on sale until {when}."
PRICE_ONLY_FOR_DONATIONS = "Only a donation ticket takes a price from the buyer."
DONATION_PRICE_MISSING = "Say how much to give for “{ticket}”."
DONATION_BELOW_MIN = "“{ticket}” takes at least {n}."
DONATION_ABOVE_MAX = "“{ticket}” takes at most {n}."
SOLD_OUT = "Only {n} of “{ticket}” are left."
CODE_UNKNOWN = "There is no discount code “{code}” for this event."
CODE_ID_FOR_ORGANIZERS = "Only the event's organizers name a discount code by its id; send the code's text instead."
CODE_DOES_NOT_APPLY = "{code} does not apply to this order."
IDEMPOTENCY_KEY_REUSED = "This Idempotency-Key was used for another order; use a new key for a new order."
ALREADY_CANCELLED = "The order is cancelled already."
ONLY_CANCELLING = "An order's status can only change from placed to cancelled."
CODE_HAS_ORDERS = "“{code}” is used by placed orders and cannot be deleted; deactivate it instead."


@dataclass(frozen=True)
class LineInput:
    ticket_id: int
    quantity: int
    price: Decimal | None = None


def lines_problems(lines: list[LineInput], tickets: dict[int, Ticket], *, now: datetime) -> list[Problem]:
    """Whether these lines may be bought now, each problem pointing at its line (``tickets/<i>/<member>``)."""
    if not lines:
        return [Problem("tickets", NO_LINES, "no_lines")]
    problems = []
    seen: set[int] = set()
    events = {t.event_id for t in tickets.values()}
    first_event = tickets[lines[0].ticket_id].event_id if lines[0].ticket_id in tickets else None
    for i, line in enumerate(lines):
        ticket = tickets.get(line.ticket_id)
        if ticket is None:
            problems.append(Problem(f"tickets/{i}/id", TICKET_UNKNOWN.format(id=line.ticket_id), "ticket_unknown"))
            continue
        if line.ticket_id in seen:
            problems.append(Problem(f"tickets/{i}/id", TICKET_TWICE, "ticket_twice"))
        seen.add(line.ticket_id)
        if len(events) > 1 and ticket.event_id != first_event:
            problems.append(Problem(f"tickets/{i}/id", SEVERAL_EVENTS, "several_events"))
        if line.quantity < ticket.min_order:
            problems.append(
                Problem(
                    f"tickets/{i}/quantity",
                    BELOW_MIN_ORDER.format(ticket=ticket.name, n=ticket.min_order),
                    "below_min_order",
                )
            )
        elif line.quantity > ticket.max_order:
            problems.append(
                Problem(
                    f"tickets/{i}/quantity",
                    ABOVE_MAX_ORDER.format(ticket=ticket.name, n=ticket.max_order),
                    "above_max_order",
                )
            )
        if ticket.sales_starts_at and now < ticket.sales_starts_at:
            when = ticket.sales_starts_at.isoformat(timespec="minutes")
            problems.append(
                Problem(f"tickets/{i}/id", NOT_ON_SALE_YET.format(ticket=ticket.name, when=when), "not_on_sale_yet")
            )
        elif ticket.sales_ends_at and now >= ticket.sales_ends_at:
            when = ticket.sales_ends_at.isoformat(timespec="minutes")
            problems.append(
                Problem(
                    f"tickets/{i}/id", NO_LONGER_ON_SALE.format(ticket=ticket.name, when=when), "no_longer_on_sale"
                )
            )
        problems += _price_problems(i, line, ticket)
    return problems


def _price_problems(i: int, line: LineInput, ticket: Ticket) -> list[Problem]:
    pointer = f"tickets/{i}/price"
    if ticket.type != TicketType.DONATION:
        return (
            [Problem(pointer, PRICE_ONLY_FOR_DONATIONS, "price_only_for_donations")] if line.price is not None else []
        )
    if line.price is None:
        return [Problem(pointer, DONATION_PRICE_MISSING.format(ticket=ticket.name), "donation_price_missing")]
    if line.price < ticket.min_price:
        return [
            Problem(pointer, DONATION_BELOW_MIN.format(ticket=ticket.name, n=ticket.min_price), "donation_below_min")
        ]
    if ticket.max_price is not None and line.price > ticket.max_price:
        return [
            Problem(pointer, DONATION_ABOVE_MAX.format(ticket=ticket.name, n=ticket.max_price), "donation_above_max")
        ]
    return []


def _tickets(lines: list[LineInput], *, lock: bool = False) -> dict[int, Ticket]:
    queryset = Ticket.objects.select_related("event").filter(pk__in={line.ticket_id for line in lines})
    if lock:
        queryset = queryset.select_for_update(of=("self",)).order_by("pk")
    return {t.pk: t for t in queryset}


def _find_code(
    event_id: int,
    *,
    code_text: str | None,
    code_id: int | None,
    viewer: User | None,
    now: datetime,
    lock: bool = False,
) -> DiscountCode | None:
    """The code as ``viewer`` may know it (``discounts.rules.visible_code``: one not published yet is unknown to
    all but its organizers, at the cost of the same queries as an unknown one)."""
    queryset = DiscountCode.objects.filter(event_id=event_id)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    if code_id is not None:
        queryset = queryset.filter(pk=code_id)
    elif code_text and len(code_text) <= discount_rules.MAX_CODE_LENGTH:
        queryset = queryset.with_code(code_text)
    else:
        return None
    return discount_rules.visible_code(queryset, viewer, now=now)


def may_name_codes_by_id(viewer: User | None, lines: list[LineInput]) -> bool:
    """Whether ``viewer`` may name a code by its id for these lines: only the organizers of their event may.
    Ids are sequential, so to anyone else an id would be a way to read every code of every event."""
    if viewer is None or not lines:
        return False
    event_id = Ticket.objects.filter(pk=lines[0].ticket_id).values_list("event_id", flat=True).first()
    return event_id is not None and manages(viewer, event_id)


def _hide_unlisted(lines: list[LineInput], tickets: dict[int, Ticket], code: DiscountCode | None) -> None:
    """Hidden tickets are bought only with a code that covers them; otherwise they do not exist for the buyer."""
    for line in lines:
        ticket = tickets.get(line.ticket_id)
        if ticket is not None and ticket.is_hidden and not (code is not None and discount_rules.covers(code, ticket)):
            del tickets[line.ticket_id]


def _price(
    lines: list[LineInput], tickets: dict[int, Ticket], code: DiscountCode | None, name: str | None = None
) -> Quote:
    """The pricing function over validated lines, in the event's currency, with the code's remaining uses."""
    event = next(iter(tickets.values())).event
    return price_order(
        [LineRequest(tickets[line.ticket_id], line.quantity, line.price) for line in lines],
        currency=event.payment_currency,
        code=code,
        remaining_uses=discount_rules.remaining_uses(code) if code else None,
        name=name,
    )


def quote(
    *,
    lines: list[LineInput],
    code_text: str | None = None,
    code_id: int | None = None,
    now: datetime,
    viewer: User | None = None,
) -> Quote:
    """Price an order without placing it. Line problems are refused (422); code problems are reported.

    ``viewer`` is the requester (``None``: anonymous). Messages name the code as they sent it; a code named by
    its id (organizers, see ``may_name_codes_by_id``) is called by its stored text."""
    tickets = _tickets(lines)
    event_id = next(iter(tickets.values())).event_id if tickets else None
    code = None
    code_notes: list[Problem] = []
    if event_id is not None and (code_text or code_id):
        code = _find_code(event_id, code_text=code_text, code_id=code_id, viewer=viewer, now=now)
        if code is None:
            code_notes.append(Problem("code", CODE_UNKNOWN.format(code=code_text or code_id), "code_unknown"))
    _hide_unlisted(lines, tickets, code)
    raise_if(lines_problems(lines, tickets, now=now))
    name = code_text or (code.code if code is not None else None)
    if code is not None:
        code_notes += discount_rules.availability_problems(code, now=now, name=name)
        if code_notes:
            code = None
    result = _price(lines, tickets, code, name)
    return Quote(
        result.currency, result.lines, result.sub_total, result.discount, result.total, code_notes + result.problems
    )


def fingerprint(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def place_order(
    *,
    buyer: User,
    lines: list[LineInput],
    code_text: str | None = None,
    code_id: int | None = None,
    now: datetime,
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """Place an order, or with a known ``idempotency_key`` return the first one. Returns (order, created).

    The order keeps the code's text as the buyer sent it; a code not published yet is unknown to the buyer
    unless they organize its event."""
    request = fingerprint({"lines": [vars(line) for line in lines], "code": code_text, "code_id": code_id})
    if idempotency_key:
        existing = _replay(buyer, idempotency_key, request)
        if existing is not None:
            return existing, False
    try:
        return _place(buyer, lines, code_text, code_id, now, idempotency_key, request), True
    except IntegrityError:
        # A concurrent retry with the same key committed first: that order is the answer.
        existing = _replay(buyer, idempotency_key, request) if idempotency_key else None
        if existing is None:
            raise
        return existing, False


def _replay(buyer: User, key: str, request: str) -> Order | None:
    existing = Order.objects.filter(buyer=buyer, idempotency_key=key).first()
    if existing is not None and existing.request_fingerprint != request:
        raise RuleError(Problem(None, IDEMPOTENCY_KEY_REUSED, "idempotency_key_reused"))
    return existing


@transaction.atomic
def _place(buyer, lines, code_text, code_id, now, idempotency_key, request) -> Order:
    # Which event? Read without locks first; the locks below are taken in the fixed order code → tickets.
    preview = _tickets(lines)
    event_id = next(iter(preview.values())).event_id if preview else None
    code = None
    if event_id is not None and (code_text or code_id):
        code = _find_code(event_id, code_text=code_text, code_id=code_id, viewer=buyer, now=now, lock=True)
        if code is None:
            raise RuleError(Problem("code", CODE_UNKNOWN.format(code=code_text or code_id), "code_unknown"))
    tickets = _tickets(lines, lock=True)
    _hide_unlisted(lines, tickets, code)
    raise_if(lines_problems(lines, tickets, now=now))
    name = code_text or (code.code if code is not None else None)
    if code is not None:
        availability = discount_rules.availability_problems(code, now=now, name=name)
        if availability:
            kind = Kind.CONFLICT if availability[0].code == "code_used_up" else Kind.INVALID
            raise RuleError([Problem(p.field, p.message, p.code, kind) for p in availability])
    stock = [
        Problem(
            f"tickets/{i}/quantity",
            SOLD_OUT.format(n=t.quantity - t.sold_count, ticket=t.name),
            "sold_out",
            Kind.CONFLICT,
        )
        for i, line in enumerate(lines)
        if line.quantity > (t := tickets[line.ticket_id]).quantity - t.sold_count
    ]
    raise_if(stock)

    event = next(iter(tickets.values())).event
    priced = _price(lines, tickets, code, name)
    if code is not None and priced.discounted_quantity == 0:
        # The buyer asked for the code; charging full price instead would surprise them.
        kind = Kind.CONFLICT if any(p.code == "uses_left" for p in priced.problems) else Kind.INVALID
        details = [Problem(p.field, p.message, p.code, kind) for p in priced.problems]
        raise RuleError(details or [Problem("code", CODE_DOES_NOT_APPLY.format(code=name), "code_does_not_apply")])

    order = Order.objects.create(
        buyer=buyer,
        event=event,
        currency=priced.currency,
        sub_total=priced.sub_total,
        discount=priced.discount,
        amount=priced.total,
        discount_code=code if priced.discounted_quantity else None,
        code=name if code is not None and priced.discounted_quantity else "",
        idempotency_key=idempotency_key or "",
        request_fingerprint=request,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                ticket=line.ticket,
                ticket_name=line.ticket.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discounted_quantity=line.discount.quantity if line.discount else 0,
                unit_discount=line.discount.amount if line.discount else Decimal("0.00"),
                sub_total=line.sub_total,
                discount=line.discount.total if line.discount else Decimal("0.00"),
                total=line.total,
            )
            for line in priced.lines
        ]
    )
    for line in lines:
        sold = Ticket.objects.filter(pk=line.ticket_id, sold_count__lte=F("quantity") - line.quantity)
        if not sold.update(sold_count=F("sold_count") + line.quantity):
            raise RuleError(Problem("tickets", SOLD_OUT.format(n=0, ticket=line.ticket_id), "sold_out", Kind.CONFLICT))
    if priced.discounted_quantity:
        used = DiscountCode.objects.filter(pk=code.pk).filter(
            Q(tickets_number__isnull=True) | Q(used_count__lte=F("tickets_number") - priced.discounted_quantity)
        )
        if not used.update(used_count=F("used_count") + priced.discounted_quantity):
            raise RuleError(
                Problem("code", discount_rules.CODE_USED_UP.format(code=name), "code_used_up", Kind.CONFLICT)
            )
    return order


#: What ``update_order`` compares a member the order does not store (its ``tickets``, sent on creation) with.
_NOT_STORED = object()


@transaction.atomic
def update_order(order: Order, /, *, now: datetime, **changes: Any) -> Order:
    """An order changes only by being cancelled. A member sent with its stored value is no change (a client
    saving back the order it fetched: 200, nothing happens); a change of anything else is refused."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    changed = {name: value for name, value in changes.items() if getattr(locked, name, _NOT_STORED) != value}
    if not changed:
        return locked
    if changed != {"status": OrderStatus.CANCELLED}:
        field = "status" if "status" in changed else next(iter(changed))
        raise RuleError(Problem(field, ONLY_CANCELLING, "only_cancelling", Kind.CONFLICT))
    return _cancel(locked, now=now)


@transaction.atomic
def cancel_order(*, order: Order, now: datetime) -> Order:
    """Cancel a placed order: its tickets go back on sale and its code's uses are freed."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == OrderStatus.CANCELLED:
        raise RuleError(Problem("status", ALREADY_CANCELLED, "already_cancelled", Kind.CONFLICT))
    return _cancel(locked, now=now)


def _cancel(locked: Order, *, now: datetime) -> Order:
    """Cancel ``locked``, a placed order whose row this transaction holds locked."""
    lines = list(locked.lines.all())
    if locked.discount_code_id:
        DiscountCode.objects.select_for_update().filter(pk=locked.discount_code_id).first()
    list(Ticket.objects.select_for_update().filter(pk__in=[line.ticket_id for line in lines]).order_by("pk"))
    for line in lines:
        Ticket.objects.filter(pk=line.ticket_id).update(sold_count=F("sold_count") - line.quantity)
    used = sum(line.discounted_quantity for line in lines)
    if locked.discount_code_id and used:
        DiscountCode.objects.filter(pk=locked.discount_code_id).update(used_count=F("used_count") - used)
    locked.status = OrderStatus.CANCELLED
    locked.cancelled_at = now
    locked.save(update_fields=["status", "cancelled_at"])
    return locked


def used_count_from_orders(code: DiscountCode) -> int:
    """The code's uses recounted from its placed orders (``used_count`` must always equal this)."""
    total = OrderLine.objects.filter(order__discount_code=code, order__status=OrderStatus.PLACED).aggregate(
        n=Sum("discounted_quantity")
    )["n"]
    return total or 0


def sold_count_from_orders(ticket: Ticket) -> int:
    total = OrderLine.objects.filter(ticket=ticket, order__status=OrderStatus.PLACED).aggregate(n=Sum("quantity"))["n"]
    return total or 0


@discount_rules.guard_deletion
def codes_with_orders(codes: QuerySet) -> list[Problem]:
    """A code that placed orders used stays: its orders point at it. Deactivating it stops new uses."""
    used = codes.filter(Exists(Order.objects.filter(discount_code=OuterRef("pk"), status=OrderStatus.PLACED)))
    return [
        Problem(None, CODE_HAS_ORDERS.format(code=code), "code_has_orders", Kind.CONFLICT)
        for code in used.values_list("code", flat=True)
    ]
