"""What the history keeps of a ticket's changes (``history.services``). Its code is recorded by the code's
rules (``discounts.recording``): attaching or detaching is one entry of the code that names the ticket."""

from history.models import Action, ObjectType
from history.services import Change, diff, record

from .models import OWN_FIELDS, Ticket


def saved(original: Ticket | None, ticket: Ticket) -> None:
    action = Action.CREATED if original is None else Action.CHANGED
    record(_change(ticket, action, diff(original, ticket, OWN_FIELDS)))


def deleted(ticket: Ticket) -> None:
    changes = diff(ticket, None, OWN_FIELDS)
    mentions = []
    if ticket.discount_code_id is not None:
        changes["discount_code"] = {"old": ticket.discount_code_id, "new": None}
        mentions.append((ObjectType.DISCOUNT_CODE, ticket.discount_code_id))
    record(_change(ticket, Action.DELETED, changes, mentions))


def _change(ticket: Ticket, action: str, changes: dict, mentions=()) -> Change:
    return Change(
        action=action,
        object_type=ObjectType.TICKET,
        object_id=ticket.pk,
        object_label=ticket.name,
        event_id=ticket.event_id,
        changes=changes,
        mentions=mentions,
    )
