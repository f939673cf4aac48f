"""Who gets into the admin: staff as in Django, and everyone who owns or organizes an event; nobody else."""

import pytest
from django.urls import reverse

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
