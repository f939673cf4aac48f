"""Tokens: every forged, stale or misused token is a 401 JSON:API error, on endpoints that need a login and on
public ones alike (a bad token is never silently treated as anonymous); a deactivated user's token stops working."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from eventsite.tests.factories import PASSWORD, UserFactory
from reliability import figures

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def expired(user):
    token = AccessToken.for_user(user)
    token.set_exp(from_time=token.current_time - timedelta(hours=1), lifetime=timedelta(minutes=1))
    return str(token)


def tampered(user):
    other = UserFactory()
    header, payload, signature = parts(str(AccessToken.for_user(user)))
    payload["user_id"] = str(other.pk)  # claim to be someone else, keep the old signature
    return f"{b64(header)}.{b64(payload)}.{signature}"


def alg_none(user):
    _, payload, _ = parts(str(AccessToken.for_user(user)))
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


def alg_none_signed(user):
    _, payload, signature = parts(str(AccessToken.for_user(user)))
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}.{signature}"


def wrong_key(user):
    _, payload, _ = parts(str(AccessToken.for_user(user)))
    return jwt.encode(payload, "not-the-signing-key-" * 3, algorithm="HS256")


def other_algorithm(user):
    _, payload, _ = parts(str(AccessToken.for_user(user)))
    return jwt.encode(payload, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")


def refresh_as_access(user):
    return str(RefreshToken.for_user(user))


def no_user(user):
    token = AccessToken.for_user(user)
    token["user_id"] = "99999999"
    return str(token)


def truncated(user):
    return str(AccessToken.for_user(user))[:-5]


BAD_TOKENS = {
    "expired": expired,
    "tampered payload": tampered,
    "alg none, unsigned": alg_none,
    "alg none, old signature": alg_none_signed,
    "wrong signing key": wrong_key,
    "HS512 with the right key": other_algorithm,
    "refresh token as access token": refresh_as_access,
    "user that does not exist": no_user,
    "truncated": truncated,
    "garbage": lambda user: "not.a.token",
    "empty": lambda user: "",
}


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
@pytest.mark.parametrize("path", ["/v1/users/{me}", "/v1/orders", "/v1/events"])
def test_a_bad_token_is_a_401(make, path):
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {make(user)}")
    response = client.get(path.format(me=user.pk))
    figures.record("token_cases")
    assert response.status_code == 401, response.content
    assert response.json()["errors"][0]["status"] == "401"
    assert "WWW-Authenticate" in response


def test_the_token_checks_are_not_vacuous():
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {AccessToken.for_user(user)}")
    assert client.get(f"/v1/users/{user.pk}").status_code == 200


def test_an_access_token_does_not_refresh():
    user = UserFactory()
    response = APIClient().post(
        "/v1/auth/token/refresh", {"refresh_token": str(AccessToken.for_user(user))}, format="json"
    )
    figures.record("token_cases")
    assert response.status_code == 401


def test_a_deactivated_users_tokens_stop_working():
    user = UserFactory()
    refresh = RefreshToken.for_user(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {refresh.access_token}")
    assert client.get(f"/v1/users/{user.pk}").status_code == 200
    user.is_active = False
    user.save()
    figures.record("token_cases", 3)
    assert client.get(f"/v1/users/{user.pk}").status_code == 401
    assert client.get("/v1/events").status_code == 401
    refreshed = APIClient().post("/v1/auth/token/refresh", {"refresh_token": str(refresh)}, format="json")
    assert refreshed.status_code == 401
    login = APIClient().post("/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert login.status_code == 401
