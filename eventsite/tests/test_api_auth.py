"""Sign-up, log-in and tokens: JWT in the ``JWT`` or ``Bearer`` scheme; refused tokens are 401s."""

import pytest
from rest_framework.test import APIClient

from eventsite.models import User
from eventsite.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(email="new@example.org", password="a-sturdy-passphrase-42"):
    body = {"data": {"type": "user", "attributes": {"email": email, "password": password}}}
    return APIClient().post("/v1/users", body, format="vnd.api+json")


def login(email, password):
    return APIClient().post("/v1/auth/login", {"email": email, "password": password}, format="json")


def test_sign_up_never_echoes_the_password():
    response = signup()
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["type"] == "user" and data["attributes"]["email"] == "new@example.org"
    assert "password" not in response.content.decode()
    assert User.objects.get(email="new@example.org").check_password("a-sturdy-passphrase-42")


def test_a_taken_email_is_a_409_whatever_its_case():
    signup()
    response = signup(email="NEW@example.org")
    assert response.status_code == 409
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/email"
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["123", "password", "new@example.org"])
def test_a_weak_password_is_a_422(password):
    response = signup(password=password)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/password"
    assert not User.objects.exists()


def test_log_in_and_refresh():
    user = UserFactory(email="me@example.org")
    tokens = login("me@example.org", PASSWORD).json()
    assert set(tokens) == {"access_token", "refresh_token"}
    for scheme in ("JWT", "Bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {tokens['access_token']}")
        assert client.get(f"/v1/users/{user.pk}").status_code == 200
    refreshed = APIClient().post("/v1/auth/token/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200 and set(refreshed.json()) == {"access_token"}


def test_wrong_credentials_are_a_401():
    UserFactory(email="me@example.org")
    response = login("me@example.org", "wrong")
    assert response.status_code == 401
    assert response.json()["errors"][0]["status"] == "401"
    assert login("nobody@example.org", PASSWORD).status_code == 401


def test_an_inactive_user_cannot_log_in():
    UserFactory(email="me@example.org", is_active=False)
    assert login("me@example.org", PASSWORD).status_code == 401


@pytest.mark.parametrize("body", [{}, {"email": "x"}, {"email": 1, "password": []}, []])
def test_a_malformed_login_is_a_4xx(body):
    response = APIClient().post("/v1/auth/login", body, format="json")
    assert response.status_code in (400, 422)
    assert "errors" in response.json()


def test_a_bad_refresh_token_is_a_401():
    response = APIClient().post("/v1/auth/token/refresh", {"refresh_token": "nonsense"}, format="json")
    assert response.status_code == 401


def test_a_protected_endpoint_without_a_valid_token_is_a_401():
    client = APIClient()
    assert client.get("/v1/discount-codes").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="JWT not-a-token")
    assert client.get("/v1/discount-codes").status_code == 401


def test_a_user_sees_only_themself_unless_admin(api, stranger, superuser, owner):
    assert api(stranger).get(f"/v1/users/{stranger.pk}").status_code == 200
    assert api(stranger).get(f"/v1/users/{owner.pk}").status_code == 404
    assert api(superuser).get(f"/v1/users/{owner.pk}").status_code == 200
    assert api(None).get(f"/v1/users/{owner.pk}").status_code == 401


def _answer_of(authenticator, token):
    """What an authenticator says of a token: the user, or the error's status and code."""
    from rest_framework.exceptions import APIException

    try:
        return authenticator.get_user(authenticator.get_validated_token(str(token)))
    except APIException as error:
        return error.status_code, error.get_codes()


@pytest.mark.parametrize("case", ["active", "inactive", "deleted", "password changed", "no claim", "int claim"])
def test_the_prepared_user_look_up_answers_as_simplejwt(case, monkeypatch):
    """``eventsite.api.authentication`` runs simplejwt's ``get_user`` with the user query prepared; same answers.
    Tokens as simplejwt issues them (the id as a string) never reach the ORM's look-up; other claims do (and if a
    later simplejwt stopped asking ``user_model.objects.get``, the prepared path would go unused: this fails)."""
    from rest_framework_simplejwt.authentication import JWTAuthentication as Simplejwt
    from rest_framework_simplejwt.tokens import AccessToken

    from eventsite.api.authentication import JWTAuthentication

    user = UserFactory(email="me@example.org", is_active=case != "inactive")
    token = AccessToken.for_user(user)
    if case == "deleted":
        user.delete()
    elif case == "password changed":
        user.set_password("another-passphrase")
        user.save()
    elif case == "no claim":
        del token["user_id"]
    elif case == "int claim":
        token["user_id"] = user.pk
    theirs = _answer_of(Simplejwt(), token)
    if case in ("active", "inactive", "deleted", "password changed"):
        monkeypatch.setattr(User.objects, "get", lambda **kw: pytest.fail("the ORM's look-up was used"))
    ours = _answer_of(JWTAuthentication(), token)
    assert ours == theirs
    assert (ours == user) if case in ("active", "int claim") else isinstance(ours, tuple) and ours[0] == 401


def test_an_inactive_users_token_is_refused():
    from rest_framework_simplejwt.tokens import AccessToken

    user = UserFactory(email="me@example.org")
    token = AccessToken.for_user(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
    response = client.get(f"/v1/users/{user.pk}")
    assert response.status_code == 401 and response.json()["errors"][0]["detail"] == "User is inactive"
