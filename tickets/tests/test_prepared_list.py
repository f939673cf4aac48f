"""``GET /v1/discount-codes/{id}/tickets`` and ``GET /v1/events/{id}/tickets`` listed plainly take the prepared
page query (``tickets.views``), built from rows (``eventsite.api.rows``): every answer must be byte for byte the
stock path's (``PLAIN_LISTING = ∅`` and the fast paths off force it)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discounts import rules
from eventsite.api.renderers import JSONAPIRenderer
from eventsite.api.serializers import CompiledReadMixin
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from tickets import views
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

REQUESTS = [
    {},
    {"include": "event"},
    {"page[size]": "2"},
    {"page[size]": "2", "page[number]": "2", "include": "event"},
    {"page[size]": "2", "page[number]": "3"},
    {"page[size]": "2", "page[number]": "4"},  # beyond the end: 404
    {"page[size]": "100", "include": "event"},
    {"page[size]": "0"},  # 400
    {"page[number]": "0"},  # 400
    {"page[number]": "x"},  # 400
    {"include": "nothing"},  # 400
]


@pytest.fixture
def code_with_tickets(event, other_event):
    code = DiscountCodeFactory(event=event, code="PARITY", value=Decimal("1.00"))
    tickets = [
        TicketFactory(event=event, name=f"T{i}", position=5 - i % 3, is_hidden=i == 1, price=Decimal(f"{10 + i}.50"))
        for i in range(5)
    ]
    rules.attach_tickets(code=code, tickets=tickets)
    TicketFactory(event=event, name="Not attached")
    return code


def both_paths(client, url, params, monkeypatch):
    """The prepared page built from rows, and the stock path: DRF's serializers and DRF-JSONAPI's renderer."""
    prepared = client.get(url, params)
    with monkeypatch.context() as patch:
        patch.setattr(views, "PLAIN_LISTING", frozenset())
        patch.setattr(JSONAPIRenderer, "fast", False)
        patch.setattr(CompiledReadMixin, "compiled_read", False)
        general = client.get(url, params)
    return prepared, general


@pytest.mark.parametrize("params", REQUESTS, ids=[str(p) for p in REQUESTS])
@pytest.mark.parametrize("who", ["owner", "organizer", "superuser", "other_organizer", "stranger", None])
def test_the_prepared_page_is_the_general_page(api, request, code_with_tickets, monkeypatch, params, who):
    client = api(request.getfixturevalue(who) if who else None)
    prepared, general = both_paths(client, f"/v1/discount-codes/{code_with_tickets.pk}/tickets", params, monkeypatch)
    assert (prepared.status_code, prepared.content) == (general.status_code, general.content)
    assert prepared["Content-Type"] == general["Content-Type"]


@pytest.mark.parametrize("params", REQUESTS, ids=[str(p) for p in REQUESTS])
@pytest.mark.parametrize("who", ["owner", "superuser", "other_organizer", None])
def test_the_prepared_event_page_is_the_general_page(api, request, code_with_tickets, monkeypatch, params, who):
    client = api(request.getfixturevalue(who) if who else None)
    prepared, general = both_paths(client, f"/v1/events/{code_with_tickets.event_id}/tickets", params, monkeypatch)
    assert (prepared.status_code, prepared.content) == (general.status_code, general.content)
    assert prepared["Content-Type"] == general["Content-Type"]


@pytest.mark.parametrize("params", [{}, {"page[number]": "2"}])
def test_an_unknown_event_and_one_without_tickets(api, other_event, monkeypatch, params):
    client = api(None)
    for url in ("/v1/events/999999/tickets", f"/v1/events/{other_event.pk}/tickets"):
        prepared, general = both_paths(client, url, params, monkeypatch)
        assert (prepared.status_code, prepared.content) == (general.status_code, general.content)


def test_an_empty_code_and_a_ticket_of_another_event(api, organizer, event, other_event, monkeypatch):
    """No tickets: an empty first page. A ticket of another event on the code (which the rules never allow, but
    a database edited by hand could hold): both paths show it only if it is not hidden."""
    code = DiscountCodeFactory(event=event, code="EMPTY", value=Decimal("1.00"))
    url = f"/v1/discount-codes/{code.pk}/tickets"
    prepared, general = both_paths(api(organizer), url, {"include": "event"}, monkeypatch)
    assert prepared.content == general.content and prepared.json()["data"] == []
    for hidden in (False, True):
        stray = TicketFactory(event=other_event, is_hidden=hidden)
        Ticket.objects.filter(pk=stray.pk).update(discount_code=code)
        prepared, general = both_paths(api(organizer), url, {"include": "event"}, monkeypatch)
        assert prepared.content == general.content
        assert [t["id"] for t in prepared.json()["data"]] == ([] if hidden else [str(stray.pk)])
        assert len(prepared.json()["included"]) == (0 if hidden else 1)
        stray.delete()


def test_the_prepared_page_is_compiled_once_per_shape(api, organizer, code_with_tickets, monkeypatch):
    """A page size not asked for before is a new shape: built and compiled by the first request, not the next."""
    calls = []
    build = views.CODE_TICKETS_PAGE.build
    monkeypatch.setattr(views.CODE_TICKETS_PAGE, "build", lambda *a, **k: calls.append(a) or build(*a, **k))
    client = api(organizer)
    url = f"/v1/discount-codes/{code_with_tickets.pk}/tickets"
    first = client.get(url, {"include": "event", "page[size]": "37"})
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url, {"include": "event", "page[size]": "37"})
    assert first.content == second.content and [c[:2] for c in calls] == [(0, 37), (0, 37)]  # two stand-in sets
    assert len(second_queries.captured_queries) == 3  # user, events with the code, the page (its events joined)


@pytest.mark.parametrize("params", [{}, {"include": "discount-code"}, {"include": "event,discount-code"}])
@pytest.mark.parametrize("who", ["owner", "superuser", "other_organizer", None])
def test_the_prepared_ticket_is_the_general_one(
    api, request, code_with_tickets, other_event, monkeypatch, params, who
):
    """``/v1/tickets/{id}``: a ticket with a code, a hidden one, one without a code, one of another event, ids of
    nothing (a 404 either way)."""
    client = api(request.getfixturevalue(who) if who else None)
    tickets = list(Ticket.objects.filter(discount_code=code_with_tickets).order_by("pk"))
    ids = [
        tickets[0].pk,
        tickets[1].pk,
        Ticket.objects.get(name="Not attached").pk,
        TicketFactory(event=other_event).pk,
    ]
    for pk in [*ids, 999999, "x1", "9" * 30]:
        url = f"/v1/tickets/{pk}"
        prepared = client.get(url, params)
        with monkeypatch.context() as patch:
            patch.setattr(views, "MAX_ID", 0)
            patch.setattr(JSONAPIRenderer, "fast", False)
            patch.setattr(CompiledReadMixin, "compiled_read", False)
            general = client.get(url, params)
        assert (prepared.status_code, prepared.content) == (general.status_code, general.content), url
