"""Hostile input: every request here is answered with a 4xx JSON:API error (with a pointer where it applies), and
the database is the same afterwards as before (a snapshot of every table is compared).

The requests come from the event's organizer, so a refusal is about the input, never about permission.
"""

import json

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from reliability import figures
from reliability.seed import build_world
from reliability.snapshot import differences, snapshot

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

JSONAPI = "application/vnd.api+json"
JSON = "application/json"
LONG = "x" * 10_000
NUL = "AB\x00CD"


def ticket(attributes=None, event="{event}"):
    return {
        "data": {
            "type": "ticket",
            "attributes": {"name": "Hostile", "ticket-type": "paid", "price": "10.00", **(attributes or {})},
            "relationships": {"event": {"data": {"type": "event", "id": event}}},
        }
    }


def code(attributes=None, relationships=None):
    return {
        "data": {
            "type": "discount-code",
            "attributes": {"code": "HOSTILE", "value": "5.00", "discount-type": "amount", "used-for": "ticket"}
            | (attributes or {}),
            "relationships": {"event": {"data": {"type": "event", "id": "{event}"}}} | (relationships or {}),
        }
    }


def order(lines, code=None):
    attributes = {"tickets": lines}
    if code is not None:
        attributes["code"] = code
    return {"data": {"type": "order", "attributes": attributes}}


def event(attributes):
    base = {
        "name": "Hostile",
        "starts-at": "2031-05-01T09:00:00+02:00",
        "ends-at": "2031-05-03T18:00:00+02:00",
        "payment-currency": "EUR",
    }
    return {"data": {"type": "event", "attributes": base | attributes}}


A = "/data/attributes"
R = "/data/relationships"

# (name, method, path, body, content type, status, pointer). Bodies are documents (dicts, ids filled in) or raw
# text; ``{event}``, ``{ticket}``, ``{code}``, ``{spare}``, ``{order}`` are the seeded rows' ids.
CORPUS = [
    # malformed JSON and wrong or missing media types
    ("malformed JSON, ticket", "post", "/v1/tickets", "{not json", JSONAPI, 400, None),
    ("malformed JSON, code", "post", "/v1/discount-codes", '{"data": {"type": "discount-code",', JSONAPI, 400, None),
    ("malformed JSON, order", "post", "/v1/orders", "{{}}", JSONAPI, 400, None),
    ("malformed JSON, quote", "post", "/v1/orders/calculate-amount", "{", JSON, 400, None),
    ("malformed JSON, login", "post", "/v1/auth/login", '{"email": ', JSON, 400, None),
    (
        "malformed JSON, relationship",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        "[",
        JSONAPI,
        400,
        None,
    ),
    ("invalid UTF-8", "post", "/v1/tickets", b'{"data": "\xff\xfe"}', JSONAPI, 400, None),
    ("plain JSON to the JSON:API", "post", "/v1/tickets", ticket(), JSON, 415, None),
    ("text/plain", "post", "/v1/discount-codes", code(), "text/plain", 415, None),
    ("form encoded", "patch", "/v1/tickets/{ticket}", "name=x", "application/x-www-form-urlencoded", 415, None),
    ("no Content-Type", "post", "/v1/orders", order([{"id": "{spare}", "quantity": 1}]), "", 400, "/data"),
    ("JSON:API to the quote", "post", "/v1/orders/calculate-amount", {"tickets": []}, JSONAPI, 415, None),
    ("media type with parameters", "post", "/v1/tickets", ticket(), JSONAPI + "; ext=bulk", 415, None),
    # size and depth
    ("body over the size limit", "post", "/v1/tickets", ticket({"description": "x" * 1_100_000}), JSONAPI, 413, None),
    ("body over the size limit, quote", "post", "/v1/orders/calculate-amount", "[" + " " * 1_100_000, JSON, 413, None),
    ("100,000 nested arrays", "post", "/v1/tickets", "[" * 100_000 + "]" * 100_000, JSONAPI, 400, None),
    (
        "deeply nested attribute",
        "post",
        "/v1/discount-codes",
        '{"data": {"type": "discount-code", "attributes": {"code": ' + "[" * 50_000 + "]" * 50_000 + "}}}",
        JSONAPI,
        400,
        None,
    ),
    (
        "nested objects in the quote",
        "post",
        "/v1/orders/calculate-amount",
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        JSON,
        400,
        None,
    ),
    (
        "an object as the name",
        "post",
        "/v1/tickets",
        ticket({"name": {"a": {"b": {"c": [1, 2]}}}}),
        JSONAPI,
        422,
        f"{A}/name",
    ),
    # NUL bytes and 10,000-character strings
    ("NUL in a code", "post", "/v1/discount-codes", code({"code": NUL}), JSONAPI, 422, f"{A}/code"),
    ("NUL in a ticket name", "post", "/v1/tickets", ticket({"name": NUL}), JSONAPI, 422, f"{A}/name"),
    ("NUL in an event name", "post", "/v1/events", event({"name": NUL}), JSONAPI, 422, f"{A}/name"),
    (
        "NUL in a changed code",
        "patch",
        "/v1/discount-codes/{code}",
        {"data": {"type": "discount-code", "id": "{code}", "attributes": {"code": NUL}}},
        JSONAPI,
        422,
        f"{A}/code",
    ),
    (
        "NUL in an order's code",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1}], NUL),
        JSONAPI,
        422,
        f"{A}/code",
    ),
    (
        "NUL in the quote's code",
        "post",
        "/v1/orders/calculate-amount",
        {"tickets": [{"id": "{spare}", "quantity": 1}], "discount-code": NUL},
        JSON,
        (200, 404, 422),
        None,
    ),
    ("NUL in a URL code", "get", "/v1/events/{event}/discount-codes/AB%00CD", None, None, 404, None),
    ("NUL in a filter", "get", "/v1/discount-codes?filter[code.iexact]=AB%00CD", None, None, (200, 400), None),
    ("NUL in an e-mail", "post", "/v1/auth/login", {"email": "a\x00@example.org", "password": "x"}, JSON, 422, None),
    ("10,000-character code", "post", "/v1/discount-codes", code({"code": LONG}), JSONAPI, 422, f"{A}/code"),
    ("10,000-character ticket name", "post", "/v1/tickets", ticket({"name": LONG}), JSONAPI, 422, f"{A}/name"),
    (
        "10,000-character event name",
        "patch",
        "/v1/events/{event}",
        {"data": {"type": "event", "id": "{event}", "attributes": {"name": LONG}}},
        JSONAPI,
        422,
        f"{A}/name",
    ),
    (
        "10,000-character order code",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1}], LONG),
        JSONAPI,
        422,
        f"{A}/code",
    ),
    ("10,000-character URL code", "get", "/v1/events/{event}/discount-codes/" + LONG, None, None, 404, None),
    (
        "10,000-character e-mail",
        "post",
        "/v1/users",
        {"data": {"type": "user", "attributes": {"email": LONG + "@example.org", "password": "a-sturdy-passphrase"}}},
        JSONAPI,
        422,
        f"{A}/email",
    ),
    # numbers: NaN, Infinity, 1e30, negative, fractional
    (
        "NaN literal price",
        "post",
        "/v1/tickets",
        '{"data": {"type": "ticket", "attributes": {"name": "n", "ticket-type": "paid", "price": NaN}}}',
        JSONAPI,
        400,
        None,
    ),
    ("NaN string price", "post", "/v1/tickets", ticket({"price": "NaN"}), JSONAPI, 422, f"{A}/price"),
    ("Infinity price", "post", "/v1/tickets", ticket({"price": "Infinity"}), JSONAPI, 422, f"{A}/price"),
    ("-Infinity value", "post", "/v1/discount-codes", code({"value": "-Infinity"}), JSONAPI, 422, f"{A}/value"),
    ("1e30 price", "post", "/v1/tickets", ticket({"price": 1e30}), JSONAPI, 422, f"{A}/price"),
    ("1e30 value", "post", "/v1/discount-codes", code({"value": "1e30"}), JSONAPI, 422, f"{A}/value"),
    ("negative price", "post", "/v1/tickets", ticket({"price": "-10.00"}), JSONAPI, 422, f"{A}/price"),
    (
        "negative value",
        "patch",
        "/v1/discount-codes/{code}",
        {"data": {"type": "discount-code", "id": "{code}", "attributes": {"value": -5}}},
        JSONAPI,
        422,
        f"{A}/value",
    ),
    ("three decimal places", "post", "/v1/tickets", ticket({"price": "10.001"}), JSONAPI, 422, f"{A}/price"),
    ("negative ticket quantity", "post", "/v1/tickets", ticket({"quantity": -1}), JSONAPI, 422, f"{A}/quantity"),
    ("1e30 ticket quantity", "post", "/v1/tickets", ticket({"quantity": 1e30}), JSONAPI, 422, f"{A}/quantity"),
    ("huge integer quantity", "post", "/v1/tickets", ticket({"quantity": 10**40}), JSONAPI, 422, f"{A}/quantity"),
    (
        "huge tickets-number",
        "post",
        "/v1/discount-codes",
        code({"tickets-number": 10**20}),
        JSONAPI,
        422,
        f"{A}/tickets-number",
    ),
    (
        "NaN order quantity",
        "post",
        "/v1/orders",
        '{"data": {"type": "order", "attributes": {"tickets": [{"id": "1", "quantity": NaN}]}}}',
        JSONAPI,
        400,
        None,
    ),
    (
        "negative order quantity",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": -3}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/quantity",
    ),
    (
        "zero order quantity",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 0}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/quantity",
    ),
    (
        "fractional order quantity",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1.5}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/quantity",
    ),
    (
        "1e30 order quantity",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1e30}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/quantity",
    ),
    (
        "Infinity quote quantity",
        "post",
        "/v1/orders/calculate-amount",
        '{"tickets": [{"id": "1", "quantity": Infinity}]}',
        JSON,
        400,
        None,
    ),
    (
        "negative quote price",
        "post",
        "/v1/orders/calculate-amount",
        {"tickets": [{"id": "{spare}", "quantity": 1, "price": "-1"}]},
        JSON,
        422,
        "/tickets/0/price",
    ),
    (
        "1e30 quote quantity",
        "post",
        "/v1/orders/calculate-amount",
        {"tickets": [{"id": "{spare}", "quantity": 1e30}]},
        JSON,
        422,
        "/tickets/0/quantity",
    ),
    ("a boolean as the price", "post", "/v1/tickets", ticket({"price": True}), JSONAPI, 422, f"{A}/price"),
    # impossible dates
    (
        "30 February",
        "post",
        "/v1/events",
        event({"starts-at": "2031-02-30T09:00:00+01:00"}),
        JSONAPI,
        422,
        f"{A}/starts-at",
    ),
    (
        "month 13",
        "patch",
        "/v1/events/{event}",
        {"data": {"type": "event", "id": "{event}", "attributes": {"ends-at": "2031-13-01T09:00:00Z"}}},
        JSONAPI,
        422,
        f"{A}/ends-at",
    ),
    (
        "hour 25",
        "post",
        "/v1/tickets",
        ticket({"sales-starts-at": "2031-01-01T25:00:00Z"}),
        JSONAPI,
        422,
        f"{A}/sales-starts-at",
    ),
    (
        "year 0",
        "post",
        "/v1/discount-codes",
        code({"valid-from": "0000-01-01T00:00:00Z"}),
        JSONAPI,
        422,
        f"{A}/valid-from",
    ),
    (
        "year 99999",
        "post",
        "/v1/discount-codes",
        code({"valid-till": "99999-01-01T00:00:00Z"}),
        JSONAPI,
        422,
        f"{A}/valid-till",
    ),
    (
        "offset +25:00",
        "post",
        "/v1/events",
        event({"starts-at": "2031-05-01T09:00:00+25:00"}),
        JSONAPI,
        422,
        f"{A}/starts-at",
    ),
    ("not a date", "post", "/v1/events", event({"ends-at": "tomorrow"}), JSONAPI, 422, f"{A}/ends-at"),
    ("a number as a date", "post", "/v1/events", event({"ends-at": 1e30}), JSONAPI, 422, f"{A}/ends-at"),
    ("end before start", "post", "/v1/events", event({"ends-at": "2020-01-01T00:00:00Z"}), JSONAPI, 422, None),
    ("unknown time zone", "post", "/v1/events", event({"timezone": "Mars/Olympus"}), JSONAPI, 422, f"{A}/timezone"),
    (
        "unknown currency",
        "post",
        "/v1/events",
        event({"payment-currency": "XXQ"}),
        JSONAPI,
        422,
        f"{A}/payment-currency",
    ),
    # ids: non-numeric, huge, negative, of the wrong type
    ("non-numeric id in the URL", "get", "/v1/tickets/abc", None, None, 404, None),
    ("huge id in the URL", "get", "/v1/discount-codes/99999999999999999999999", None, None, 404, None),
    ("id past bigint in the URL", "patch", "/v1/tickets/999999999999999999", ticket(), JSONAPI, 404, None),
    ("negative id in the URL", "delete", "/v1/events/-1", None, None, 404, None),
    ("non-numeric linkage id", "post", "/v1/tickets", ticket(event="abc"), JSONAPI, 422, f"{R}/event"),
    ("huge linkage id", "post", "/v1/tickets", ticket(event="99999999999999999999999"), JSONAPI, 422, f"{R}/event"),
    (
        "negative linkage id",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"type": "ticket", "id": "-1"}]},
        JSONAPI,
        404,
        None,
    ),
    (
        "fractional linkage id",
        "patch",
        "/v1/tickets/{ticket}/relationships/discount-code",
        {"data": {"type": "discount-code", "id": 1.5}},
        JSONAPI,
        404,
        None,
    ),
    (
        "null linkage id",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"type": "ticket", "id": None}]},
        JSONAPI,
        400,
        "/data",
    ),
    (
        "non-numeric ticket id in an order",
        "post",
        "/v1/orders",
        order([{"id": "abc", "quantity": 1}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/id",
    ),
    (
        "huge ticket id in an order",
        "post",
        "/v1/orders",
        order([{"id": "9" * 30, "quantity": 1}]),
        JSONAPI,
        422,
        f"{A}/tickets/0/id",
    ),
    (
        "unknown ticket id in an order",
        "post",
        "/v1/orders",
        order([{"id": "999999", "quantity": 1}]),
        JSONAPI,
        (404, 422),
        None,
    ),
    (
        "huge code id in the quote",
        "post",
        "/v1/orders/calculate-amount",
        {"tickets": [{"id": "{spare}", "quantity": 1}], "discount-code-id": "9" * 40},
        JSON,
        422,
        "/discount-code-id",
    ),
    ("non-numeric filter id", "get", "/v1/tickets?filter[event]=abc", None, None, 400, None),
    (
        "huge filter id",
        "get",
        "/v1/discount-codes?filter[event]=99999999999999999999999",
        None,
        None,
        (200, 400),
        None,
    ),
    ("huge page number", "get", "/v1/tickets?page[number]=99999999999999999999", None, None, (400, 404), None),
    (
        "wrong resource type",
        "post",
        "/v1/tickets",
        {"data": {"type": "discount-code", "attributes": {}}},
        JSONAPI,
        409,
        None,
    ),
    # repeated and unknown query parameters
    ("repeated sort", "get", "/v1/tickets?sort=name&sort=-name", None, None, 400, None),
    ("repeated filter", "get", "/v1/events?filter[name]=a&filter[name]=b", None, None, 400, None),
    ("repeated include", "get", "/v1/discount-codes/{code}?include=event&include=tickets", None, None, 400, None),
    ("repeated page size", "get", "/v1/orders?page[size]=1&page[size]=2", None, None, 400, None),
    ("unknown parameter", "get", "/v1/events/{event}/tickets?debug=1", None, None, 400, None),
    ("include of an unknown path", "get", "/v1/tickets?include=event.owner.password", None, None, 400, None),
    # linkage with a missing type or id
    (
        "linkage without a type",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"id": "{spare}"}]},
        JSONAPI,
        400,
        "/data",
    ),
    (
        "linkage without an id",
        "patch",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"type": "ticket"}]},
        JSONAPI,
        400,
        "/data",
    ),
    (
        "to-one linkage without an id",
        "patch",
        "/v1/tickets/{ticket}/relationships/discount-code",
        {"data": {"type": "discount-code"}},
        JSONAPI,
        400,
        "/data",
    ),
    (
        "relationship without a type",
        "post",
        "/v1/tickets",
        ticket() | {"data": ticket()["data"] | {"relationships": {"event": {"data": {"id": "{event}"}}}}},
        JSONAPI,
        422,
        f"{R}/event",
    ),
    (
        "relationship without an id",
        "post",
        "/v1/discount-codes",
        code(relationships={"event": {"data": {"type": "event"}}}),
        JSONAPI,
        422,
        f"{R}/event",
    ),
    (
        "relationship without data",
        "post",
        "/v1/tickets",
        ticket() | {"data": ticket()["data"] | {"relationships": {"event": {"id": "1"}}}},
        JSONAPI,
        400,
        None,
    ),
    (
        "linkage as a string",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": "5"},
        JSONAPI,
        400,
        None,
    ),
    (
        "resource without a type",
        "post",
        "/v1/tickets",
        {"data": {"attributes": {"name": "x"}}},
        JSONAPI,
        (400, 409),
        None,
    ),
    (
        "linkage with the wrong type",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"type": "event", "id": "{event}"}]},
        JSONAPI,
        409,
        None,
    ),
    (
        "another event's ticket",
        "post",
        "/v1/discount-codes/{code}/relationships/tickets",
        {"data": [{"type": "ticket", "id": "{other_ticket}"}]},
        JSONAPI,
        404,
        None,
    ),
    # members that may not be set
    (
        "setting the used count",
        "patch",
        "/v1/discount-codes/{code}",
        {"data": {"type": "discount-code", "id": "{code}", "attributes": {"used-count": 0, "value": "not money"}}},
        JSONAPI,
        422,
        f"{A}/value",
    ),
    (
        "an order that is not placed",
        "post",
        "/v1/orders",
        {
            "data": {
                "type": "order",
                "attributes": {"tickets": [{"id": "{spare}", "quantity": 1}], "status": "cancelled"},
            }
        },
        JSONAPI,
        422,
        None,
    ),
    ("an order with no lines", "post", "/v1/orders", order([]), JSONAPI, 422, f"{A}/tickets"),
    (
        "an order with 101 lines",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1}] * 101),
        JSONAPI,
        422,
        f"{A}/tickets",
    ),
    (
        "an Idempotency-Key of 300 characters",
        "post",
        "/v1/orders",
        order([{"id": "{spare}", "quantity": 1}]),
        JSONAPI,
        422,
        None,
    ),
]


def fill(value, ids):
    if isinstance(value, str):
        for name, pk in ids.items():
            value = value.replace("{" + name + "}", str(pk))
        return value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


HEADERS = {"an Idempotency-Key of 300 characters": {"HTTP_IDEMPOTENCY_KEY": "k" * 300}}


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "content_type", "status", "pointer"),
    [pytest.param(*case, id=case[0]) for case in CORPUS],
)
def test_hostile_input_is_a_4xx_and_changes_nothing(name, method, path, body, content_type, status, pointer):
    w = build_world()
    ids = {
        "event": w.event.pk,
        "ticket": w.ticket.pk,
        "code": w.code.pk,
        "spare": w.spare_ticket.pk,
        "order": w.order.pk,
        "other_ticket": w.other_ticket.pk,
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(w.organizer).access_token}")
    extra = dict(HEADERS.get(name, {}))
    if body is not None:
        data = body if isinstance(body, (str, bytes)) else json.dumps(fill(body, ids))
        if isinstance(data, str):
            data = fill(data, ids).encode("utf-8", "surrogatepass")
        extra |= {"data": data, "content_type": content_type}
    before = snapshot()
    response = getattr(client, method)(fill(path, ids), **extra)
    figures.record("hostile_inputs")
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:400])
    if response.status_code >= 400:
        assert response.status_code < 500
        assert response["Content-Type"].split(";")[0] in (JSONAPI, JSON), response["Content-Type"]
        errors = response.json()["errors"]
        assert errors and all(e["status"] == str(response.status_code) for e in errors), errors
        if pointer is not None:
            pointers = [e.get("source", {}).get("pointer") for e in errors]
            assert pointer in pointers, pointers
    assert differences(before, snapshot()) == []


def test_a_repeated_include_path_is_answered_once(api, organizer):
    """Found by the fuzzer: ``include=discount-code,discount-code`` prefetched twice, which Django refuses (500)."""
    response = api(organizer).get("/v1/tickets", {"include": "event,discount-code,event,discount-code"})
    assert response.status_code == 200, response.content[:300]
