"""The rules of events: when they run, in which time zone and currency, who runs them."""

import re
from typing import Any

from django.db import transaction

from .currencies import ISO_4217
from .errors import Kind, Problem, raise_if
from .models import EVENT_ENDS_BEFORE_START, Event, User

NAME_BLANK = "An event needs a name."
TIMEZONE_UNKNOWN = "“{value}” is not a known time zone (e.g. Europe/Berlin)."
CURRENCY_UNKNOWN = "“{value}” is not an ISO 4217 currency code (e.g. EUR)."
OWNER_IS_NOT_AN_ORGANIZER = "The owner runs the event already; only other users are added as organizers."
ONLY_OWNER_CHANGES_ORGANIZERS = "Only the event's owner adds and removes organizers."
EVENT_HAS_ORDERS = "The event has orders and cannot be deleted."


def event_problems(event: Event) -> list[Problem]:
    import zoneinfo

    problems = []
    if not event.name or not event.name.strip():
        problems.append(Problem("name", NAME_BLANK, "name_blank"))
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        problems.append(Problem("ends_at", EVENT_ENDS_BEFORE_START, "ends_before_start"))
    if event.timezone not in zoneinfo.available_timezones():
        problems.append(Problem("timezone", TIMEZONE_UNKNOWN.format(value=event.timezone), "timezone_unknown"))
    if event.payment_currency not in ISO_4217:
        problems.append(
            Problem(
                "payment_currency",
                CURRENCY_UNKNOWN.format(value=event.payment_currency),
                "currency_unknown",
            )
        )
    return problems


@transaction.atomic
def create_event(*, owner: User, **fields: Any) -> Event:
    event = Event(owner=owner, **fields)
    raise_if(event_problems(event))
    event.save()
    return event


@transaction.atomic
def update_event(*, event: Event, **changes: Any) -> Event:
    for name, value in changes.items():
        setattr(event, name, value)
    raise_if(event_problems(event))
    event.save()
    return event


@transaction.atomic
def add_organizers(*, event: Event, users: list[User]) -> None:
    if any(user.pk == event.owner_id for user in users):
        raise_if([Problem("organizers", OWNER_IS_NOT_AN_ORGANIZER, "owner_is_not_an_organizer", Kind.CONFLICT)])
    event.organizers.add(*users)


@transaction.atomic
def remove_organizers(*, event: Event, users: list[User]) -> None:
    event.organizers.remove(*users)


@transaction.atomic
def delete_event(*, event: Event) -> None:
    """Deleting an event deletes its tickets and codes with it (they mean nothing without it), unless sold."""
    if event.orders.exists():
        raise_if([Problem(None, EVENT_HAS_ORDERS, "event_has_orders", Kind.CONFLICT)])
    event.delete()


# Exports ------------------------------------------------------------------------------------------------------

#: A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"); tab and carriage
#: return too, since some programs skip them before looking for one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def spreadsheet_safe(cell: str) -> str:
    """A cell for an exported file that no spreadsheet runs as a formula: one starting with a formula character
    is written after an apostrophe (the spreadsheet's own "this is text" mark), unless it is plainly a number,
    so that ``-5.00`` stays a negative number. Every writer of CSV (the admin's export, ``export_codes``) calls
    this, and imports take the apostrophe off again (:func:`spreadsheet_text`)."""
    if cell.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def spreadsheet_text(cell: str) -> str:
    """The value of a cell written by :func:`spreadsheet_safe` (an imported file may be one we exported)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


# Numbers ------------------------------------------------------------------------------------------------------

#: The largest count the service keeps (tickets, uses, quantities, positions): PostgreSQL's ``integer``, on every
#: database (SQLite would store up to 2**63 - 1 and then disagree with PostgreSQL, which fails on the write).
MAX_COUNT = 2_147_483_647
COUNT_TOO_LARGE = "At most {max:,} here."


def count_problems(field: str, value: int | None) -> list[Problem]:
    """A count a client sent fits what the service keeps: refused with a pointer, never a failed write."""
    if value is not None and value > MAX_COUNT:
        return [Problem(field, COUNT_TOO_LARGE.format(max=MAX_COUNT), "number_too_large")]
    return []
