"""The history in the admin: each code's and ticket's "History" page shows every door; the list of entries is
scoped to the user's events and filterable; nothing there can be added, changed or deleted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory
from history.context import acting
from history.models import Door, Entry
from tickets import rules as ticket_rules

pytestmark = pytest.mark.django_db

LIST = "admin:history_entry_changelist"


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_a_codes_history_page_shows_every_door(organizer_client, organizer, ticket_code, paid_ticket):
    with acting(door=Door.API, user=organizer):
        rules.update_code(ticket_code, value=Decimal("20.00"))
    with acting(door=Door.COMMAND, user=None, label="manage.py fix_codes"):
        rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    page = organizer_client.get(reverse("admin:discounts_discountcode_history", args=[ticket_code.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "value: 10.00 → 20.00" in html and "API" in html and "organizer@example.org" in html
    assert "tickets: +Early bird" in html and "manage.py fix_codes" in html and "management command" in html
    assert f"?object=discount-code%3A{ticket_code.pk}" in html


def test_a_tickets_history_page_shows_its_code(organizer_client, ticket_code, paid_ticket):
    ticket_rules.update_ticket(paid_ticket, price=Decimal("60.00"))
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    html = organizer_client.get(reverse("admin:tickets_ticket_history", args=[paid_ticket.pk])).content.decode()
    assert "price: 50.00 → 60.00" in html
    assert "“EARLY”" in html  # the code's entry that attached it


def test_the_list_is_scoped_filterable_and_keeps_deleted_codes(organizer_client, event, other_event, ticket_code):
    theirs = DiscountCodeFactory(event=other_event, code="THEIRSECRET")
    rules.update_code(theirs, value=Decimal("20.00"))
    rules.update_code(ticket_code, value=Decimal("20.00"))
    pk = ticket_code.pk
    rules.delete_code(code=ticket_code)
    html = organizer_client.get(reverse(LIST)).content.decode()
    assert "EARLY" in html and "THEIRSECRET" not in html
    html = organizer_client.get(reverse(LIST), {"object": f"discount-code:{pk}", "door": "other"}).content.decode()
    assert "deleted" in html and "EARLY" in html
    # another event's entries stay out of reach, even asked for by object or event
    html = organizer_client.get(reverse(LIST), {"object": f"discount-code:{theirs.pk}"}).content.decode()
    assert "THEIRSECRET" not in html
    response = organizer_client.get(reverse(LIST), {"event": str(other_event.pk)})
    assert "THEIRSECRET" not in response.content.decode()
    entry = Entry.objects.get(object_id=theirs.pk)
    response = organizer_client.get(reverse("admin:history_entry_change", args=[entry.pk]))
    assert response.status_code in (302, 403, 404) and "THEIRSECRET" not in response.content.decode()


def test_an_entry_can_be_read_but_not_changed_added_or_deleted(organizer_client, ticket_code):
    rules.update_code(ticket_code, value=Decimal("20.00"))
    entry = Entry.objects.get()
    page = organizer_client.get(reverse("admin:history_entry_change", args=[entry.pk]))
    assert page.status_code == 200 and "10.00" in page.content.decode()
    assert organizer_client.get(reverse("admin:history_entry_add")).status_code == 403
    assert organizer_client.get(reverse("admin:history_entry_delete", args=[entry.pk])).status_code == 403
    organizer_client.post(reverse("admin:history_entry_change", args=[entry.pk]), {"actor_label": "forged"})
    entry.refresh_from_db()
    assert entry.actor_label != "forged"


def test_a_rivals_history_page_of_a_code_is_refused(client, other_organizer, ticket_code):
    rules.update_code(ticket_code, value=Decimal("20.00"))
    client.force_login(other_organizer)
    response = client.get(reverse("admin:discounts_discountcode_history", args=[ticket_code.pk]))
    assert response.status_code in (302, 403, 404)
    assert "EARLY" not in response.content.decode()
