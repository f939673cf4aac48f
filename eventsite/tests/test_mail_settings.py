"""Mail is configured from the environment: EMAIL_URL (dj-email-url) or the individual EMAIL_* variables."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

NAMES = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
         "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL"]  # fmt: skip


def mail_settings(**env: str) -> dict:
    """The mail settings a fresh process reads from ``env`` (settings are read once, at start)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DEFAULT_FROM_EMAIL"))}
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean | {"DJANGO_SETTINGS_MODULE": "eventsite.settings", "DEBUG": "1"} | env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_by_default_mail_is_printed_to_the_console():
    assert mail_settings()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_an_email_url_sets_the_smtp_server():
    found = mail_settings(EMAIL_URL="submission://mailer:p%40ss@smtp.example.org", DEFAULT_FROM_EMAIL="t@example.org")
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
        "DEFAULT_FROM_EMAIL": "t@example.org",
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"EMAIL_URL": "smtp://smtp.example.org:465?ssl=True&timeout=3"}, {"EMAIL_USE_SSL": True, "EMAIL_TIMEOUT": 3}),
        (
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "relay",
                "EMAIL_PORT": "2525",
            },
            {"EMAIL_HOST": "relay", "EMAIL_PORT": 2525, "EMAIL_USE_TLS": False},
        ),
    ],
)
def test_the_parts_can_be_given_one_by_one_or_in_the_url(env, expected):
    found = mail_settings(**env)
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {name: found[name] for name in expected} == expected
