"""The same change through each door (API, admin, management command, CSV import, generation) is recorded once,
with its door, its actor and its old and new values."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from discounts import csv_format, imports, rules
from discounts.models import DiscountCode
from eventsite.tests.forms import form_data
from history.commands import RecordedCommand
from history.context import acting
from history.models import Action, Door, Entry, ObjectType

pytestmark = pytest.mark.django_db

VALUE_10_TO_50 = {"value": {"old": "10.00", "new": "50.00"}}


def only_entry(**filters) -> Entry:
    entries = list(Entry.objects.filter(**filters))
    assert len(entries) == 1, [(e.door, e.action, e.changes) for e in entries]
    return entries[0]


def test_through_the_api(api, organizer, ticket_code):
    body = {"data": {"type": "discount-code", "id": str(ticket_code.pk), "attributes": {"value": "50.00"}}}
    assert api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", body).status_code == 200
    entry = only_entry()
    assert (entry.door, entry.action, entry.actor, entry.actor_label) == (
        Door.API,
        Action.CHANGED,
        organizer,
        "organizer@example.org",
    )
    assert (entry.object_type, entry.object_id, entry.object_label, entry.event_id) == (
        ObjectType.DISCOUNT_CODE,
        ticket_code.pk,
        "EARLY",
        ticket_code.event_id,
    )
    assert entry.changes == VALUE_10_TO_50


def test_through_the_admin(client, organizer, ticket_code):
    # The admin's form keeps whole seconds: a code created with microseconds would lose them (and record that).
    DiscountCode.objects.filter(pk=ticket_code.pk).update(
        valid_from=ticket_code.valid_from.replace(microsecond=0),
        valid_till=ticket_code.valid_till.replace(microsecond=0),
    )
    client.force_login(organizer)
    url = reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])
    data = form_data(client.get(url).content.decode(), "discountcode_form")
    data.update(value=["50.00"], _continue=["Save and continue"])
    assert client.post(url, data).status_code == 302
    entry = only_entry()
    assert (entry.door, entry.actor, entry.action) == (Door.ADMIN, organizer, Action.CHANGED)
    assert entry.changes == VALUE_10_TO_50


class ChangeValue(RecordedCommand):
    """A command that changes a code through the rules (as any command deriving from RecordedCommand)."""

    def add_arguments(self, parser):
        parser.add_argument("code", type=int)
        parser.add_argument("value")

    def handle(self, *args, code, value, **options):
        rules.update_code(DiscountCode.objects.get(pk=code), value=Decimal(value))


def test_through_a_management_command(ticket_code):
    call_command(ChangeValue(), str(ticket_code.pk), "50.00")
    entry = only_entry()
    assert (entry.door, entry.actor, entry.actor_label) == (Door.COMMAND, None, "manage.py test_doors")
    assert entry.changes == VALUE_10_TO_50


def exported_with_value_50(event) -> str:
    csv = csv_format.export_csv(event)
    assert ",10.00," in csv
    return csv.replace(",10.00,", ",50.00,")


def test_through_a_csv_import_by_the_command(tmp_path, event, ticket_code):
    path = tmp_path / "codes.csv"
    path.write_text(exported_with_value_50(event))
    call_command("import_codes", event.identifier, str(path))
    entry = only_entry()
    assert (entry.door, entry.actor, entry.actor_label) == (Door.CSV_IMPORT, None, "manage.py import_codes")
    assert (entry.object_id, entry.action) == (ticket_code.pk, Action.CHANGED)
    assert entry.changes == VALUE_10_TO_50


def test_a_csv_import_keeps_the_user_of_the_door_it_came_through(organizer, event, ticket_code):
    with acting(door=Door.ADMIN, user=organizer):
        imports.import_codes(event=event, table=csv_format.read_csv(exported_with_value_50(event)))
    entry = only_entry()
    assert (entry.door, entry.actor) == (Door.CSV_IMPORT, organizer)
    assert entry.changes == VALUE_10_TO_50


def test_through_a_generation_by_the_api(api, organizer, event):
    body = {
        "data": {
            "type": "code-generation",
            "attributes": {"count": 3, "prefix": "FALL-", "discount-type": "amount", "value": "50.00"},
        }
    }
    response = api(organizer).post(f"/v1/events/{event.pk}/code-generations", body)
    assert response.status_code == 201
    ids = sorted(int(c["id"]) for c in response.json()["data"])
    entry = only_entry()
    assert (entry.door, entry.actor, entry.action, entry.event_id) == (
        Door.GENERATION,
        organizer,
        Action.CREATED,
        event.pk,
    )
    assert entry.changes["value"] == {"old": None, "new": "50.00"}
    assert [c["id"] for c in entry.changes["codes"]["added"]] == ids
    for pk in ids:  # each code's history shows its generation
        assert list(Entry.objects.about(ObjectType.DISCOUNT_CODE, pk)) == [entry]


def test_through_a_generation_by_the_command(event):
    call_command("generate_codes", event.identifier, "2", "--value", "50.00", "--print")
    entry = only_entry()
    assert (entry.door, entry.actor_label) == (Door.GENERATION, "manage.py generate_codes")
    assert entry.changes["value"] == {"old": None, "new": "50.00"}
    assert len(entry.changes["codes"]["added"]) == 2


def test_a_single_generated_code_is_created_by_the_rules_with_the_generation_door(event):
    call_command("generate_codes", event.identifier, "1", "--value", "50.00", "--print")
    entry = only_entry()
    code = DiscountCode.objects.get(event=event)
    assert (entry.door, entry.object_id, entry.object_label) == (Door.GENERATION, code.pk, code.code)


def test_outside_every_door_a_change_is_still_recorded(ticket_code):
    rules.update_code(ticket_code, value=Decimal("50.00"))
    entry = only_entry()
    assert (entry.door, entry.actor) == (Door.OTHER, None)
    assert entry.changes == VALUE_10_TO_50
