"""The pages outside the API: ``/`` leads a newcomer somewhere, ``/healthz`` tells a load balancer whether this app
server can serve (and stays out of the way: no login, no throttle, no CSRF, no HTTPS redirect, no error log)."""

import logging
import re
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.db import OperationalError, connections
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_landing_page_links_the_admin_the_docs_and_the_walk_through(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    links = set(re.findall(r'href="([^"]+)"', page))
    assert {"/admin/", "/v1/docs", "/v1/schema", "/healthz"} <= links
    for step in ("POST /v1/users", "POST /v1/auth/login", "POST /v1/discount-codes", "POST /v1/orders"):
        assert step in page


def test_the_landing_page_has_no_inline_script_or_style_and_its_stylesheet_exists(client):
    page = client.get("/").content.decode()
    assert "<script" not in page and "<style" not in page and "style=" not in page
    (stylesheet,) = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)">', page)
    assert finders.find(stylesheet)


def test_the_landing_page_only_answers_reads(client):
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405


def test_the_health_check_says_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_needs_no_login_no_csrf_token_and_is_not_throttled(api):
    assert all(api(None).get("/healthz").status_code == 200 for _ in range(100))
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/healthz").status_code == 405  # not a 403 "CSRF verification failed" page
    assert strict.head("/healthz").status_code == 200


def test_the_health_check_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def database_down():
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused")):
        yield


def test_the_health_check_is_a_503_when_the_database_does_not_answer_and_no_error_is_logged(
    client, database_down, caplog
):
    caplog.set_level(logging.INFO)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "eventsite.pages"
    assert "connection refused" in warning.getMessage()


def test_other_server_errors_are_still_logged_as_errors(caplog):
    """The filter that quiets the health check drops nothing else."""
    from django.http import HttpRequest

    request = HttpRequest()
    request.path = "/v1/events"
    caplog.set_level(logging.INFO)
    logging.getLogger("django.request").error("Service Unavailable: %s", request.path, extra={"request": request})
    assert [r.getMessage() for r in caplog.records] == ["Service Unavailable: /v1/events"]
