"""Issue 12, attack 5: one lock-out policy for the admin's and the API's log-in, counted per e-mail address (any
letter case) and client address, with both front ends locked alike."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from eventsite.tests.factories import PASSWORD, EventFactory, UserFactory
from eventsite.tests.throttling import throttle_rate

pytestmark = pytest.mark.django_db

EMAIL = "e-user@example.org"
SPELLINGS = ["E-user@example.org", "e-USER@example.org", "E-USER@EXAMPLE.ORG", "e-User@Example.org", EMAIL]


@pytest.fixture(autouse=True)
def _no_log_in_throttle():
    """The lock-out is the subject here; the per-client log-in throttle (AUTH_RATE) is tested with the others."""
    with throttle_rate("auth", "1000/minute"):
        yield


@pytest.fixture
def organizer():
    user = UserFactory(email=EMAIL)
    EventFactory(owner=user)
    return user


def admin_log_in(email: str, password: str, address: str = "127.0.0.1", **extra):
    return Client(REMOTE_ADDR=address).post("/admin/login/", {"username": email, "password": password}, **extra)


def api_log_in(email: str, password: str, address: str = "127.0.0.1", **extra):
    body = {"email": email, "password": password}
    return APIClient(REMOTE_ADDR=address).post("/v1/auth/login", body, format="json", **extra)


def assert_api_locked_out(response) -> None:
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/vnd.api+json")
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    error = response.json()["errors"][0]
    assert error["code"] == "throttled" and "Too many failed log-ins" in error["detail"]


def test_letter_case_gives_no_fresh_tries(organizer):
    """On main every spelling of the address had its own count (``E-user@…`` brought 4 fresh tries each)."""
    for spelling in SPELLINGS[: settings.AXES_FAILURE_LIMIT - 1]:
        assert admin_log_in(spelling, "guess").status_code == 200
    assert api_log_in(SPELLINGS[-1], "guess").status_code == 429
    assert admin_log_in(EMAIL, PASSWORD).status_code == 429
    assert_api_locked_out(api_log_in("E-USER@example.ORG", PASSWORD))


def test_the_api_log_in_locks_out_a_password_guesser(organizer):
    """On main the API's log-in never locked: only its per-client throttle slowed a guesser down."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_log_in(EMAIL, "guess").status_code == 401
    assert_api_locked_out(api_log_in(EMAIL, "guess"))
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD))  # even the right password, for this address and client
    assert admin_log_in(EMAIL, PASSWORD).status_code == 429


@pytest.mark.parametrize("api_first", [True, False])
def test_failures_add_up_across_the_admin_and_the_api(organizer, api_first):
    ways = [api_log_in, admin_log_in] if api_first else [admin_log_in, api_log_in]
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        ways[n % 2](EMAIL.upper(), "guess")
    assert ways[1](EMAIL, "guess").status_code == 429
    assert admin_log_in(EMAIL, PASSWORD).status_code == 429
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD))


def test_a_stranger_cannot_lock_the_organizer_out_from_elsewhere(organizer):
    """The lock is per e-mail address and client: a guesser locks out themselves, not the account's owner."""
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        api_log_in(EMAIL, "guess", address="203.0.113.66")
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD, address="203.0.113.66"))
    assert api_log_in(EMAIL, PASSWORD, address="192.0.2.10").status_code == 200
    assert admin_log_in(EMAIL, PASSWORD, address="192.0.2.10").status_code == 302


def test_a_made_up_x_forwarded_for_gives_no_fresh_tries(organizer):
    for n in range(settings.AXES_FAILURE_LIMIT):
        api_log_in(EMAIL, "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"))


def test_many_addresses_behind_a_trusted_proxy_are_many_clients(settings, organizer):
    settings.NUM_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_log_in(EMAIL, "guess", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66"))
    assert api_log_in(EMAIL, PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 200


@pytest.mark.parametrize("succeeds", [api_log_in, admin_log_in])
def test_a_successful_log_in_resets_the_count_for_both(organizer, succeeds):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        api_log_in(EMAIL, "guess")
    assert succeeds(EMAIL.upper(), PASSWORD).status_code in {200, 302}
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (admin_log_in, api_log_in)[n % 2](EMAIL, "guess").status_code in {200, 401}


def test_the_lock_out_ends_after_the_cool_off(organizer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_log_in(EMAIL, "guess")
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD))
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert api_log_in(EMAIL, PASSWORD).status_code == 200


def test_an_unknown_address_is_locked_out_like_a_known_one():
    """Whether an account exists is not told by the lock-out either."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_log_in("nobody@example.org", "guess")
    assert_api_locked_out(api_log_in("NOBODY@example.org", "guess"))


def test_the_admin_still_answers_with_its_page(organizer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_log_in(EMAIL, "guess")
    response = admin_log_in(EMAIL, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("E-User@Example.org", "e-user@example.org"),
        ("  e-user@example.org ", "e-user@example.org"),
        ("\u212aelvin@example.org", "kelvin@example.org"),  # the Kelvin sign: NFKC makes it a K
        ("\uff4belvin@\uff45xample.org", "kelvin@example.org"),  # full-width letters
        ("stra\u00dfe@example.org", "strasse@example.org"),
    ],
)
def test_the_lock_out_key_folds_letter_case(typed, key):
    from eventsite.lockout import login_key

    assert login_key(None, {"username": typed}) == key


def change_password(token: str, old: str, address: str = "127.0.0.1"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
    body = {"old_password": old, "new_password": "a-brand-new-passphrase-42"}
    return client.post("/v1/auth/change-password", body, format="json")


def test_a_stolen_access_token_cannot_brute_force_the_password_through_change_password(organizer):
    """Before: change-password checked the current password outside the lock-out, so a stolen access token had
    unlimited guesses (only the per-account throttle slowed them). Now each wrong guess counts in the log-in's
    lock-out of the account's address from that client; then even the right password is refused (429)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(organizer).access_token)
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        response = change_password(token, f"guess-{i}", address="203.0.113.9")
        assert response.status_code == 422 and response.json()["errors"][0]["source"]["pointer"] == "/old_password"
    assert_api_locked_out(change_password(token, "guess-last", address="203.0.113.9"))
    assert_api_locked_out(change_password(token, PASSWORD, address="203.0.113.9"))  # the right one: refused too
    organizer.refresh_from_db()
    assert organizer.check_password(PASSWORD)  # nothing changed
    # one policy: the guesser's client is locked out of the log-in with this address too, admin and API
    assert_api_locked_out(api_log_in(EMAIL, PASSWORD, address="203.0.113.9"))
    assert admin_log_in(EMAIL, PASSWORD, address="203.0.113.9").status_code == 429
    # the owner elsewhere is not locked out
    assert api_log_in(EMAIL, PASSWORD, address="198.51.100.7").status_code == 200
    assert change_password(token, PASSWORD, address="198.51.100.7").status_code == 200


def test_failed_log_ins_and_failed_password_changes_add_up(organizer):
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(organizer).access_token)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_log_in(EMAIL.upper(), "guess").status_code == 401
    assert_api_locked_out(change_password(token, "guess"))
