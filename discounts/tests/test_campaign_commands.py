"""The campaign management commands: generate with a progress bar, export and import files by event identifier."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from discounts import csv_format, rules
from discounts.models import DiscountCode

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_generate_codes_shows_progress_and_the_time_taken(event):
    output = run(
        "generate_codes", event.identifier, "2500", "--prefix", "FALL-", "--value", "5", "--tickets-number", "1"
    )
    assert "[" + "#" * 40 + "] 2500/2500" in output
    assert f"Generated 2500 codes for {event.name} in" in output
    assert DiscountCode.objects.filter(event=event, code__startswith="FALL-", tickets_number=1).count() == 2500


def test_generate_codes_reports_the_rule_and_writes_nothing(event):
    with pytest.raises(CommandError, match="look-alike"):
        run("generate_codes", str(event.pk), "10", "--value", "5", "--alphabet", "AB0")
    assert not DiscountCode.objects.exists()


def test_export_and_import_commands_round_trip_a_file(event, paid_ticket, tmp_path):
    rules.create_code(event=event, code="EARLY", value=Decimal("5"), used_for="ticket", tickets=[paid_ticket])
    path = tmp_path / "codes.csv"
    run("export_codes", event.identifier, str(path))
    assert path.read_text() == csv_format.export_csv(event)
    assert run("export_codes", event.identifier) == path.read_text()
    assert "Created 0, updated 0, 1 unchanged." in run("import_codes", event.identifier, str(path))
    path.write_text(path.read_text() + "NEW,percent,10.00,event,true,,1,,,,,,\n")
    assert "Would create 1, update 0, leave 1 unchanged." in run(
        "import_codes", event.identifier, str(path), "--dry-run"
    )
    assert not DiscountCode.objects.filter(code="NEW").exists()
    assert "Created 1, updated 0, 1 unchanged." in run("import_codes", event.identifier, str(path))


def test_import_command_lists_bad_lines_and_imports_nothing(event, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text(
        ",".join(csv_format.COLUMNS) + "\nOK,amount,1,event\nBAD,amount,-1,event\nOK2,amount,1,somewhere\n"
    )
    with pytest.raises(CommandError) as refused:
        run("import_codes", event.identifier, str(path))
    assert str(refused.value).splitlines() == [
        "Nothing was imported; 2 problems:",
        f"Line 3: {rules.VALUE_NOT_POSITIVE}",
        f"Line 4: {rules.USED_FOR_INVALID}",
    ]
    assert not DiscountCode.objects.exists()


def test_an_unknown_event_is_an_error(db):
    with pytest.raises(CommandError, match="There is no event “nope”"):
        run("export_codes", "nope")
