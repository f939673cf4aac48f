"""Writing the history: ``record`` one change, ``record_many`` a batch, each in a fixed number of queries.

Called by the rules modules (``discounts.rules``, ``tickets.rules``, ``eventsite.rules``) and the campaign tools
at the one place each change happens, inside the change's transaction: an entry is written with its change or
not at all. Bulk changes (one ``UPDATE`` for 500 tickets) are recorded here explicitly; model signals would not
see them, and would not know the door.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from .context import current
from .models import Action, Entry, Mention

#: Never recorded, whatever a caller passes: secrets of accounts (a code's text is recorded: its event's
#: organizers manage it, and only they read the history).
SECRET_FIELDS = frozenset({"password", "token", "access_token", "refresh_token", "new_password", "old_password"})
MAX_LABEL = 255
#: Rows per insert: PostgreSQL takes 65,535 parameters a statement (an entry has 10, a mention 3); SQLite's
#: limit is lower and Django splits further for it.
ENTRIES_PER_INSERT = 1000
MENTIONS_PER_INSERT = 20_000


@dataclass
class Change:
    """One entry to write: what happened to which object, and what else it names (``mentions``)."""

    action: str
    object_type: str
    object_id: int | None
    object_label: str
    event_id: int | None
    changes: dict[str, Any] = field(default_factory=dict)
    mentions: Iterable[tuple[str, int]] = ()


def value(v: Any) -> Any:
    """A field's value as the history keeps it (JSON): money and numbers as text, moments in UTC ISO 8601."""
    if isinstance(v, models.Model):
        return v.pk
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat() if timezone.is_aware(v) else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def diff(before: Any, after: Any, fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{field: {"old", "new"}}`` for each of ``fields`` whose value differs (``before`` None: a creation)."""
    changes = {}
    for name in fields:
        old = _field_value(before, name) if before is not None else None
        new = _field_value(after, name) if after is not None else None
        if old != new or before is None or after is None:
            changes[name] = {"old": old, "new": new}
    return changes


def _field_value(obj: Any, name: str) -> Any:
    """A model field's value as stored: money with its decimal places (``Decimal("70")`` is stored as 70.00)."""
    v = getattr(obj, name)
    field = obj._meta.get_field(name)
    if isinstance(field, models.DecimalField) and isinstance(v, Decimal | int) and not isinstance(v, bool):
        v = Decimal(v).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value(v)


def listed(objects: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """Objects of a set that changed, as ``{id, label}`` in id order (the label survives the object)."""
    return [{"id": pk, "label": label} for pk, label in sorted(objects)]


def record(change: Change) -> Entry | None:
    """Write one entry (two queries: the entry, its mentions). A change that changes nothing is not recorded."""
    entries = record_many([change])
    return entries[0] if entries else None


def record_many(changes: Iterable[Change]) -> list[Entry]:
    """Write a batch of entries with one insert for the entries and one for their mentions, whatever its size."""
    batch = [c for c in changes if c.changes or c.action != Action.CHANGED]
    if not batch:
        return []
    user, label = current().who()
    door = current().door
    now = timezone.now()
    entries = [
        Entry(
            at=now,
            actor=user,
            actor_label=label[:MAX_LABEL],
            door=door,
            event_id=c.event_id,
            action=c.action,
            object_type=c.object_type,
            object_id=c.object_id,
            object_label=str(c.object_label)[:MAX_LABEL],
            changes={k: v for k, v in c.changes.items() if k not in SECRET_FIELDS},
        )
        for c in batch
    ]
    Entry.objects.bulk_create(entries, batch_size=ENTRIES_PER_INSERT)
    mentions = []
    for entry, c in zip(entries, batch, strict=True):
        assert entry.pk is not None, "the database returns the ids of inserted rows (PostgreSQL; SQLite ≥ 3.35)"
        named = {(c.object_type, c.object_id)} if c.object_id is not None else set()
        named |= set(c.mentions)
        mentions += [Mention(entry=entry, object_type=t, object_id=i) for t, i in sorted(named)]
    Mention.objects.bulk_create(mentions, batch_size=MENTIONS_PER_INSERT)
    return entries


def entries_of(object_type: str, object_id: int):
    return Entry.objects.about(object_type, object_id).newest_first()


def event_entries(event_id: int):
    return Entry.objects.filter(event_id=event_id).newest_first()


def summary(changes: Mapping[str, Any]) -> str:
    """One line for people (the admin's list): ``value: 10.00 → 50.00; tickets: +Early, -Student``."""
    parts = []
    for name, change in changes.items():
        if isinstance(change, Mapping) and ("added" in change or "removed" in change):
            items = [f"+{i['label']}" for i in change.get("added", [])]
            items += [f"-{i['label']}" for i in change.get("removed", [])]
            if len(items) > 10:
                items = [*items[:10], f"… ({len(items) - 10} more)"]
            parts.append(f"{name}: {', '.join(items)}")
        elif isinstance(change, Mapping):
            parts.append(f"{name}: {_shown(change.get('old'))} → {_shown(change.get('new'))}")
    return "; ".join(parts)


def _shown(v: Any) -> str:
    return "–" if v is None or v == "" else str(v)
