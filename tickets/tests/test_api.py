"""The ticket resource: who sees what (a ticket's code only for its organizers), writes through the rules."""

from decimal import Decimal

import pytest

from discounts import rules
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from tickets.models import Ticket
from tickets.serializers import CODE_ID_ATTRIBUTE_REFUSED

pytestmark = pytest.mark.django_db


def ticket_doc(event, **attributes):
    attrs = {"name": "VIP", "ticket-type": "paid", "price": "120.00"} | attributes
    return {
        "data": {
            "type": "ticket",
            "attributes": attrs,
            "relationships": {"event": {"data": {"type": "event", "id": str(event.pk)}}},
        }
    }


def error_of(response, status):
    assert response.status_code == status, response.content
    (error,) = response.json()["errors"]
    return error


@pytest.fixture
def coded_ticket(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    paid_ticket.refresh_from_db()
    return paid_ticket


def test_an_organizer_adds_a_ticket(api, organizer, event):
    response = api(organizer).post(
        "/v1/tickets", ticket_doc(event, quantity=50, **{"sales-starts-at": "2030-01-01T09:00:00+02:00"})
    )
    assert response.status_code == 201, response.content
    attrs = response.json()["data"]["attributes"]
    assert attrs["ticket-type"] == "paid" and attrs["price"] == "120.00" and attrs["quantity"] == 50
    assert attrs["sales-starts-at"] == "2030-01-01T07:00:00Z"
    assert response.json()["data"]["relationships"]["discount-code"]["data"] is None


@pytest.mark.parametrize(
    ("attributes", "status", "pointer"),
    [
        ({"ticket-type": "free", "price": "5.00"}, 422, "/data/attributes/price"),
        ({"ticket-type": "paid", "price": "0"}, 422, "/data/attributes/price"),
        ({"price": "-1"}, 422, "/data/attributes/price"),
        ({"min-order": 5, "max-order": 2}, 422, "/data/attributes/min-order"),
        (
            {"sales-starts-at": "2030-01-02T00:00:00Z", "sales-ends-at": "2030-01-01T00:00:00Z"},
            422,
            "/data/attributes/sales-ends-at",
        ),
        ({"sales-starts-at": "2030-01-01T09:00:00"}, 422, "/data/attributes/sales-starts-at"),
        ({"sales-starts-at": "2030-02-30T09:00:00Z"}, 422, "/data/attributes/sales-starts-at"),
        ({"ticket-type": "gift"}, 422, "/data/attributes/ticket-type"),
        ({"price": "NaN"}, 422, "/data/attributes/price"),
        ({"price": "1e30"}, 422, "/data/attributes/price"),
        ({"quantity": -1}, 422, "/data/attributes/quantity"),
        ({"name": "x" * 10_000}, 422, "/data/attributes/name"),
        ({"name": "nul\x00byte"}, 422, "/data/attributes/name"),
    ],
)
def test_bad_tickets_are_refused_with_a_pointer(api, organizer, event, attributes, status, pointer):
    error = error_of(api(organizer).post("/v1/tickets", ticket_doc(event, **attributes)), status)
    assert error["source"]["pointer"] == pointer
    assert not Ticket.objects.exists()


def test_a_ticket_name_is_unique_within_its_event(api, organizer, event, paid_ticket):
    error = error_of(api(organizer).post("/v1/tickets", ticket_doc(event, name="Early bird")), 409)
    assert error["source"]["pointer"] == "/data/attributes/name"


def test_only_organizers_add_tickets(api, stranger, event):
    error_of(api(stranger).post("/v1/tickets", ticket_doc(event)), 403)
    error_of(api(None).post("/v1/tickets", ticket_doc(event)), 401)
    assert not Ticket.objects.exists()


def test_the_public_never_sees_which_code_a_ticket_has(api, coded_ticket, ticket_code):
    for client in (
        api(None),
        api(ticket_code.event.owner.__class__.objects.create_user(email="x@y.org", password="p")),
    ):
        for url, params in (
            (f"/v1/tickets/{coded_ticket.pk}", {"include": "discount-code"}),
            ("/v1/tickets", {"include": "discount-code,event"}),
            (f"/v1/events/{coded_ticket.event_id}/tickets", {}),
        ):
            response = client.get(url, params)
            assert response.status_code == 200, response.content
            body = response.json()
            shown = str([body["data"], body.get("included", [])])
            assert "discount-code" not in shown and "EARLY" not in shown, url


def test_organizers_see_a_tickets_code_as_relationship_and_include(api, organizer, coded_ticket, ticket_code):
    body = api(organizer).get(f"/v1/tickets/{coded_ticket.pk}", {"include": "discount-code"}).json()
    assert "discount-code-id" not in body["data"]["attributes"]  # one way to name the code: the linkage
    assert body["data"]["relationships"]["discount-code"]["data"] == {
        "type": "discount-code",
        "id": str(ticket_code.pk),
    }
    assert body["included"][0]["attributes"]["code"] == "EARLY"


def test_filtering_by_code_only_looks_inside_ones_own_events(api, organizer, coded_ticket, ticket_code):
    url = "/v1/tickets"
    assert [t["id"] for t in api(organizer).get(url, {"filter[discount-code]": ticket_code.pk}).json()["data"]] == [
        str(coded_ticket.pk)
    ]
    assert api(None).get(url, {"filter[discount-code]": ticket_code.pk}).json()["data"] == []


def test_hidden_tickets_are_for_organizers(api, organizer, event):
    hidden = TicketFactory(event=event, is_hidden=True)
    assert api(None).get(f"/v1/tickets/{hidden.pk}").status_code == 404
    assert str(hidden.pk) not in {t["id"] for t in api(None).get(f"/v1/events/{event.pk}/tickets").json()["data"]}
    assert api(organizer).get(f"/v1/tickets/{hidden.pk}").status_code == 200
    assert str(hidden.pk) in {t["id"] for t in api(organizer).get(f"/v1/events/{event.pk}/tickets").json()["data"]}


def test_sort_and_filter(api, event, other_event):
    TicketFactory(event=event, name="B", price="30.00")
    TicketFactory(event=event, name="A", price="40.00")
    TicketFactory(event=other_event, name="C", price="10.00")
    names = [
        t["attributes"]["name"]
        for t in api(None).get("/v1/tickets", {"filter[event]": event.pk, "sort": "-price"}).json()["data"]
    ]
    assert names == ["A", "B"]
    names = [t["attributes"]["name"] for t in api(None).get("/v1/tickets", {"sort": "name"}).json()["data"]]
    assert names == ["A", "B", "C"]


def ticket_patch(ticket, attributes=None, relationships=None):
    data = {"type": "ticket", "id": str(ticket.pk)}
    if attributes:
        data["attributes"] = attributes
    if relationships:
        data["relationships"] = relationships
    return {"data": data}


def test_the_code_relationship_member_attaches_and_detaches_through_the_rules(
    api, organizer, paid_ticket, ticket_code
):
    client = api(organizer)
    rel = {"discount-code": {"data": {"type": "discount-code", "id": str(ticket_code.pk)}}}
    response = client.patch(f"/v1/tickets/{paid_ticket.pk}", ticket_patch(paid_ticket, relationships=rel))
    assert response.status_code == 200, response.content
    assert Ticket.objects.get(pk=paid_ticket.pk).discount_code_id == ticket_code.pk
    rel = {"discount-code": {"data": None}}
    response = client.patch(f"/v1/tickets/{paid_ticket.pk}", ticket_patch(paid_ticket, relationships=rel))
    assert response.json()["data"]["relationships"]["discount-code"]["data"] is None
    assert Ticket.objects.get(pk=paid_ticket.pk).discount_code_id is None


@pytest.mark.parametrize("value", [1, None, "1", "x"])
@pytest.mark.parametrize("method", ["post", "patch"])
def test_the_code_id_attribute_is_refused_with_a_pointer_to_the_relationship(
    api, organizer, event, paid_ticket, ticket_code, method, value
):
    """One way to set a ticket's code from the ticket's side: the ``discount-code`` relationship (README)."""
    value = ticket_code.pk if value == 1 else value
    if method == "post":
        response = api(organizer).post("/v1/tickets", ticket_doc(event, name="New", **{"discount-code-id": value}))
    else:
        doc = ticket_patch(paid_ticket, {"discount-code-id": value, "price": "60.00"})
        response = api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", doc)
    error = error_of(response, 422)
    assert error["source"]["pointer"] == "/data/attributes/discount-code-id"
    assert error["detail"] == CODE_ID_ATTRIBUTE_REFUSED and "relationships/discount-code" in error["detail"]
    assert Ticket.objects.filter(event=event).count() == 1  # nothing written
    paid_ticket.refresh_from_db()
    assert paid_ticket.discount_code_id is None and paid_ticket.price != Decimal("60.00")


def test_the_code_relationship_member_refuses_a_free_ticket(api, organizer, free_ticket, ticket_code):
    rel = {"discount-code": {"data": {"type": "discount-code", "id": str(ticket_code.pk)}}}
    error = error_of(
        api(organizer).patch(f"/v1/tickets/{free_ticket.pk}", ticket_patch(free_ticket, relationships=rel)), 422
    )
    assert error["source"]["pointer"] == "/data/relationships/discount-code"
    assert Ticket.objects.get(pk=free_ticket.pk).discount_code_id is None


def test_a_price_below_the_attached_amount_is_refused(api, organizer, coded_ticket):
    error = error_of(
        api(organizer).patch(f"/v1/tickets/{coded_ticket.pk}", ticket_patch(coded_ticket, {"price": "5.00"})), 422
    )
    assert error["source"]["pointer"] == "/data/relationships/discount-code"
    assert Ticket.objects.get(pk=coded_ticket.pk).price == 50


def test_a_code_of_another_event_is_a_404(api, organizer, paid_ticket, other_event):
    foreign = DiscountCodeFactory(event=other_event)
    rel = {"discount-code": {"data": {"type": "discount-code", "id": str(foreign.pk)}}}
    error = error_of(
        api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", ticket_patch(paid_ticket, relationships=rel)), 404
    )
    assert error["source"]["pointer"] == "/data/relationships/discount-code/data"
    assert Ticket.objects.get(pk=paid_ticket.pk).discount_code_id is None


def test_the_ticket_code_relationship_endpoints(api, organizer, event, paid_ticket, ticket_code):
    client = api(organizer)
    url = f"/v1/tickets/{paid_ticket.pk}/relationships/discount-code"
    assert client.get(url).json() == {"data": None}
    assert client.get(f"/v1/tickets/{paid_ticket.pk}/discount-code").json() == {"data": None}
    response = client.patch(url, {"data": {"type": "discount-code", "id": str(ticket_code.pk)}})
    assert response.json() == {"data": {"type": "discount-code", "id": str(ticket_code.pk)}}
    assert client.get(f"/v1/tickets/{paid_ticket.pk}/discount-code").json()["data"]["attributes"]["code"] == "EARLY"
    other = DiscountCodeFactory(event=event, code="OTHER")
    error_of(client.patch(url, {"data": {"type": "discount-code", "id": str(other.pk)}}), 409)
    assert client.patch(url, {"data": None}).json() == {"data": None}
    assert Ticket.objects.get(pk=paid_ticket.pk).discount_code_id is None


def test_the_ticket_code_endpoints_are_hidden_from_others(api, stranger, coded_ticket):
    client = api(stranger)
    error_of(client.get(f"/v1/tickets/{coded_ticket.pk}/discount-code"), 404)
    error_of(client.get(f"/v1/tickets/{coded_ticket.pk}/relationships/discount-code"), 404)
    error_of(client.patch(f"/v1/tickets/{coded_ticket.pk}/relationships/discount-code", {"data": None}), 404)
    assert Ticket.objects.get(pk=coded_ticket.pk).discount_code_id is not None


def test_only_organizers_change_or_delete_a_ticket(api, stranger, organizer, paid_ticket):
    error_of(api(stranger).patch(f"/v1/tickets/{paid_ticket.pk}", ticket_patch(paid_ticket, {"price": "1.00"})), 403)
    error_of(api(stranger).delete(f"/v1/tickets/{paid_ticket.pk}"), 403)
    assert api(organizer).delete(f"/v1/tickets/{paid_ticket.pk}").status_code == 204
    assert not Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_donation_bounds_and_sold_count(api, organizer, event):
    doc = ticket_doc(
        event, name="Support", **{"ticket-type": "donation", "price": "10", "min-price": "5", "max-price": "50"}
    )
    data = api(organizer).post("/v1/tickets", doc).json()["data"]
    assert (data["attributes"]["min-price"], data["attributes"]["max-price"]) == ("5.00", "50.00")
    assert data["attributes"]["sold-count"] == 0
    public = api(None).get(f"/v1/tickets/{data['id']}").json()["data"]["attributes"]
    assert "sold-count" not in public
    bad = ticket_doc(event, name="Odd", **{"ticket-type": "donation", "min-price": "50", "max-price": "5"})
    assert error_of(api(organizer).post("/v1/tickets", bad), 422)["source"]["pointer"] == "/data/attributes/min-price"


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("organizer", 200), ("superuser", 200), ("other_organizer", 404), ("stranger", 404), (None, 401)],
)
def test_a_codes_tickets_are_listed_for_the_codes_managers_only(
    api, request, ticket_code, paid_ticket, other_event, who, status
):
    """The code and the requester's events are looked up in one query (``manages_row``); same answers as before."""
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    DiscountCodeFactory(event=other_event)
    user = request.getfixturevalue(who) if who else None
    response = api(user).get(f"/v1/discount-codes/{ticket_code.pk}/tickets")
    assert response.status_code == status, response.content
    if status == 200:
        (ticket,) = response.json()["data"]
        assert ticket["id"] == str(paid_ticket.pk)
        assert ticket["relationships"]["discount-code"]["data"]["id"] == str(ticket_code.pk)  # a manager's member
    elif status == 404:
        assert error_of(response, 404)["detail"] == "Not found."
    else:
        assert error_of(response, 401)["code"] == "not_authenticated"
