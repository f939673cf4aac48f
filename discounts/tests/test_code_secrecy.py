"""Issue 12, attacks 1 and 3 (the answer side): no answer names a code its requester did not send, codes are not
read by their sequential ids, and a code not published yet answers exactly like an unknown one — in the public
check, the quote and orders alike — to everyone but the event's organizers."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from discounts import rules
from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from eventsite.tests.throttling import throttle_rate
from orders.models import Order

pytestmark = pytest.mark.django_db

UNKNOWN = "NOSUCHCODE"


@pytest.fixture(autouse=True)
def _no_budget():
    """These tests look at the answers; the guessing budget has its own (eventsite/tests/test_throttles.py)."""
    with throttle_rate("discount_code_lookup", "1000/minute"):
        yield


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def check(text: str, event, user=None):
    return client_for(user).get(f"/v1/events/{event.pk}/discount-codes/{text}")


def quote(body: dict, user=None):
    return client_for(user).post("/v1/orders/calculate-amount", body, format="json")


def order(text: str, ticket, user):
    body = {"data": {"type": "order", "attributes": {"tickets": [{"id": str(ticket.pk), "quantity": 1}]}}}
    body["data"]["attributes"]["code"] = text
    return client_for(user).post("/v1/orders", body, format="vnd.api+json")


def line(ticket, quantity: int = 1) -> list[dict]:
    return [{"id": str(ticket.pk), "quantity": quantity}]


@pytest.fixture
def world(event, owner, organizer, paid_ticket, second_paid_ticket):
    """Two events with codes of every kind; the first event also sells a hidden ticket that only SECRETHIDE covers."""
    hidden = TicketFactory(event=event, name="Backstage", price=Decimal("80.00"), is_hidden=True)
    secret = DiscountCodeFactory(event=event, code="SECRETHIDE")
    rules.attach_tickets(code=secret, tickets=[hidden])
    early = DiscountCodeFactory(event=event, code="EARLY")
    rules.attach_tickets(code=early, tickets=[paid_ticket])
    other = EventFactory(name="Event B")
    other_ticket = TicketFactory(event=other, name="B ticket")
    DiscountCodeFactory(event=other, code="EVENTB25", for_event=True, is_active=False)
    return {"hidden": hidden, "secret": secret, "early": early, "other_ticket": other_ticket}


def texts_of_every_code() -> list[str]:
    return list(DiscountCode.objects.values_list("code", flat=True))


def names_no_code(response) -> None:
    body = response.content.decode().casefold()
    for text in texts_of_every_code():
        assert text.casefold() not in body, (text, body)


# Attack 1: codes by sequential id


def test_a_stranger_cannot_read_codes_by_their_sequential_ids(world, paid_ticket, stranger):
    """Every id, from an anonymous client and from a logged-in user who organizes another event, gets the same
    403 naming nothing, whether the id exists, belongs to another event, or covers a hidden ticket."""
    rival = UserFactory(email="rival@example.org")
    EventFactory(owner=rival)
    first = None
    for user in (None, stranger, rival):
        for code_id in [*DiscountCode.objects.values_list("pk", flat=True), 999_999]:
            for ticket in (paid_ticket, world["hidden"], world["other_ticket"]):
                response = quote({"tickets": line(ticket), "discount-code-id": str(code_id)}, user)
                assert response.status_code == 403, response.content
                names_no_code(response)
                first = first or response.content
                assert response.content == first
    error = json.loads(first)["errors"][0]
    assert error["status"] == "403" and "organizers" in error["detail"]


def test_an_organizer_names_only_their_own_events_codes_by_id(world, event, organizer):
    """An organizer quoting their own tickets with another event's code id learns nothing of that code."""
    mine = TicketFactory(event=event)
    theirs = DiscountCode.objects.get(code="EVENTB25")
    response = quote({"tickets": line(mine), "discount-code-id": str(theirs.pk)}, organizer)
    assert response.status_code == 200, response.content
    assert response.json()["errors"][0]["code"] == "code_unknown"
    names_no_code(response)
    response = quote({"tickets": line(world["other_ticket"]), "discount-code-id": str(theirs.pk)}, organizer)
    assert response.status_code == 403


def test_answers_echo_the_text_as_sent_never_the_stored_spelling(world, paid_ticket, second_paid_ticket, stranger):
    """The quote's messages and lines, the order and the public check call the code as the buyer typed it."""
    body = quote({"tickets": line(paid_ticket) + line(second_paid_ticket), "discount-code": "eArLy"}).json()
    assert body["tickets"][0]["discount"]["code"] == "eArLy"
    assert body["errors"][0]["detail"] == "This ticket is not covered by eArLy."
    assert "EARLY" not in json.dumps(body)

    check_body = check("eaRLY", world["early"].event).json()
    assert check_body["data"]["attributes"]["code"] == "eaRLY"
    assert "EARLY" not in json.dumps(check_body)

    placed = order("earlY", paid_ticket, stranger)
    assert placed.status_code == 201, placed.content
    assert placed.json()["data"]["attributes"]["code"] == "earlY"
    assert Order.objects.get().code == "earlY"
    refused = order("earLY", second_paid_ticket, stranger)  # the code covers none of this order's tickets
    assert refused.status_code == 422
    assert "earLY" in refused.content.decode() and "EARLY" not in refused.content.decode()


def test_expired_and_used_up_codes_may_say_so_in_the_senders_words(world, event, paid_ticket, stranger):
    past = timezone.now() - timedelta(days=1)
    DiscountCode.objects.filter(code="EARLY").update(valid_from=past - timedelta(days=1), valid_till=past)
    assert check("early", event).json()["errors"][0]["detail"].startswith("early expired on ")
    error = quote({"tickets": line(paid_ticket), "discount-code": "early"}).json()["errors"][0]
    assert (error["code"], error["detail"][:6]) == ("code_expired", "early ")
    DiscountCode.objects.filter(code="EARLY").update(valid_till=None, tickets_number=1, used_count=1)
    error = order("Early", paid_ticket, stranger).json()["errors"][0]
    assert (error["code"], error["detail"]) == ("code_used_up", "Early is used up.")


# Attack 3 (the answers): unpublished codes look unknown


def unpublish(code: DiscountCode, how: str) -> None:
    if how == "inactive":
        DiscountCode.objects.filter(pk=code.pk).update(is_active=False)
    else:
        DiscountCode.objects.filter(pk=code.pk).update(valid_from=timezone.now() + timedelta(days=3))


def same_apart_from_the_echo(response, text: str, unknown) -> None:
    assert response.status_code == unknown.status_code, (response.content, unknown.content)
    assert response.content.replace(text.encode(), UNKNOWN.encode()) == unknown.content


ASKERS = ["anonymous", "stranger", "rival organizer"]


def asker(kind: str, stranger):
    if kind == "anonymous":
        return None
    if kind == "stranger":
        return stranger
    rival = UserFactory(email="rival@example.org")
    EventFactory(owner=rival)
    return rival


@pytest.mark.parametrize("how", ["inactive", "not yet valid"])
@pytest.mark.parametrize("who", ASKERS)
def test_an_unpublished_code_answers_exactly_like_an_unknown_one(world, event, paid_ticket, stranger, how, who):
    """Byte for byte, apart from the echoed text: the public check, the quote (a covered ticket and a hidden
    ticket only the code covers) and an order."""
    user = asker(who, stranger)
    buyer = user or stranger
    for code in (world["early"], world["secret"]):
        unpublish(code, how)
    for text in ("early", "secrethide"):
        same_apart_from_the_echo(check(text, event, user), text, check(UNKNOWN, event, user))
    for ticket, text in ((paid_ticket, "EARLY"), (world["hidden"], "secrethide"), (paid_ticket, "secrethide")):
        asked = quote({"tickets": line(ticket), "discount-code": text}, user)
        same_apart_from_the_echo(asked, text, quote({"tickets": line(ticket), "discount-code": UNKNOWN}, user))
        placed = order(text, ticket, buyer)
        same_apart_from_the_echo(placed, text, order(UNKNOWN, ticket, buyer))
    assert not Order.objects.exists()


def test_the_unknown_answers_are_what_they_were(world, event, paid_ticket, stranger):
    """What "unknown" looks like on each endpoint (the shape the unpublished codes must copy)."""
    assert check(UNKNOWN, event).json()["errors"][0]["code"] == "not_found"
    body = quote({"tickets": line(paid_ticket), "discount-code": UNKNOWN}).json()
    assert (body["total"], body["errors"][0]["code"]) == ("50.00", "code_unknown")
    assert quote({"tickets": line(world["hidden"]), "discount-code": UNKNOWN}).status_code == 422
    error = order(UNKNOWN, paid_ticket, stranger).json()["errors"][0]
    assert (error["code"], error["source"]["pointer"]) == ("code_unknown", "/data/attributes/code")


@pytest.mark.parametrize(("how", "reason"), [("inactive", "code_inactive"), ("not yet valid", "code_not_yet_valid")])
@pytest.mark.parametrize("who", ["owner", "organizer", "superuser"])
def test_the_events_organizers_see_why_an_unpublished_code_does_not_apply(
    world, event, paid_ticket, owner, organizer, superuser, how, reason, who
):
    user = {"owner": owner, "organizer": organizer, "superuser": superuser}[who]
    unpublish(world["early"], how)
    error = check("early", event, user).json()["errors"][0]
    assert (error["code"], error["detail"][:6]) == (reason, "early ")
    assert quote({"tickets": line(paid_ticket), "discount-code": "early"}, user).json()["errors"][0]["code"] == reason
    assert order("early", paid_ticket, user).json()["errors"][0]["code"] == reason
    hidden = quote({"tickets": line(world["hidden"]), "discount-code": "secrethide"}, user)
    assert hidden.status_code == 200  # published: the hidden ticket it covers is priced


# Unpublished codes look unknown in the queries too: the same round trips, so timing tells nothing


def queries_of(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ASKERS)
def test_an_unpublished_code_costs_the_queries_of_an_unknown_one(world, event, paid_ticket, stranger, who):
    """Before, a logged-in requester's look-up of a found but unpublished code asked in a query of its own whether
    they manage the event; an unknown code did not, so one round trip more told a guesser the code exists."""
    user = asker(who, stranger)
    buyer = user or stranger
    DiscountCodeFactory(event=event, code="DORMANT", for_event=True, is_active=False)
    upcoming = DiscountCodeFactory(event=event, code="UPCOMING", for_event=True)
    DiscountCode.objects.filter(pk=upcoming.pk).update(valid_from=timezone.now() + timedelta(days=3))
    texts = {"unknown": UNKNOWN, "inactive": "dormant", "not yet valid": "upcoming"}
    endpoints = {
        "check": lambda text: check(text, event, user),
        "quote": lambda text: quote({"tickets": line(paid_ticket), "discount-code": text}, user),
        "order": lambda text: order(text, paid_ticket, buyer),
    }
    for name, call in endpoints.items():
        call(UNKNOWN)  # the throttle's cache rows exist from now on, as for every later request
        counts = {how: queries_of(lambda text=text, call=call: call(text)) for how, text in texts.items()}
        assert len(set(counts.values())) == 1, (name, counts)
    assert not Order.objects.exists()


def test_the_organizers_still_find_their_unpublished_codes_in_that_one_query(event, paid_ticket, organizer):
    DiscountCodeFactory(event=event, code="DORMANT", for_event=True, is_active=False)
    check(UNKNOWN, event, organizer)
    unknown = queries_of(lambda: check(UNKNOWN, event, organizer))
    response = check("dormant", event, organizer)
    assert response.json()["errors"][0]["code"] == "code_inactive"
    assert queries_of(lambda: check("dormant", event, organizer)) == unknown
