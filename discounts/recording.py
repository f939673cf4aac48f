"""What the history keeps of a discount code's changes (``history.services``): the fields that are its terms,
and the entries of each rule. ``discounts.rules`` and the campaign tools call these at the one place a change
happens, each in a fixed number of queries whatever the number of tickets or codes."""

from collections.abc import Iterable
from typing import Any

from history.models import Action, ObjectType
from history.services import Change, diff, listed, record, record_many
from tickets.models import Ticket

from .models import DiscountCode

#: A code's terms, as the history records them (not ``used_count``: orders move it; not ``code_key``: derived).
FIELDS = (
    "code",
    "used_for",
    "type",
    "value",
    "is_active",
    "discount_url",
    "tickets_number",
    "min_quantity",
    "max_quantity",
    "valid_from",
    "valid_till",
)
CODE = ObjectType.DISCOUNT_CODE
TICKET = ObjectType.TICKET

Named = Iterable[tuple[int, str]]  # (id, label) of tickets or codes


def tickets_changed(added: Named = (), removed: Named = ()) -> dict[str, Any]:
    added, removed = list(added), list(removed)
    if not added and not removed:
        return {}
    return {"tickets": {"added": listed(added), "removed": listed(removed)}}


def _mentions(*groups: Named) -> list[tuple[str, int]]:
    return [(TICKET, pk) for group in groups for pk, _name in group]


def change_of(
    code: DiscountCode, action: str, changes: dict[str, Any], added: Named = (), removed: Named = ()
) -> Change:
    added, removed = list(added), list(removed)
    return Change(
        action=action,
        object_type=CODE,
        object_id=code.pk,
        object_label=code.code,
        event_id=code.event_id,
        changes=changes | tickets_changed(added, removed),
        mentions=_mentions(added, removed),
    )


def created(code: DiscountCode, tickets: Iterable[Ticket] = ()) -> None:
    record(change_of(code, Action.CREATED, diff(None, code, FIELDS), added=[(t.pk, t.name) for t in tickets]))


def changed(original: DiscountCode, code: DiscountCode) -> None:
    record(change_of(code, Action.CHANGED, diff(original, code, FIELDS)))


def tickets_moved(code: DiscountCode, added: Named = (), removed: Named = ()) -> None:
    record(change_of(code, Action.CHANGED, {}, added, removed))


def deleted(codes: Iterable[DiscountCode], detached: Iterable[tuple[int, str, int]]) -> None:
    """Codes deleted, each with its terms then and the tickets it let go (``(ticket id, name, code id)``)."""
    by_code: dict[int, list[tuple[int, str]]] = {}
    for pk, name, code_id in detached:
        by_code.setdefault(code_id, []).append((pk, name))
    record_many(
        change_of(code, Action.DELETED, diff(code, None, FIELDS), removed=by_code.get(code.pk, [])) for code in codes
    )


def generated(codes: list[DiscountCode]) -> None:
    """One entry for a generation of many codes: the terms they share, and every code (each code's history
    shows it)."""
    if not codes:
        return
    first = codes[0]
    terms = diff(None, first, [name for name in FIELDS if name != "code"])
    label = f"{len(codes)} codes ({first.code}, …)"
    record(
        Change(
            action=Action.CREATED,
            object_type=CODE,
            object_id=None,
            object_label=label,
            event_id=first.event_id,
            changes=terms | {"codes": {"added": listed((c.pk, c.code) for c in codes), "removed": []}},
            mentions=[(CODE, c.pk) for c in codes],
        )
    )


def imported(new: list, changed_rows: list) -> None:
    """The entries of a CSV import, written before its updates (so the stored values are the old ones) and after
    its new codes are inserted (so they have ids): one entry per new or changed code, in four queries (the old
    terms, the tickets of codes whose tickets change, the entries, their mentions).

    ``new`` and ``changed_rows`` are ``campaigns.PlannedRow``s: ``row.code`` holds the values the import writes,
    ``row.tickets`` the tickets the file gives it, ``row.changed`` the columns that change."""
    old = DiscountCode.objects.in_bulk([row.code.pk for row in changed_rows])
    moving = [row for row in (*new, *changed_rows) if "tickets" in row.changed]
    current: dict[int, list[tuple[int, str]]] = {}
    holders = Ticket.objects.filter(discount_code__in=[row.code.pk for row in moving if row.code.pk in old])
    for pk, name, code_id in holders.values_list("pk", "name", "discount_code_id"):
        current.setdefault(code_id, []).append((pk, name))

    def entry(row, action: str, before) -> Change:
        had = current.get(row.code.pk, [])
        wanted = [(t.pk, t.name) for t in row.tickets] if "tickets" in row.changed else had
        added = [t for t in wanted if t not in had]
        removed = [t for t in had if t not in wanted]
        return change_of(row.code, action, diff(before, row.code, FIELDS), added, removed)

    record_many(
        [entry(row, Action.CREATED, None) for row in new]
        + [entry(row, Action.CHANGED, old[row.code.pk]) for row in changed_rows]
    )
