"""The rules of tickets: what a ticket may be, and what may change while a discount code is attached.

Whether a ticket may take a code is decided in ``discounts.rules.ticket_problems``, and a ticket's code is set
through the code rules. Discounts builds on tickets, so this module cannot import them: the discounts app hands
them in when it is ready (``use_code_rules``), and every change of a ticket asks them, so a price cut below an
attached amount code is refused with that rule's message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from eventsite.errors import Kind, Problem, RuleError, raise_if  # noqa: F401 (RuleError re-exported)
from eventsite.rules import count_problems

from . import recording
from .models import Ticket, TicketType

TYPE_INVALID = "Say what kind of ticket it is: free, paid or donation."
FREE_HAS_PRICE = "A free ticket costs 0."
PAID_WITHOUT_PRICE = "A paid ticket costs more than 0."
PRICE_NEGATIVE = "A price cannot be negative."
MIN_ORDER_BELOW_ONE = "The minimum order is at least 1."
MIN_ORDER_ABOVE_MAX = "The minimum order may not be more than the maximum order."
SALES_END_NOT_AFTER_START = "Sales must end after they start."
NAME_BLANK = "A ticket needs a name."
NAME_TAKEN = "The event already has a ticket named “{name}”."
EVENT_FIXED = "A ticket cannot move to another event; create it there instead."
QUANTITY_BELOW_SOLD = "{n} of “{ticket}” are sold already; the quantity cannot be lower."
TICKET_HAS_ORDERS = "“{ticket}” has been ordered and cannot be deleted; hide it instead."
DONATION_BOUNDS = "The lowest donation may not be more than the highest."


@dataclass(frozen=True)
class CodeRules:
    """What a ticket's change asks of the code rules (``discounts.rules`` provides both)."""

    #: The problems of ``ticket`` (as it is to be) with the code it names, given the ``original`` (None: new).
    problems: Callable[[Ticket, Ticket | None], list[Problem]]
    #: Attach ``ticket`` to the code (a ``DiscountCode``) or, with None, detach it.
    set_code: Callable[[Ticket, models.Model | None], None]


_code_rules: CodeRules | None = None


def use_code_rules(rules: CodeRules) -> None:
    """Called once by ``DiscountsConfig.ready``."""
    global _code_rules
    _code_rules = rules


def code_rules() -> CodeRules:
    if _code_rules is None:
        raise ImproperlyConfigured("A ticket's code needs the discounts app (its ready() hands in the code rules).")
    return _code_rules


def ticket_problems(ticket: Ticket, *, original: Ticket | None = None) -> list[Problem]:
    problems = []
    if not ticket.name or not ticket.name.strip():
        problems.append(Problem("name", NAME_BLANK, "name_blank"))
    if ticket.type not in TicketType.values:
        problems.append(Problem("type", TYPE_INVALID, "type_invalid"))
    price = Decimal(str(ticket.price)) if ticket.price is not None else Decimal("0")
    if price < 0:
        problems.append(Problem("price", PRICE_NEGATIVE, "price_negative"))
    elif ticket.type == TicketType.FREE and price != 0:
        problems.append(Problem("price", FREE_HAS_PRICE, "free_has_price"))
    elif ticket.type == TicketType.PAID and price <= 0:
        problems.append(Problem("price", PAID_WITHOUT_PRICE, "paid_without_price"))
    for name in ("quantity", "position", "min_order", "max_order"):
        problems += count_problems(name, getattr(ticket, name))
    if ticket.min_order is not None and ticket.min_order < 1:
        problems.append(Problem("min_order", MIN_ORDER_BELOW_ONE, "min_order_below_one"))
    elif ticket.min_order is not None and ticket.max_order is not None and ticket.min_order > ticket.max_order:
        problems.append(Problem("min_order", MIN_ORDER_ABOVE_MAX, "min_order_above_max"))
    if ticket.sales_starts_at and ticket.sales_ends_at and ticket.sales_ends_at <= ticket.sales_starts_at:
        problems.append(Problem("sales_ends_at", SALES_END_NOT_AFTER_START, "sales_end_not_after_start"))
    if original is not None and ticket.quantity is not None and ticket.quantity < original.sold_count:
        problems.append(
            Problem(
                "quantity",
                QUANTITY_BELOW_SOLD.format(n=original.sold_count, ticket=ticket.name),
                "quantity_below_sold",
                Kind.CONFLICT,
            )
        )
    if ticket.min_price is not None and ticket.max_price is not None and ticket.min_price > ticket.max_price:
        problems.append(Problem("min_price", DONATION_BOUNDS, "donation_bounds"))
    if original is not None and original.event_id != ticket.event_id:
        problems.append(Problem("event", EVENT_FIXED, "event_fixed", Kind.CONFLICT))
    if ticket.name and ticket.event_id:
        clash = Ticket.objects.filter(event_id=ticket.event_id, name=ticket.name)
        if ticket.pk:
            clash = clash.exclude(pk=ticket.pk)
        if clash.exists():
            problems.append(Problem("name", NAME_TAKEN.format(name=ticket.name), "name_taken", Kind.CONFLICT))
    if ticket.discount_code_id is not None and not problems:
        problems += code_rules().problems(ticket, original)
    return problems


@transaction.atomic
def create_ticket(**fields: Any) -> Ticket:
    return save_ticket(Ticket(**fields))


@transaction.atomic
def update_ticket(ticket: Ticket, /, **changes: Any) -> Ticket:
    """Change the named fields only; the ticket's code stays as stored unless ``discount_code`` is named.

    ``ticket`` is positional-only so that no field name among the changes can clash with it."""
    if "discount_code" not in changes:
        ticket.refresh_from_db(fields=["discount_code"])
    for name, value in changes.items():
        setattr(ticket, name, value)
    return save_ticket(ticket)


@transaction.atomic
def save_ticket(ticket: Ticket) -> Ticket:
    """Create or change a ticket as given, including its ``discount_code`` (attached through the code rules)."""
    original = None
    if ticket.pk:
        original = Ticket.objects.select_for_update(of=("self",)).select_related("discount_code").get(pk=ticket.pk)
    raise_if(ticket_problems(ticket, original=original))
    wanted = ticket.discount_code
    ticket.discount_code_id = original.discount_code_id if original is not None else None
    ticket.save()
    recording.saved(original, ticket)
    code_rules().set_code(ticket, wanted)
    return ticket


@transaction.atomic
def delete_ticket(*, ticket: Ticket) -> None:
    """A ticket that was ordered stays (its order lines PROTECT it); hiding it stops new sales."""
    if ticket.order_lines.exists():
        raise_if([Problem(None, TICKET_HAS_ORDERS.format(ticket=ticket.name), "ticket_has_orders", Kind.CONFLICT)])
    recording.deleted(ticket)
    ticket.delete()
