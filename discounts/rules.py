"""The rules of discount codes and their tickets: the one place that decides them.

Admin forms, API views and management commands all call these functions; none of them repeats a rule.
Writes are atomic and lock what they check (the code row, then its tickets in primary-key order), so two
requests cannot both attach the same ticket, and every batch is all-or-nothing with bulk queries.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.functions import Greatest

from eventsite.errors import Kind, Problem, raise_if
from eventsite.models import Event
from eventsite.rules import count_problems
from tickets.models import Ticket, TicketType

from . import recording, text
from .models import TERM_FIELDS, DiscountCode, DiscountType, UsedFor

# One message per rule. Tests import these; the admin and the API show them unchanged.
USED_FOR_INVALID = (
    "Say what the code is for: “event” (every paid, visible ticket) or “ticket” (the tickets attached to it)."
)
CODE_BLANK = "A code needs at least one character."
CODE_TOO_LONG = "A code has at most 100 characters."
CODE_WHITESPACE = "A code may not contain white space."
CODE_NOT_URL_SEGMENT = (
    "A code travels in URLs as one path segment (/v1/events/{id}/discount-codes/{code}): it may not contain “/” "
    "nor be “.” or “..”."
)
CODE_INVISIBLE = (
    "A code may hold only characters that can be seen: {character} is a control, format, private-use, "
    "unassigned or invisible character."
)
CODE_MIXED_SCRIPTS = (
    "The letters of a code are all of one script: “{char}” ({character}) is not of the script of the letters "
    "before it."
)
CODE_SCRIPT_NOT_RECOMMENDED = (
    "A code's letters are of a script in common modern use (Unicode's recommended scripts, such as Latin, Greek, "
    "Cyrillic, Arabic, Devanagari, Han or Hangul): “{char}” ({character}) is not."
)
CODE_TAKEN = "The code “{code}” is already used in this event (letter case does not count)."
VALUE_NOT_POSITIVE = "The value must be more than 0."
PERCENT_OUT_OF_RANGE = "A percent value must be more than 0 and at most 100."
AMOUNT_ABOVE_PRICE = "{value} off is more than the price of “{ticket}” ({price})."
MIN_ABOVE_MAX = "The minimum quantity may not be more than the maximum quantity."
MIN_QUANTITY_NEGATIVE = "The minimum quantity may not be negative (0 means no minimum)."
TICKETS_NUMBER_BELOW_MAX = "The number of tickets the code may be used for may not be less than its maximum quantity."
VALID_TILL_NOT_AFTER_FROM = "A code must end after it starts (valid till after valid from)."
NOT_A_TICKET_CODE = (
    "“{code}” applies to every paid, visible ticket of its event; only a code for tickets takes tickets."
)
TICKET_OF_OTHER_EVENT = "“{ticket}” belongs to another event than “{code}”."
FREE_TICKET = "“{ticket}” is free; a free ticket takes no discount code."
TICKET_HAS_OTHER_CODE = "“{ticket}” already has the code “{other}”; detach it there first."
USED_FOR_FIXED = "What a code is for cannot change after it is created; create a new code instead."
EVENT_FIXED = "A code cannot move to another event; create a new code there instead."
LIMIT_BELOW_USED = "{code} has been used {n} times already; its limit cannot be lower."

MAX_CODE_LENGTH = 100


@dataclass(frozen=True)
class Terms:
    """What a code promises, whether or not it is saved yet; the unit the term rules check."""

    type: str
    value: Decimal | None
    used_for: str | None
    min_quantity: int | None
    max_quantity: int | None
    tickets_number: int | None
    valid_from: datetime | None
    valid_till: datetime | None

    @classmethod
    def of(cls, code: DiscountCode) -> "Terms":
        return cls(
            type=code.type,
            value=_decimal(code.value),
            used_for=code.used_for,
            min_quantity=code.min_quantity,
            max_quantity=code.max_quantity,
            tickets_number=code.tickets_number,
            valid_from=code.valid_from,
            valid_till=code.valid_till,
        )


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def code_text_problems(code: str | None) -> list[Problem]:
    """What is wrong with a code's text, judged in the form it is stored in (``text.normalized``, NFKC).

    Plain text only: no white space; no control, format or invisible character (zero-width spaces, direction
    overrides, joiners, variation selectors, private-use and unassigned code points); and letters of one script,
    Common and Inherited characters (digits, signs, marks) going with any, so ``SECRET\u0410XYZ`` (a Cyrillic ``A``) is
    refused. Japanese (Han with kana) and Korean (Han with Hangul) count as one script, as UTS #39 has it.
    """
    if code is None or code == "":
        return [Problem("code", CODE_BLANK, "code_blank")]
    code = text.normalized(code)
    problems = []
    if len(code) > MAX_CODE_LENGTH:
        problems.append(Problem("code", CODE_TOO_LONG, "code_too_long"))
    if any(ch.isspace() for ch in code):
        problems.append(Problem("code", CODE_WHITESPACE, "code_whitespace"))
    if "/" in code or code in (".", ".."):  # a URL cannot carry it in one segment: the public check would not find it
        problems.append(Problem("code", CODE_NOT_URL_SEGMENT, "code_not_url_segment"))
    if code.isascii() and code.isprintable():
        return problems  # the usual code: no further character to look at
    invisible = next((ch for ch in code if not ch.isspace() and text.is_invisible(ch)), None)
    if invisible is not None:
        problems.append(Problem("code", CODE_INVISIBLE.format(character=text.describe(invisible)), "code_invisible"))
    problems += _script_problems(code)
    return problems


def _script_problems(code: str) -> list[Problem]:
    common: frozenset[str] | None = None  # the scripts every letter so far is written in
    for ch in code:
        scripts = text.scripts_of(ch)
        if scripts is None or ch.isspace() or text.is_invisible(ch):  # (those have rules of their own)
            continue
        if not scripts:
            message = CODE_SCRIPT_NOT_RECOMMENDED.format(char=ch, character=text.describe(ch))
            return [Problem("code", message, "code_script_not_recommended")]
        common = scripts if common is None else common & scripts
        if not common:
            message = CODE_MIXED_SCRIPTS.format(char=ch, character=text.describe(ch))
            return [Problem("code", message, "code_mixed_scripts")]
    return []


def code_uniqueness_problems(*, event_id: int, code: str, exclude_pk: int | None = None) -> list[Problem]:
    clash = DiscountCode.objects.filter(event_id=event_id).with_code(code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        return [Problem("code", CODE_TAKEN.format(code=code), "code_taken", Kind.CONFLICT)]
    return []


def terms_problems(terms: Terms) -> list[Problem]:
    """Rules a code's terms obey on their own, without looking at tickets."""
    problems = []
    if terms.used_for not in UsedFor.values:
        problems.append(Problem("used_for", USED_FOR_INVALID, "used_for_invalid"))
    if terms.value is not None:
        if terms.type == DiscountType.PERCENT and not (Decimal("0") < terms.value <= Decimal("100")):
            problems.append(Problem("value", PERCENT_OUT_OF_RANGE, "percent_out_of_range"))
        elif terms.value <= 0:
            problems.append(Problem("value", VALUE_NOT_POSITIVE, "value_not_positive"))
    for name in ("tickets_number", "min_quantity", "max_quantity"):
        problems += count_problems(name, getattr(terms, name))
    if terms.min_quantity is not None and terms.min_quantity < 0:  # 0: no minimum, as Open Event clients send
        problems.append(Problem("min_quantity", MIN_QUANTITY_NEGATIVE, "min_quantity_negative"))
    if terms.max_quantity is not None and terms.min_quantity is not None and terms.min_quantity > terms.max_quantity:
        problems.append(Problem("min_quantity", MIN_ABOVE_MAX, "min_quantity_above_max"))
    if (
        terms.tickets_number is not None
        and terms.max_quantity is not None
        and terms.tickets_number < terms.max_quantity
    ):
        problems.append(Problem("tickets_number", TICKETS_NUMBER_BELOW_MAX, "tickets_number_below_max"))
    if terms.valid_from and terms.valid_till and terms.valid_till <= terms.valid_from:
        problems.append(Problem("valid_till", VALID_TILL_NOT_AFTER_FROM, "valid_till_not_after_from"))
    return problems


def takes_tickets_problems(*, code: DiscountCode, terms: Terms) -> list[Problem]:
    """Only a code for tickets takes tickets: an event code applies to every paid, visible ticket already."""
    if terms.used_for == UsedFor.TICKET:
        return []
    return [Problem("tickets", NOT_A_TICKET_CODE.format(code=code.code), "not_a_ticket_code")]


def other_code_problems(*, ticket: Ticket, code_id: int, released: bool = False) -> list[Problem]:
    """A ticket has at most one code, and is never moved from one to another in passing: attached to another
    code (as stored in ``ticket``), it is detached there first. ``released``: that other code gives the ticket up
    in the same change (a batch moving tickets between its codes), so it does not stand in the way."""
    if ticket.discount_code_id is None or ticket.discount_code_id == code_id or released:
        return []
    other = ticket.discount_code.code if ticket.discount_code else str(ticket.discount_code_id)
    message = TICKET_HAS_OTHER_CODE.format(ticket=ticket.name, other=other)
    return [Problem("tickets", message, "ticket_has_other_code", Kind.CONFLICT)]


def ticket_problems(
    *, code: DiscountCode, ticket: Ticket, terms: Terms | None = None, released: bool = False
) -> list[Problem]:
    """Whether this ticket may carry this code: the rule for "can this ticket take this code".

    ``released``: the ticket's current code gives it up in the same change (a batch moving tickets between its
    codes), so that code does not stand in the way."""
    terms = terms or Terms.of(code)
    if problems := takes_tickets_problems(code=code, terms=terms):
        return problems
    if ticket.event_id != code.event_id:
        return [Problem("tickets", TICKET_OF_OTHER_EVENT.format(ticket=ticket.name, code=code.code), "other_event")]
    if ticket.type == TicketType.FREE:
        return [Problem("tickets", FREE_TICKET.format(ticket=ticket.name), "free_ticket")]
    if problems := other_code_problems(ticket=ticket, code_id=code.pk, released=released):
        return problems
    return amount_problems(terms=terms, ticket_name=ticket.name, ticket_type=ticket.type, price=ticket.price)


def amount_problems(*, terms: Terms, ticket_name: str, ticket_type: str, price: Decimal) -> list[Problem]:
    """An amount code may not take more than the price of a paid ticket it applies to.

    Donation tickets are left out: the buyer names their price, and pricing caps the discount at it.
    """
    if terms.type != DiscountType.AMOUNT or terms.value is None or ticket_type != TicketType.PAID:
        return []
    if terms.value > price:
        return [
            Problem(
                "value",
                AMOUNT_ABOVE_PRICE.format(value=terms.value, ticket=ticket_name, price=price),
                "amount_above_price",
            )
        ]
    return []


def tickets_problems(
    *, code: DiscountCode, tickets: Iterable[Ticket], terms: Terms | None = None, released: Collection[int] = ()
) -> list[Problem]:
    """Whether ``code`` may carry every one of ``tickets`` (``ticket_problems`` for each; only a ticket code takes
    tickets). ``released``: ids of tickets whose current code gives them up in the same change."""
    terms = terms or Terms.of(code)
    tickets = list(tickets)
    if tickets and (problems := takes_tickets_problems(code=code, terms=terms)):
        return problems
    return [p for t in tickets for p in ticket_problems(code=code, ticket=t, terms=terms, released=t.pk in released)]


def change_problems(*, code: DiscountCode, original: DiscountCode | None) -> list[Problem]:
    """What a stored code may not change: what it is for, its event, a limit below the uses it has had."""
    if original is None:
        return []
    problems = []
    if original.used_for != code.used_for:
        problems.append(Problem("used_for", USED_FOR_FIXED, "used_for_fixed", Kind.CONFLICT))
    if original.event_id != code.event_id:
        problems.append(Problem("event", EVENT_FIXED, "event_fixed", Kind.CONFLICT))
    if code.tickets_number is not None and code.tickets_number < original.used_count:
        problems.append(
            Problem(
                "tickets_number",
                LIMIT_BELOW_USED.format(code=original.code, n=original.used_count),
                "limit_below_used",
                Kind.CONFLICT,
            )
        )
    return problems


def _locked_tickets(tickets: Iterable[Ticket | int]) -> list[Ticket]:
    ids = sorted({t.pk if isinstance(t, Ticket) else int(t) for t in tickets})
    if not ids:
        return []
    return list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("discount_code")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _lock_code(code: DiscountCode) -> DiscountCode:
    return DiscountCode.objects.select_for_update().get(pk=code.pk)


def attached_problems(*, code: DiscountCode, terms: Terms) -> list[Problem]:
    """Re-check the tickets already attached when the terms change (one aggregate query)."""
    if code.pk is None:
        return []
    if terms.used_for != UsedFor.TICKET:
        return []
    if terms.type != DiscountType.AMOUNT or terms.value is None:
        return []
    cheapest = (
        code.tickets.filter(type=TicketType.PAID).order_by("price", "pk").values("name", "type", "price").first()
    )
    if cheapest is None:
        return []
    return amount_problems(
        terms=terms, ticket_name=cheapest["name"], ticket_type=cheapest["type"], price=cheapest["price"]
    )


def ticket_code_problems(ticket: Ticket, original: Ticket | None) -> list[Problem]:
    """The code rules of a ticket changed from its own side (its admin form, its resource in the API), which
    ``tickets.rules`` asks through ``use_code_rules``: a new code is checked as an attachment (moving from another
    code is refused), a kept code against the ticket's new type and price. Seen from the ticket, they are about
    its ``discount_code`` member."""
    wanted = ticket.discount_code_id
    current = original.discount_code_id if original is not None else None
    if wanted != current:
        problems = other_code_problems(ticket=original, code_id=wanted) if current else []
        problems = problems or ticket_problems(code=DiscountCode.objects.get(pk=wanted), ticket=ticket)
    else:
        problems = ticket_problems(code=ticket.discount_code, ticket=ticket)
    return [_on_discount_code(p) for p in problems]


def _on_discount_code(problem: Problem) -> Problem:
    if problem.field in ("tickets", "value"):
        return Problem("discount_code", problem.message, problem.code, problem.kind)
    return problem


@transaction.atomic
def set_ticket_code(ticket: Ticket, code: DiscountCode | None) -> Ticket:
    """Attach the ticket to ``code`` or, with None, detach it (the ticket side of the relationship: its resource,
    ``/v1/tickets/{id}/relationships/discount-code``, its admin form). Moving between codes is refused."""
    current = ticket.discount_code_id
    if code is None:
        if current is not None:
            detach_tickets(code=DiscountCode(pk=current), tickets=[ticket])
    elif code.pk != current:
        attach_tickets(code=code, tickets=[ticket])
    ticket.discount_code = code
    return ticket


@transaction.atomic
def attach_tickets(*, code: DiscountCode, tickets: Iterable[Ticket | int]) -> list[Ticket]:
    """Attach tickets to a ticket code, all or none. Tickets already attached to this code stay as they are."""
    attached = _attach(code=code, tickets=tickets)
    recording.tickets_moved(code, added=[(t.pk, t.name) for t in attached])
    return attached


def _attach(*, code: DiscountCode, tickets: Iterable[Ticket | int]) -> list[Ticket]:
    code = _lock_code(code)
    locked = _locked_tickets(tickets)
    terms = Terms.of(code)
    raise_if(tickets_problems(code=code, tickets=locked, terms=terms))
    new_ids = [t.pk for t in locked if t.discount_code_id != code.pk]
    if new_ids:
        Ticket.objects.filter(pk__in=new_ids).update(discount_code=code)
    return [t for t in locked if t.pk in set(new_ids)]


@transaction.atomic
def detach_tickets(*, code: DiscountCode, tickets: Iterable[Ticket | int]) -> int:
    """Detach tickets from the code; tickets not attached to it are left alone. Never deletes a ticket."""
    ids = {t.pk if isinstance(t, Ticket) else int(t) for t in tickets}
    if not ids:
        return 0
    _lock_code(code)
    return _detach(code, Ticket.objects.filter(pk__in=ids, discount_code=code))


def _detach(code: DiscountCode, tickets, added: Iterable[Ticket] = ()) -> int:
    """Detach ``tickets`` (a queryset of the code's) with one UPDATE, and record it with ``added``: two queries
    and the entry's two, whatever the number of tickets."""
    leaving = list(tickets.order_by("pk").values_list("pk", "name"))
    if leaving:
        Ticket.objects.filter(pk__in=[pk for pk, _name in leaving], discount_code=code).update(discount_code=None)
    recording.tickets_moved(code, added=[(t.pk, t.name) for t in added], removed=leaving)
    return len(leaving)


@transaction.atomic
def replace_tickets(*, code: DiscountCode, tickets: Iterable[Ticket | int]) -> tuple[list[Ticket], int]:
    """Make the code's tickets exactly this set: attach the new ones, detach those left out."""
    wanted = {t.pk if isinstance(t, Ticket) else int(t) for t in tickets}
    code = _lock_code(code)
    attached = _attach(code=code, tickets=wanted)
    detached = _detach(code, Ticket.objects.filter(discount_code=code).exclude(pk__in=wanted), added=attached)
    return attached, detached


def code_problems(
    *, code: DiscountCode, tickets: Iterable[Ticket] | None = None, original: DiscountCode | None = None
) -> list[Problem]:
    """Every rule for a code about to be saved: its text, its terms, its event's other codes, its tickets."""
    terms = Terms.of(code)
    text_problems = code_text_problems(code.code)
    if original is not None and original.code == code.code:
        # Codes stored before "/", "." and ".." were refused keep their text until renamed (see the README).
        text_problems = [p for p in text_problems if p.code != "code_not_url_segment"]
    problems = text_problems + terms_problems(terms) + change_problems(code=code, original=original)
    if not any(p.field == "code" for p in problems) and code.event_id:
        problems += code_uniqueness_problems(
            event_id=code.event_id, code=text.normalized(code.code), exclude_pk=code.pk
        )
    if tickets is not None and terms.used_for in UsedFor.values:
        problems += tickets_problems(code=code, tickets=tickets, terms=terms)
    if original is not None:
        problems += attached_problems(code=code, terms=terms)
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for p in problems:
        if (p.field, p.message) not in seen:
            seen.add((p.field, p.message))
            result.append(p)
    return result


@transaction.atomic
def create_code(*, tickets: Iterable[Ticket | int] = (), **fields: Any) -> DiscountCode:
    """Create a code from field values and attach its tickets, in one transaction."""
    return save_new_code(DiscountCode(**fields), tickets=tickets)


@transaction.atomic
def save_new_code(code: DiscountCode, *, tickets: Iterable[Ticket | int] = ()) -> DiscountCode:
    """Save an unsaved code (its ``valid_till`` defaults to the event's end) and attach its tickets."""
    if code.valid_till is None and code.event_id:
        code.valid_till = code.event.ends_at
    _normalize_text(code)
    locked = _locked_tickets(tickets)
    raise_if(code_problems(code=code, tickets=locked))
    code.save()
    attached = _attach(code=code, tickets=locked) if locked else []
    recording.created(code, attached)
    return code


@transaction.atomic
def update_code(code: DiscountCode, /, **changes: Any) -> DiscountCode:
    """Change the named fields of ``code`` and save it through the rules.

    ``code`` is positional-only: the changes are keyword arguments named after the model's fields, and one of
    them is ``code`` (the code's text), so a rename would otherwise clash with the object's own parameter.
    """
    for name, value in changes.items():
        setattr(code, name, value)
    return save_code_changes(code)


@transaction.atomic
def save_code_changes(code: DiscountCode) -> DiscountCode:
    """Save a changed code; the tickets already attached must still fit its new terms."""
    original = _lock_code(code)
    _normalize_text(code)
    raise_if(code_problems(code=code, original=original))
    code.save()
    recording.changed(original, code)
    return code


def _normalize_text(code: DiscountCode) -> None:
    """A code is stored in the form it is checked in (NFKC); its key follows on save."""
    if code.code:
        code.code = text.normalized(code.code)


# Why codes must stay: each guard takes the codes about to be deleted (a queryset) and says what keeps them.
# Apps that build on codes register theirs (``orders.rules`` keeps codes used by placed orders), so this module
# asks them without importing them: dependencies point from orders to discounts, never back.
DeletionGuard = Callable[[QuerySet], list[Problem]]
_deletion_guards: list[DeletionGuard] = []


def guard_deletion(guard: DeletionGuard) -> DeletionGuard:
    """Register ``guard`` (a decorator): ``deletion_problems`` asks it before any code is deleted."""
    if guard not in _deletion_guards:
        _deletion_guards.append(guard)
    return guard


def deletion_problems(codes: Iterable[DiscountCode]) -> list[Problem]:
    """Why these codes cannot be deleted, if they cannot: what every registered guard says."""
    queryset = DiscountCode.objects.filter(pk__in=[c.pk for c in codes])
    return [problem for guard in _deletion_guards for problem in guard(queryset)]


@transaction.atomic
def delete_code(*, code: DiscountCode) -> int:
    """Delete a code but keep its tickets: they are detached first and stay on sale at full price."""
    locked = _lock_code(code)
    raise_if(deletion_problems([code]))
    leaving = list(Ticket.objects.filter(discount_code=code).values_list("pk", "name", "discount_code_id"))
    detached = Ticket.objects.filter(discount_code=code).update(discount_code=None)
    recording.deleted([locked], leaving)
    code.delete()
    return detached


@transaction.atomic
def delete_codes(*, codes: Iterable[DiscountCode]) -> int:
    ids = sorted(c.pk for c in codes)
    locked = list(DiscountCode.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    raise_if(deletion_problems(locked))
    leaving = list(Ticket.objects.filter(discount_code_id__in=ids).values_list("pk", "name", "discount_code_id"))
    detached = Ticket.objects.filter(discount_code_id__in=ids).update(discount_code=None)
    recording.deleted(locked, leaving)
    DiscountCode.objects.filter(pk__in=ids).delete()
    return detached


# Many codes at once (the CSV import): the rules above, asked in batch without a query per code

BATCH_SIZE = 1_000
# The fields a batch writes on a stored code (what it is for and its event are fixed: ``change_problems``).
BATCH_FIELDS = ("code", *TERM_FIELDS)


@dataclass
class CodeChange:
    """One code of a batch: the code as it is to be (unsaved for a new one), exactly the tickets it is to carry,
    the stored code it changes (None for a new one), and its problems (a caller's own first, then the rules')."""

    code: DiscountCode
    tickets: list[Ticket]
    original: DiscountCode | None = None
    problems: list[Problem] = field(default_factory=list)


def check_changes(changes: list[CodeChange]) -> None:
    """Add to each change the problems every rule finds with it, as ``code_problems`` finds them for one code.

    One query whatever the number of codes (new codes against the stored ones of their events); the tickets must
    come with their ``discount_code`` loaded. The batch is the final word on its codes' tickets: a ticket whose
    code is in the batch without it is released by that code, if that code's own change is sound, and may go to
    another code of the batch.
    """
    for change in changes:
        change.problems += (
            code_text_problems(change.code.code)
            + terms_problems(Terms.of(change.code))
            + change_problems(code=change.code, original=change.original)
        )
    sound = [c for c in changes if not c.problems]
    new_keys = {(c.code.event_id, text.key(c.code.code)) for c in sound if c.original is None}
    taken = set(
        DiscountCode.objects.filter(
            event_id__in={event for event, _ in new_keys}, code_key__in={key for _, key in new_keys}
        ).values_list("event_id", "code_key")
        if new_keys
        else ()
    )
    for change in sound:
        if change.original is None and (change.code.event_id, text.key(change.code.code)) in taken:
            change.problems.append(
                Problem("code", CODE_TAKEN.format(code=change.code.code), "code_taken", Kind.CONFLICT)
            )
    kept = {c.code.pk: {t.pk for t in c.tickets} for c in sound if c.code.pk is not None and not c.problems}
    for change in changes:
        released = {
            t.pk for t in change.tickets if t.discount_code_id in kept and t.pk not in kept[t.discount_code_id]
        }
        change.problems += tickets_problems(code=change.code, tickets=change.tickets, released=released)
        change.problems[:] = _unique(change.problems)


@transaction.atomic
def save_changes(changes: list[CodeChange]) -> None:
    """Create and change many codes, each then carrying exactly its tickets: all or none, in bulk queries.

    Locks the stored codes, then the tickets (primary-key order, as every rule here), checks every change with
    ``check_changes`` against the locked rows and refuses the whole batch on any problem. A bounded number of
    queries: inserts and updates in batches, updates grouped by the values they write (a column changed alike on
    every code, the usual campaign edit, is one UPDATE), tickets detached in one query and attached in batches.
    """
    stored_ids = sorted(c.code.pk for c in changes if c.code.pk is not None)
    stored = {c.pk: c for c in DiscountCode.objects.select_for_update().filter(pk__in=stored_ids).order_by("pk")}
    locked = {t.pk: t for t in _locked_tickets(t for c in changes for t in c.tickets)}
    checked = [
        CodeChange(c.code, [locked[t.pk] for t in c.tickets], stored.get(c.code.pk) if c.code.pk else None)
        for c in changes
    ]
    check_changes(checked)
    raise_if([p for c in checked for p in c.problems])

    new = [c.code for c in checked if c.original is None]
    for code in new:
        _normalize_text(code)
    DiscountCode.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if not all(code.pk for code in new):  # a database without RETURNING: read the ids back
        found = DiscountCode.objects.filter(
            event_id__in={c.event_id for c in new}, code_key__in={c.code_key for c in new}
        )
        ids = {(event_id, key): pk for event_id, key, pk in found.values_list("event_id", "code_key", "pk")}
        for code in new:
            code.pk = ids[code.event_id, code.code_key]
    recording.batch_saved(checked)  # before the updates: the stored values are the old ones
    groups: dict[tuple, list[int]] = {}
    for change in checked:
        if change.original is not None:
            _normalize_text(change.code)
            written = tuple(
                (name, getattr(change.code, name))
                for name in BATCH_FIELDS
                if getattr(change.code, name) != getattr(change.original, name)
            )
            if written:
                groups.setdefault(written, []).append(change.code.pk)
    for written, ids in groups.items():
        for start in range(0, len(ids), BATCH_SIZE):
            DiscountCode.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(**dict(written))
    _move_tickets(checked)


def _move_tickets(changes: list[CodeChange]) -> None:
    """Give each code exactly its tickets: detach first what no code of the batch keeps, then attach."""
    wanted = {t.pk: c.code for c in changes for t in c.tickets}
    stored = [c.code.pk for c in changes if c.original is not None]
    if stored:
        Ticket.objects.filter(discount_code__in=stored).exclude(pk__in=wanted).update(discount_code=None)
    arriving = [t for c in changes for t in c.tickets if t.discount_code_id != c.code.pk]
    for ticket in arriving:
        ticket.discount_code = wanted[ticket.pk]
    Ticket.objects.bulk_update(arriving, ["discount_code"], batch_size=BATCH_SIZE)


# Whether a code can be used now (the public check and pricing ask the same question)

CODE_INACTIVE = "{code} is not active."
CODE_NOT_YET_VALID = "{code} is valid from {when}."
CODE_EXPIRED = "{code} expired on {when}."
CODE_USED_UP = "{code} is used up."


def availability_problems(code: DiscountCode, *, now: datetime, name: str | None = None) -> list[Problem]:
    """Why a code cannot be used at ``now``, if it cannot: inactive, not yet valid, expired, used up.

    ``name`` is how the messages call the code: the text the requester sent, never the stored spelling, which
    they did not send (it defaults to the stored text, for the event's organizers)."""
    name = code.code if name is None else name
    if not code.is_active:
        return [Problem("code", CODE_INACTIVE.format(code=name), "code_inactive")]
    if code.valid_from and now < code.valid_from:
        return [
            Problem("code", CODE_NOT_YET_VALID.format(code=name, when=_when(code.valid_from)), "code_not_yet_valid")
        ]
    if code.valid_till and now >= code.valid_till:
        return [Problem("code", CODE_EXPIRED.format(code=name, when=_when(code.valid_till)), "code_expired")]
    if remaining_uses(code) == 0:
        return [Problem("code", CODE_USED_UP.format(code=name), "code_used_up")]
    return []


def remaining_uses(code: DiscountCode) -> int | None:
    """How many more tickets the code may discount: its limit less its uses (never below 0); None for no limit.

    ``REMAINING_USES`` is the same figure as a query expression (for annotations); a test holds the two together.
    """
    return None if code.tickets_number is None else max(code.tickets_number - code.used_count, 0)


# ``remaining_uses`` in SQL. Case, not Greatest alone: PostgreSQL's GREATEST skips a NULL (no limit) and says 0.
REMAINING_USES = Case(
    When(tickets_number__isnull=True, then=Value(None)),
    default=Greatest(F("tickets_number") - F("used_count"), Value(0)),
    output_field=IntegerField(),
)


def is_published(code: DiscountCode, *, now: datetime) -> bool:
    """Whether the public may learn that the code exists: it is active and its validity has begun.

    Everyone but the event's organizers gets the answer of an unknown code for one that is not: an organizer
    preparing a code must not have it confirmed to guessers before it goes out. An expired or used-up code was
    public once, so the check, the quote and orders may say so."""
    return code.is_active and not (code.valid_from and now < code.valid_from)


def visible_code(codes, viewer, *, now: datetime) -> DiscountCode | None:
    """The first code of the queryset ``codes`` as ``viewer`` (a user, or ``None`` for anonymous) may know it:
    one not published yet (``is_published``) is ``None`` to all but its event's organizers.

    Whether the viewer manages the code's event is asked in the same query that finds the code (an ``EXISTS``
    column), never in a query of its own: an unknown code and an unpublished one then cost the same queries, so
    neither the answer nor the number of round trips (its timing) tells a guesser that the code exists."""
    code = codes.annotate(viewer_manages=_manages_event_of_row(viewer)).first()
    if code is None or is_published(code, now=now) or code.viewer_manages:
        return code
    return None


def _manages_event_of_row(viewer):
    """A boolean column: whether ``viewer`` manages the event of the row (``event_id``) it is annotated on."""
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return Value(False, output_field=BooleanField())
    if viewer.is_superuser:
        return Value(True, output_field=BooleanField())
    return Exists(Event.objects.owned_or_organized_by(viewer.pk).filter(pk=OuterRef("event_id")))


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


# Which tickets a code covers (the public check, the quote, orders and reports ask the same question)


def covers(code: DiscountCode, ticket: Ticket) -> bool:
    """Whether ``code`` discounts ``ticket``: a ticket code its attached tickets, an event code every paid,
    visible ticket of its event; a free ticket never.

    Hidden tickets are reached only through a ticket code attached to them: hiding a ticket means "only for
    those given its code", and an event code (often widely shared) would otherwise unlock every hidden ticket of
    the event. ``covered_tickets`` is the same rule as a query; a test holds the two together.
    """
    if ticket.event_id != code.event_id or ticket.type == TicketType.FREE:
        return False
    if code.used_for == UsedFor.TICKET:
        return ticket.discount_code_id == code.pk
    return ticket.type == TicketType.PAID and not ticket.is_hidden


def covered_tickets(code: DiscountCode):
    """The tickets ``covers`` says ``code`` discounts, in their shop order."""
    tickets = Ticket.objects.filter(event_id=code.event_id).exclude(type=TicketType.FREE)
    if code.used_for == UsedFor.TICKET:
        tickets = tickets.filter(discount_code=code)
    else:
        tickets = tickets.filter(type=TicketType.PAID, is_hidden=False)
    return tickets.order_by("position", "pk")


def covered_ticket_ids(code: DiscountCode) -> list[int]:
    return list(covered_tickets(code).values_list("pk", flat=True))
