"""Importing an event's codes from CSV: plan every row (what it would do, every problem by line), then write all
rows or none.

Each row becomes a ``rules.CodeChange``: the code as the row has it, exactly the tickets it names, the stored code
it changes. The file's own problems come first (a cell that is no value, a code or a ticket twice in the file, a
ticket the event lacks), then every rule's, from ``rules.check_changes``: the checks ``create_code``,
``update_code`` and ``attach_tickets`` make, asked in batch. The write is ``rules.save_changes``, which locks,
checks again and writes in bulk queries. A row equal to its stored code is "unchanged" and not written, so
importing the same file twice changes nothing the second time.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from eventsite.errors import Kind, Problem, RuleError
from eventsite.models import Event
from history.context import acting
from history.models import Door
from tickets.models import Ticket

from . import csv_format, rules, text
from .csv_format import CsvTable
from .generation import MAX_GENERATED
from .models import DiscountCode, DiscountType

MAX_IMPORTED_ROWS = MAX_GENERATED
TOO_MANY_ROWS = "A file may have at most {max:,} codes; split it."
MISSING_COLUMNS = "The file lacks the columns: {columns}."
NOT_A_URL = "“{value}” is not a web address."
DISCOUNT_TYPE_INVALID = "Say “amount” or “percent”."
VALUE_MISSING = "Give the value of the code."
UNKNOWN_TICKET = "This event has no ticket “{name}”."
CODE_TWICE_IN_FILE = "The code “{code}” is on line {line} already (letter case does not count)."
TICKET_TWICE_IN_FILE = "“{ticket}” is listed on line {line} too; a ticket carries one code."


class Action:
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass
class PlannedRow:
    line: int
    change: rules.CodeChange  # the code as the row has it (unsaved if new), its tickets, the stored code, problems
    action: str
    changed: list[str] = field(default_factory=list)  # columns whose value changes
    before: dict[str, str] = field(default_factory=dict)  # the stored row, as exported (existing codes)
    after: dict[str, str] = field(default_factory=dict)  # the row as it will be

    @property
    def code(self) -> DiscountCode:
        return self.change.code

    @property
    def tickets(self) -> list[Ticket]:
        return self.change.tickets

    @property
    def problems(self) -> list[Problem]:
        return self.change.problems


@dataclass
class ImportPlan:
    event: Event
    rows: list[PlannedRow]
    file_problems: list[Problem] = field(default_factory=list)

    @property
    def line_problems(self) -> list[tuple[int, Problem]]:
        return [(1, p) for p in self.file_problems] + [(row.line, p) for row in self.rows for p in row.problems]

    @property
    def is_valid(self) -> bool:
        return not self.line_problems

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


class ImportRefused(RuleError):
    """Bad rows: each problem says its line (the header is line 1); nothing was written."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(
            [Problem(p.field, f"Line {line}: {p.message}", p.code, p.kind) for line, p in plan.line_problems]
        )

    def messages_text(self) -> str:
        return f"Nothing was imported; {len(self.problems)} problems:\n" + "\n".join(self.messages)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def plan_import(*, event: Event, table: CsvTable, lock: bool = False) -> ImportPlan:
    """What importing these rows into ``event`` would do, row by row, and every problem by line.

    Matches codes by key (``text.key``: any letter case or compatibility form) within the event. Three queries
    whatever the number of rows: the event's codes, its tickets with their codes, and the rules' batch check.
    With ``lock`` the codes and then the tickets are locked (primary-key order), as the rules lock them.
    """
    if len(table.rows) > MAX_IMPORTED_ROWS:
        return ImportPlan(event, [], [Problem(None, TOO_MANY_ROWS.format(max=MAX_IMPORTED_ROWS), "too_many_rows")])
    missing = [c for c in csv_format.REQUIRED_COLUMNS if c not in table.headers]
    if missing:
        return ImportPlan(
            event, [], [Problem(None, MISSING_COLUMNS.format(columns=", ".join(missing)), "missing_columns")]
        )

    codes_qs = DiscountCode.objects.filter(event=event).order_by("pk")
    tickets_qs = Ticket.objects.filter(event=event).select_related("discount_code").order_by("pk")
    if lock:
        codes_qs = codes_qs.select_for_update()
        tickets_qs = tickets_qs.select_for_update(of=("self",))
    stored = {code.code_key: code for code in codes_qs if code.code_key is not None}
    for code in stored.values():
        code.event = event
    tickets = list(tickets_qs)
    tickets_by_name = {t.name: t for t in tickets}
    current_names: dict[int, list[str]] = {}
    for t in sorted(tickets, key=lambda t: (t.position, t.pk)):
        if t.discount_code_id:
            current_names.setdefault(t.discount_code_id, []).append(t.name)

    planned: list[PlannedRow] = []
    first_line: dict[str, int] = {}
    for index, row in enumerate(table.rows):
        planned.append(_plan_row(event, index + 2, row, stored, tickets_by_name, current_names, first_line))
    claimed: dict[int, int] = {}
    for row in planned:
        kept = []
        for ticket in row.tickets:
            if ticket.pk in claimed:
                message = TICKET_TWICE_IN_FILE.format(ticket=ticket.name, line=claimed[ticket.pk])
                row.problems.append(Problem("tickets", message, "ticket_twice_in_file", Kind.CONFLICT))
            else:
                claimed[ticket.pk] = row.line
                kept.append(ticket)
        row.change.tickets = kept
    rules.check_changes([row.change for row in planned])
    for row in planned:
        if row.problems:
            row.action = Action.INVALID
    return ImportPlan(event, planned)


def _plan_row(event, line, row, stored, tickets_by_name, current_names, first_line) -> PlannedRow:
    """One row as a planned change, with the problems of its cells (the rules' come later, in batch)."""
    problems: list[Problem] = []
    written = row.get("code", "")
    found = text.key(written)
    existing = stored.get(found)
    code = DiscountCode(event=event) if existing is None else _clone(existing)
    code.code = text.normalized(written) if existing is None else existing.code

    def parse(column, parser, target):
        raw = row.get(column, "")
        if raw == "":
            return
        try:
            setattr(code, target, parser(raw))
        except ValueError as error:
            problems.append(Problem(target, str(error), f"bad_{column}"))

    if found in first_line and written:
        problems.append(
            Problem("code", CODE_TWICE_IN_FILE.format(code=written, line=first_line[found]), "code_twice_in_file")
        )
    elif written:
        first_line[found] = line

    kind = row.get("discount_type", "")
    if kind not in DiscountType.values:
        problems.append(Problem("type", DISCOUNT_TYPE_INVALID, "discount_type_invalid"))
    else:
        code.type = kind
    if row.get("value", "") == "":
        problems.append(Problem("value", VALUE_MISSING, "value_missing"))
    parse("value", csv_format.parse_decimal, "value")
    code.used_for = row.get("used_for", "")
    # Empty cells: is_active on, min_quantity 1, no limit, no end; valid_from keeps the stored start (new: now).
    code.is_active = True
    code.min_quantity = 1
    code.tickets_number = code.max_quantity = code.valid_till = None
    code.discount_url = row.get("discount_url", "")
    parse("is_active", csv_format.parse_yes_no, "is_active")
    parse("tickets_number", csv_format.parse_whole, "tickets_number")
    parse("min_quantity", csv_format.parse_whole, "min_quantity")
    parse("max_quantity", csv_format.parse_whole, "max_quantity")
    parse("valid_from", csv_format.parse_moment, "valid_from")
    parse("valid_till", csv_format.parse_moment, "valid_till")
    if code.discount_url:
        try:
            URLValidator()(code.discount_url)
        except ValidationError:
            problems.append(Problem("discount_url", NOT_A_URL.format(value=code.discount_url), "bad_discount_url"))

    names = [n.strip() for n in row.get("tickets", "").split(csv_format.TICKET_SEPARATOR) if n.strip()]
    tickets = []
    for name in dict.fromkeys(names):
        ticket = tickets_by_name.get(name)
        if ticket is None:
            problems.append(Problem("tickets", UNKNOWN_TICKET.format(name=name), "unknown_ticket"))
        else:
            tickets.append(ticket)

    after = csv_format.as_row(code, [t.name for t in sorted(tickets, key=lambda t: (t.position, t.pk))])
    if existing is None:
        action, changed, before = Action.NEW, [c for c in after if after[c]], {}
    else:
        before = csv_format.as_row(existing, current_names.get(existing.pk, []))
        changed = [c for c in after if csv_format.differs(c, before[c], after[c])]
        action = Action.UPDATE if changed else Action.UNCHANGED
    change = rules.CodeChange(code, tickets, existing, problems)
    return PlannedRow(line, change, action, changed, before, after)


def _clone(code: DiscountCode) -> DiscountCode:
    copy = DiscountCode(pk=code.pk, used_count=code.used_count, event=code.event, marketer_id=code.marketer_id)
    copy.created_at = code.created_at
    for name in (*rules.BATCH_FIELDS, "used_for"):
        setattr(copy, name, getattr(code, name))
    return copy


@acting(door=Door.CSV_IMPORT)
def import_codes(*, event: Event, table: CsvTable, marketer=None) -> ImportSummary:
    """Import rows into ``event``: all rows valid, or ``ImportRefused`` (by line) and nothing written.

    New and changed rows are written by ``rules.save_changes`` (bulk queries, all or nothing); unchanged rows are
    not touched.
    """
    with transaction.atomic():
        plan = plan_import(event=event, table=table, lock=True)
        if not plan.is_valid:
            raise ImportRefused(plan)
        writing = [row for row in plan.rows if row.action in (Action.NEW, Action.UPDATE)]
        for row in writing:
            if row.action == Action.NEW:
                row.code.marketer = marketer
        rules.save_changes([row.change for row in writing])
        return ImportSummary(plan.count(Action.NEW), plan.count(Action.UPDATE), plan.count(Action.UNCHANGED))
