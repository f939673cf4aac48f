"""What the history keeps of an event's organizers (``history.services``): who joined, who was removed, each by
id and e-mail address (shown only to the event's owner and organizers, who see each other's addresses)."""

from collections.abc import Iterable

from history.models import Action, ObjectType
from history.services import Change, listed, record

from .models import Event


def organizers_changed(
    event: Event, added: Iterable[tuple[int, str]] = (), removed: Iterable[tuple[int, str]] = ()
) -> None:
    added, removed = list(added), list(removed)
    if not added and not removed:
        return
    record(
        Change(
            action=Action.CHANGED,
            object_type=ObjectType.EVENT,
            object_id=event.pk,
            object_label=event.name,
            event_id=event.pk,
            changes={"organizers": {"added": listed(added), "removed": listed(removed)}},
        )
    )
