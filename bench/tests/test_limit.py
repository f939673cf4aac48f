"""The limit view serves the very document of the endpoint it stands for; otherwise ours ÷ limit means nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory
from orders.models import Order
from tickets.models import Ticket

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


# The other hot paths' limits (bench/limits.py): each the endpoint's document.


def same(real, limit):
    assert real.status_code == limit.status_code, (real.content[:400], limit.content[:400])
    assert limit["Content-Type"] == real["Content-Type"]
    assert limit.json() == real.json()
    return real.json()


@pytest.fixture
def shop(event, owner, other_event):
    """An event with 25 tickets (some hidden, one free), a ticket code on several, an event code, and another
    event's code and tickets (not the requester's)."""
    tickets = [
        TicketFactory(event=event, price=Decimal("12.50") + i, position=i % 4, is_hidden=i % 6 == 0) for i in range(24)
    ]
    tickets.append(TicketFactory(event=event, free=True, position=9))
    code = DiscountCodeFactory(event=event, code="EARLY", value=Decimal("2.00"))
    rules.attach_tickets(code=code, tickets=tickets[:5])
    for i in range(3):
        DiscountCodeFactory(event=event, code=f"MORE{i}", value=Decimal("1.00"))
    DiscountCodeFactory(event=event, code="TEAM", for_event=True, type="percent", value=Decimal("10.00"))
    DiscountCodeFactory(event=other_event, code="THEIRS", value=Decimal("1.00"))
    TicketFactory(event=other_event)
    return {"event": event, "tickets": tickets, "code": code, "owner": owner}


@pytest.mark.parametrize("page", [None, "2", "3"])
def test_event_tickets_limit(api, shop, page):
    client, params = api(None), ({"page[number]": page} if page else {})
    event = shop["event"].pk
    doc = same(
        client.get(f"/v1/events/{event}/tickets", params), client.get(f"/bench/limit/events/{event}/tickets", params)
    )
    assert page == "3" or doc["data"]


def test_event_tickets_limit_of_an_unknown_event(api, db):
    client = api(None)
    same(client.get("/v1/events/999999/tickets"), client.get("/bench/limit/events/999999/tickets"))


@pytest.mark.parametrize("who", ["owner", "organizer", "superuser", "stranger"])
def test_codes_with_tickets_limit(api, shop, organizer, superuser, stranger, who):
    client = api({"owner": shop["owner"], "organizer": organizer, "superuser": superuser, "stranger": stranger}[who])
    params = {"include": "tickets"}
    doc = same(client.get("/v1/discount-codes", params), client.get("/bench/limit/discount-codes", params))
    assert who == "stranger" or doc["included"]


def test_codes_with_tickets_limit_without_a_login(api, shop):
    client = api(None)
    same(
        client.get("/v1/discount-codes", {"include": "tickets"}),
        client.get("/bench/limit/discount-codes", {"include": "tickets"}),
    )


@pytest.mark.parametrize("which", [0, 7, 6])  # with a code; without; hidden (a stranger: 404)
@pytest.mark.parametrize("who", ["organizer", "stranger"])
def test_ticket_with_code_limit(api, shop, organizer, stranger, which, who):
    client = api(organizer if who == "organizer" else stranger)
    pk, params = shop["tickets"][which].pk, {"include": "discount-code"}
    same(client.get(f"/v1/tickets/{pk}", params), client.get(f"/bench/limit/tickets/{pk}", params))


@pytest.mark.parametrize("code", ["EARLY", "early", "TEAM", "NOPE", "THEIRS"])
def test_code_check_limit(api, shop, code):
    client, event = api(None), shop["event"].pk
    same(
        client.get(f"/v1/events/{event}/discount-codes/{code}"),
        client.get(f"/bench/limit/events/{event}/discount-codes/{code}"),
    )


@pytest.mark.parametrize("code", ["EARLY", "TEAM", "NOPE", None])
@pytest.mark.parametrize("which", [0, 10, 24])  # attached to EARLY; not attached; free
def test_quote_limit(api, shop, code, which):
    client = api(None)
    body = {"tickets": [{"id": str(shop["tickets"][which].pk), "quantity": 2}]}
    if code:
        body["discount-code"] = code
    real = client.post("/v1/orders/calculate-amount", body, content_type="application/json")
    limit = client.post("/bench/limit/orders/calculate-amount", body, content_type="application/json")
    same(real, limit)


def test_relationship_patch_limit(api, shop, organizer):
    client, code, tickets = api(organizer), shop["code"], shop["tickets"]
    body = {"data": [{"type": "ticket", "id": str(t.pk)} for t in tickets[3:12]]}
    url = f"/discount-codes/{code.pk}/relationships/tickets"
    real = client.patch(f"/v1{url}", body)
    attached = set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True))
    client.patch(f"/v1{url}", {"data": [{"type": "ticket", "id": str(tickets[0].pk)}]})
    limit = client.patch(f"/bench/limit{url}", body)
    assert same(real, limit)["data"]
    assert set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True)) == attached
    hidden_elsewhere = Ticket.objects.exclude(event=shop["event"]).first()
    refused = {"data": [{"type": "ticket", "id": str(hidden_elsewhere.pk)}]}
    assert client.patch(f"/v1{url}", refused).status_code == client.patch(f"/bench/limit{url}", refused).status_code


def test_relationship_patch_limit_keeps_the_rules(api, shop, organizer):
    """A free ticket takes no code: both refuse with 422 and change nothing."""
    client, code, tickets = api(organizer), shop["code"], shop["tickets"]
    before = set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True))
    body = {"data": [{"type": "ticket", "id": str(tickets[24].pk)}]}
    url = f"/discount-codes/{code.pk}/relationships/tickets"
    assert client.patch(f"/v1{url}", body).status_code == client.patch(f"/bench/limit{url}", body).status_code == 422
    assert set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True)) == before


@pytest.mark.parametrize("code", ["EARLY", "TEAM"])
def test_order_limit(api, shop, stranger, code):
    client = api(stranger)
    body = {
        "data": {
            "type": "order",
            "attributes": {"tickets": [{"id": str(shop["tickets"][1].pk), "quantity": 1}], "code": code},
        }
    }
    real, limit = client.post("/v1/orders", body), client.post("/bench/limit/orders", body)
    assert real.status_code == limit.status_code == 201, (real.content[:300], limit.content[:300])
    assert limit["Content-Type"] == real["Content-Type"]
    ours, theirs = real.json(), limit.json()
    assert int(theirs["data"]["id"]) == int(ours["data"]["id"]) + 1
    for document in (ours, theirs):
        del document["data"]["id"], document["data"]["attributes"]["created-at"]
    assert theirs == ours
    assert Order.objects.count() == 2
