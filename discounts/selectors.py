"""Reads about codes and tickets that more than one screen needs (the rules decide; these only look up)."""

from django.db.models import QuerySet

from tickets.models import TicketType

from .models import DiscountCode, UsedFor


def attachable_tickets(tickets: QuerySet, *, code: DiscountCode | None = None) -> QuerySet:
    """Tickets worth offering to attach to a ticket code: not free, without a code, of the code's event.

    It narrows a list of choices and decides nothing: ``rules.attach_tickets`` still checks every ticket it is
    given (an amount above a ticket's price, a ticket of another event, one taken meanwhile), with its own
    messages. ``tickets`` is the caller's already scoped queryset; with ``code=None`` (a code not saved yet)
    tickets of every event in it are offered, and an event code takes none.
    """
    if code is not None and code.used_for != UsedFor.TICKET:
        return tickets.none()
    tickets = tickets.filter(discount_code__isnull=True).exclude(type=TicketType.FREE)
    if code is not None:
        tickets = tickets.filter(event_id=code.event_id)
    return tickets
