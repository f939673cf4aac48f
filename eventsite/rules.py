"""The rules of events: when they run, in which time zone and currency, who runs them."""

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
def update_event(event: Event, /, **changes: Any) -> Event:
    """Change the named fields; ``event`` is positional-only so that no field name can clash with it."""
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
