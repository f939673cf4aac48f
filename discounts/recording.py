"""What the history keeps of a discount code's changes (``history.services``): the fields that are its terms,
and the entries of each rule. ``discounts.rules`` and the campaign tools call these at the one place a change
happens, each in a fixed number of queries whatever the number of tickets or codes."""

from collections.abc import Iterable
from typing import Any

from history.models import Action, ObjectType
from history.services import Change, diff, listed, record, record_many
from tickets.models import Ticket

from .models import TERM_FIELDS, DiscountCode

#: A code's terms, as the history records them (not ``used_count``: orders move it; not ``code_key``: derived).
FIELDS = ("code", "used_for", *TERM_FIELDS)
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


def batch_saved(changes: list) -> None:
    """The entries of a batch of code changes (``rules.save_changes``: the CSV import), written after its new
    codes are inserted (so they have ids) and before its updates (so the stored values are the old ones): one
    entry per new or changed code, in a fixed number of queries (the tickets the stored codes hold, the entries,
    their mentions). ``changes`` are ``rules.CodeChange``s: ``code`` the values written, ``tickets`` exactly the
    tickets it is to carry, ``original`` the locked stored code (None for a new one)."""
    stored = [c.code.pk for c in changes if c.original is not None]
    current: dict[int, list[tuple[int, str]]] = {}
    holders = Ticket.objects.filter(discount_code__in=stored) if stored else Ticket.objects.none()
    for pk, name, code_id in holders.values_list("pk", "name", "discount_code_id"):
        current.setdefault(code_id, []).append((pk, name))

    def entry(change) -> Change:
        had = current.get(change.code.pk, []) if change.original is not None else []
        wanted = [(t.pk, t.name) for t in change.tickets]
        added = [t for t in wanted if t not in had]
        removed = [t for t in had if t not in wanted]
        action = Action.CREATED if change.original is None else Action.CHANGED
        return change_of(change.code, action, diff(change.original, change.code, FIELDS), added, removed)

    record_many(entry(change) for change in changes)
