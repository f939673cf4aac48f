"""``eventsite.access`` answers "who manages which event" one way, whether asked with a request (the API: once per
request, from a cached set of ids) or with a user (the admin, rules, commands: a subquery each time)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from eventsite.access import managed_events, manages, manages_any_event, scope_to_managed
from eventsite.models import Event
from eventsite.tests.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def inactive_owner(other_event):
    owner = other_event.owner
    owner.is_active = False
    owner.save()
    return owner


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


ROLES = {
    "owner": {"PyCon Test"},
    "organizer": {"PyCon Test"},
    "other_organizer": {"Other Conference"},
    "superuser": {"PyCon Test", "Other Conference"},
    "stranger": set(),
    "inactive_owner": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_a_request_and_a_user_get_the_same_answers(request, role, event, other_event, django_assert_num_queries):
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    TicketFactory(event=event)
    TicketFactory(event=other_event)
    expected = ROLES[role]
    assert {e.name for e in managed_events(user)} == expected
    asked = request_of(user)
    for who in (user, asked):
        assert {e.name for e in scope_to_managed(Event.objects.all(), who)} == expected
        assert {t.event.name for t in scope_to_managed(Ticket.objects.select_related("event"), who)} == expected
        assert manages(who, event) == ("PyCon Test" in expected)
        assert manages(who, other_event.pk) == ("Other Conference" in expected)
        assert manages_any_event(who) == bool(expected)
        assert not manages(who, None)
    with django_assert_num_queries(0):  # the request's answer is known now: no query for any event
        assert manages(asked, event) == ("PyCon Test" in expected)
        assert manages(asked, other_event) == ("Other Conference" in expected)


def test_the_events_a_user_owns_and_organizes_are_each_listed_once(owner, event, other_event):
    """Owned and organized events are a union of two look-ups (``Event.objects.owned_or_organized_by``): an event
    the user both owns and organizes, or organizes twice over, is one row."""
    event.organizers.add(owner)
    other_event.organizers.add(owner)
    assert sorted(Event.objects.owned_or_organized_by(owner.pk).values_list("pk", flat=True)) == sorted(
        [event.pk, other_event.pk]
    )
    assert managed_events(owner).count() == 2
