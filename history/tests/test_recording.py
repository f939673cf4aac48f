"""What each rule records: tickets attached and detached as one entry, deletions that outlive the code, tickets'
own fields, organizers; nothing secret."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from discounts import rules
from eventsite import rules as event_rules
from eventsite.models import OrganizerInvitation
from eventsite.tests.factories import TicketFactory, UserFactory
from history.models import Action, Door, Entry, Mention, ObjectType
from history.services import Change, record, summary
from tickets import rules as ticket_rules

pytestmark = pytest.mark.django_db

CODE, TICKET = ObjectType.DISCOUNT_CODE, ObjectType.TICKET


def test_attaching_500_tickets_over_the_api_is_one_entry_listing_them(api, organizer, event, ticket_code):
    tickets = TicketFactory.create_batch(500, event=event)
    linkage = {"data": [{"type": "ticket", "id": str(t.pk)} for t in tickets]}
    with CaptureQueriesContext(connection) as ctx:
        response = api(organizer).post(f"/v1/discount-codes/{ticket_code.pk}/relationships/tickets", linkage)
    assert response.status_code == 200
    entry = Entry.objects.get()
    assert (entry.door, entry.actor, entry.object_id) == (Door.API, organizer, ticket_code.pk)
    assert [t["id"] for t in entry.changes["tickets"]["added"]] == sorted(t.pk for t in tickets)
    assert entry.changes["tickets"]["removed"] == []
    assert entry.changes["tickets"]["added"][0]["label"] == tickets[0].name
    # recording is two inserts (SQLite: its batches of 333 mentions), not 500
    recorded = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "history_')]
    assert len(recorded) == (2 if connection.vendor == "postgresql" else 1 + 2)
    # each ticket's history shows it
    assert list(Entry.objects.about(TICKET, tickets[7].pk)) == [entry]


def test_replacing_is_one_entry_with_what_was_added_and_removed(ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    rules.replace_tickets(code=ticket_code, tickets=[second_paid_ticket])
    latest = Entry.objects.newest_first().first()
    assert latest.changes == {
        "tickets": {
            "added": [{"id": second_paid_ticket.pk, "label": "Student"}],
            "removed": [{"id": paid_ticket.pk, "label": "Early bird"}],
        }
    }
    assert Entry.objects.count() == 2


def test_detaching_records_only_what_was_attached(ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    rules.detach_tickets(code=ticket_code, tickets=[paid_ticket, second_paid_ticket])
    latest = Entry.objects.newest_first().first()
    assert latest.changes["tickets"] == {"added": [], "removed": [{"id": paid_ticket.pk, "label": "Early bird"}]}
    rules.detach_tickets(code=ticket_code, tickets=[second_paid_ticket])  # nothing changes: nothing recorded
    assert Entry.objects.count() == 2


def test_a_change_that_changes_nothing_is_not_recorded(ticket_code):
    rules.update_code(ticket_code, value=Decimal("10.00"))
    assert not Entry.objects.exists()


def test_a_deleted_codes_history_stays_with_its_last_terms(event, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    pk = ticket_code.pk
    rules.delete_code(code=ticket_code)
    entries = list(Entry.objects.about(CODE, pk).newest_first())
    assert [e.action for e in entries] == [Action.DELETED, Action.CHANGED]
    deleted = entries[0]
    assert (deleted.object_label, deleted.event_id) == ("EARLY", event.pk)
    assert deleted.changes["value"] == {"old": "10.00", "new": None}
    assert deleted.changes["tickets"]["removed"] == [{"id": paid_ticket.pk, "label": "Early bird"}]
    assert list(Entry.objects.about(TICKET, paid_ticket.pk)) == entries  # the ticket saw both


def test_deleting_many_codes_is_one_entry_each_in_fixed_queries(event):
    codes = [rules.create_code(event=event, code=f"C{i}", value=Decimal("5"), used_for="event") for i in range(20)]
    Entry.objects.all().delete()
    rules.delete_codes(codes=codes)
    assert Entry.objects.filter(action=Action.DELETED).count() == 20


def test_a_tickets_price_and_visibility_are_recorded_on_the_ticket(api, organizer, paid_ticket):
    body = {"data": {"type": "ticket", "id": str(paid_ticket.pk), "attributes": {"price": "60.00", "is-hidden": True}}}
    assert api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", body).status_code == 200
    entry = Entry.objects.get()
    assert (entry.object_type, entry.object_id, entry.door) == (TICKET, paid_ticket.pk, Door.API)
    assert entry.changes == {"price": {"old": "50.00", "new": "60.00"}, "is_hidden": {"old": False, "new": True}}


def test_a_tickets_code_set_from_the_ticket_is_one_entry_of_the_code(ticket_code, paid_ticket):
    ticket_rules.update_ticket(paid_ticket, discount_code=ticket_code)
    entry = Entry.objects.get()
    assert (entry.object_type, entry.object_id) == (CODE, ticket_code.pk)
    assert list(Entry.objects.about(TICKET, paid_ticket.pk)) == [entry]


def test_a_ticket_created_and_deleted(event):
    ticket = ticket_rules.create_ticket(event=event, name="Late", type="paid", price=Decimal("70"))
    pk = ticket.pk
    ticket_rules.delete_ticket(ticket=ticket)
    created, deleted = Entry.objects.about(TICKET, pk).order_by("id")
    assert (created.action, created.changes["price"]) == (Action.CREATED, {"old": None, "new": "70.00"})
    assert (deleted.action, deleted.object_label) == (Action.DELETED, "Late")


def test_organizers_joining_and_removed(event, owner):
    newcomer = UserFactory(email="new@example.org")
    invitation = OrganizerInvitation.objects.create(event=event, email=newcomer.email, invited_by=owner)
    event_rules.accept_invitation(invitation=invitation, user=newcomer)
    event_rules.remove_organizers(event=event, users=[newcomer])
    joined, removed = Entry.objects.about(ObjectType.EVENT, event.pk).order_by("id")
    assert joined.changes == {"organizers": {"added": [{"id": newcomer.pk, "label": newcomer.email}], "removed": []}}
    assert removed.changes["organizers"]["removed"] == [{"id": newcomer.pk, "label": newcomer.email}]
    assert joined.event_id == event.pk


def test_passwords_and_tokens_are_never_recorded(event):
    record(
        Change(
            action=Action.CHANGED,
            object_type=ObjectType.EVENT,
            object_id=event.pk,
            object_label=event.name,
            event_id=event.pk,
            changes={"password": {"old": "x", "new": "y"}, "token": {"old": "a", "new": "b"}, "name": {"old": 1}},
        )
    )
    assert Entry.objects.get().changes == {"name": {"old": 1}}


def test_changing_a_password_records_nothing(owner):
    owner.set_password("an-old-sturdy-passphrase")
    owner.save()
    event_rules.change_password(
        user=owner,
        old_password="an-old-sturdy-passphrase",
        new_password="a-new-sturdy-passphrase",
        request=RequestFactory().post("/v1/auth/change-password"),
    )
    assert not Entry.objects.exists()


def test_an_entry_outlives_its_actor(event, ticket_code):
    actor = UserFactory(email="gone@example.org")
    from history.context import acting

    with acting(door=Door.API, user=actor):
        rules.update_code(ticket_code, is_active=False)
    actor.delete()
    entry = Entry.objects.get()
    assert (entry.actor, entry.actor_label) == (None, "gone@example.org")
    assert Mention.objects.filter(entry=entry).count() == 1


def test_the_summary_reads_as_a_line():
    changes = {
        "value": {"old": "10.00", "new": "50.00"},
        "tickets": {"added": [{"id": 1, "label": "A"}], "removed": []},
    }
    assert summary(changes) == "value: 10.00 → 50.00; tickets: +A"


def test_pruning_deletes_only_entries_older_than_asked(ticket_code):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    rules.update_code(ticket_code, value=Decimal("20.00"))
    rules.update_code(ticket_code, value=Decimal("30.00"))
    old = Entry.objects.order_by("id").first()
    Entry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=400))
    call_command("prune_history", "--older-than", "365")
    assert [e.changes["value"]["new"] for e in Entry.objects.all()] == ["30.00"]
    assert Mention.objects.count() == 1
