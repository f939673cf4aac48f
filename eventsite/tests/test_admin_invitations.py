"""Organizers by invitation in the admin: the owner invites from the event's page, the invitee answers under
*Organizer invitations*; nobody (superusers included) picks users as organizers; e-mails are shown only to those
who share an event."""

import pytest
from django.core import mail
from django.urls import reverse

from eventsite import rules
from eventsite.models import InvitationStatus, OrganizerInvitation
from eventsite.tests.factories import PASSWORD, EventFactory, UserFactory
from eventsite.tests.forms import form_data

pytestmark = pytest.mark.django_db

INVITATIONS = reverse("admin:eventsite_organizerinvitation_changelist")


def change_url(event) -> str:
    return reverse("admin:eventsite_event_change", args=[event.pk])


def event_form(client, event) -> dict:
    return form_data(client.get(change_url(event)).content.decode(), "event_form")


def post_event_form(client, event, **changes):
    data = event_form(client, event)
    data.update(changes)
    return client.post(change_url(event), data)


def invite_row(email: str) -> dict:
    """The inline's extra row (its prefix is the reverse accessor, ``organizer_invitations``)."""
    return {"organizer_invitations-0-email": [email]}


def test_the_owner_invites_from_the_event_page_and_the_mail_leaves_on_commit(
    client, owner, organizer, event, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = client.get(change_url(event)).content.decode()
    assert "organizer_invitations-0-email" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event_form(client, event, **invite_row("Alice@Example.org"))
    assert response.status_code == 302, response.content[:2000]
    invitation = OrganizerInvitation.objects.get()
    assert (invitation.email, invitation.status, invitation.invited_by) == ("Alice@example.org", "pending", owner)
    assert [m.to for m in mail.outbox] == [["Alice@example.org"]]
    assert "Alice@example.org" in client.get(change_url(event)).content.decode()
    assert list(event.organizers.all()) == [organizer]  # nobody is an organizer until they say yes
    client.force_login(organizer)  # a co-organizer reads the event's history, not the address
    history = client.get(reverse("admin:eventsite_event_history", args=[event.pk])).content.decode()
    assert "organizer invitation" in history and "alice@" not in history.lower()


@pytest.mark.parametrize(
    ("email", "message"),
    [("OWNER@example.org", rules.OWNER_IS_NOT_AN_ORGANIZER), ("organizer@EXAMPLE.org", rules.ALREADY_AN_ORGANIZER)],
)
def test_inviting_the_owner_or_an_organizer_shows_the_rules_message(client, owner, organizer, event, email, message):
    client.force_login(owner)
    response = post_event_form(client, event, **invite_row(email))
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not OrganizerInvitation.objects.exists()


def test_inviting_a_pending_address_again_changes_nothing(client, owner, event, django_capture_on_commit_callbacks):
    OrganizerInvitation.objects.create(event=event, email="alice@example.org", invited_by=owner)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event_form(client, event, **invite_row("ALICE@example.org"))
    assert response.status_code == 302
    assert OrganizerInvitation.objects.count() == 1 and not mail.outbox


def test_the_owner_revokes_from_the_event_page(client, owner, event):
    invitation = OrganizerInvitation.objects.create(event=event, email="alice@example.org", invited_by=owner)
    client.force_login(owner)
    response = post_event_form(client, event, **{"organizer_invitations-0-revoke": ["on"]})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED and invitation.responded_at is not None


def test_co_organizers_see_neither_the_invitations_nor_a_way_to_invite(client, owner, organizer, event):
    OrganizerInvitation.objects.create(event=event, email="secret-guest@example.org", invited_by=owner)
    client.force_login(organizer)
    page = client.get(change_url(event)).content.decode()
    assert "secret-guest" not in page and "organizer_invitations-" not in page
    assert "remove_organizers" not in page
    assert "secret-guest" not in client.get(INVITATIONS).content.decode()
    # posting an invitation row anyway does nothing
    response = post_event_form(client, event, **invite_row("smuggled@example.org"))
    assert response.status_code == 302
    assert not OrganizerInvitation.objects.filter(email="smuggled@example.org").exists()


def test_nobody_picks_users_as_organizers_or_owners_any_more(client, superuser, owner, event):
    stranger = UserFactory(email="picked@example.org")
    for user in (superuser, owner):
        client.force_login(user)
        page = client.get(change_url(event)).content.decode()
        assert 'name="organizers"' not in page and 'name="owner"' not in page
        assert "picked@example.org" not in page
        response = post_event_form(client, event, organizers=[str(stranger.pk)], owner=[str(stranger.pk)])
        assert response.status_code == 302
    event.refresh_from_db()
    assert event.owner == owner and not event.organizers.exists()


def test_the_owner_removes_an_organizer(client, owner, organizer, event):
    keeper = UserFactory(email="keeper@example.org")
    event.organizers.add(keeper)
    client.force_login(owner)
    page = client.get(change_url(event)).content.decode()
    assert "organizer@example.org" in page and "keeper@example.org" in page
    response = post_event_form(client, event, remove_organizers=[str(organizer.pk)])
    assert response.status_code == 302
    assert list(event.organizers.all()) == [keeper]


def test_the_remove_field_offers_only_the_events_organizers(client, owner, organizer, event, other_organizer):
    client.force_login(owner)
    response = post_event_form(client, event, remove_organizers=[str(other_organizer.pk)])
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert list(event.organizers.all()) == [organizer]


def log_in(client, user):
    return client.post(reverse("admin:login") + "?next=/admin/", {"username": user.email, "password": PASSWORD})


def test_an_invitee_logs_in_accepts_and_then_runs_the_event(client, owner, event, paid_ticket):
    alice = UserFactory(email="alice@example.org")
    log_in(client, alice)
    assert client.get("/admin/").status_code == 302  # nothing to do there yet
    invitation = OrganizerInvitation.objects.create(event=event, email="ALICE@example.org", invited_by=owner)
    assert log_in(client, alice).status_code == 302
    index = client.get("/admin/").content.decode()
    assert "Organizer invitations" in index and "Tickets" not in index
    listing = client.get(INVITATIONS).content.decode()
    assert "ALICE@example.org" in listing and event.name in listing
    assert (
        owner.email
        not in client.get(reverse("admin:eventsite_organizerinvitation_change", args=[invitation.pk])).content.decode()
    )
    response = client.post(INVITATIONS, {"action": "accept", "_selected_action": [str(invitation.pk)]})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and alice in event.organizers.all()
    assert "Early bird" in client.get(reverse("admin:tickets_ticket_changelist")).content.decode()


def test_an_invitee_declines_and_cannot_revoke_and_the_owner_cannot_accept(client, owner, event):
    alice = UserFactory(email="alice@example.org")
    first = OrganizerInvitation.objects.create(event=event, email="alice@example.org", invited_by=owner)
    client.force_login(owner)
    client.post(INVITATIONS, {"action": "accept", "_selected_action": [str(first.pk)]})
    first.refresh_from_db()
    assert first.status == InvitationStatus.PENDING and not event.organizers.exists()
    client.force_login(alice)
    client.post(INVITATIONS, {"action": "revoke", "_selected_action": [str(first.pk)]})
    first.refresh_from_db()
    assert first.status == InvitationStatus.PENDING
    client.post(INVITATIONS, {"action": "decline", "_selected_action": [str(first.pk)]})
    first.refresh_from_db()
    assert first.status == InvitationStatus.DECLINED and not event.organizers.exists()


def test_nobody_answers_someone_elses_invitation_in_the_admin(client, owner, event, organizer):
    invitation = OrganizerInvitation.objects.create(event=event, email="alice@example.org", invited_by=owner)
    mallory = UserFactory(email="mallory@example.org")
    EventFactory(owner=mallory)  # so that Mallory gets into the admin
    client.force_login(mallory)
    assert "alice@example.org" not in client.get(INVITATIONS).content.decode()
    change = reverse("admin:eventsite_organizerinvitation_change", args=[invitation.pk])
    assert client.get(change).status_code in (302, 403, 404)
    client.post(INVITATIONS, {"action": "accept", "_selected_action": [str(invitation.pk)]})
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING and mallory not in event.organizers.all()


def test_user_autocomplete_shows_organizers_no_emails(client, owner, organizer, event, other_organizer):
    """The autocomplete endpoints over users answer organizers with 403: no list of accounts to pick from."""
    UserFactory(email="someone-else@example.org")
    sources = [
        ("eventsite", "event", "organizers"),
        ("eventsite", "event", "owner"),
        ("eventsite", "organizerinvitation", "invited_by"),
        ("discounts", "discountcode", "marketer"),
        ("orders", "order", "buyer"),
    ]
    for user in (owner, organizer, other_organizer):
        client.force_login(user)
        for app_label, model_name, field_name in sources:
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
            )
            assert response.status_code in (403, 404), (user, field_name, response.content[:300])
            assert "someone-else" not in response.content.decode()


def test_the_admin_stores_a_look_alike_address_canonically(client, owner, event, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event_form(client, event, **invite_row("\u212aim@Example.org"))  # a Kelvin sign
    assert response.status_code == 302, response.content[:2000]
    invitation = OrganizerInvitation.objects.get()
    assert (invitation.email, invitation.email_key) == ("Kim@example.org", "kim@example.org")


def test_the_admin_refuses_another_spelling_of_an_existing_account_with_a_message(client, superuser):
    from eventsite.models import EMAIL_TAKEN, User

    UserFactory(email="kim@example.org")
    client.force_login(superuser)
    data = {"email": "\u212aim@example.org", "password1": "a-sturdy-pass-42", "password2": "a-sturdy-pass-42"}
    response = client.post(reverse("admin:eventsite_user_add"), data)
    assert response.status_code == 200 and EMAIL_TAKEN in response.content.decode()
    assert User.objects.count() == 2  # the superuser and kim
