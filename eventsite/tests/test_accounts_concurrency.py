"""Invitations and password resets under concurrency, proven on PostgreSQL against gunicorn with two workers.

SQLite serialises every write and ignores ``SELECT ... FOR UPDATE``, so it would hide a race.
"""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from rest_framework_simplejwt.tokens import RefreshToken

from eventsite.models import OrganizerInvitation
from eventsite.rules import reset_uid
from eventsite.tests import server
from eventsite.tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


SERVER_SECRET = "concurrency-test-secret-" + "k" * 40  # the server's SECRET_KEY signs reset tokens


@pytest.fixture
def gunicorn():
    env = {"CONN_MAX_AGE": "0", "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    with server.gunicorn(
        workers=2, threads=4, INVITATION_RATE="1000000/hour", SECRET_KEY=SERVER_SECRET, **env
    ) as base:
        yield base


def send(base: str, method: str, path: str, body: dict, token: str | None = None, media="application/json") -> int:
    headers = {"Content-Type": media} | ({"Authorization": f"JWT {token}"} if token else {})
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_twelve_concurrent_invitations_of_one_address_make_one(on_postgres, gunicorn):
    owner = UserFactory()
    event = EventFactory(owner=owner)
    token = str(RefreshToken.for_user(owner).access_token)
    spellings = ["alice@example.org", "ALICE@example.org", "Alice@Example.org"] * 4

    def invite(email):
        body = {"data": {"type": "organizer-invitation", "attributes": {"email": email}}}
        path = f"/v1/events/{event.pk}/organizer-invitations"
        return send(gunicorn, "POST", path, body, token, "application/vnd.api+json")

    with ThreadPoolExecutor(max_workers=len(spellings)) as pool:
        statuses = list(pool.map(invite, spellings))
    assert sorted(statuses) == [200] * 11 + [201], statuses
    assert OrganizerInvitation.objects.filter(event=event).count() == 1


def test_one_reset_token_sent_ten_times_at_once_resets_once(on_postgres, gunicorn):
    user = UserFactory()
    generator = PasswordResetTokenGenerator()
    generator.secret = SERVER_SECRET
    uid, token = reset_uid(user), generator.make_token(user)
    passwords = [f"concurrent-passphrase-{i}" for i in range(10)]

    def reset(password):
        return send(
            gunicorn, "PATCH", "/v1/auth/reset-password", {"uid": uid, "token": token, "new_password": password}
        )

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        statuses = list(pool.map(reset, passwords))
    assert sorted(statuses) == [200] + [422] * 9, statuses
    logins = [send(gunicorn, "POST", "/v1/auth/login", {"email": user.email, "password": p}) for p in passwords]
    assert sorted(logins) == [200] + [401] * 9, logins
