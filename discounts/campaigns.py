"""Campaign tools: many codes at once. Generate codes in bulk, import and export an event's codes as CSV.

The admin, the API and the management commands call these functions; each checks through ``discounts.rules``
(the terms, the text of a code, the tickets) in batch, so 10,000 codes cost a handful of queries, and writes in
one transaction with bulk queries: all or nothing.

**Generated codes and tickets.** A ticket carries at most one code (``Ticket.discount_code``, a ForeignKey by
design), so N > 1 codes can never all be attached to the same tickets. A generation of more than one code
therefore takes no tickets (``GENERATED_CODES_SHARE_NO_TICKETS``): a campaign is normally a set of event codes
(every paid ticket); ticket codes may be generated without tickets and attached later, one code per ticket.
A generation of one code with tickets is an ordinary ``rules.save_new_code``.
"""

import csv
import io
import itertools
import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from eventsite.errors import Kind, Problem, RuleError, raise_if
from eventsite.models import Event
from eventsite.rules import spreadsheet_safe, spreadsheet_text
from history.context import acting
from history.models import Door
from tickets.models import Ticket

from . import recording, rules, text
from .models import DiscountCode, DiscountType

# Generation ----------------------------------------------------------------------------------------------------

# Look-alikes left out: no 0/O, no 1/I/L. Codes are compared ignoring case, so the alphabet is upper case.
LOOK_ALIKES = frozenset("0O1IL")
DEFAULT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DEFAULT_LENGTH = 8
MIN_LENGTH = 4
MAX_GENERATED = 10_000
BATCH_SIZE = 1_000

COUNT_OUT_OF_RANGE = "Generate at least 1 and at most {max} codes at a time."
LENGTH_OUT_OF_RANGE = "The random part of a code has at least {min} and, with the prefix, at most {max} characters."
ALPHABET_LOOK_ALIKES = "The alphabet may not contain look-alike characters (0, O, 1, I, L)."
ALPHABET_TOO_SMALL = "The alphabet needs at least two different characters and no white space."
ALPHABET_NOT_STANDALONE = (
    "Each character of the alphabet stands on its own: {character} combines with its neighbours or changes when "
    "letter case is ignored."
)
SPACE_TOO_SMALL = (
    "Only {free} more codes of {length} characters after “{prefix}” are free in this event; "
    "ask for fewer codes, a longer code or another prefix."
)
GENERATED_CODES_SHARE_NO_TICKETS = (
    "A ticket carries at most one code, so {n} generated codes cannot all be attached to the same tickets: "
    "generate codes for every paid ticket (used for “event”), or one code for these tickets."
)
GENERATION_CLASHED = "Codes were created in this event at the same time; generate again."

Progress = Callable[[int, int], None]


def normalized_alphabet(alphabet: str) -> str:
    """Normalised as codes are (NFKC), upper case, each character once ignoring letter case, in the order given."""
    chosen: dict[str, str] = {}
    for ch in text.normalized(alphabet).upper():
        chosen.setdefault(text.key(ch), ch)
    return "".join(chosen.values())


def generation_problems(
    *, template: DiscountCode, count: int, prefix: str, length: int, alphabet: str, tickets: list
) -> list[Problem]:
    """Everything about a generation that can be checked without drawing codes (no query but the tickets')."""
    problems = []
    if not 1 <= count <= MAX_GENERATED:
        problems.append(Problem("count", COUNT_OUT_OF_RANGE.format(max=MAX_GENERATED), "count_out_of_range"))
    if not MIN_LENGTH <= length <= rules.MAX_CODE_LENGTH - len(prefix):
        problems.append(
            Problem(
                "length",
                LENGTH_OUT_OF_RANGE.format(min=MIN_LENGTH, max=rules.MAX_CODE_LENGTH),
                "length_out_of_range",
            )
        )
    if set(alphabet) & LOOK_ALIKES:
        problems.append(Problem("alphabet", ALPHABET_LOOK_ALIKES, "alphabet_look_alikes"))
    if len(alphabet) < 2 or any(ch.isspace() for ch in alphabet):
        problems.append(Problem("alphabet", ALPHABET_TOO_SMALL, "alphabet_too_small"))
    problems += text_problems(prefix=prefix, alphabet=alphabet)
    problems += rules.terms_problems(rules.Terms.of(template))
    if tickets and count > 1:
        problems.append(
            Problem("tickets", GENERATED_CODES_SHARE_NO_TICKETS.format(n=count), "generated_codes_share_no_tickets")
        )
    return problems


def text_problems(*, prefix: str, alphabet: str) -> list[Problem]:
    """The text rules of a code (``rules.code_text_problems``) for every code a generation may draw.

    A code is the prefix and characters of the alphabet, so the rules are asked of the prefix, then of the prefix
    followed by the whole alphabet (every character a code may hold: one script, nothing invisible). Each
    character of the alphabet must also stand alone (``text.stands_alone``), so that every drawn code is already
    normalised and codes that differ are different codes.
    """
    # The length rule (LENGTH_OUT_OF_RANGE) and ALPHABET_TOO_SMALL (white space) speak for the others.
    if prefix:
        problems = [
            Problem("prefix", p.message, p.code, p.kind)
            for p in rules.code_text_problems(prefix)
            if p.code != "code_too_long"
        ]
        if problems:
            return problems
    problems = [
        Problem("alphabet", p.message, p.code, p.kind)
        for p in rules.code_text_problems(prefix + alphabet)
        if p.code not in ("code_too_long", "code_whitespace")
    ]
    alone = next((ch for ch in alphabet if not ch.isspace() and not text.stands_alone(ch)), None)
    if alone is not None and not problems:
        message = ALPHABET_NOT_STANDALONE.format(character=text.describe(alone))
        problems.append(Problem("alphabet", message, "alphabet_not_standalone"))
    return problems


def existing_codes(event_id: int) -> set[str]:
    """The key of every code of the event (one query), to generate around them."""
    return set(DiscountCode.objects.filter(event_id=event_id).values_list("code_key", flat=True))


def draw_codes(*, count: int, prefix: str, length: int, alphabet: str, taken: set[str]) -> list[str]:
    """``count`` new codes ``prefix + random part``, unique by key (``text.key``), no key of them in ``taken``.

    Drawn at random with a set while the space is roomy; enumerated and sampled when it is nearly full. Refused
    when fewer than ``count`` codes of this shape are free. The alphabet's characters stand alone (``text_problems``),
    so a code's key is its characters' keys side by side.
    """
    space = len(alphabet) ** length
    key_prefix = text.key(prefix)
    key_alphabet = {text.key(ch) for ch in alphabet}
    shape_taken = {
        code
        for code in taken
        if code is not None
        and len(code) == len(key_prefix) + length
        and code.startswith(key_prefix)
        and set(code[len(key_prefix) :]) <= key_alphabet
    }
    free = space - len(shape_taken)
    if count > free:
        raise RuleError(
            Problem(
                "count",
                SPACE_TOO_SMALL.format(free=max(free, 0), length=length, prefix=prefix),
                "space_too_small",
                Kind.CONFLICT,
            )
        )
    chosen: list[str] = []
    seen: set[str] = set(shape_taken)
    if count * 2 > free:
        candidates = [
            prefix + "".join(chars)
            for chars in itertools.product(alphabet, repeat=length)
            if text.key(prefix + "".join(chars)) not in seen
        ]
        return secrets.SystemRandom().sample(candidates, count)
    while len(chosen) < count:
        code = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
        found = text.key(code)
        if found not in seen:
            seen.add(found)
            chosen.append(code)
    return chosen


@acting(door=Door.GENERATION)
def generate_codes(
    *,
    event: Event,
    count: int,
    prefix: str = "",
    length: int = DEFAULT_LENGTH,
    alphabet: str = DEFAULT_ALPHABET,
    tickets: Iterable[Ticket | int] = (),
    marketer=None,
    progress: Progress | None = None,
    **terms: Any,
) -> list[DiscountCode]:
    """Create ``count`` codes for ``event`` sharing the same terms, in one transaction with bulk inserts.

    ``terms`` are DiscountCode fields (``type``, ``value``, ``used_for``, ``tickets_number``, ``min_quantity``,
    ``max_quantity``, ``valid_from``, ``valid_till``, ``is_active``, ``discount_url``); ``valid_till`` defaults
    to the event's end as for one code. ``progress(done, total)`` is called after each batch.
    """
    prefix, alphabet = text.normalized(prefix), normalized_alphabet(alphabet)
    tickets = list(tickets)
    # The template's text stays empty: nothing is built from ``length`` before generation_problems bounds it.
    template = DiscountCode(event=event, code="", marketer=marketer, **terms)
    if template.valid_till is None:
        template.valid_till = event.ends_at
    raise_if(
        generation_problems(
            template=template, count=count, prefix=prefix, length=length, alphabet=alphabet, tickets=tickets
        )
    )
    try:
        with transaction.atomic():
            texts = draw_codes(
                count=count, prefix=prefix, length=length, alphabet=alphabet, taken=existing_codes(event.pk)
            )
            if count == 1:
                # One code: exactly the rules of creating a code, tickets and all.
                template.code = texts[0]
                code = rules.save_new_code(template, tickets=tickets)
                if progress:
                    progress(1, 1)
                return [code]
            codes = [_copy(template, text) for text in texts]
            for start in range(0, len(codes), BATCH_SIZE):
                DiscountCode.objects.bulk_create(codes[start : start + BATCH_SIZE])
                if progress:
                    progress(min(start + BATCH_SIZE, len(codes)), len(codes))
            recording.generated(codes)
            return codes
    except IntegrityError as error:
        raise RuleError(Problem("count", GENERATION_CLASHED, "generation_clashed", Kind.CONFLICT)) from error


COPIED_FIELDS = (
    "event_id",
    "marketer_id",
    "type",
    "value",
    "used_for",
    "is_active",
    "discount_url",
    "tickets_number",
    "min_quantity",
    "max_quantity",
    "valid_from",
    "valid_till",
)


def _copy(template: DiscountCode, text: str) -> DiscountCode:
    return DiscountCode(code=text, **{name: getattr(template, name) for name in COPIED_FIELDS})


def text_progress_bar(done: int, total: int, width: int = 40) -> str:
    filled = math.floor(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


# CSV -----------------------------------------------------------------------------------------------------------

COLUMNS = (
    "code",
    "discount_type",
    "value",
    "used_for",
    "is_active",
    "tickets_number",
    "min_quantity",
    "max_quantity",
    "valid_from",
    "valid_till",
    "discount_url",
    "tickets",
    "used_count",
)
REQUIRED_COLUMNS = ("code", "discount_type", "value", "used_for")
READ_ONLY_COLUMNS = ("used_count",)  # written by export, ignored by import
TICKET_SEPARATOR = "|"

MISSING_COLUMNS = "The file lacks the columns: {columns}."
MAX_IMPORTED_ROWS = MAX_GENERATED
TOO_MANY_ROWS = "A file may have at most {max:,} codes; split it."
NOT_A_NUMBER = "“{value}” is not a number."
NOT_A_WHOLE_NUMBER = "“{value}” is not a whole number."
NOT_YES_OR_NO = "“{value}” is neither true nor false."
NOT_A_MOMENT = "“{value}” is not a date and time with an offset (e.g. 2027-05-01T09:00:00+02:00)."
NOT_A_URL = "“{value}” is not a web address."
DISCOUNT_TYPE_INVALID = "Say “amount” or “percent”."
VALUE_MISSING = "Give the value of the code."
UNKNOWN_TICKET = "This event has no ticket “{name}”."
CODE_TWICE_IN_FILE = "The code “{code}” is on line {line} already (letter case does not count)."
TICKET_TWICE_IN_FILE = "“{ticket}” is listed on line {line} too; a ticket carries one code."

YES = {"true", "yes", "1", "y"}
NO = {"false", "no", "0", "n"}

# Fields an import may change on an existing code (used_for is fixed, so it is compared, never written).
UPDATABLE = (
    "type",
    "value",
    "is_active",
    "tickets_number",
    "min_quantity",
    "max_quantity",
    "valid_from",
    "valid_till",
    "discount_url",
)


class Action:
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass
class PlannedRow:
    line: int
    code: DiscountCode  # unsaved for a new code; the stored code with the file's values for an existing one
    action: str
    tickets: list[Ticket]
    problems: list[Problem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # columns whose value changes
    before: dict[str, str] = field(default_factory=dict)  # the stored row, as exported (existing codes)
    after: dict[str, str] = field(default_factory=dict)  # the row as it will be


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


@dataclass
class CsvTable:
    """A CSV file read as text: its header and its rows (dicts of stripped strings); line 1 is the header."""

    headers: list[str]
    rows: list[dict[str, str]]


def read_csv(text: str | bytes) -> CsvTable:
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    headers = next(reader, [])
    return table_of(headers, reader)


def table_of(headers: Iterable[Any], rows: Iterable[Iterable[Any]]) -> CsvTable:
    """A file's rows as a table of stripped strings by column; a cell we exported as text (``'=…``) is read back
    as the value it stands for (``eventsite.rules.spreadsheet_text``)."""
    headers = [str(h or "").strip() for h in headers]

    def text(value) -> str:
        return "" if value is None else spreadsheet_text(str(value).strip())

    return CsvTable(headers, [{h: text(v) for h, v in zip(headers, row, strict=False)} for row in rows if row])


def export_rows(codes: Iterable[DiscountCode]) -> list[dict[str, str]]:
    """Codes as CSV rows (two queries: the codes with their events, their tickets' names)."""
    codes = list(codes)
    names: dict[int, list[str]] = {}
    tickets = Ticket.objects.filter(discount_code__in=[c.pk for c in codes]).order_by("position", "pk")
    for code_id, name in tickets.values_list("discount_code_id", "name"):
        names.setdefault(code_id, []).append(name)
    return [_as_row(code, names.get(code.pk, [])) | {"used_count": str(code.used_count)} for code in codes]


def export_table(codes: Iterable[DiscountCode]) -> list[list[str]]:
    """The rows of an export file (without the header), each cell safe to open in a spreadsheet: what the admin's
    export and ``export_codes`` both write."""
    return [[spreadsheet_safe(row[column]) for column in COLUMNS] for row in export_rows(codes)]


def event_codes(event: Event):
    return DiscountCode.objects.filter(event=event).select_related("event").order_by("pk")


def export_csv(event: Event) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(export_table(event_codes(event)))
    return out.getvalue()


def _as_row(code: DiscountCode, ticket_names: list[str]) -> dict[str, str]:
    def number(value) -> str:
        return "" if value is None else str(value)

    def moment(value) -> str:
        return "" if value is None else timezone.localtime(value, _zone(code.event)).isoformat()

    return {
        "code": code.code,
        "discount_type": code.type,
        "value": "" if code.value is None else f"{Decimal(code.value).quantize(Decimal('0.01'))}",
        "used_for": code.used_for,
        "is_active": "true" if code.is_active else "false",
        "tickets_number": number(code.tickets_number),
        "min_quantity": number(code.min_quantity),
        "max_quantity": number(code.max_quantity),
        "valid_from": moment(code.valid_from),
        "valid_till": moment(code.valid_till),
        "discount_url": code.discount_url,
        "tickets": TICKET_SEPARATOR.join(ticket_names),
    }


def _zone(event: Event):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(event.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def plan_import(*, event: Event, table: CsvTable, lock: bool = False) -> ImportPlan:
    """What importing these rows into ``event`` would do, row by row, and every problem by line.

    Matches codes by key (``text.key``: any letter case or compatibility form) within the event; a row equal to the
    stored code is "unchanged".
    Three queries whatever the number of rows: the event's codes, its tickets, their codes' texts. With
    ``lock`` the codes and then the tickets are locked (primary-key order), as the rules lock them.
    """
    if len(table.rows) > MAX_IMPORTED_ROWS:
        return ImportPlan(event, [], [Problem(None, TOO_MANY_ROWS.format(max=MAX_IMPORTED_ROWS), "too_many_rows")])
    missing = [c for c in REQUIRED_COLUMNS if c not in table.headers]
    if missing:
        return ImportPlan(
            event, [], [Problem(None, MISSING_COLUMNS.format(columns=", ".join(missing)), "missing_columns")]
        )

    codes_qs = DiscountCode.objects.filter(event=event).order_by("pk")
    tickets_qs = Ticket.objects.filter(event=event).order_by("pk")
    if lock:
        codes_qs = codes_qs.select_for_update()
        tickets_qs = tickets_qs.select_for_update()
    stored = {code.code_key: code for code in codes_qs if code.code_key is not None}
    for code in stored.values():
        code.event = event
    by_id = {code.pk: code for code in stored.values()}
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

    # Tickets: the file's rows are the final word on the codes they name. A ticket whose current code is in the
    # file without it is released by that row (an explicit detach); anywhere else the rule stands.
    in_file = {row.code.pk: row for row in planned if row.code.pk is not None and row.action != Action.INVALID}
    claimed: dict[int, int] = {}
    for row in planned:
        for ticket in row.tickets:
            if ticket.pk in claimed:
                row.problems.append(
                    Problem(
                        "tickets",
                        TICKET_TWICE_IN_FILE.format(ticket=ticket.name, line=claimed[ticket.pk]),
                        "ticket_twice_in_file",
                        Kind.CONFLICT,
                    )
                )
                continue
            claimed[ticket.pk] = row.line
            holder = ticket.discount_code_id
            released = holder is not None and holder in in_file and ticket not in in_file[holder].tickets
            view = ticket
            if released or holder == row.code.pk:
                view = Ticket(pk=ticket.pk, name=ticket.name, type=ticket.type, price=ticket.price)
                view.event_id = ticket.event_id
            elif holder is not None:
                view.discount_code = by_id.get(holder)
            row.problems += rules.ticket_problems(code=row.code, ticket=view)
    for row in planned:
        if row.problems:
            row.action = Action.INVALID
            row.problems = rules._unique(row.problems)
    return ImportPlan(event, planned)


def _plan_row(event, line, row, stored, tickets_by_name, current_names, first_line) -> PlannedRow:
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

    problems += rules.code_text_problems(written)
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
    parse("value", _decimal, "value")
    code.used_for = row.get("used_for", "")
    if existing is not None and existing.used_for != code.used_for:
        problems.append(Problem("used_for", rules.USED_FOR_FIXED, "used_for_fixed", Kind.CONFLICT))
    # Empty cells: is_active on, min_quantity 1, no limit, no end; valid_from keeps the stored start (new: now).
    code.is_active = True
    code.min_quantity = 1
    code.tickets_number = code.max_quantity = code.valid_till = None
    code.discount_url = row.get("discount_url", "")
    parse("is_active", _yes_no, "is_active")
    parse("tickets_number", _whole, "tickets_number")
    parse("min_quantity", _whole, "min_quantity")
    parse("max_quantity", _whole, "max_quantity")
    parse("valid_from", _moment, "valid_from")
    parse("valid_till", _moment, "valid_till")
    if code.discount_url:
        try:
            URLValidator()(code.discount_url)
        except ValidationError:
            problems.append(Problem("discount_url", NOT_A_URL.format(value=code.discount_url), "bad_discount_url"))

    problems += rules.terms_problems(rules.Terms.of(code))
    if existing is not None and code.tickets_number is not None and code.tickets_number < existing.used_count:
        problems.append(
            Problem(
                "tickets_number",
                rules.LIMIT_BELOW_USED.format(code=existing.code, n=existing.used_count),
                "limit_below_used",
                Kind.CONFLICT,
            )
        )

    names = [n.strip() for n in row.get("tickets", "").split(TICKET_SEPARATOR) if n.strip()]
    tickets = []
    for name in dict.fromkeys(names):
        ticket = tickets_by_name.get(name)
        if ticket is None:
            problems.append(Problem("tickets", UNKNOWN_TICKET.format(name=name), "unknown_ticket"))
        else:
            tickets.append(ticket)

    after = _as_row(code, [t.name for t in sorted(tickets, key=lambda t: (t.position, t.pk))])
    if existing is None:
        action, changed, before = Action.NEW, [c for c in after if after[c]], {}
    else:
        before = _as_row(existing, current_names.get(existing.pk, []))
        changed = [c for c in after if _differs(c, before[c], after[c])]
        action = Action.UPDATE if changed else Action.UNCHANGED
    return PlannedRow(line, code, Action.INVALID if problems else action, tickets, problems, changed, before, after)


def _differs(column: str, before: str, after: str) -> bool:
    if column == "tickets":
        return set(before.split(TICKET_SEPARATOR)) != set(after.split(TICKET_SEPARATOR))
    if column in ("valid_from", "valid_till") and before and after:
        return datetime.fromisoformat(before) != datetime.fromisoformat(after)
    return before != after


def _clone(code: DiscountCode) -> DiscountCode:
    copy = DiscountCode(pk=code.pk, used_count=code.used_count, event=code.event, marketer_id=code.marketer_id)
    copy.created_at = code.created_at
    for name in (*UPDATABLE, "code", "used_for"):
        setattr(copy, name, getattr(code, name))
    return copy


def _decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(NOT_A_NUMBER.format(value=raw)) from None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise ValueError(NOT_A_NUMBER.format(value=raw))
    return value.quantize(Decimal("0.01"))


def _whole(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(NOT_A_WHOLE_NUMBER.format(value=raw))
    return int(raw)


def _yes_no(raw: str) -> bool:
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise ValueError(NOT_YES_OR_NO.format(value=raw))


def _moment(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(NOT_A_MOMENT.format(value=raw)) from None
    if value.tzinfo is None:
        raise ValueError(NOT_A_MOMENT.format(value=raw))
    return value


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


@acting(door=Door.CSV_IMPORT)
def import_codes(*, event: Event, table: CsvTable, marketer=None) -> ImportSummary:
    """Import rows into ``event``: all rows valid, or ``ImportRefused`` (by line) and nothing written.

    New codes are bulk-inserted, changed ones bulk-updated, tickets moved with one UPDATE per code whose set
    changes; unchanged rows are not touched, so importing the same file twice changes nothing the second time.
    """
    with transaction.atomic():
        plan = plan_import(event=event, table=table, lock=True)
        if not plan.is_valid:
            raise ImportRefused(plan)
        new = [row for row in plan.rows if row.action == Action.NEW]
        changed = [row for row in plan.rows if row.action == Action.UPDATE]
        for row in new:
            row.code.marketer = marketer
        DiscountCode.objects.bulk_create([row.code for row in new], batch_size=BATCH_SIZE)
        if not all(row.code.pk for row in new):  # a database without RETURNING: read the ids back
            ids = dict(DiscountCode.objects.filter(event=event).values_list("code_key", "pk"))
            for row in new:
                row.code.pk = ids[row.code.code_key]
        recording.imported(new, changed)  # before the updates: the stored values are the old ones
        # Changed codes are updated in groups that get the same values: one UPDATE for a column changed alike
        # on every row (the usual campaign edit), at worst one per row. (bulk_update's CASE WHEN is far slower.)
        groups: dict[tuple, list[int]] = {}
        for row in changed:
            groups.setdefault(tuple(getattr(row.code, name) for name in UPDATABLE), []).append(row.code.pk)
        for values, ids in groups.items():
            for start in range(0, len(ids), BATCH_SIZE):
                DiscountCode.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(
                    **dict(zip(UPDATABLE, values, strict=True))
                )
        ticket_rows = [row for row in (*new, *changed) if "tickets" in row.changed]
        wanted = {t.pk for row in ticket_rows for t in row.tickets}
        # Detach first what the file takes away, then attach (a ticket may move between codes of the file).
        Ticket.objects.filter(discount_code__in=[row.code.pk for row in ticket_rows]).exclude(pk__in=wanted).update(
            discount_code=None
        )
        for row in ticket_rows:
            if row.tickets:
                Ticket.objects.filter(pk__in=[t.pk for t in row.tickets]).update(discount_code=row.code)
        return ImportSummary(len(new), len(changed), plan.count(Action.UNCHANGED))
