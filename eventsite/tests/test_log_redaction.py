"""Code texts in request logs (issue 12, review): the public check names the code in its path, and Django's
``django.request`` warnings (every 4xx), the development server's access lines and gunicorn's access log name the
path. Each now writes ``/discount-codes/[code]`` instead (``eventsite/logs.py``)."""

import logging

import pytest
from rest_framework.test import APIClient

from discounts import rules
from discounts.models import DiscountCode
from eventsite.logs import redact
from eventsite.tests import server
from eventsite.tests.factories import DiscountCodeFactory
from eventsite.tests.throttling import throttle_rate


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("/v1/events/7/discount-codes/SECRET42", "/v1/events/7/discount-codes/[code]"),
        ("GET /v1/events/7/discount-codes/SECRET42 HTTP/1.1", "GET /v1/events/7/discount-codes/[code] HTTP/1.1"),
        ("/v1/events/7/discount-codes/SECRET42?x=1", "/v1/events/7/discount-codes/[code]?x=1"),
        ("/v1/events/7/discount-codes/SECRET%2F42/more", "/v1/events/7/discount-codes/[code]"),
        ("GET /v1/events/7/discount%2Dcodes/SECRET42 HTTP/1.1", "GET /v1/events/7/discount-codes/[code] HTTP/1.1"),
        ("/V1/EVENTS/7/DISCOUNT-CODES/SECRET42", "/V1/EVENTS/7/DISCOUNT-CODES/[code]"),
        ("/v1/events/7//discount-codes//SECRET 42", "/v1/events/7//discount-codes//[code]"),  # decoded, a space
        ("Not Found: /v1/events/7/discount-codes/SECRET42", "Not Found: /v1/events/7/discount-codes/[code]"),
        # nothing else changes
        ("/v1/events/7/discount-codes", "/v1/events/7/discount-codes"),
        ("/v1/discount-codes/5/tickets", "/v1/discount-codes/5/tickets"),
        ("/v1/events/7/discount-code-report", "/v1/events/7/discount-code-report"),
        ("GET /v1/events?filter%5Bname%5D=x HTTP/1.1", "GET /v1/events?filter%5Bname%5D=x HTTP/1.1"),
    ],
)
def test_redact(text, redacted):
    assert redact(text) == redacted


@pytest.mark.django_db
def test_django_request_warnings_name_no_code(caplog, event, ticket_code, paid_ticket):
    """404 (unknown), 422 (expired) and 429 (throttled) on the public check: logged, without the text."""
    from datetime import timedelta

    from django.utils import timezone

    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    now = timezone.now()
    gone = DiscountCodeFactory(event=event, code="GONEXYZ", for_event=True)
    DiscountCode.objects.filter(pk=gone.pk).update(
        valid_from=now - timedelta(days=2), valid_till=now - timedelta(days=1)
    )
    client = APIClient()
    with caplog.at_level(logging.INFO, logger="django.request"), throttle_rate("discount_code_lookup", "3/minute"):
        statuses = [
            client.get(f"/v1/events/{event.pk}/discount-codes/{text}").status_code
            for text in ("NOSUCH77", "GONEXYZ", ticket_code.code, "NOSUCH78")
        ]
    assert statuses == [404, 422, 200, 429]
    logged = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert len(logged) == 3, logged
    assert all(f"/v1/events/{event.pk}/discount-codes/[code]" in line for line in logged), logged
    text = caplog.text.casefold()
    for code in ("NOSUCH77", "GONEXYZ", ticket_code.code, "NOSUCH78"):
        assert code.casefold() not in text


def seed(url: str) -> int:
    """An event with the code EARLYBIRD77 in the SQLite database ``url``; its id."""
    program = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from eventsite.models import Event, User; from discounts.models import DiscountCode; "
        "owner = User.objects.create_user(email='o@example.org', password='x-sturdy-42'); "
        "now = timezone.now(); "
        "event = Event.objects.create(name='E', owner=owner, starts_at=now + timedelta(days=9), "
        "ends_at=now + timedelta(days=10)); "
        "DiscountCode.objects.create(event=event, code='EARLYBIRD77', value=5, type='amount', "
        "used_for='event', marketer=owner); print(event.pk)"
    )
    return int(server.manage("shell", "-c", program, DATABASE_URL=url).split()[-1])


def look_ups(base: str, event_id: int) -> list[int]:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as http:
        return [
            http.get(f"/v1/events/{event_id}/discount-codes/{text}").status_code
            for text in ("EARLYBIRD77", "NOSUCH77", "NOSUCH%2F78")
        ]


def assert_no_code_in(log: str, event_id: int) -> None:
    for text in ("EARLYBIRD77", "NOSUCH77", "NOSUCH"):
        assert text.casefold() not in log.casefold(), log
    # A short code ("78") is looked for where a path would carry it: anywhere, it would match a random port or a
    # response's size.
    assert "/78" not in log and "%37%38" not in log, log
    assert log.count(f"/v1/events/{event_id}/discount-codes/[code]") >= 3, log


def test_the_development_servers_log_names_no_code(tmp_path, migrated_sqlite):
    url = server.sqlite_database(tmp_path, migrated_sqlite)
    event_id = seed(url)
    log = tmp_path / "runserver.log"
    with server.runserver(log=log, DATABASE_URL=url, LOG_LEVEL="INFO") as base:
        assert look_ups(base, event_id) == [200, 404, 404]
    assert_no_code_in(log.read_text(), event_id)


def test_gunicorns_access_log_names_no_code(tmp_path, migrated_sqlite):
    """As the README's Production section starts it (from the project's directory, so gunicorn.conf.py counts),
    with an access log in the default format and one with the path and the raw URI."""
    url = server.sqlite_database(tmp_path, migrated_sqlite)
    event_id = seed(url)
    access, custom = tmp_path / "access.log", tmp_path / "custom.log"
    for path, extra in (
        (access, ("--access-logfile", str(access))),
        (custom, ("--access-logfile", str(custom), "--access-logformat", "%(U)s %({raw_uri}e)s %(s)s")),
    ):
        log = tmp_path / "gunicorn.log"
        with server.gunicorn(log=log, extra_args=extra, DATABASE_URL=url, LOG_LEVEL="INFO") as base:
            assert look_ups(base, event_id) == [200, 404, 404]
        assert_no_code_in(path.read_text() + log.read_text(), event_id)
