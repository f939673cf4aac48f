"""The one pricing function, used by the quote and by orders alike. Pure: no database, no clock.

For each line: price times quantity. A code discounts the tickets it covers (``discounts.rules.covers``: a
ticket code its attached tickets, an event code every paid, visible ticket of its event; free tickets never).
Donation tickets take the buyer's price. Amount codes take at most the unit price; percent codes take value %
of it. How many tickets get the discount is decided here, never by the client: the code's tickets in the order,
no more than ``max_quantity`` and the code's remaining uses, none if fewer than ``min_quantity`` (0 and 1 both
mean "no minimum"). Money is Decimal with two places, rounded half up, per unit.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from discounts.models import DiscountCode, DiscountType
from discounts.rules import covers
from eventsite.errors import Kind, Problem
from tickets.models import Ticket, TicketType

CENT = Decimal("0.01")

NOT_COVERED = "This ticket is not covered by {code}."
BELOW_MIN_QUANTITY = "{code} needs at least {n} of its tickets in one order."
ABOVE_MAX_QUANTITY = "At most {n} tickets per order with {code}."
USES_LEFT = "{code} has {n} uses left."


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineRequest:
    ticket: Ticket
    quantity: int
    price: Decimal | None = None  # the buyer's price, for a donation ticket


@dataclass(frozen=True)
class LineDiscount:
    code: str
    discount_type: str
    amount: Decimal  # per discounted unit
    quantity: int  # units discounted
    total: Decimal


@dataclass(frozen=True)
class PricedLine:
    ticket: Ticket
    quantity: int
    unit_price: Decimal
    sub_total: Decimal
    discount: LineDiscount | None
    total: Decimal


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: list[PricedLine]
    sub_total: Decimal
    discount: Decimal
    total: Decimal
    problems: list[Problem] = field(default_factory=list)

    @property
    def discounted_quantity(self) -> int:
        return sum(line.discount.quantity for line in self.lines if line.discount)


def unit_price(line: LineRequest) -> Decimal:
    if line.ticket.type == TicketType.DONATION and line.price is not None:
        return money(line.price)
    if line.ticket.type == TicketType.FREE:
        return Decimal("0.00")
    return money(line.ticket.price)


def unit_discount(code: DiscountCode, price: Decimal) -> Decimal:
    if code.type == DiscountType.PERCENT:
        return min(price, money(price * code.value / 100))
    return min(price, money(code.value))


def price_order(
    lines: list[LineRequest],
    *,
    currency: str,
    code: DiscountCode | None = None,
    remaining_uses: int | None = None,
    name: str | None = None,
) -> Quote:
    """Price the lines, applying ``code`` (already known to be usable now) as far as its terms allow.

    ``name`` is how messages and lines call the code: the text the buyer sent (default: the stored text)."""
    name = code.code if code is not None and name is None else name
    prices = [unit_price(line) for line in lines]
    problems: list[Problem] = []
    allowance = [0] * len(lines)
    if code is not None:
        covered = [covers(code, line.ticket) for line in lines]
        eligible = sum(line.quantity for line, c in zip(lines, covered, strict=True) if c)
        for index, (line, c) in enumerate(zip(lines, covered, strict=True)):
            if not c and line.ticket.type != TicketType.FREE:
                problems.append(Problem(f"tickets/{index}/id", NOT_COVERED.format(code=name), "ticket_not_covered"))
        cap = eligible
        if eligible and eligible < code.min_quantity:
            problems.append(
                Problem("tickets", BELOW_MIN_QUANTITY.format(code=name, n=code.min_quantity), "below_min_quantity")
            )
            cap = 0
        if code.max_quantity is not None and cap > code.max_quantity:
            problems.append(
                Problem("tickets", ABOVE_MAX_QUANTITY.format(code=name, n=code.max_quantity), "above_max_quantity")
            )
            cap = code.max_quantity
        if remaining_uses is not None and cap > remaining_uses:
            problems.append(Problem("code", USES_LEFT.format(code=name, n=remaining_uses), "uses_left", Kind.CONFLICT))
            cap = remaining_uses
        for index, (line, c) in enumerate(zip(lines, covered, strict=True)):
            if c and cap:
                allowance[index] = min(line.quantity, cap)
                cap -= allowance[index]

    priced = []
    for line, price, allowed in zip(lines, prices, allowance, strict=True):
        sub_total = money(price * line.quantity)
        discount = None
        if allowed and code is not None:
            per_unit = unit_discount(code, price)
            if per_unit > 0:
                discount = LineDiscount(name, code.type, per_unit, allowed, money(per_unit * allowed))
        total = sub_total - (discount.total if discount else Decimal("0.00"))
        priced.append(PricedLine(line.ticket, line.quantity, price, sub_total, discount, total))
    sub_total = sum((p.sub_total for p in priced), Decimal("0.00"))
    discount_total = sum((p.discount.total for p in priced if p.discount), Decimal("0.00"))
    return Quote(currency, priced, sub_total, discount_total, sub_total - discount_total, problems)
