"""Quote and orders end to end: prices kept, limits refused with 409, cancellation frees, idempotent retries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from discounts import rules as discount_rules
from discounts.models import DiscountCode
from eventsite.tests.factories import TicketFactory
from orders import rules
from orders.models import Order, OrderStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def early(ticket_code, paid_ticket, second_paid_ticket):
    """EARLY: 10.00 off Early bird (50.00); Student (20.00) is not attached."""
    discount_rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    return ticket_code


def quote(body, user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.post("/v1/orders/calculate-amount", body, format="json")


def lines(*pairs):
    return [{"id": str(t.pk), "quantity": q} for t, q in pairs]


def order_doc(*pairs, code=None):
    attributes = {"tickets": lines(*pairs)}
    if code is not None:
        attributes["code"] = code
    return {"data": {"type": "order", "attributes": attributes}}


def only_error(response, status):
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


# The quote


def test_a_quote_prices_the_order_with_the_code(early, paid_ticket, second_paid_ticket):
    body = quote({"tickets": lines((paid_ticket, 2), (second_paid_ticket, 1)), "discount-code": "early"}).json()
    assert (body["sub-total"], body["discount"], body["total"], body["currency"]) == (
        "120.00",
        "20.00",
        "100.00",
        "EUR",
    )
    first, second = body["tickets"]
    assert first["discount"] == {
        "code": "early",  # as the buyer typed it
        "discount-type": "amount",
        "amount": "10.00",
        "quantity": 2,
        "total": "20.00",
    }
    assert second["discount"] is None
    assert body["errors"] == [
        {
            "status": "422",
            "code": "ticket_not_covered",
            "title": "Unprocessable entity",
            "detail": "This ticket is not covered by early.",
            "source": {"pointer": "/tickets/1/id"},
        }
    ]


def test_a_quote_accepts_the_code_id_from_the_events_organizers(early, paid_ticket, organizer):
    body = quote({"tickets": lines((paid_ticket, 1)), "discount-code-id": str(early.pk)}, organizer).json()
    assert body["discount"] == "10.00"
    assert body["tickets"][0]["discount"]["code"] == "EARLY"  # named by id: the stored text, for its organizer


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"tickets_number": 3, "used_count": 2}, "EARLY has 1 uses left."),
        ({"max_quantity": 1}, "At most 1 tickets per order with EARLY."),
    ],
)
def test_a_quote_says_why_the_code_applies_partly_or_not(early, paid_ticket, changes, detail):
    DiscountCode.objects.filter(pk=early.pk).update(**changes)
    body = quote({"tickets": lines((paid_ticket, 2)), "discount-code": "EARLY"}).json()
    assert detail in [e["detail"] for e in body["errors"]]
    assert body["sub-total"] == "100.00"


def test_a_quote_for_an_expired_code(early, paid_ticket):
    past = timezone.now() - timedelta(days=1)
    DiscountCode.objects.filter(pk=early.pk).update(valid_from=past - timedelta(days=1), valid_till=past)
    body = quote({"tickets": lines((paid_ticket, 1)), "discount-code": "EARLY"}).json()
    assert body["errors"][0]["detail"].startswith("EARLY expired on ")
    assert body["errors"][0]["source"]["pointer"] == "/discount-code"
    assert body["total"] == "50.00"


def test_an_unknown_code_is_reported_and_the_order_still_priced(paid_ticket):
    body = quote({"tickets": lines((paid_ticket, 1)), "discount-code": "NOPE"}).json()
    assert body["total"] == "50.00" and body["errors"][0]["code"] == "code_unknown"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"tickets": [{"id": "999999", "quantity": 1}]}, "/tickets/0/id"),
        ({"tickets": [{"id": "x", "quantity": 1}]}, "/tickets/0/id"),
        ({"tickets": []}, "/tickets"),
        ({"tickets": "nope"}, "/tickets"),
        ({}, "/tickets"),
        ({"tickets": [{"id": "PAID", "quantity": 0}]}, "/tickets/0/quantity"),
        ({"tickets": [{"id": "PAID", "quantity": 11}]}, "/tickets/0/quantity"),
        ({"tickets": [{"id": "PAID", "quantity": 1}, {"id": "OTHER", "quantity": 1}]}, "/tickets/1/id"),
        ({"tickets": [{"id": "PAID", "quantity": 1, "price": "5"}]}, "/tickets/0/price"),
        ({"tickets": [{"id": "PAID", "quantity": "1e30"}]}, "/tickets/0/quantity"),
    ],
)
def test_bad_quotes_are_422s_with_a_pointer(paid_ticket, other_event, body, pointer):
    foreign = TicketFactory(event=other_event)
    for line in body.get("tickets", []) if isinstance(body.get("tickets"), list) else []:
        line["id"] = {"PAID": str(paid_ticket.pk), "OTHER": str(foreign.pk)}.get(line["id"], line["id"])
    response = quote(body)
    assert response.status_code == 422, response.content
    assert pointer in [e["source"]["pointer"] for e in response.json()["errors"]]


def test_a_ticket_outside_its_sales_window_is_a_422(event):
    later = TicketFactory(event=event, sales_starts_at=timezone.now() + timedelta(days=1))
    error = only_error(quote({"tickets": lines((later, 1))}), 422)
    assert error["code"] == "not_on_sale_yet" and error["source"]["pointer"] == "/tickets/0/id"


def test_a_quote_needs_json(paid_ticket):
    response = APIClient().post(
        "/v1/orders/calculate-amount", "tickets=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_donation_tickets_take_the_buyers_price_within_bounds(event):
    donation = TicketFactory(event=event, donation=True, min_price=Decimal("5"), max_price=Decimal("100"))
    body = quote({"tickets": [{"id": str(donation.pk), "quantity": 1, "price": "12.5"}]}).json()
    assert body["total"] == "12.50"
    assert quote({"tickets": [{"id": str(donation.pk), "quantity": 1, "price": "1"}]}).status_code == 422
    assert quote({"tickets": [{"id": str(donation.pk), "quantity": 1}]}).status_code == 422


def test_hidden_tickets_need_a_code_that_covers_them(event, ticket_code):
    hidden = TicketFactory(event=event, is_hidden=True)
    assert quote({"tickets": lines((hidden, 1))}).status_code == 422
    discount_rules.attach_tickets(code=ticket_code, tickets=[hidden])
    assert quote({"tickets": lines((hidden, 1)), "discount-code": "EARLY"}).status_code == 200


# Orders


def test_placing_an_order_keeps_prices_and_counts_uses(api, stranger, early, paid_ticket):
    response = api(stranger).post("/v1/orders", order_doc((paid_ticket, 2), code="early"))
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["attributes"]["status"] == "placed"
    assert (data["attributes"]["amount"], data["attributes"]["discount"]) == ("80.00", "20.00")
    assert data["relationships"]["discount-code"]["data"]["id"] == str(early.pk)
    assert data["attributes"]["lines"][0]["discount-per-unit"] == "10.00"
    early.refresh_from_db()
    paid_ticket.refresh_from_db()
    assert early.used_count == 2 == rules.used_count_from_orders(early)
    assert paid_ticket.sold_count == 2
    # a later price change does not touch the order
    Ticket.objects.filter(pk=paid_ticket.pk).update(price=Decimal("70.00"))
    assert api(stranger).get(f"/v1/orders/{data['id']}").json()["data"]["attributes"]["amount"] == "80.00"


def test_orders_need_a_login(api, paid_ticket):
    assert api(None).post("/v1/orders", order_doc((paid_ticket, 1))).status_code == 401


def test_an_order_beyond_the_stock_is_a_409_and_changes_nothing(api, stranger, event):
    scarce = TicketFactory(event=event, quantity=3)
    api(stranger).post("/v1/orders", order_doc((scarce, 2)))
    error = only_error(api(stranger).post("/v1/orders", order_doc((scarce, 2))), 409)
    assert error["source"]["pointer"] == "/data/attributes/tickets/0/quantity"
    assert error["detail"] == rules.SOLD_OUT.format(n=1, ticket=scarce.name)
    assert Order.objects.count() == 1
    assert Ticket.objects.get(pk=scarce.pk).sold_count == 2


def test_an_order_with_a_used_up_code_is_a_409(api, stranger, early, paid_ticket):
    DiscountCode.objects.filter(pk=early.pk).update(tickets_number=1, used_count=1)
    error = only_error(api(stranger).post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY")), 409)
    assert error["code"] == "code_used_up"
    assert error["source"]["pointer"] == "/data/attributes/code"
    assert not Order.objects.exists()


def test_an_order_whose_code_covers_nothing_is_refused(api, stranger, early, second_paid_ticket):
    error = only_error(api(stranger).post("/v1/orders", order_doc((second_paid_ticket, 1), code="EARLY")), 422)
    assert error["code"] == "ticket_not_covered"
    assert error["source"]["pointer"] == "/data/attributes/tickets/0/id"
    assert not Order.objects.exists()


def test_an_order_gets_only_the_remaining_uses(api, stranger, early, paid_ticket):
    DiscountCode.objects.filter(pk=early.pk).update(tickets_number=3, used_count=2)
    data = api(stranger).post("/v1/orders", order_doc((paid_ticket, 2), code="EARLY")).json()["data"]
    assert data["attributes"]["discount"] == "10.00"
    assert DiscountCode.objects.get(pk=early.pk).used_count == 3


def test_an_unknown_code_refuses_the_order(api, stranger, paid_ticket):
    only_error(api(stranger).post("/v1/orders", order_doc((paid_ticket, 1), code="NOPE")), 422)


def test_cancelling_frees_tickets_and_uses(api, stranger, early, paid_ticket):
    order_id = api(stranger).post("/v1/orders", order_doc((paid_ticket, 2), code="EARLY")).json()["data"]["id"]
    doc = {"data": {"type": "order", "id": order_id, "attributes": {"status": "cancelled"}}}
    response = api(stranger).patch(f"/v1/orders/{order_id}", doc)
    assert response.json()["data"]["attributes"]["status"] == "cancelled"
    early.refresh_from_db()
    assert early.used_count == 0 == rules.used_count_from_orders(early)
    assert Ticket.objects.get(pk=paid_ticket.pk).sold_count == 0
    cancelled_at = Order.objects.get(pk=order_id).cancelled_at
    # Cancelled already: the same PATCH again is a save-back of an unchanged order (200), and frees nothing twice.
    again = api(stranger).patch(f"/v1/orders/{order_id}", doc)
    assert again.status_code == 200, again.content
    early.refresh_from_db()
    assert early.used_count == 0 == rules.used_count_from_orders(early)
    assert Ticket.objects.get(pk=paid_ticket.pk).sold_count == 0
    assert Order.objects.get(pk=order_id).cancelled_at == cancelled_at


def test_an_organizer_cancels_but_a_stranger_cannot(api, stranger, organizer, other_organizer, paid_ticket):
    order_id = api(stranger).post("/v1/orders", order_doc((paid_ticket, 1))).json()["data"]["id"]
    doc = {"data": {"type": "order", "id": order_id, "attributes": {"status": "cancelled"}}}
    assert api(other_organizer).patch(f"/v1/orders/{order_id}", doc).status_code == 404
    assert api(organizer).patch(f"/v1/orders/{order_id}", doc).status_code == 200


def test_only_cancelling_is_allowed(api, stranger, paid_ticket):
    order_id = api(stranger).post("/v1/orders", order_doc((paid_ticket, 1))).json()["data"]["id"]
    doc = {"data": {"type": "order", "id": order_id, "attributes": {"status": "placed", "code": "X"}}}
    only_error(api(stranger).patch(f"/v1/orders/{order_id}", doc), 409)


def test_who_sees_which_orders(api, stranger, organizer, other_organizer, early, paid_ticket, event):
    api(stranger).post("/v1/orders", order_doc((paid_ticket, 1)))
    assert len(api(stranger).get("/v1/orders").json()["data"]) == 1
    assert len(api(organizer).get("/v1/orders").json()["data"]) == 1
    assert api(other_organizer).get("/v1/orders").json()["data"] == []
    assert len(api(organizer).get(f"/v1/events/{event.pk}/orders").json()["data"]) == 1
    assert api(stranger).get(f"/v1/events/{event.pk}/orders").status_code == 403
    api(stranger).post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY"))
    assert len(api(organizer).get(f"/v1/discount-codes/{early.pk}/orders").json()["data"]) == 1
    assert api(stranger).get(f"/v1/discount-codes/{early.pk}/orders").status_code == 404


def test_an_idempotent_retry_returns_the_first_order(api, stranger, early, paid_ticket):
    client = api(stranger)
    first = client.post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY"), HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY"), HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert Order.objects.count() == 1 and DiscountCode.objects.get(pk=early.pk).used_count == 1
    other = client.post("/v1/orders", order_doc((paid_ticket, 2)), HTTP_IDEMPOTENCY_KEY="abc")
    assert only_error(other, 422)["code"] == "idempotency_key_reused"


# Deletion safety


def test_a_code_with_placed_orders_cannot_be_deleted(api, stranger, organizer, early, paid_ticket):
    order_id = api(stranger).post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY")).json()["data"]["id"]
    error = only_error(api(organizer).delete(f"/v1/discount-codes/{early.pk}"), 409)
    assert "deactivate it instead" in error["detail"]
    assert DiscountCode.objects.filter(pk=early.pk).exists()
    api(stranger).patch(
        f"/v1/orders/{order_id}", {"data": {"type": "order", "id": order_id, "attributes": {"status": "cancelled"}}}
    )
    assert api(organizer).delete(f"/v1/discount-codes/{early.pk}").status_code == 204
    assert Order.objects.get(pk=order_id).discount_code_id is None
    assert Order.objects.get(pk=order_id).code == "EARLY"


def test_a_ticket_with_orders_cannot_be_deleted(api, stranger, organizer, paid_ticket, event):
    api(stranger).post("/v1/orders", order_doc((paid_ticket, 1)))
    only_error(api(organizer).delete(f"/v1/tickets/{paid_ticket.pk}"), 409)
    only_error(api(event.owner).delete(f"/v1/events/{event.pk}"), 409)
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_order_lines_protect_tickets_even_from_a_raw_cascade(api, stranger, early, paid_ticket):
    from django.db.models import ProtectedError

    api(stranger).post("/v1/orders", order_doc((paid_ticket, 1), code="EARLY"))
    Order.objects.update(status=OrderStatus.CANCELLED)
    with pytest.raises(ProtectedError):
        DiscountCode.objects.get(pk=early.pk).delete()  # would cascade to the sold ticket
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_limits_cannot_drop_below_what_is_sold(api, stranger, organizer, early, paid_ticket):
    api(stranger).post("/v1/orders", order_doc((paid_ticket, 2), code="EARLY"))
    doc = {"data": {"type": "ticket", "id": str(paid_ticket.pk), "attributes": {"quantity": 1}}}
    assert only_error(api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", doc), 409)["code"] == "quantity_below_sold"
    doc = {"data": {"type": "discount-code", "id": str(early.pk), "attributes": {"tickets-number": 1}}}
    assert only_error(api(organizer).patch(f"/v1/discount-codes/{early.pk}", doc), 409)["code"] == "limit_below_used"


def test_the_used_count_is_shown_on_the_code(api, stranger, organizer, early, paid_ticket):
    api(stranger).post("/v1/orders", order_doc((paid_ticket, 3), code="EARLY"))
    assert api(organizer).get(f"/v1/discount-codes/{early.pk}").json()["data"]["attributes"]["used-count"] == 3


def test_order_list_query_count_is_fixed(api, stranger, paid_ticket, event):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            api(event.owner).get("/v1/orders", {"page[size]": 100})
        return len(ctx.captured_queries)

    api(stranger).post("/v1/orders", order_doc((paid_ticket, 1)))
    few = count()
    for _ in range(20):
        api(stranger).post("/v1/orders", order_doc((paid_ticket, 1)))
    assert count() == few == 3  # user, page with its COUNT, lines (orders are scoped by a subquery)
