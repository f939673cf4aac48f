"""The event admin writes through the event rules: its form shows ``rules.event_problems``' messages (the API's),
one per rule, on the field each is about, and saves with ``rules.save_event``; nothing is written on a refusal."""

import pytest
from django.urls import reverse

from eventsite import rules
from eventsite.models import Event
from eventsite.tests.forms import form_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:eventsite_event_add")


def change_url(event) -> str:
    return reverse("admin:eventsite_event_change", args=[event.pk])


@pytest.fixture
def saves(monkeypatch):
    """The events ``rules.save_event`` was given (it still saves them)."""
    seen = []
    original = rules.save_event

    def spy(event):
        seen.append(event)
        return original(event)

    monkeypatch.setattr(rules, "save_event", spy)
    return seen


def test_a_refused_change_shows_each_rules_message_once_on_its_field(client, owner, event, saves):
    client.force_login(owner)
    data = form_data(client.get(change_url(event)).content.decode(), "event_form")
    before = Event.objects.values().get(pk=event.pk)
    data |= {
        "timezone": ["Mars/Olympus"],
        "payment_currency": ["XXX"],
        "ends_at_0": [(event.starts_at.date().replace(year=event.starts_at.year - 1)).isoformat()],
    }
    response = client.post(change_url(event), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "timezone": [rules.TIMEZONE_UNKNOWN.format(value="Mars/Olympus")],
        "payment_currency": [rules.CURRENCY_UNKNOWN.format(value="XXX")],
        "ends_at": [rules.EVENT_ENDS_BEFORE_START],
    }
    assert Event.objects.values().get(pk=event.pk) == before and saves == []


def test_a_field_its_form_field_refused_is_not_reported_again_by_the_rules(client, owner, event):
    client.force_login(owner)
    data = form_data(client.get(change_url(event)).content.decode(), "event_form")
    data |= {"name": ["   "], "payment_currency": ["EURO"]}
    errors = client.post(change_url(event), data).context["adminform"].form.errors
    assert set(errors) == {"name", "payment_currency"}
    assert all(len(messages) == 1 for messages in errors.values()), errors
    assert rules.NAME_BLANK not in errors["name"]


def test_a_change_and_an_addition_are_saved_by_the_rules(client, owner, event, saves):
    client.force_login(owner)
    data = form_data(client.get(change_url(event)).content.decode(), "event_form")
    data |= {"name": ["Renamed"], "timezone": ["Europe/Berlin"]}
    response = client.post(change_url(event), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.name, event.timezone) == ("Renamed", "Europe/Berlin")
    assert [e.pk for e in saves] == [event.pk]

    data = form_data(client.get(ADD).content.decode(), "event_form")
    data |= {
        "name": ["New event"],
        "starts_at_0": ["2031-05-01"],
        "starts_at_1": ["09:00:00"],
        "ends_at_0": ["2031-05-02"],
        "ends_at_1": ["18:00:00"],
        "timezone": ["UTC"],
        "payment_currency": ["EUR"],
    }
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Event.objects.get(name="New event")
    assert created.owner == owner and saves[-1].pk == created.pk


def test_the_event_page_lists_what_the_apps_put_there_then_its_invitations():
    """The core names none of the apps built on it: they register their lists (``show_on_event_page``)."""
    from django.contrib import admin as django_admin

    from discounts.admin import EventDiscountCodeInline
    from eventsite.admin import OrganizerInvitationInline
    from eventsite.models import Event
    from tickets.admin import EventTicketInline

    event_admin = django_admin.site.get_model_admin(Event)
    assert event_admin.get_inlines(None, Event()) == [
        EventTicketInline,
        EventDiscountCodeInline,
        OrganizerInvitationInline,
    ]
    assert event_admin.get_inlines(None, None) == [EventTicketInline, EventDiscountCodeInline]
