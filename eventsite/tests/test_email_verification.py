"""E-mail addresses: one key for every spelling, and accounts prove their address before they may organize.

Issue 12 review, invitation squatting: sign-up did not check the address, so whoever signed up with an invitee's
address (before or after the invitation) received and accepted it. And look-alike spellings (the Kelvin sign
U+212A, full-width letters) were separate accounts, lock-out counts and invitees.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from eventsite import rules
from eventsite.addresses import canonical_email, email_key
from eventsite.models import Event, OrganizerInvitation, User
from eventsite.tests.factories import PASSWORD, EventFactory, UserFactory
from eventsite.tests.throttling import throttle_rate

pytestmark = pytest.mark.django_db

VERIFY = "/v1/auth/verify-email"
RESEND = "/v1/auth/verify-email/resend"
KELVIN = "\u212a"


def client_of(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    def send(email, password="a-sturdy-passphrase", **attributes):
        body = {"data": {"type": "user", "attributes": {"email": email, "password": password, **attributes}}}
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post("/v1/users", body, content_type="application/vnd.api+json")

    return send


def token_of(message) -> str:
    return re.search(r'"token": "([^"]+)"', message.body).group(1)


def test_sign_up_mails_a_token_that_verifies_the_address_while_logged_in(sign_up):
    response = sign_up("New.Comer@Example.ORG", **{"first-name": "Click https://evil.example"})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["email-verified-at"] is None
    user = User.objects.get()
    assert user.email == "New.Comer@example.org" and user.email_verified_at is None
    (message,) = mail.outbox
    assert message.to == ["New.Comer@example.org"]
    assert "evil" not in message.body  # a sign-up's names are anybody's text: never mailed
    token = token_of(message)
    assert client_of(None).post(VERIFY, {"token": token}, format="json").status_code == 401  # logged in only
    response = client_of(user).post(VERIFY, {"token": token}, format="json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.email_verified_at is not None
    again = client_of(user).post(VERIFY, {"token": token}, format="json")
    assert again.status_code == 200  # verifying again changes nothing
    shown = client_of(user).get(f"/v1/users/{user.pk}").json()["data"]["attributes"]
    assert shown["email-verified-at"] is not None


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "x" * 600, "eyJ1IjoxfQ:1abc:forged"],
)
def test_a_bad_token_is_a_422_at_token(token):
    user = UserFactory(email_verified_at=None)
    response = client_of(user).post(VERIFY, {"token": token}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/token"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_token_works_only_for_its_account_its_address_and_its_lifetime(settings):
    alice = UserFactory(email="alice@example.org", email_verified_at=None)
    mallory = UserFactory(email="mallory@example.org", email_verified_at=None)
    token = rules.email_verification_token(alice)
    # another account (the holder of the mailbox cannot verify an account someone else made with it, either)
    assert client_of(mallory).post(VERIFY, {"token": token}, format="json").status_code == 422
    # expired
    settings.EMAIL_VERIFICATION_TIMEOUT = -1
    assert client_of(alice).post(VERIFY, {"token": token}, format="json").status_code == 422
    settings.EMAIL_VERIFICATION_TIMEOUT = 3600
    # the address changed since (an admin changed it): the token was for the old one
    alice.email = "alice@elsewhere.example"
    alice.save()
    assert client_of(alice).post(VERIFY, {"token": token}, format="json").status_code == 422
    assert not User.objects.filter(email_verified_at__isnull=False).exists()


def test_a_changed_address_is_unverified_again():
    user = UserFactory(email="bob@example.org")
    assert user.email_verified_at is not None
    user.email = "BOB@example.org"  # the same address: stays verified
    user.save()
    user.refresh_from_db()
    assert user.email_verified_at is not None
    user.email = "bob@elsewhere.example"
    user.save(update_fields=["email"])
    user.refresh_from_db()
    assert user.email_verified_at is None and user.email_key == "bob@elsewhere.example"


def test_resend_mails_a_new_token_at_most_once_per_interval(django_capture_on_commit_callbacks):
    user = UserFactory(email="carol@example.org", email_verified_at=None)
    answers = [client_of(user).post(RESEND, {}, format="json") for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    (message,) = mail.outbox  # one mail per EMAIL_VERIFICATION_MAIL_INTERVAL
    assert message.to == ["carol@example.org"]
    assert client_of(user).post(VERIFY, {"token": token_of(message)}, format="json").status_code == 200
    assert client_of(user).post(RESEND, {}, format="json").status_code == 200  # verified: nothing mailed
    assert len(mail.outbox) == 1
    assert client_of(None).post(RESEND, {}, format="json").status_code == 401


def test_resend_and_verify_are_throttled_per_account():
    user = UserFactory(email="dave@example.org", email_verified_at=None)
    with throttle_rate("auth", "3/minute"):
        statuses = [client_of(user).post(VERIFY, {"token": "guess"}, format="json").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_what_an_unverified_account_may_and_may_not_do(api, client):
    user = UserFactory(email="erin@example.org", email_verified_at=None)
    # may: log in, make and run an event of its own
    assert (
        APIClient()
        .post("/v1/auth/login", {"email": "ERIN@example.org", "password": PASSWORD}, format="json")
        .status_code
        == 200
    )
    body = {
        "data": {
            "type": "event",
            "attributes": {
                "name": "Erin's",
                "starts-at": "2031-05-01T09:00:00+02:00",
                "ends-at": "2031-05-02T09:00:00+02:00",
                "payment-currency": "EUR",
            },
        }
    }
    response = api(user).post("/v1/events", body)
    assert response.status_code == 201
    own = Event.objects.get(pk=response.json()["data"]["id"])
    # may not: invite (each invitation is a mail from us to an address it typed)
    doc = {"data": {"type": "organizer-invitation", "attributes": {"email": "friend@example.org"}}}
    assert api(user).post(f"/v1/events/{own.pk}/organizer-invitations", doc).status_code == 403
    assert not OrganizerInvitation.objects.exists()
    # may not: see or answer an invitation to its address
    other = EventFactory()
    invitation = OrganizerInvitation.objects.create(event=other, email="Erin@Example.org", invited_by=other.owner)
    assert api(user).get("/v1/organizer-invitations").json()["data"] == []
    answer = {"data": {"type": "organizer-invitation", "id": str(invitation.pk), "attributes": {"status": "accepted"}}}
    assert api(user).patch(f"/v1/organizer-invitations/{invitation.pk}", answer).status_code == 404
    # once verified, all of it
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    user.refresh_from_db()
    assert [i["id"] for i in api(user).get("/v1/organizer-invitations").json()["data"]] == [str(invitation.pk)]
    assert api(user).post(f"/v1/events/{own.pk}/organizer-invitations", doc).status_code == 201
    assert api(user).patch(f"/v1/organizer-invitations/{invitation.pk}", answer).status_code == 200


def test_an_unverified_account_does_not_reach_the_admin_through_an_invitation(client):
    user = UserFactory(email="frank@example.org", email_verified_at=None)
    event = EventFactory()
    OrganizerInvitation.objects.create(event=event, email="FRANK@example.org", invited_by=event.owner)
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/eventsite/organizerinvitation/")
    assert page.status_code == 200 and f"invitation {OrganizerInvitation.objects.get().pk}" in page.content.decode()


# --- One key per address -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored", "key"),
    [
        ("Kelvin@Example.ORG", "Kelvin@example.org", "kelvin@example.org"),
        (f"{KELVIN}elvin@example.org", "Kelvin@example.org", "kelvin@example.org"),  # the Kelvin sign is a K
        ("\uff2belvin@\uff45xample.org", "Kelvin@example.org", "kelvin@example.org"),  # full-width
        ("  kelvin@example.org ", "kelvin@example.org", "kelvin@example.org"),
    ],
)
def test_one_place_writes_and_keys_an_address(typed, stored, key):
    assert canonical_email(typed) == stored
    assert email_key(typed) == key


def test_a_look_alike_spelling_cannot_make_a_second_account(sign_up):
    assert sign_up("kelvin@example.org").status_code == 201
    for spelling in (f"{KELVIN}elvin@example.org", "KELVIN@EXAMPLE.ORG", "\uff4belvin@example.org"):
        response = sign_up(spelling)
        assert response.status_code == 409, (spelling, response.content)
        assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/email"
    assert User.objects.count() == 1


def test_a_kelvin_sign_signs_up_as_a_k_and_logs_in_with_any_spelling(sign_up):
    assert sign_up(f"{KELVIN}im@example.org").status_code == 201
    assert User.objects.get().email == "Kim@example.org"
    for spelling in ("kim@example.org", "KIM@example.org", f"{KELVIN}im@example.org"):
        response = APIClient().post(
            "/v1/auth/login", {"email": spelling, "password": "a-sturdy-passphrase"}, format="json"
        )
        assert response.status_code == 200, spelling


@pytest.mark.parametrize("address", ["\u0131van@example.org", "\u0130van@example.org"])
def test_non_ascii_before_the_at_is_refused(sign_up, address):
    """Django's pattern, matched ignoring case, let the dotless and the dotted I through (look-alikes of i)."""
    response = sign_up(address)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/email"
    assert not User.objects.exists()


def test_an_invitation_to_a_look_alike_spelling_is_the_accounts(api, owner, event, django_capture_on_commit_callbacks):
    kim = UserFactory(email="kim@example.org")
    doc = {"data": {"type": "organizer-invitation", "attributes": {"email": f"{KELVIN}IM@example.org"}}}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(owner).post(f"/v1/events/{event.pk}/organizer-invitations", doc)
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["email"] == "KIM@example.org"
    assert mail.outbox[0].to == ["KIM@example.org"]
    again = {"data": {"type": "organizer-invitation", "attributes": {"email": "kim@EXAMPLE.org"}}}
    assert api(owner).post(f"/v1/events/{event.pk}/organizer-invitations", again).status_code == 200  # the same one
    listed = api(kim).get("/v1/organizer-invitations").json()["data"]
    assert [i["id"] for i in listed] == [response.json()["data"]["id"]]


def test_the_verification_mail_is_sent_in_the_background(settings, monkeypatch, sign_up):
    from eventsite import background
    from eventsite import mail as site_mail

    settings.BACKGROUND_JOBS_INLINE = False
    handed_over = []
    monkeypatch.setattr(background, "submit", lambda job, args: handed_over.append((job, args)))
    assert sign_up("later@example.org").status_code == 201
    assert not mail.outbox
    assert [job for job, _ in handed_over] == [site_mail.send_email_verification]


def migrate(targets):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keys_everyone_and_verifies_only_staff(caplog):
    """Migration 0005: keys for every account and invitation (the younger of two accounts that share one gets
    none; of two pending invitations of one event that share one, the younger is revoked); verified only staff
    and superusers, whose addresses the operator typed. It goes back and forth."""
    import logging

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("eventsite", "0004_organizerinvitation")], [("eventsite", "0005_email_keys_and_verification")]
    apps = migrate(before)
    OldUser, OldEvent = apps.get_model("eventsite", "User"), apps.get_model("eventsite", "Event")
    OldInvitation = apps.get_model("eventsite", "OrganizerInvitation")
    now = timezone.now()
    admin = OldUser.objects.create(email="admin@example.org", is_staff=True, is_superuser=True, date_joined=now)
    # Pairs the old LOWER(email) constraint let coexist on both databases that are one address now.
    first = OldUser.objects.create(email="strasse@example.org", date_joined=now - timedelta(days=2))
    second = OldUser.objects.create(email="stra\u00dfe@example.org", date_joined=now - timedelta(days=1))
    event = OldEvent.objects.create(
        name="E", identifier="e1", starts_at=now, ends_at=now + timedelta(days=1), owner=admin
    )
    older = OldInvitation.objects.create(event=event, email="strasse@example.org", status="pending")
    younger = OldInvitation.objects.create(event=event, email="STRA\u00dfE@example.org", status="pending")

    with caplog.at_level(logging.WARNING, logger="eventsite.migrations"):
        apps = migrate(after)
    NewUser, NewInvitation = apps.get_model("eventsite", "User"), apps.get_model("eventsite", "OrganizerInvitation")
    users = {u.pk: u for u in NewUser.objects.all()}
    assert users[admin.pk].email_verified_at is not None and users[admin.pk].email_key == "admin@example.org"
    assert users[first.pk].email_verified_at is None and users[first.pk].email_key == "strasse@example.org"
    assert users[second.pk].email_key is None and users[second.pk].email == "stra\u00dfe@example.org"
    invitations = {i.pk: i for i in NewInvitation.objects.all()}
    assert (invitations[older.pk].status, invitations[older.pk].email_key) == ("pending", "strasse@example.org")
    assert invitations[younger.pk].status == "revoked" and invitations[younger.pk].responded_at is not None
    assert len(caplog.records) == 2

    migrate(before)  # back: the columns go
    apps = migrate(after)
    assert apps.get_model("eventsite", "User").objects.get(pk=first.pk).email_key == "strasse@example.org"
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # leave the schema as the other tests expect
