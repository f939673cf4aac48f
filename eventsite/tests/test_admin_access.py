"""Who gets into the admin: staff as in Django, and everyone who owns or organizes an event; nobody else."""

import pytest
from django.urls import reverse

from eventsite.models import Event
from eventsite.tests.factories import PASSWORD, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


def log_in(client, user):
    return client.post(LOGIN + "?next=" + INDEX, {"username": user.email, "password": PASSWORD})


def test_an_event_owner_who_is_not_staff_logs_in_to_the_admin(client):
    owner = UserFactory(email="owner@alpha.test")
    EventFactory(owner=owner)
    response = log_in(client, owner)
    assert response.status_code == 302 and response.url == INDEX
    owner.refresh_from_db()
    assert not owner.is_staff and not owner.is_superuser
    assert client.get(INDEX).status_code == 200


def test_an_organizer_who_is_not_the_owner_logs_in_and_sees_the_event_apps(client):
    organizer = UserFactory(email="organizer@alpha.test")
    EventFactory().organizers.add(organizer)
    assert log_in(client, organizer).status_code == 302
    page = client.get(INDEX).content.decode()
    for model in ("Discount codes", "Tickets", "Events"):
        assert f">{model}</a>" in page
    assert "Users" not in page and "Groups" not in page


def test_a_user_who_organizes_no_event_cannot_log_in(client):
    stranger = UserFactory(email="stranger@example.test")
    EventFactory()
    response = log_in(client, stranger)
    assert response.status_code == 200
    assert "Please enter the correct e-mail address and password" in response.content.decode()
    assert client.get(INDEX).status_code == 302  # still sent to the log-in page


def test_an_inactive_organizer_cannot_log_in(client):
    organizer = UserFactory(email="gone@alpha.test", is_active=False)
    EventFactory(owner=organizer)
    assert log_in(client, organizer).status_code == 200
    assert client.get(INDEX).status_code == 302


def test_an_organizer_removed_from_their_last_event_is_let_out_on_the_next_request(client):
    organizer = UserFactory(email="former@alpha.test")
    event = EventFactory()
    event.organizers.add(organizer)
    log_in(client, organizer)
    event.organizers.remove(organizer)
    assert client.get(INDEX).status_code == 302


def test_organizers_see_nothing_of_users_and_groups(client):
    organizer = UserFactory(email="organizer@alpha.test")
    EventFactory(owner=organizer)
    client.force_login(organizer)
    for name in ("admin:eventsite_user_changelist", "admin:auth_group_changelist", "admin:eventsite_user_add"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("admin:eventsite_user_change", args=[organizer.pk])).status_code == 403


def test_a_superuser_sees_every_app(client, superuser):
    client.force_login(superuser)
    page = client.get(INDEX).content.decode()
    for model in ("Discount codes", "Tickets", "Events", "Users", "Groups"):
        assert f">{model}</a>" in page


def test_only_the_owner_may_delete_an_event_and_the_confirmation_lists_what_goes_with_it(
    client, event, owner, paid_ticket, ticket_code
):
    organizer = UserFactory(email="helper@pycon.test")
    event.organizers.add(organizer)
    url = reverse("admin:eventsite_event_delete", args=[event.pk])
    client.force_login(organizer)
    assert client.get(url).status_code == 403
    client.force_login(owner)
    confirmation = client.get(url).content.decode()
    assert "Early bird" in confirmation and "EARLY" in confirmation


def test_an_organizer_edits_their_event_but_not_who_runs_it(client, event):
    organizer = UserFactory(email="helper@pycon.test")
    event.organizers.add(organizer)
    client.force_login(organizer)
    page = client.get(reverse("admin:eventsite_event_change", args=[event.pk])).content.decode()
    assert 'name="name"' in page
    assert 'name="owner"' not in page and 'name="organizers"' not in page


def test_an_event_created_by_an_organizer_is_theirs(client, event):
    organizer = UserFactory(email="helper@pycon.test")
    event.organizers.add(organizer)
    client.force_login(organizer)
    data = {
        "name": "Sprint day", "starts_at_0": "2031-05-01", "starts_at_1": "09:00:00", "ends_at_0": "2031-05-01",
        "ends_at_1": "18:00:00", "timezone": "UTC", "payment_currency": "EUR",
        "tickets-TOTAL_FORMS": "0", "tickets-INITIAL_FORMS": "0",
        "discount_codes-TOTAL_FORMS": "0", "discount_codes-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:eventsite_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Event.objects.get(name="Sprint day").owner == organizer
