"""Organizers by invitation, over HTTP: the owner invites an e-mail address, only its holder accepts or declines.

Issue 12, attack 4: ``POST /v1/events/{own}/relationships/organizers`` took any user id (1, 2, 3, …) and made
that user an organizer without asking them; the admin's event page then listed their e-mail addresses.
"""

import re

import pytest
from django.core import mail

from eventsite import mail as mail_module
from eventsite import rules
from eventsite.models import Event, InvitationStatus, OrganizerInvitation, User
from eventsite.tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/v1/organizer-invitations"


def invite_url(event) -> str:
    return f"/v1/events/{event.pk}/organizer-invitations"


def invitation_doc(email, **attributes):
    return {"data": {"type": "organizer-invitation", "attributes": {"email": email, **attributes}}}


def answer_doc(invitation_id, **attributes):
    return {"data": {"type": "organizer-invitation", "id": str(invitation_id), "attributes": attributes}}


@pytest.fixture
def invite(api, owner, event, django_capture_on_commit_callbacks):
    """``invite(email, by=owner, event=event)`` → the response; commit hooks (the mail) run."""

    def send(email, by=None, to_event=None):
        with django_capture_on_commit_callbacks(execute=True):
            return api(by or owner).post(invite_url(to_event or event), invitation_doc(email))

    return send


def test_attack_4_nobody_becomes_an_organizer_by_id_nor_shows_their_email(api, client, stranger, owner, event):
    """Today's main: 200 and every id became an organizer, listed by e-mail on the admin's event page."""
    attacker = UserFactory(email="attacker@example.org")
    own = EventFactory(name="Attacker Conf", owner=attacker)
    victims = [UserFactory(email=f"victim{i}@example.org") for i in range(3)]
    url = f"/v1/events/{own.pk}/relationships/organizers"
    for user in [*victims, stranger, owner]:
        response = api(attacker).post(url, {"data": [{"type": "user", "id": str(user.pk)}]})
        assert response.status_code == 403
        assert "invite" in response.json()["errors"][0]["detail"]
        response = api(attacker).patch(url, {"data": [{"type": "user", "id": str(user.pk)}]})
        assert response.status_code == 403
    assert not own.organizers.exists()
    client.force_login(attacker)
    page = client.get(f"/admin/eventsite/event/{own.pk}/change/").content.decode()
    for user in [*victims, stranger, owner]:
        assert user.email not in page
    for victim in victims:  # nor did the victims get into the admin
        client.force_login(victim)
        assert client.get("/admin/").status_code == 302


def test_the_owner_invites_and_the_invitee_accepts(api, invite, owner, event):
    alice = UserFactory(email="alice@example.org")
    response = invite("alice@example.org")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["type"] == "organizer-invitation"
    assert data["attributes"]["email"] == "alice@example.org"
    assert data["attributes"]["status"] == "pending" and data["attributes"]["responded-at"] is None
    assert data["relationships"]["event"]["data"] == {"type": "event", "id": str(event.pk)}
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"] and event.name in message.subject
    assert f"/v1/organizer-invitations/{data['id']}" in message.body and owner.email not in message.body

    listed = api(alice).get(LIST, {"include": "event"}).json()
    assert [i["id"] for i in listed["data"]] == [data["id"]]
    assert listed["included"][0]["attributes"]["name"] == event.name
    assert api(alice).get(f"{LIST}/{data['id']}").status_code == 200

    response = api(alice).patch(f"{LIST}/{data['id']}", answer_doc(data["id"], status="accepted"))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["attributes"]["status"] == "accepted"
    assert response.json()["data"]["attributes"]["responded-at"] is not None
    assert alice in event.organizers.all()
    # now an organizer: manages the event
    renamed = {"data": {"type": "event", "id": str(event.pk), "attributes": {"name": "Renamed by Alice"}}}
    assert api(alice).patch(f"/v1/events/{event.pk}", renamed).status_code == 200
    # answering the same way again changes nothing
    again = api(alice).patch(f"{LIST}/{data['id']}", answer_doc(data["id"], status="accepted"))
    assert again.status_code == 200 and again.json()["data"]["attributes"]["status"] == "accepted"


def test_the_invitee_is_matched_by_email_in_any_letter_case(api, invite, event):
    alice = UserFactory(email="Alice.Smith@Example.org")  # stored as typed, domain lower-cased
    response = invite("ALICE.SMITH@EXAMPLE.ORG")
    invitation_id = response.json()["data"]["id"]
    assert [i["id"] for i in api(alice).get(LIST).json()["data"]] == [invitation_id]
    response = api(alice).patch(f"{LIST}/{invitation_id}", answer_doc(invitation_id, status="accepted"))
    assert response.status_code == 200
    assert alice in event.organizers.all()


def test_inviting_again_returns_the_pending_invitation_and_mails_nothing(invite):
    first = invite("bob@example.org")
    again = invite("BOB@example.ORG")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert OrganizerInvitation.objects.count() == 1 and len(mail.outbox) == 1


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(invite):
    UserFactory(email="member@example.org")
    with_account, without = invite("member@example.org"), invite("nobody@example.org")
    assert with_account.status_code == without.status_code == 201

    def shape(response):
        data = response.json()["data"]
        return sorted(data), sorted(data["attributes"]), data["attributes"]["status"]

    assert shape(with_account) == shape(without)
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.org", "nobody@example.org"]


def test_someone_who_signs_up_later_with_the_address_finds_the_invitation_once_verified(
    api, invite, event, django_capture_on_commit_callbacks
):
    invitation_id = invite("later@example.org").json()["data"]["id"]
    body = {"data": {"type": "user", "attributes": {"email": "Later@example.org", "password": "a-sturdy-passphrase"}}}
    with django_capture_on_commit_callbacks(execute=True):
        assert api(None).post("/v1/users", body).status_code == 201
    newcomer = User.objects.get(email_key="later@example.org")
    # Signing up proves nothing: the invitation stays out of sight and cannot be accepted.
    assert api(newcomer).get(LIST).json()["data"] == []
    answer = answer_doc(invitation_id, status="accepted")
    assert api(newcomer).patch(f"{LIST}/{invitation_id}", answer).status_code == 404
    with pytest.raises(rules.RuleError) as refused:
        rules.accept_invitation(invitation=OrganizerInvitation.objects.get(pk=invitation_id), user=newcomer)
    assert refused.value.problems[0].code == "email_not_verified"
    # The token mailed to the address, sent back while logged in, proves it.
    token = verification_token(mail.outbox[-1])
    assert mail.outbox[-1].to == ["Later@example.org"]
    assert api(newcomer).client.post("/v1/auth/verify-email", {"token": token}, format="json").status_code == 200
    response = api(newcomer).patch(f"{LIST}/{invitation_id}", answer)
    assert response.status_code == 200
    assert newcomer in event.organizers.all()


def verification_token(message) -> str:
    return re.search(r'"token": "([^"]+)"', message.body).group(1)


def test_attack_invitation_squatting_a_stranger_who_signs_up_with_the_address_gets_nothing(
    api, client, invite, event, django_capture_on_commit_callbacks
):
    """Before: sign-up took any address unproven, and whoever signed up with the invitee's address (before or after
    the invitation) saw it, accepted it and became an organizer (API and admin)."""
    before = UserFactory(email="kim@example.org", email_verified_at=None)  # signed up first, never verified
    invitation_id = invite("Kim@Example.org").json()["data"]["id"]
    answer = answer_doc(invitation_id, status="accepted")
    assert api(before).get(LIST).json()["data"] == []
    assert api(before).get(f"{LIST}/{invitation_id}").status_code == 404
    assert api(before).patch(f"{LIST}/{invitation_id}", answer).status_code == 404
    client.force_login(before)
    assert client.get("/admin/").status_code == 302  # no way into the admin through the invitation either
    # ...nor by a look-alike spelling: the Kelvin sign is the same account, refused at sign-up
    body = {"data": {"type": "user", "attributes": {"email": "\u212aim@example.org", "password": "x-sturdy-pass"}}}
    with django_capture_on_commit_callbacks(execute=True):
        assert api(None).post("/v1/users", body).status_code == 409
    # ...nor by answering with a token mailed to another account or address
    mallory = UserFactory(email="mallory@example.org", email_verified_at=None)
    token = rules.email_verification_token(mallory)
    refused = api(before).client.post("/v1/auth/verify-email", {"token": token}, format="json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["source"]["pointer"] == "/token"
    assert OrganizerInvitation.objects.get(pk=invitation_id).status == InvitationStatus.PENDING
    assert not event.organizers.exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [("owner@EXAMPLE.org", "owner_is_not_an_organizer"), ("Organizer@example.org", "already_an_organizer")],
)
def test_inviting_the_owner_or_an_organizer_is_refused_clearly(invite, organizer, who, code):
    response = invite(who)
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["code"] == code and error["source"]["pointer"] == "/data/attributes/email"
    assert error["detail"] in (rules.OWNER_IS_NOT_AN_ORGANIZER, rules.ALREADY_AN_ORGANIZER)
    assert not OrganizerInvitation.objects.exists() and not mail.outbox


def test_only_the_owner_and_admins_invite(api, invite, event, organizer, other_organizer, stranger, superuser):
    for user, status in ((None, 401), (stranger, 403), (other_organizer, 403), (organizer, 403)):
        response = invite("someone@example.org", by=user) if user else api(None).post(invite_url(event), {})
        assert response.status_code == status, (user, response.content)
    assert invite("someone@example.org", by=superuser).status_code == 201
    assert (
        api(stranger).post("/v1/events/999999/organizer-invitations", invitation_doc("x@example.org")).status_code
        == 404
    )
    assert OrganizerInvitation.objects.count() == 1 and len(mail.outbox) == 1
    assert OrganizerInvitation.objects.get().invited_by == superuser


def test_nobody_reads_or_answers_someone_elses_invitation(api, invite, event, organizer, other_organizer, stranger):
    alice = UserFactory(email="alice@example.org")
    invitation_id = int(invite("alice@example.org").json()["data"]["id"])
    for user in (stranger, other_organizer, organizer):  # a co-organizer does not see who else is invited
        assert api(user).get(LIST).json()["data"] == []
        for pk in range(1, invitation_id + 5):  # sequential ids
            response = api(user).get(f"{LIST}/{pk}")
            assert response.status_code == 404 and "alice" not in response.content.decode()
            patch = api(user).patch(f"{LIST}/{pk}", answer_doc(pk, status="accepted"))
            assert patch.status_code == 404 and "alice" not in patch.content.decode()
    assert OrganizerInvitation.objects.get().status == InvitationStatus.PENDING
    assert alice not in event.organizers.all() and stranger not in event.organizers.all()


def test_the_owner_cannot_accept_for_the_invitee(api, invite, owner, superuser, event):
    invitation_id = invite("alice@example.org").json()["data"]["id"]
    for user in (owner, superuser):
        response = api(user).patch(f"{LIST}/{invitation_id}", answer_doc(invitation_id, status="accepted"))
        assert response.status_code == 403
        assert response.json()["errors"][0]["detail"] == rules.ONLY_INVITEE_ANSWERS
    assert OrganizerInvitation.objects.get().status == InvitationStatus.PENDING
    assert not event.organizers.exists()


def test_a_declined_invitation_stays_declined_and_the_owner_may_invite_again(api, invite, event):
    alice = UserFactory(email="alice@example.org")
    invitation_id = invite("alice@example.org").json()["data"]["id"]
    url = f"{LIST}/{invitation_id}"
    response = api(alice).patch(url, answer_doc(invitation_id, status="declined"))
    assert response.status_code == 200 and response.json()["data"]["attributes"]["status"] == "declined"
    refused = api(alice).patch(url, answer_doc(invitation_id, status="accepted"))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["source"]["pointer"] == "/data/attributes/status"
    assert api(alice).patch(url, answer_doc(invitation_id, status="pending")).status_code == 409
    assert not event.organizers.exists()
    again = invite("alice@example.org")
    assert again.status_code == 201 and again.json()["data"]["id"] != invitation_id


def test_the_owner_revokes_a_pending_invitation_and_it_can_no_longer_be_accepted(api, invite, owner, event):
    alice = UserFactory(email="alice@example.org")
    invitation_id = invite("alice@example.org").json()["data"]["id"]
    url = f"{LIST}/{invitation_id}"
    assert api(alice).patch(url, answer_doc(invitation_id, status="revoked")).status_code == 403
    response = api(owner).patch(url, answer_doc(invitation_id, status="revoked"))
    assert response.status_code == 200 and response.json()["data"]["attributes"]["status"] == "revoked"
    assert api(alice).patch(url, answer_doc(invitation_id, status="accepted")).status_code == 409
    assert not event.organizers.exists()


def test_an_invitations_email_is_fixed(api, invite, owner):
    invitation_id = invite("alice@example.org").json()["data"]["id"]
    url = f"{LIST}/{invitation_id}"
    response = api(owner).patch(url, answer_doc(invitation_id, email="mallory@example.org"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/email"
    unchanged = api(owner).patch(url, answer_doc(invitation_id, email="ALICE@example.org", status="pending"))
    assert unchanged.status_code == 200
    assert OrganizerInvitation.objects.get().email == "alice@example.org"


def test_a_new_invitation_cannot_be_created_answered(api, owner, event):
    response = api(owner).post(invite_url(event), invitation_doc("alice@example.org", status="accepted"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/status"
    assert not OrganizerInvitation.objects.exists()


@pytest.mark.parametrize("email", ["not-an-address", "", "a@b", "x" * 250 + "@example.org", None, 12])
def test_a_bad_address_is_a_422_with_a_pointer(api, owner, event, email):
    response = api(owner).post(invite_url(event), invitation_doc(email))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/email"
    assert not OrganizerInvitation.objects.exists()


def test_the_owner_lists_the_invitations_of_their_events_and_co_organizers_do_not(
    api, invite, owner, organizer, event, superuser
):
    mine = EventFactory(owner=organizer)  # the organizer owns another event and invites to it
    invite("alice@example.org")
    invite("bob@example.org")
    invite("carol@example.org", by=organizer, to_event=mine)
    owners = api(owner).get(LIST).json()["data"]
    assert sorted(i["attributes"]["email"] for i in owners) == ["alice@example.org", "bob@example.org"]
    organizers = api(organizer).get(LIST).json()["data"]
    assert [i["attributes"]["email"] for i in organizers] == ["carol@example.org"]
    assert len(api(superuser).get(LIST).json()["data"]) == 3
    filtered = api(owner).get(LIST, {"filter[event]": event.pk, "filter[status]": "pending"}).json()["data"]
    assert len(filtered) == 2
    assert api(owner).get(LIST, {"filter[status]": "accepted"}).json()["data"] == []


def test_an_event_has_at_most_so_many_pending_invitations(invite, event, owner):
    OrganizerInvitation.objects.bulk_create(
        OrganizerInvitation(event=event, email=f"guest{i}@example.org", invited_by=owner)
        for i in range(rules.MAX_PENDING_INVITATIONS - 1)
    )
    assert invite("last@example.org").status_code == 201
    response = invite("one-too-many@example.org")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "too_many_pending_invitations"
    assert invite("LAST@example.org").status_code == 200  # the idempotent re-invite still answers
    assert OrganizerInvitation.objects.filter(status="pending").count() == rules.MAX_PENDING_INVITATIONS


def test_inviting_is_throttled_per_account(invite):
    from eventsite.tests.throttling import throttle_rate

    with throttle_rate("organizer_invitations", "3/hour"):
        statuses = [invite(f"guest{i}@example.org").status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert len(mail.outbox) == 3


def test_a_line_break_in_the_events_name_does_not_break_the_mail(invite, event):
    Event.objects.filter(pk=event.pk).update(name="PyCon\r\nBcc: everyone@example.org")
    assert invite("alice@example.org").status_code == 201
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.recipients() == ["alice@example.org"]


def test_a_failing_mail_server_does_not_fail_the_invitation(invite, settings, caplog):
    settings.EMAIL_BACKEND = "eventsite.tests.test_organizer_invitations.BrokenBackend"
    response = invite("alice@example.org")
    assert response.status_code == 201
    assert OrganizerInvitation.objects.count() == 1
    assert "send_organizer_invitation" in caplog.text or "mail server is down" in caplog.text


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server is down")


def test_no_api_answer_shows_another_users_email(api, owner, organizer, other_organizer, stranger, event):
    """The API never shows an address but one's own: users are linkage ids, ``/v1/users/{id}`` is oneself."""
    OrganizerInvitation.objects.create(event=event, email="pending-guest@example.org", invited_by=owner)
    others = [owner.email, organizer.email, other_organizer.email, stranger.email, "pending-guest@example.org"]
    for user in (organizer, other_organizer, stranger):
        urls = [
            "/v1/events?include=owner",
            f"/v1/events/{event.pk}",
            f"/v1/events/{event.pk}/relationships/organizers",
            LIST,
            *(f"/v1/users/{u.pk}" for u in (owner, organizer, other_organizer, stranger)),
        ]
        for url in urls:
            body = api(user).get(url).content.decode()
            assert not [email for email in others if email != user.email and email in body], (user, url)


def test_the_owners_list_costs_the_same_whatever_its_length(api, owner, event, django_assert_num_queries):
    def invitations(n):
        for i in range(n):
            other = EventFactory(owner=owner)
            OrganizerInvitation.objects.create(event=other, email=f"guest{i}@example.org", invited_by=owner)

    invitations(1)
    with django_assert_num_queries(2):  # the user (JWT), the page with its total
        assert len(api(owner).get(LIST, {"include": "event"}).json()["data"]) == 1
    invitations(40)
    with django_assert_num_queries(2):
        assert len(api(owner).get(LIST, {"include": "event", "page[size]": 100}).json()["data"]) == 41


PHISHING_NAMES = [
    "Urgent: reset your password at https://evil.example/login now",
    "Your account is locked, go to www.evil.example",
    "Write to support@evil.example today",
    "Visit evil\uff0eexample or evil\u3002example",  # a full-width and an ideographic full stop
    "<a href='http://evil.example'>Click</a>",
    "\u202eelpmaxe.live\u202c and more",  # a right-to-left override
]


@pytest.mark.parametrize("name", PHISHING_NAMES)
def test_an_event_name_in_the_invitation_mail_cannot_become_a_link_or_pass_for_our_words(invite, event, name):
    """The event's name is the organizer's text, mailed to an address they typed: before, a name such as "Urgent:
    reset your password at http://evil…" was rendered as it is, and mail clients made a link of it."""
    Event.objects.filter(pk=event.pk).update(name=(name + " " + "padding " * 30)[:255])  # the longest name
    assert invite("alice@example.org").status_code == 201
    (message,) = mail.outbox
    (html, media), *_ = message.alternatives
    assert media == "text/html"
    for part in (message.subject, message.body, html):
        for link in ("http://", "https://", "evil.example", "www.evil", "@evil", "evil\uff0e", "evil\u3002"):
            assert link not in part, (link, part)
        assert "\u202e" not in part
        assert "evil[.]example" in part or "elpmaxe[.]live" in part
    assert "<a " not in html  # the template has no links, and the name is escaped
    if "<a " in name:
        assert "&lt;a href=" in html
    quoted = re.search(r"“(.*)”", message.body).group(1)
    assert len(quoted) <= mail_module.QUOTED_LENGTH  # capped
    assert "as its organizer wrote it" in message.body and "as its organizer wrote it" in html


def test_inert_keeps_ordinary_names_readable():
    assert mail_module.inert("PyCon DE & PyData 2027") == "PyCon DE & PyData 2027"
    assert mail_module.inert("Line\r\nbreak\tand\u200bzero width") == "Line break and zero width"
    assert mail_module.inert("v1.2 meetup") == "v1[.]2 meetup"
