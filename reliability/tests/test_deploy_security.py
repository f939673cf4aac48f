"""Deployment security: ``check --deploy`` is clean with production settings, the security headers are sent, and
the admin log-in locks out a password guesser (django-axes)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from eventsite.tests.factories import PASSWORD, EventFactory, UserFactory

pytestmark = [pytest.mark.reliability]


def test_check_deploy_is_clean_with_production_settings():
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-" + "y" * 20,
        "ALLOWED_HOSTS": "tickets.example.org",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = os.environ | {"DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "tickets.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/v1/events", "/v1/nothing-here", "/admin/login/", "/v1/docs"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    if path.startswith("/v1/") and path != "/v1/docs":
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.django_db
def test_hsts_and_secure_cookies_over_https_with_production_settings(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/v1/events", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_the_admin_login_locks_out_a_password_guesser(client, settings):
    user = UserFactory(email="organizer@example.org")
    EventFactory(owner=user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": user.email, "password": "guess"})
        assert response.status_code == 200  # the form again, with Django's message
    response = client.post("/admin/login/", {"username": user.email, "password": "guess"})
    assert response.status_code == 429
    # Locked: even the right password is refused now, for this e-mail address from this IP address.
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another IP address with the right password still gets in (the lock is per e-mail address and IP).
    response = client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.7", follow=False
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_admin_login_resets_the_count(client, settings):
    user = UserFactory(email="organizer@example.org")
    EventFactory(owner=user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/admin/login/", {"username": user.email, "password": "guess"})
    assert client.post("/admin/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/admin/login/", {"username": user.email, "password": "guess"}).status_code == 200
