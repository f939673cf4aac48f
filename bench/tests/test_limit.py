"""The limit view serves the very document of the endpoint it stands for; otherwise ours ÷ limit means nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

QUERIES = [
    {"page[size]": "50", "include": "event"},  # the benchmark's request
    {"page[size]": "50", "include": "event", "page[number]": "2"},
    {"page[size]": "7", "include": "event", "page[number]": "3"},
    {"page[size]": "50"},
    {},
]


@pytest.fixture
def code_with_tickets(event, organizer):
    soon = timezone.now() + timedelta(days=3)
    tickets = [
        TicketFactory(event=event, price=Decimal("12.50") + i, position=i % 7, is_hidden=i % 5 == 0) for i in range(60)
    ]
    tickets[3].sales_starts_at, tickets[3].sales_ends_at = soon, soon + timedelta(hours=1, microseconds=17)
    tickets[3].save()
    code = DiscountCodeFactory(event=event, value="1.00")
    rules.attach_tickets(code=code, tickets=tickets)
    TicketFactory.create_batch(3, event=event)  # not attached
    return code


def documents(client, code, params):
    real = client.get(f"/v1/discount-codes/{code.pk}/tickets", params)
    limit = client.get(f"/bench/limit/discount-codes/{code.pk}/tickets", params)
    assert real.status_code == limit.status_code, (real.content[:300], limit.content[:300])
    assert limit["Content-Type"] == real["Content-Type"]
    return real.json(), limit.json()


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none")
def test_the_limit_view_serves_the_same_document_as_the_endpoint(api, organizer, code_with_tickets, params):
    real, limit = documents(api(organizer), code_with_tickets, params)
    assert len(real["data"]) > 1
    assert limit == real


def test_the_limit_view_serves_an_empty_code_the_same(api, organizer, event):
    code = DiscountCodeFactory(event=event, value="1.00")
    real, limit = documents(api(organizer), code, {"page[size]": "50", "include": "event"})
    assert limit == real


def test_the_limit_view_hides_other_events_codes_as_the_endpoint_does(api, organizer):
    code = DiscountCodeFactory(event=EventFactory(), value="1.00")
    real, limit = documents(api(organizer), code, {"page[size]": "50", "include": "event"})
    assert real["errors"][0]["status"] == limit["errors"][0]["status"] == "404"


def test_the_limit_view_asks_the_anonymous_to_log_in_as_the_endpoint_does(api, code_with_tickets):
    real, limit = documents(api(None), code_with_tickets, {"page[size]": "50", "include": "event"})
    assert real["errors"][0]["status"] == limit["errors"][0]["status"] == "401"


def test_the_limit_view_refuses_a_bad_token_as_the_endpoint_does(api, code_with_tickets):
    client = api(None)
    client.client.credentials(HTTP_AUTHORIZATION="JWT not-a-token")
    real, limit = documents(client, code_with_tickets, {"page[size]": "50", "include": "event"})
    assert real["errors"][0]["status"] == limit["errors"][0]["status"] == "401"
