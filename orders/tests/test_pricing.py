"""The pricing function against cases worked out by hand. No database: tickets and codes are unsaved."""

from decimal import Decimal as D

import pytest

from discounts.models import DiscountCode
from orders.pricing import LineRequest, price_order
from tickets.models import Ticket

EVENT = 1


def ticket(pk, kind="paid", price="10.00", code=None, event=EVENT):
    return Ticket(pk=pk, name=f"T{pk}", type=kind, price=D(price), event_id=event, discount_code_id=code)


def code(kind="amount", value="2.00", used_for="ticket", pk=7, min_q=1, max_q=None, event=EVENT):
    return DiscountCode(
        pk=pk,
        code="EARLY",
        type=kind,
        value=D(value),
        used_for=used_for,
        event_id=event,
        min_quantity=min_q,
        max_quantity=max_q,
    )


def line(t, quantity, price=None):
    return LineRequest(t, quantity, None if price is None else D(price))


# (lines, code, remaining uses, expected per line (sub-total, discounted units, unit discount, total), order total)
CASES = {
    "no code": ([line(ticket(1), 2)], None, None, [("20.00", 0, None, "20.00")], "20.00"),
    "amount on attached ticket": (
        [line(ticket(1, code=7), 3)],
        code(),
        None,
        [("30.00", 3, "2.00", "24.00")],
        "24.00",
    ),
    "ticket code skips unattached": (
        [line(ticket(1, code=7), 1), line(ticket(2), 1)],
        code(),
        None,
        [("10.00", 1, "2.00", "8.00"), ("10.00", 0, None, "10.00")],
        "18.00",
    ),
    "amount capped at unit price": (
        [line(ticket(1, price="1.50", code=7), 2)],
        code(value="5.00"),
        None,
        [("3.00", 2, "1.50", "0.00")],
        "0.00",
    ),
    "percent rounds half up per unit": (
        [line(ticket(1, price="9.99", code=7), 3)],
        code(kind="percent", value="15"),
        None,
        [("29.97", 3, "1.50", "25.47")],  # 15 % of 9.99 = 1.4985 -> 1.50
        "25.47",
    ),
    "event code discounts paid, not free, not donation": (
        [line(ticket(1), 1), line(ticket(2, kind="free", price="0"), 2), line(ticket(3, kind="donation"), 1, "20")],
        code(kind="percent", value="50", used_for="event"),
        None,
        [("10.00", 1, "5.00", "5.00"), ("0.00", 0, None, "0.00"), ("20.00", 0, None, "20.00")],
        "25.00",
    ),
    "event code of another event": (
        [line(ticket(1, event=2), 1)],
        code(used_for="event"),
        None,
        [("10.00", 0, None, "10.00")],
        "10.00",
    ),
    "donation at the buyer's price, discounted when attached": (
        [line(ticket(1, kind="donation", price="5.00", code=7), 2, "12.34")],
        code(kind="percent", value="10"),
        None,
        [("24.68", 2, "1.23", "22.22")],
        "22.22",
    ),
    "max quantity caps the discounted units": (
        [line(ticket(1, code=7), 3), line(ticket(2, code=7), 3)],
        code(max_q=4),
        None,
        [("30.00", 3, "2.00", "24.00"), ("30.00", 1, "2.00", "28.00")],
        "52.00",
    ),
    "remaining uses cap the discounted units": (
        [line(ticket(1, code=7), 5)],
        code(),
        2,
        [("50.00", 2, "2.00", "46.00")],
        "46.00",
    ),
    "below min quantity: no discount": (
        [line(ticket(1, code=7), 2)],
        code(min_q=3),
        None,
        [("20.00", 0, None, "20.00")],
        "20.00",
    ),
    "min quantity 0 is no minimum, like 1": (
        [line(ticket(1, code=7), 1), line(ticket(2), 1)],
        code(min_q=0),
        None,
        [("10.00", 1, "2.00", "8.00"), ("10.00", 0, None, "10.00")],
        "18.00",
    ),
    "min quantity counts over the code's tickets only": (
        [line(ticket(1, code=7), 2), line(ticket(2, code=7), 1), line(ticket(3), 5)],
        code(min_q=3),
        None,
        [("20.00", 2, "2.00", "16.00"), ("10.00", 1, "2.00", "8.00"), ("50.00", 0, None, "50.00")],
        "74.00",
    ),
    "a 100 percent code makes it free": (
        [line(ticket(1, price="33.33", code=7), 1)],
        code(kind="percent", value="100"),
        None,
        [("33.33", 1, "33.33", "0.00")],
        "0.00",
    ),
}


@pytest.mark.parametrize(("lines", "the_code", "remaining", "expected", "total"), CASES.values(), ids=CASES.keys())
def test_pricing(lines, the_code, remaining, expected, total):
    quote = price_order(lines, currency="EUR", code=the_code, remaining_uses=remaining)
    got = [
        (
            str(p.sub_total),
            p.discount.quantity if p.discount else 0,
            str(p.discount.amount) if p.discount else None,
            str(p.total),
        )
        for p in quote.lines
    ]
    assert got == expected
    assert str(quote.total) == total
    assert quote.sub_total - quote.discount == quote.total
    assert quote.currency == "EUR"


def test_the_reasons_a_code_applies_partly_or_not_at_all():
    quote = price_order(
        [line(ticket(1, code=7), 5), line(ticket(2), 1)], currency="EUR", code=code(max_q=4), remaining_uses=2
    )
    assert [(p.field, p.message) for p in quote.problems] == [
        ("tickets/1/id", "This ticket is not covered by EARLY."),
        ("tickets", "At most 4 tickets per order with EARLY."),
        ("code", "EARLY has 2 uses left."),
    ]
    quote = price_order([line(ticket(1, code=7), 1)], currency="EUR", code=code(min_q=2))
    assert [p.message for p in quote.problems] == ["EARLY needs at least 2 of its tickets in one order."]


def test_money_is_decimal_with_two_places():
    quote = price_order(
        [line(ticket(1, price="0.10", code=7), 3)], currency="EUR", code=code(kind="percent", value="33.33")
    )
    assert quote.lines[0].discount.amount == D("0.03")
    assert quote.total == D("0.21")
    assert all(isinstance(v, D) for v in (quote.sub_total, quote.discount, quote.total))
