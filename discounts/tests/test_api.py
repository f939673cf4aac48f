"""The discount-code resource and its relationship to tickets, over JSON:API: every rule with its status and
pointer, every verb of the relationship, and nothing changed by a refused request."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from discounts import rules
from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def ident(obj, kind="ticket"):
    return {"type": kind, "id": str(obj.pk)}


def code_doc(event, tickets=None, **attributes):
    attrs = {"code": "SPRING", "value": "5.00", "discount-type": "amount", "used-for": "ticket"} | attributes
    doc = {
        "data": {
            "type": "discount-code",
            "attributes": {k: v for k, v in attrs.items() if v is not ...},
            "relationships": {"event": {"data": ident(event, "event")}},
        }
    }
    if tickets is not None:
        doc["data"]["relationships"]["tickets"] = {"data": [ident(t) for t in tickets]}
    return doc


def only_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/vnd.api+json")
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["status"] == str(status)
    return errors[0]


def attached(code):
    return set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True))


@pytest.fixture
def client(api, organizer):
    return api(organizer)


# Creating codes


def test_an_organizer_creates_a_ticket_code_with_its_tickets(client, event, organizer, paid_ticket):
    response = client.post("/v1/discount-codes", code_doc(event, tickets=[paid_ticket]))
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["type"] == "discount-code"
    assert data["attributes"]["value"] == "5.00"
    assert data["attributes"]["discount-type"] == "amount"
    assert data["attributes"]["used-count"] == 0
    assert data["attributes"]["valid-till"] == event.ends_at.isoformat().replace("+00:00", "Z")
    assert data["relationships"]["tickets"]["data"] == [ident(paid_ticket)]
    assert data["relationships"]["marketer"]["data"] == {"type": "user", "id": str(organizer.pk)}
    code = DiscountCode.objects.get(pk=data["id"])
    assert attached(code) == {paid_ticket.pk}


def test_min_quantity_0_is_no_minimum_as_open_event_clients_send_it(client, api, stranger, event, paid_ticket):
    response = client.post("/v1/discount-codes", code_doc(event, [paid_ticket], **{"min-quantity": 0}))
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["min-quantity"] == 0
    code = DiscountCode.objects.get()
    assert code.min_quantity == 0
    attributes = {"tickets": [{"id": str(paid_ticket.pk), "quantity": 1}], "code": code.code}
    response = api(stranger).post("/v1/orders", {"data": {"type": "order", "attributes": attributes}})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["discount"] != "0.00"
    change = {"data": {"type": "discount-code", "id": str(code.pk), "attributes": {"min-quantity": -1}}}
    error = only_error(client.patch(f"/v1/discount-codes/{code.pk}", change), 422)
    assert error["source"]["pointer"] == "/data/attributes/min-quantity"


def test_money_is_accepted_as_a_number(client, event):
    response = client.post("/v1/discount-codes", code_doc(event, value=7.5))
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["value"] == "7.50"


@pytest.mark.parametrize(
    ("attributes", "status", "pointer", "code"),
    [
        ({"used-for": ...}, 422, "/data/attributes/used-for", "used_for_invalid"),
        ({"used-for": "everything"}, 422, "/data/attributes/used-for", "used_for_invalid"),
        ({"discount-type": "percent", "value": "100.01"}, 422, "/data/attributes/value", "percent_out_of_range"),
        ({"discount-type": "percent", "value": "0"}, 422, "/data/attributes/value", "percent_out_of_range"),
        ({"value": "0"}, 422, "/data/attributes/value", "value_not_positive"),
        ({"value": "-5"}, 422, "/data/attributes/value", "value_not_positive"),
        ({"min-quantity": 5, "max-quantity": 2}, 422, "/data/attributes/min-quantity", "min_quantity_above_max"),
        ({"tickets-number": 1, "max-quantity": 2}, 422, "/data/attributes/tickets-number", "tickets_number_below_max"),
        (
            {"valid-from": "2030-01-02T00:00:00Z", "valid-till": "2030-01-01T00:00:00Z"},
            422,
            "/data/attributes/valid-till",
            "valid_till_not_after_from",
        ),
        ({"code": "TWO WORDS"}, 422, "/data/attributes/code", "code_whitespace"),
    ],
)
def test_terms_that_break_a_rule(client, event, attributes, status, pointer, code):
    error = only_error(client.post("/v1/discount-codes", code_doc(event, **attributes)), status)
    assert error["source"]["pointer"] == pointer
    assert error["code"] == code
    assert not DiscountCode.objects.exists()


def test_a_code_taken_in_any_letter_case_is_a_409(client, event, ticket_code):
    error = only_error(client.post("/v1/discount-codes", code_doc(event, code="early")), 409)
    assert error["source"]["pointer"] == "/data/attributes/code"
    assert error["detail"] == rules.CODE_TAKEN.format(code="early")
    assert DiscountCode.objects.count() == 1


def test_an_amount_above_an_attached_tickets_price_is_a_422_on_value(client, event, paid_ticket):
    error = only_error(client.post("/v1/discount-codes", code_doc(event, tickets=[paid_ticket], value="60")), 422)
    assert error["source"]["pointer"] == "/data/attributes/value"
    assert not DiscountCode.objects.exists()


@pytest.mark.parametrize(
    ("ticket_fixture", "status", "code"),
    [("free_ticket", 422, "free_ticket"), ("foreign_managed_ticket", 422, "other_event")],
)
def test_tickets_a_code_may_not_take(request, client, event, ticket_fixture, status, code):
    ticket = request.getfixturevalue(ticket_fixture)
    error = only_error(client.post("/v1/discount-codes", code_doc(event, tickets=[ticket])), status)
    assert error["source"]["pointer"] == "/data/relationships/tickets"
    assert error["code"] == code
    assert not DiscountCode.objects.exists()


@pytest.fixture
def foreign_managed_ticket(organizer, other_event):
    other_event.organizers.add(organizer)
    return TicketFactory(event=other_event, name="Foreign")


def test_tickets_given_to_an_event_code_are_refused(client, event, paid_ticket):
    error = only_error(
        client.post("/v1/discount-codes", code_doc(event, tickets=[paid_ticket], **{"used-for": "event"})), 422
    )
    assert error["source"]["pointer"] == "/data/relationships/tickets"
    assert error["code"] == "not_a_ticket_code"


def test_a_ticket_with_another_code_is_a_409(client, event, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    error = only_error(client.post("/v1/discount-codes", code_doc(event, tickets=[paid_ticket])), 409)
    assert error["source"]["pointer"] == "/data/relationships/tickets"
    assert error["code"] == "ticket_has_other_code"
    assert attached(ticket_code) == {paid_ticket.pk}


def test_linkage_of_the_wrong_type_is_a_409(client, event, paid_ticket):
    doc = code_doc(event)
    doc["data"]["relationships"]["tickets"] = {"data": [{"type": "event", "id": str(paid_ticket.pk)}]}
    only_error(client.post("/v1/discount-codes", doc), 409)
    assert not DiscountCode.objects.exists()


def test_a_linked_ticket_that_does_not_exist_is_a_404(client, event):
    doc = code_doc(event)
    doc["data"]["relationships"]["tickets"] = {"data": [{"type": "ticket", "id": "999999"}]}
    only_error(client.post("/v1/discount-codes", doc), 404)
    assert not DiscountCode.objects.exists()


def test_a_ticket_of_an_event_the_requester_does_not_manage_is_a_404(client, event, other_event):
    foreign = TicketFactory(event=other_event)
    only_error(client.post("/v1/discount-codes", code_doc(event, tickets=[foreign])), 404)
    assert not DiscountCode.objects.exists()


def test_creating_a_code_for_an_event_one_does_not_manage_is_a_403(api, stranger, event):
    only_error(api(stranger).post("/v1/discount-codes", code_doc(event)), 403)
    assert not DiscountCode.objects.exists()


def test_creating_without_a_login_is_a_401(api, event):
    response = api(None).post("/v1/discount-codes", code_doc(event))
    only_error(response, 401)


# Changing and deleting codes


def patch_doc(code, /, **attributes):
    return {"data": {"type": "discount-code", "id": str(code.pk), "attributes": attributes}}


def test_a_patch_is_checked_against_the_stored_code(client, event):
    code = DiscountCodeFactory(event=event, code="CAP", min_quantity=2, max_quantity=5)
    error = only_error(client.patch(f"/v1/discount-codes/{code.pk}", patch_doc(code, **{"max-quantity": 1})), 422)
    assert error["source"]["pointer"] == "/data/attributes/min-quantity"
    code.refresh_from_db()
    assert code.max_quantity == 5


def test_changing_used_for_is_a_409(client, ticket_code):
    error = only_error(
        client.patch(f"/v1/discount-codes/{ticket_code.pk}", patch_doc(ticket_code, **{"used-for": "event"})), 409
    )
    assert error["source"]["pointer"] == "/data/attributes/used-for"


def test_changing_the_event_is_a_409(client, ticket_code, organizer, other_event):
    other_event.organizers.add(organizer)
    doc = patch_doc(ticket_code)
    doc["data"]["relationships"] = {"event": {"data": ident(other_event, "event")}}
    error = only_error(client.patch(f"/v1/discount-codes/{ticket_code.pk}", doc), 409)
    assert error["source"]["pointer"] == "/data/relationships/event"
    ticket_code.refresh_from_db()
    assert ticket_code.event_id != other_event.pk


def test_patching_the_value_works(client, ticket_code):
    response = client.patch(f"/v1/discount-codes/{ticket_code.pk}", patch_doc(ticket_code, value="12.5"))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["attributes"]["value"] == "12.50"


@pytest.mark.parametrize("text", ["PEER20", "early", "EARLY"], ids=["rename", "letter case", "unchanged"])
def test_a_patch_carrying_the_code_renames_it(client, ticket_code, paid_ticket, text):
    """The code's text is a member like any other: a rename, a change of letter case and the text sent back
    unchanged are all 200 (they were a 500: the text clashed with the rules function's own ``code``)."""
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = client.patch(f"/v1/discount-codes/{ticket_code.pk}", patch_doc(ticket_code, code=text))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["attributes"]["code"] == text
    ticket_code.refresh_from_db()
    assert ticket_code.code == text
    assert attached(ticket_code) == {paid_ticket.pk}


def test_a_rename_to_another_codes_text_is_a_409(client, event, ticket_code):
    DiscountCodeFactory(event=event, code="TAKEN")
    error = only_error(client.patch(f"/v1/discount-codes/{ticket_code.pk}", patch_doc(ticket_code, code="taken")), 409)
    assert error["source"]["pointer"] == "/data/attributes/code"
    ticket_code.refresh_from_db()
    assert ticket_code.code == "EARLY"


def test_deleting_a_code_detaches_its_tickets(client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = client.delete(f"/v1/discount-codes/{ticket_code.pk}")
    assert response.status_code == 204
    assert not DiscountCode.objects.filter(pk=ticket_code.pk).exists()
    assert Ticket.objects.filter(pk=paid_ticket.pk, discount_code__isnull=True).exists()


def test_another_events_organizer_cannot_see_or_change_a_code(api, other_organizer, ticket_code):
    other = api(other_organizer)
    only_error(other.get(f"/v1/discount-codes/{ticket_code.pk}"), 404)
    only_error(other.patch(f"/v1/discount-codes/{ticket_code.pk}", patch_doc(ticket_code, value="1")), 404)
    only_error(other.delete(f"/v1/discount-codes/{ticket_code.pk}"), 404)
    assert other.get("/v1/discount-codes").json()["data"] == []
    ticket_code.refresh_from_db()
    assert ticket_code.value == Decimal("10.00")


# The relationship


def rel_url(code):
    return f"/v1/discount-codes/{code.pk}/relationships/tickets"


def linkage(*tickets):
    return {"data": [ident(t) for t in tickets]}


def test_get_gives_the_linkage(client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[second_paid_ticket, paid_ticket])
    response = client.get(rel_url(ticket_code))
    assert response.status_code == 200
    assert response.json() == {"data": [ident(paid_ticket), ident(second_paid_ticket)]}


def test_patch_replaces_the_whole_set(client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = client.patch(rel_url(ticket_code), linkage(second_paid_ticket))
    assert response.status_code == 200
    assert response.json() == {"data": [ident(second_paid_ticket)]}
    assert attached(ticket_code) == {second_paid_ticket.pk}
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_patch_with_an_empty_list_detaches_all(client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    assert client.patch(rel_url(ticket_code), {"data": []}).json() == {"data": []}
    assert attached(ticket_code) == set()
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_post_adds_and_is_idempotent(client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    assert client.post(rel_url(ticket_code), linkage(second_paid_ticket)).status_code == 200
    assert client.post(rel_url(ticket_code), linkage(second_paid_ticket)).status_code == 200
    assert attached(ticket_code) == {paid_ticket.pk, second_paid_ticket.pk}


def test_delete_detaches_and_keeps_the_tickets(client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket, second_paid_ticket])
    response = client.delete(rel_url(ticket_code), linkage(paid_ticket))
    assert response.json() == {"data": [ident(second_paid_ticket)]}
    assert Ticket.objects.filter(pk=paid_ticket.pk, discount_code__isnull=True).exists()


def test_delete_of_a_ticket_not_attached_changes_nothing(client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = client.delete(rel_url(ticket_code), linkage(second_paid_ticket))
    assert response.status_code == 200
    assert attached(ticket_code) == {paid_ticket.pk}


@pytest.mark.parametrize("verb", ["patch", "post"])
def test_one_bad_ticket_refuses_the_whole_request(
    client, verb, ticket_code, paid_ticket, second_paid_ticket, free_ticket
):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = getattr(client, verb)(rel_url(ticket_code), linkage(second_paid_ticket, free_ticket))
    error = only_error(response, 422)
    assert error["detail"] == rules.FREE_TICKET.format(ticket="Community")
    assert attached(ticket_code) == {paid_ticket.pk}


def test_the_relationship_refuses_a_ticket_with_another_code(client, event, ticket_code, paid_ticket):
    other = DiscountCodeFactory(event=event, code="OTHER")
    rules.attach_tickets(code=other, tickets=[paid_ticket])
    only_error(client.post(rel_url(ticket_code), linkage(paid_ticket)), 409)
    assert attached(other) == {paid_ticket.pk}


def test_an_event_code_takes_no_tickets_through_the_relationship(client, event_code, paid_ticket):
    only_error(client.post(rel_url(event_code), linkage(paid_ticket)), 422)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"data": [{"type": "event", "id": "1"}]}, 409),
        ({"data": [{"type": "ticket", "id": "999999"}]}, 404),
        ({"data": [{"type": "ticket", "id": "abc"}]}, 404),
        ({"data": [{"type": "ticket", "id": "99999999999999999999999"}]}, 404),
        ({"data": [{"type": "ticket"}]}, 400),
        ({"data": [{"id": "1"}]}, 400),
        ({"data": ["1"]}, 400),
        ({"data": {"type": "ticket", "id": "1"}}, 400),
        ({"nodata": []}, 400),
    ],
)
def test_bad_linkage_is_a_4xx_and_changes_nothing(client, ticket_code, paid_ticket, body, status):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    for verb in ("patch", "post", "delete"):
        response = getattr(client, verb)(rel_url(ticket_code), body)
        assert response.status_code == status, (verb, response.content)
        assert "errors" in response.json()
    assert attached(ticket_code) == {paid_ticket.pk}


def test_a_ticket_of_an_unmanaged_event_is_a_404_in_the_relationship(client, ticket_code, other_event):
    foreign = TicketFactory(event=other_event)
    only_error(client.post(rel_url(ticket_code), linkage(foreign)), 404)
    foreign.refresh_from_db()
    assert foreign.discount_code_id is None


def test_the_relationship_of_another_events_code_is_a_404(api, other_organizer, ticket_code, paid_ticket):
    for verb in ("get", "patch", "post", "delete"):
        call = getattr(api(other_organizer), verb)
        response = call(rel_url(ticket_code)) if verb == "get" else call(rel_url(ticket_code), linkage(paid_ticket))
        assert response.status_code == 404, verb
    assert attached(ticket_code) == set()


def test_the_relationship_needs_a_login(api, ticket_code):
    only_error(api(None).get(rel_url(ticket_code)), 401)


def test_the_related_tickets_are_a_paginated_collection(client, ticket_code, event):
    tickets = TicketFactory.create_batch(3, event=event)
    rules.attach_tickets(code=ticket_code, tickets=tickets)
    response = client.get(
        f"/v1/discount-codes/{ticket_code.pk}/tickets", {"page[size]": "2", "include": "event", "sort": "-position"}
    )
    body = response.json()
    assert response.status_code == 200
    assert [t["id"] for t in body["data"]] == [str(tickets[2].pk), str(tickets[1].pk)]
    assert body["meta"]["pagination"] == {"page": 1, "pages": 2, "count": 3}
    assert body["included"][0]["type"] == "event"
    assert body["links"]["next"]


def test_the_related_event_and_its_linkage(client, ticket_code, event):
    response = client.get(f"/v1/discount-codes/{ticket_code.pk}/event")
    assert response.json()["data"]["type"] == "event"
    assert response.json()["data"]["id"] == str(event.pk)
    response = client.get(f"/v1/discount-codes/{ticket_code.pk}/relationships/event")
    assert response.json() == {"data": {"type": "event", "id": str(event.pk)}}


def test_the_event_relationship_cannot_move_a_code(client, ticket_code, organizer, other_event):
    other_event.organizers.add(organizer)
    url = f"/v1/discount-codes/{ticket_code.pk}/relationships/event"
    error = only_error(client.patch(url, {"data": ident(other_event, "event")}), 409)
    assert error["detail"] == rules.EVENT_FIXED
    for verb in ("post", "delete"):
        assert getattr(client, verb)(url, {"data": ident(other_event, "event")}).status_code == 405


def test_include_tickets_and_event_on_a_code(client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    body = client.get(f"/v1/discount-codes/{ticket_code.pk}", {"include": "tickets,event"}).json()
    assert {(i["type"], i["id"]) for i in body["included"]} == {
        ("ticket", str(paid_ticket.pk)),
        ("event", str(ticket_code.event_id)),
    }


def test_the_events_codes_are_for_its_organizers(api, organizer, stranger, event, ticket_code, event_code):
    body = api(organizer).get(f"/v1/events/{event.pk}/discount-codes").json()
    assert {c["attributes"]["code"] for c in body["data"]} == {"EARLY", "TEAM"}
    only_error(api(stranger).get(f"/v1/events/{event.pk}/discount-codes"), 403)
    only_error(api(None).get(f"/v1/events/{event.pk}/discount-codes"), 401)


# The public check


@pytest.fixture
def lookup(event):
    cache.clear()

    def check(code, client=None):
        from rest_framework.test import APIClient

        return (client or APIClient()).get(f"/v1/events/{event.pk}/discount-codes/{code}")

    yield check
    cache.clear()


def test_the_public_check_shows_public_fields_and_tickets(lookup, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = lookup("early")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data["attributes"]) == {
        "code",
        "value",
        "discount-type",
        "used-for",
        "min-quantity",
        "max-quantity",
        "valid-from",
        "valid-till",
    }
    assert data["relationships"]["tickets"]["data"] == [ident(paid_ticket)]


def test_an_event_code_applies_to_every_visible_paid_ticket(lookup, event_code, paid_ticket, free_ticket, event):
    TicketFactory(event=event, is_hidden=True)
    data = lookup("team").json()["data"]
    assert data["relationships"]["tickets"]["data"] == [ident(paid_ticket)]


def test_an_unknown_code_is_a_404(lookup, ticket_code):
    only_error(lookup("NOPE"), 404)
    only_error(lookup("X" * 300), 404)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"is_active": False}, "code_inactive"),
        ({"valid_from_days": 3}, "code_not_yet_valid"),
        ({"valid_till_days": -1}, "code_expired"),
        ({"tickets_number": 2, "used_count": 2}, "code_used_up"),
    ],
)
def test_an_unusable_code_is_a_422_saying_why_to_the_events_organizers(lookup, api, organizer, event, changes, code):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    fields = {k: v for k, v in changes.items() if not k.endswith("_days")}
    if "valid_from_days" in changes:
        fields["valid_from"] = now + timedelta(days=changes["valid_from_days"])
    if "valid_till_days" in changes:
        fields["valid_from"] = now - timedelta(days=5)
        fields["valid_till"] = now + timedelta(days=changes["valid_till_days"])
    DiscountCodeFactory(event=event, code="LATER", **fields)
    error = only_error(lookup("later", api(organizer).client), 422)
    assert error["code"] == code
    assert error["detail"].startswith("later ")  # the text as the requester typed it


def test_the_public_check_is_throttled(lookup, ticket_code):
    from rest_framework.test import APIClient

    from eventsite.tests.throttling import throttle_rate

    client = APIClient()
    with throttle_rate("discount_code_lookup", "3/minute"):
        statuses = [lookup("early", client).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
