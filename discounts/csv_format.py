"""The CSV file of an event's codes: its columns, reading a file into a table, writing codes as rows, and the
cell parsers an import reads values with. No rule of codes lives here (``discounts.rules``), nor any planning
or writing of an import (``discounts.imports``).
"""

import csv
import io
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from eventsite.models import Event
from eventsite.rules import spreadsheet_safe, spreadsheet_text
from tickets.models import Ticket

from .models import LIMIT_FIELDS, DiscountCode

COLUMNS = (
    "code",
    "discount_type",
    "value",
    "used_for",
    "is_active",
    *LIMIT_FIELDS,
    "discount_url",
    "tickets",
    "used_count",
)
REQUIRED_COLUMNS = ("code", "discount_type", "value", "used_for")
READ_ONLY_COLUMNS = ("used_count",)  # written by export, ignored by import
TICKET_SEPARATOR = "|"

NOT_A_NUMBER = "“{value}” is not a number."
NOT_A_WHOLE_NUMBER = "“{value}” is not a whole number."
NOT_YES_OR_NO = "“{value}” is neither true nor false."
NOT_A_MOMENT = "“{value}” is not a date and time with an offset (e.g. 2027-05-01T09:00:00+02:00)."

YES = {"true", "yes", "1", "y"}
NO = {"false", "no", "0", "n"}


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
    return [as_row(code, names.get(code.pk, [])) | {"used_count": str(code.used_count)} for code in codes]


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


def as_row(code: DiscountCode, ticket_names: list[str]) -> dict[str, str]:
    """A code as the cells of its row (without ``used_count``), times in its event's time zone."""

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
    try:
        return zoneinfo.ZoneInfo(event.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def differs(column: str, before: str, after: str) -> bool:
    """Whether two cells of a column say different things (ticket lists as sets, moments as instants)."""
    if column == "tickets":
        return set(before.split(TICKET_SEPARATOR)) != set(after.split(TICKET_SEPARATOR))
    if column in ("valid_from", "valid_till") and before and after:
        return datetime.fromisoformat(before) != datetime.fromisoformat(after)
    return before != after


# Cell parsers: the value a cell stands for, or ValueError with the message to show.


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(NOT_A_NUMBER.format(value=raw)) from None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise ValueError(NOT_A_NUMBER.format(value=raw))
    return value.quantize(Decimal("0.01"))


def parse_whole(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(NOT_A_WHOLE_NUMBER.format(value=raw))
    return int(raw)


def parse_yes_no(raw: str) -> bool:
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise ValueError(NOT_YES_OR_NO.format(value=raw))


def parse_moment(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(NOT_A_MOMENT.format(value=raw)) from None
    if value.tzinfo is None:
        raise ValueError(NOT_A_MOMENT.format(value=raw))
    return value
