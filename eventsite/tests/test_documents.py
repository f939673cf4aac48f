"""What a request document may say (``eventsite.api.documents``): unknown members are refused at their pointer,
``null`` means "not set", linkage errors point at the offending item, and error documents hold one JSON:API error
object per problem. Every resource's members are covered by the generated tests in ``test_success_paths.py``;
these are the cases of issue 13, as a client meets them."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from discounts import rules
from discounts.models import DiscountCode
from eventsite.api.exceptions import ERROR_MEMBERS
from orders.models import Order
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

JSONAPI = "application/vnd.api+json"


def errors_of(response, status):
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    for error in errors:
        assert set(error) <= ERROR_MEMBERS, error
        assert error["status"] == str(status)
    return errors


def pointers(response, status):
    return [error.get("source", {}).get("pointer") for error in errors_of(response, status)]


def ident(kind, obj):
    return {"type": kind, "id": str(obj.pk)}


def code_doc(event, **attributes):
    return {
        "data": {
            "type": "discount-code",
            "attributes": {"code": "SPRING", "value": "5.00", "discount-type": "amount", "used-for": "ticket"}
            | attributes,
            "relationships": {"event": {"data": ident("event", event)}},
        }
    }


def order_doc(ticket, **attributes):
    return {"data": {"type": "order", "attributes": {"tickets": [{"id": str(ticket.pk), "quantity": 1}]} | attributes}}


# Unknown members


def test_a_misspelt_code_never_places_an_order_at_full_price(api, stranger, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = api(stranger).post("/v1/orders", order_doc(paid_ticket, **{"discount-kode": "EARLY"}))
    assert pointers(response, 422) == ["/data/attributes/discount-kode"]
    assert not Order.objects.exists()
    assert Ticket.objects.get(pk=paid_ticket.pk).sold_count == 0


def test_the_code_sent_as_the_read_only_relationship_name_is_refused(api, stranger, ticket_code, paid_ticket):
    """``discount-code`` is the order's (read-only) relationship; as an attribute it is not the order's code."""
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = api(stranger).post("/v1/orders", order_doc(paid_ticket, **{"discount-code": "EARLY"}))
    (error,) = errors_of(response, 422)
    assert error["source"]["pointer"] == "/data/attributes/discount-code"
    assert error["code"] == "wrong_section"
    assert not Order.objects.exists()


def test_a_code_given_as_the_orders_read_only_relationship_is_refused(api, stranger, ticket_code, paid_ticket):
    """Open Event's clients name the code of a new order by linkage; here the server sets that relationship
    (from the ``code`` attribute), so linkage there is refused rather than ignored (a full-price order)."""
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    doc = order_doc(paid_ticket)
    doc["data"]["relationships"] = {"discount-code": {"data": ident("discount-code", ticket_code)}}
    (error,) = errors_of(api(stranger).post("/v1/orders", doc), 422)
    assert (error["source"]["pointer"], error["code"]) == ("/data/relationships/discount-code", "read_only")
    assert not Order.objects.exists()
    doc["data"]["relationships"] = {"discount-code": {"data": None}, "buyer": {"data": None}}
    assert api(stranger).post("/v1/orders", doc).status_code == 201


def test_a_misspelt_key_of_an_order_line_is_refused(api, stranger, paid_ticket):
    doc = {
        "data": {"type": "order", "attributes": {"tickets": [{"id": str(paid_ticket.pk), "quantity": 1, "qty": 3}]}}
    }
    assert pointers(api(stranger).post("/v1/orders", doc), 422) == ["/data/attributes/tickets/0/qty"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"discount-kode": "EARLY"}, "/discount-kode"),
        ({"discount_code": "EARLY"}, "/discount_code"),
        ({"tickets": [{"id": "{ticket}", "quantity": 1, "prise": "5"}]}, "/tickets/0/prise"),
    ],
)
def test_the_quote_refuses_unknown_keys(ticket_code, paid_ticket, body, pointer):
    body = {"tickets": [{"id": str(paid_ticket.pk), "quantity": 1}]} | body
    for line in body["tickets"]:
        line["id"] = str(paid_ticket.pk)
    response = APIClient().post("/v1/orders/calculate-amount", body, format="json")
    assert response.status_code == 422, response.content
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == [pointer]


def test_unknown_attributes_and_relationships_are_each_refused_at_their_pointer(api, organizer, ticket_code):
    doc = {
        "data": {
            "type": "discount-code",
            "id": str(ticket_code.pk),
            "attributes": {"value": "1.00", "discount-kode": "X", "a/b~c": 1, "event": "1"},
            "relationships": {"foo": {"data": None}, "value": {"data": None}},
        }
    }
    response = api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", doc)
    assert sorted(pointers(response, 422)) == [
        "/data/attributes/a~1b~0c",
        "/data/attributes/discount-kode",
        "/data/attributes/event",
        "/data/relationships/foo",
        "/data/relationships/value",
    ]
    ticket_code.refresh_from_db()
    assert ticket_code.value == Decimal("10.00")


def test_a_misspelt_member_of_the_resource_object_is_a_400(api, organizer, ticket_code):
    doc = {"data": {"type": "discount-code", "id": str(ticket_code.pk), "attribute": {"value": "1.00"}}}
    response = api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", doc)
    assert pointers(response, 400) == ["/data/attribute"]
    ticket_code.refresh_from_db()
    assert ticket_code.value == Decimal("10.00")


def test_read_only_members_echoed_back_are_ignored(api, organizer, ticket_code):
    doc = {
        "data": {
            "type": "discount-code",
            "id": str(ticket_code.pk),
            "attributes": {"value": "7.00", "used-count": 99, "created-at": "2001-01-01T00:00:00Z"},
            "relationships": {"marketer": {"data": {"type": "user", "id": str(organizer.pk)}}},
        }
    }
    response = api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", doc)
    assert response.status_code == 200, response.content
    code = DiscountCode.objects.get(pk=ticket_code.pk)
    assert (code.value, code.used_count, code.marketer_id) == (Decimal("7.00"), 0, None)
    assert code.created_at.year != 2001


# null is "not set"


def test_null_on_create_is_the_default(api, organizer, event):
    """Ember Data sends null for everything unset: the issue's example, and every other optional member."""
    nulls = {
        "discount-url": None,
        "min-quantity": None,
        "valid-from": None,
        "valid-till": None,
        "max-quantity": None,
        "tickets-number": None,
        "is-active": None,
    }
    response = api(organizer).post("/v1/discount-codes", code_doc(event, **nulls) | {})
    assert response.status_code == 201, response.content
    code = DiscountCode.objects.get()
    assert code.discount_url == ""
    assert code.min_quantity == 1
    assert code.valid_from is not None
    assert code.valid_till == event.ends_at
    assert (code.max_quantity, code.tickets_number, code.is_active) == (None, None, True)


def test_a_null_to_many_relationship_on_create_is_none(api, organizer, event):
    doc = code_doc(event)
    doc["data"]["relationships"]["tickets"] = {"data": None}
    assert api(organizer).post("/v1/discount-codes", doc).status_code == 201


def test_null_for_a_required_member_on_create_is_a_422(api, organizer, event):
    response = api(organizer).post("/v1/discount-codes", code_doc(event, value=None))
    assert pointers(response, 422) == ["/data/attributes/value"]


@pytest.mark.parametrize(
    ("member", "stored", "expected"),
    [
        ("max-quantity", {"max_quantity": 5}, ("max_quantity", None)),  # nullable: unlimited
        ("tickets-number", {"tickets_number": 50}, ("tickets_number", None)),  # nullable: unlimited
        ("valid-till", {}, ("valid_till", None)),  # nullable: no end
        ("min-quantity", {"min_quantity": 3}, ("min_quantity", 1)),  # back to the default
        ("discount-url", {"discount_url": "https://example.org/x"}, ("discount_url", "")),
        ("is-active", {"is_active": False}, ("is_active", True)),
        ("discount-type", {}, ("type", "amount")),
    ],
)
def test_null_on_update_stores_null_or_the_default(api, organizer, ticket_code, member, stored, expected):
    DiscountCode.objects.filter(pk=ticket_code.pk).update(**stored)
    doc = {"data": {"type": "discount-code", "id": str(ticket_code.pk), "attributes": {member: None}}}
    response = api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", doc)
    assert response.status_code == 200, response.content
    field, value = expected
    assert getattr(DiscountCode.objects.get(pk=ticket_code.pk), field) == value


@pytest.mark.parametrize("member", ["code", "value", "used-for"])
def test_null_on_update_for_a_member_without_a_default_is_a_422(api, organizer, ticket_code, member):
    doc = {"data": {"type": "discount-code", "id": str(ticket_code.pk), "attributes": {member: None}}}
    response = api(organizer).patch(f"/v1/discount-codes/{ticket_code.pk}", doc)
    assert pointers(response, 422) == [f"/data/attributes/{member}"]
    code = DiscountCode.objects.get(pk=ticket_code.pk)
    assert (code.code, code.value, code.used_for) == ("EARLY", Decimal("10.00"), "ticket")


def test_a_null_to_one_relationship_on_update_detaches(api, organizer, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    doc = {"data": {"type": "ticket", "id": str(paid_ticket.pk), "relationships": {"discount-code": {"data": None}}}}
    assert api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", doc).status_code == 200
    assert Ticket.objects.get(pk=paid_ticket.pk).discount_code_id is None


def test_the_event_of_a_ticket_cannot_be_unset(api, organizer, paid_ticket):
    doc = {"data": {"type": "ticket", "id": str(paid_ticket.pk), "relationships": {"event": {"data": None}}}}
    assert pointers(api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", doc), 422) == ["/data/relationships/event"]


# Linkage errors point at the item


@pytest.mark.parametrize(
    ("item", "status"),
    [
        ({"type": "event", "id": "{ticket}"}, 409),
        ({"type": "ticket", "id": "999999"}, 404),
        ({"type": "ticket", "id": "abc"}, 404),
        ({"type": "ticket"}, 422),
        ({"id": "{ticket}"}, 422),
        ("{ticket}", 422),
    ],
)
def test_a_bad_linkage_item_is_pointed_at(api, organizer, event, paid_ticket, second_paid_ticket, item, status):
    bad = {k: v.format(ticket=second_paid_ticket.pk) for k, v in item.items()} if isinstance(item, dict) else item
    if isinstance(bad, str):
        bad = bad.format(ticket=second_paid_ticket.pk)
    doc = code_doc(event)
    doc["data"]["relationships"]["tickets"] = {"data": [ident("ticket", paid_ticket), bad]}
    response = api(organizer).post("/v1/discount-codes", doc)
    assert pointers(response, status) == ["/data/relationships/tickets/data/1"]
    assert not DiscountCode.objects.exists()
    relationship = api(organizer).post(
        f"/v1/discount-codes/{DiscountCode.objects.create(event=event, code='X', value=1, used_for='ticket').pk}"
        "/relationships/tickets",
        {"data": [ident("ticket", paid_ticket), bad]},
    )
    if status != 422:  # a malformed item in a relationship document is the parser's 400
        assert pointers(relationship, status) == ["/data/1"]


def test_a_to_one_linkage_error_points_at_its_data(api, organizer, paid_ticket):
    doc = {
        "data": {
            "type": "ticket",
            "id": str(paid_ticket.pk),
            "relationships": {"discount-code": {"data": {"type": "ticket", "id": "1"}}},
        }
    }
    response = api(organizer).patch(f"/v1/tickets/{paid_ticket.pk}", doc)
    assert pointers(response, 409) == ["/data/relationships/discount-code/data"]


# Error documents


@pytest.mark.parametrize(
    "authorization",
    ["JWT not.a.token", "Bearer not.a.token", "JWT", "Bearer ", "JWT a b", "Basic dXNlcjpwYXNz", "expired", "unknown"],
)
def test_every_401_is_one_json_api_error_object(authorization, organizer):
    if authorization == "expired":
        token = AccessToken.for_user(organizer)
        token.set_exp(lifetime=-AccessToken.lifetime)
        authorization = f"JWT {token}"
    elif authorization == "unknown":
        token = AccessToken.for_user(organizer)
        organizer.delete()
        authorization = f"JWT {token}"
    response = APIClient().get("/v1/discount-codes", HTTP_AUTHORIZATION=authorization)
    (error,) = errors_of(response, 401)
    assert error["detail"] and error["code"] and error["title"] == "Not authenticated"
    assert "WWW-Authenticate" in response


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/v1/events/1/no-such-member", "/v1/nothing", "/v1/events/"])
def test_unknown_v1_urls_are_json_api_404s_for_every_method(method, path, organizer):
    """Even to a client that sends a session cookie and no CSRF token (Django's CSRF page was the answer)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)
    response = client.generic(method, path, b'{"data": {"type": "x"}}', content_type=JSONAPI)
    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"].startswith(JSONAPI)
    if method != "HEAD":
        (error,) = errors_of(response, 404)
        assert error["code"] == "not_found"


# Plain JSON bodies of the auth endpoints: generated from the views' declared keys (``TokenView.body_keys``)


def token_view_bodies():
    from eventsite.views import TokenView
    from reliability.routes import iter_routes

    for route, pattern in iter_routes():
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, TokenView):
            for method in ("post", "patch", "put"):
                if hasattr(view, method):
                    yield pytest.param(route, method, view, id=f"{method.upper()} /{route}")


@pytest.mark.parametrize(("route", "method", "view"), list(token_view_bodies()))
def test_auth_bodies_refuse_unknown_and_underscored_keys_and_point_at_missing_ones(route, method, view, owner):
    assert method in view.body_keys, f"{view.__name__} declares no body_keys for {method.upper()}"
    keys = view.body_keys[method]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {AccessToken.for_user(owner)}")
    url = "/" + route
    password = owner.password

    def send(body):
        return getattr(client, method)(url, body, format="json")

    body = dict.fromkeys(keys, "x") | {"passwrd": "x", "new-password": "x"}
    response = send(body)
    assert pointers(response, 422) == ["/passwrd", "/new-password"]
    assert response["Content-Type"].startswith(JSONAPI)
    assert [e["code"] for e in response.json()["errors"]] == ["unknown_key", "unknown_key"]
    for key in keys:
        missing = dict.fromkeys(keys, "x")
        del missing[key]
        assert f"/{key}" in pointers(send(missing), 422)
    assert pointers(getattr(client, method)(url, "[]", content_type="application/json"), 422) == [""]
    owner.refresh_from_db()
    assert owner.password == password  # nothing changed


def test_a_login_with_a_missing_member_points_at_it():
    response = APIClient().post("/v1/auth/login", {"email": "a@example.org"}, format="json")
    assert pointers(response, 422) == ["/password"]
    response = APIClient().post("/v1/auth/token/refresh", {}, format="json")
    assert pointers(response, 422) == ["/refresh_token"]


# The quote answers body errors as every other body: 422 with pointers, whatever the problem


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"tickets": "x"}, "/tickets"),
        ({"tickets": [{"id": "99999999", "quantity": 1}]}, "/tickets/0/id"),
        ({"tickets": [{"id": "abc", "quantity": 1}]}, "/tickets/0/id"),
        ({"tickets": [{"id": "1", "quantity": "x"}]}, "/tickets/0/quantity"),
        ({}, "/tickets"),
        ([], ""),
        ({"tickets": [{"id": "1", "quantity": 1}], "discount-code-id": "abc"}, "/discount-code-id"),
    ],
)
def test_the_quote_answers_every_body_error_with_a_422_and_a_pointer(paid_ticket, body, pointer):
    body = json.loads(json.dumps(body).replace('"id": "1"', f'"id": "{paid_ticket.pk}"'))
    response = Client().post("/v1/orders/calculate-amount", json.dumps(body), content_type="application/json")
    assert pointers(response, 422) == [pointer]
    assert response["Content-Type"].startswith(JSONAPI)


def test_an_unknown_code_is_the_same_422_problem_in_the_quote_and_in_an_order(api, stranger, paid_ticket):
    lines = [{"id": str(paid_ticket.pk), "quantity": 1}]
    quote = Client().post(
        "/v1/orders/calculate-amount",
        json.dumps({"tickets": lines, "discount-code": "NOPE"}),
        content_type="application/json",
    )
    [note] = quote.json()["errors"]
    order = api(stranger).post(
        "/v1/orders", {"data": {"type": "order", "attributes": {"tickets": lines, "code": "NOPE"}}}
    )
    [error] = errors_of(order, 422)
    assert (note["status"], note["code"], note["detail"]) == (error["status"], error["code"], error["detail"])
