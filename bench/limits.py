"""The limits of the other hot paths: each the same document as its endpoint, by hand (``bench/limit.py`` has the
first, a code's tickets, and the shared parts).

Reads: the rows from ``.values()`` (or one SQL statement), the document built with dicts and encoded with orjson,
no DRF, no DRF-JSONAPI. Writes: the request parsed by hand and the document built by hand, but the change made by
the very rule functions the API calls (``discounts.rules.replace_tickets``, ``orders.rules.place_order``,
``orders.rules.quote``): same rules, same locks, same queries for them. What is left to the framework (parsing,
validation of the document's shape, serializers, renderer) is what the limit measures against. The public check,
the quote and orders draw from the same code-guessing budget as their endpoints (``CodeLookupThrottle``).

Each answers what the benchmark asks (``bench/endpoints.py``), the success path; anything else is refused with a
JSON:API error rather than answered wrongly. ``bench/tests/test_limit.py`` checks every document against the
endpoint's. Mounted by ``bench/urls.py`` only.
"""

import math

import orjson
from django.db import connection, transaction
from django.db.models import Count, F, Q, Window
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.utils.urls import replace_query_param

from discounts import rules as code_rules
from discounts.models import DiscountCode
from eventsite.api.exceptions import status_of
from eventsite.api.throttling import CodeLookupThrottle
from eventsite.errors import RuleError
from eventsite.models import Event, User
from orders import rules as order_rules
from orders.models import Order, OrderLine
from orders.serializers import quote_document
from orders.views import problem_error
from tickets.models import Ticket

from .limit import (
    DATETIMES,
    DEFAULT_PAGE_SIZE,
    MEDIA,
    MONEY,
    TICKET_ATTRIBUTES,
    error,
    iso,
    user_id_from,
)

#: Members the public does not see of a ticket (``tickets.serializers.MANAGER_MEMBERS``).
PUBLIC_TICKET_ATTRIBUTES = tuple((n, c) for n, c in TICKET_ATTRIBUTES if c != "sold_count")
CODE_ATTRIBUTES = (
    ("code", "code"),
    ("discount-url", "discount_url"),
    ("value", "value"),
    ("discount-type", "type"),
    ("is-active", "is_active"),
    ("tickets-number", "tickets_number"),
    ("min-quantity", "min_quantity"),
    ("max-quantity", "max_quantity"),
    ("valid-from", "valid_from"),
    ("valid-till", "valid_till"),
    ("used-for", "used_for"),
    ("created-at", "created_at"),
    ("used-count", "used_count"),
)
CODE_DATETIMES = {"valid_from", "valid_till", "created_at"}

# The requester's managed events (owner or organizer), or every event for a superuser (NULL event id, flag set).
MANAGED_SQL = """
SELECT u.is_superuser, e.id
FROM eventsite_user u
LEFT JOIN eventsite_event e ON NOT u.is_superuser AND (
    e.owner_id = u.id OR e.id IN (SELECT event_id FROM eventsite_event_organizers WHERE user_id = u.id)
)
WHERE u.id = %s AND u.is_active
"""


def respond(document, status: int = 200, content_type: str = MEDIA) -> HttpResponse:
    return HttpResponse(orjson.dumps(document), status=status, content_type=content_type)


def requester(request):
    """``(user id, managed event ids or None for all)`` of a logged-in requester, or an error response."""
    if "HTTP_AUTHORIZATION" not in request.META:
        return error(401, "not_authenticated", "Authentication credentials were not provided.", "Not authenticated")
    user_id = user_id_from(request)
    if user_id is None:
        return error(401, "token_not_valid", "Given token not valid for any token type", "Not authenticated")
    with connection.cursor() as cursor:
        cursor.execute(MANAGED_SQL, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return error(401, "user_not_found", "User not found", "Not authenticated")
    return user_id, None if rows[0][0] else {event for _, event in rows if event is not None}


def ticket_attributes(row: dict, members) -> dict:
    attributes = {}
    for name, column in members:
        value = row[column]
        if column in DATETIMES:
            value = iso(value)
        elif column in MONEY and value is not None:
            value = str(value)
        attributes[name] = value
    return attributes


def ticket_resource(row: dict, manager: bool) -> dict:
    relationships = {"event": {"data": {"type": "event", "id": str(row["event_id"])}}}
    if manager:
        code = row["discount_code_id"]
        relationships["discount-code"] = {"data": None if code is None else {"type": "discount-code", "id": str(code)}}
    return {
        "type": "ticket",
        "id": str(row["id"]),
        "attributes": ticket_attributes(row, TICKET_ATTRIBUTES if manager else PUBLIC_TICKET_ATTRIBUTES),
        "relationships": relationships,
    }


def code_resource(row: dict, ticket_ids: list[int]) -> dict:
    attributes = {}
    for name, column in CODE_ATTRIBUTES:
        value = row[column]
        if column in CODE_DATETIMES:
            value = iso(value)
        elif column == "value":
            value = str(value)
        attributes[name] = value
    marketer = row["marketer_id"]
    return {
        "type": "discount-code",
        "id": str(row["id"]),
        "attributes": attributes,
        "relationships": {
            "event": {"data": {"type": "event", "id": str(row["event_id"])}},
            "tickets": {
                "meta": {"count": len(ticket_ids)},
                "data": [{"type": "ticket", "id": str(pk)} for pk in ticket_ids],
            },
            "marketer": {"data": None if marketer is None else {"type": "user", "id": str(marketer)}},
        },
    }


CODE_COLUMNS = ["id", *(c for _, c in CODE_ATTRIBUTES), "event_id", "marketer_id"]
TICKET_COLUMNS = ["id", *(c for _, c in TICKET_ATTRIBUTES), "event_id", "discount_code_id"]


def paged(request, path: str, number: int, size: int, count: int, data: list) -> dict:
    """A list document's frame, with links as the endpoint writes them."""
    pages = max(1, math.ceil(count / size))
    url = f"{request.scheme}://{request.get_host()}{path}"
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]

    def link(page):
        return replace_query_param(url, "page[number]", page) if page else None

    return {
        "links": {
            "first": link(1),
            "last": link(pages),
            "next": link(number + 1 if number < pages else None),
            "prev": link(number - 1 if number > 1 else None),
        },
        "data": data,
    }


def only_params(request, allowed: set, **fixed) -> HttpResponse | None:
    params = request.GET
    if set(params) - allowed or any(params.get(k, v) != v for k, v in fixed.items()):
        return error(400, "invalid_query_parameter", "The limit view answers only the benchmark's query.", "Bad")
    return None


def page_number(request) -> int | None:
    raw = request.GET.get("page[number]", "1")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def event_tickets(request, pk: int) -> HttpResponse:
    """``GET /v1/events/{id}/tickets`` for the public: the event's tickets that are not hidden, 20 a page."""
    refused = only_params(request, {"page[number]"})
    if refused or "HTTP_AUTHORIZATION" in request.META:
        return refused or error(400, "bad_request", "The limit view answers the public only.", "Bad request")
    number, size = page_number(request), DEFAULT_PAGE_SIZE
    if number is None:
        return error(400, "invalid_query_parameter", "Bad page parameters.", "Bad request")
    offset = (number - 1) * size
    rows = list(
        Ticket.objects.filter(event_id=pk, is_hidden=False)
        .order_by("position", "id")
        .values(*TICKET_COLUMNS)
        .annotate(total=Window(Count(F("id"))))[offset : offset + size]
    )
    if not rows:
        if not Event.objects.filter(pk=pk).exists():
            return error(404, "not_found", "Not found.", "Not found")
        if number > 1:
            return error(404, "not_found", "Invalid page.", "Not found")
    count = rows[0]["total"] if rows else 0
    document = paged(
        request, f"/v1/events/{pk}/tickets", number, size, count, [ticket_resource(r, False) for r in rows]
    )
    document["meta"] = {"pagination": {"page": number, "pages": max(1, math.ceil(count / size)), "count": count}}
    return respond(document)


def codes_with_tickets(request) -> HttpResponse:
    """``GET /v1/discount-codes?include=tickets``: the requester's codes (20 a page, by id) with their tickets."""
    refused = only_params(request, {"include", "page[number]"}, include="tickets")
    if refused:
        return refused
    who = requester(request)
    if isinstance(who, HttpResponse):
        return who
    _, managed = who
    number, size = page_number(request), DEFAULT_PAGE_SIZE
    if number is None:
        return error(400, "invalid_query_parameter", "Bad page parameters.", "Bad request")
    codes = DiscountCode.objects.all() if managed is None else DiscountCode.objects.filter(event_id__in=managed)
    offset = (number - 1) * size
    rows = list(
        codes.order_by("id").values(*CODE_COLUMNS).annotate(total=Window(Count(F("id"))))[offset : offset + size]
    )
    if not rows and number > 1:
        return error(404, "not_found", "Invalid page.", "Not found")
    count = rows[0]["total"] if rows else 0
    tickets = list(
        Ticket.objects.filter(discount_code_id__in=[r["id"] for r in rows]).order_by("pk").values(*TICKET_COLUMNS)
    )
    by_code: dict[int, list[dict]] = {}
    for ticket in tickets:
        by_code.setdefault(ticket["discount_code_id"], []).append(ticket)
    data, included = [], {}
    for row in rows:
        attached = by_code.get(row["id"], [])
        data.append(code_resource(row, [t["id"] for t in attached]))
        for ticket in attached:
            manager = managed is None or ticket["event_id"] in managed
            included[ticket["id"]] = ticket_resource(ticket, manager)
    document = paged(request, "/v1/discount-codes", number, size, count, data)
    document["included"] = [included[k] for k in sorted(included, key=str)]
    document["meta"] = {"pagination": {"page": number, "pages": max(1, math.ceil(count / size)), "count": count}}
    return respond(document)


def ticket_with_code(request, pk: int) -> HttpResponse:
    """``GET /v1/tickets/{id}?include=discount-code`` for an organizer of the ticket's event."""
    refused = only_params(request, {"include"}, include="discount-code")
    if refused:
        return refused
    who = requester(request)
    if isinstance(who, HttpResponse):
        return who
    _, managed = who
    visible = (
        Ticket.objects.all()
        if managed is None
        else Ticket.objects.filter(Q(is_hidden=False) | Q(event_id__in=managed))
    )
    row = visible.filter(pk=pk).values(*TICKET_COLUMNS).first()
    if row is None:
        return error(404, "not_found", "Not found.", "Not found")
    manager = managed is None or row["event_id"] in managed
    document = {"data": ticket_resource(row, manager), "included": []}
    if manager and row["discount_code_id"] is not None:
        code = DiscountCode.objects.filter(pk=row["discount_code_id"]).values(*CODE_COLUMNS).first()
        ids = list(Ticket.objects.filter(discount_code_id=code["id"]).values_list("pk", flat=True))  # (position, id)
        document["included"] = [code_resource(code, ids)]
    return respond(document)


class _NoView:
    """The code-guessing budget's throttle asks a view for nothing (its scope is fixed)."""


def draw(request) -> HttpResponse | None:
    throttle = CodeLookupThrottle()
    if not throttle.allow_request(request, _NoView()):
        return error(429, "throttled", "Request was throttled.", "Throttled")
    return None


def code_check(request, event_pk: int, code: str) -> HttpResponse:
    """``GET /v1/events/{id}/discount-codes/{code}`` for the public: the rules of ``discounts.rules`` on a code
    read with ``.values()``."""
    refused = only_params(request, set())
    if refused or "HTTP_AUTHORIZATION" in request.META:
        return refused or error(400, "bad_request", "The limit view answers the public only.", "Bad request")
    throttled = draw(request)
    if throttled:
        return throttled
    now = timezone.now()
    found = None
    if len(code) <= code_rules.MAX_CODE_LENGTH:
        found = DiscountCode.objects.filter(event_id=event_pk).with_code(code).first()
    if found is None or not code_rules.is_published(found, now=now):
        return error(404, "not_found", "There is no such discount code for this event.", "Not found")
    problems = code_rules.availability_problems(found, now=now, name=code)
    if problems:
        return error(422, problems[0].code, problems[0].message, "Unprocessable")
    tickets = code_rules.covered_ticket_ids(found)
    document = {
        "data": {
            "type": "discount-code",
            "id": str(found.pk),
            "attributes": {
                "code": code,
                "value": str(found.value),
                "discount-type": found.type,
                "used-for": found.used_for,
                "min-quantity": found.min_quantity,
                "max-quantity": found.max_quantity,
                "valid-from": iso(found.valid_from),
                "valid-till": iso(found.valid_till),
            },
            "relationships": {
                "tickets": {
                    "data": [{"type": "ticket", "id": str(t)} for t in tickets],
                    "meta": {"count": len(tickets)},
                }
            },
        }
    }
    return respond(document)


def parse_lines(raw) -> list | None:
    if not isinstance(raw, list) or not raw or len(raw) > 100:
        return None
    lines = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"id", "quantity"}:
            return None
        pk, quantity = item.get("id"), item.get("quantity")
        if not (isinstance(pk, str) and pk.isdigit() and isinstance(quantity, int) and 1 <= quantity <= 10_000):
            return None
        lines.append(order_rules.LineInput(int(pk), quantity, None))
    return lines


@csrf_exempt  # token-authenticated or public, as the API (DRF's views are exempt too)
def calculate_amount(request) -> HttpResponse:
    """``POST /v1/orders/calculate-amount`` for the public (plain JSON), priced by ``orders.rules.quote``."""
    if request.method != "POST" or request.content_type != "application/json" or "HTTP_AUTHORIZATION" in request.META:
        return error(400, "bad_request", "The limit view answers the benchmark's quote only.", "Bad request")
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return error(400, "parse_error", "Malformed JSON.", "Bad request")
    lines = parse_lines(body.get("tickets")) if isinstance(body, dict) else None
    code = body.get("discount-code") if isinstance(body, dict) else None
    if lines is None or set(body) - {"tickets", "discount-code"} or not isinstance(code, str | None):
        return error(400, "bad_request", "The limit view answers the benchmark's quote only.", "Bad request")
    throttled = draw(request)
    if throttled:
        return throttled
    try:
        quote = order_rules.quote(lines=lines, code_text=code or None, code_id=None, now=timezone.now(), viewer=None)
    except RuleError as refused:
        errors = {"errors": [problem_error(p) for p in refused.problems]}
        return respond(errors, status_of(refused.problems), "application/vnd.api+json")
    return respond(quote_document(quote, [problem_error(p) for p in quote.problems]), 200, "application/json")


@csrf_exempt  # token-authenticated or public, as the API (DRF's views are exempt too)
def code_tickets_patch(request, pk: int) -> HttpResponse:
    """``PATCH /v1/discount-codes/{id}/relationships/tickets``: the requester's code, the requester's tickets,
    replaced by ``discounts.rules.replace_tickets``; the linkage left as the answer."""
    if request.method != "PATCH" or request.content_type != MEDIA:
        return error(400, "bad_request", "The limit view answers the benchmark's PATCH only.", "Bad request")
    who = requester(request)
    if isinstance(who, HttpResponse):
        return who
    _, managed = who
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return error(400, "parse_error", "Malformed JSON.", "Bad request")
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and i.get("type") == "ticket" and isinstance(i.get("id"), str) and i["id"].isdigit()
        for i in items
    ):
        return error(400, "bad_request", "The limit view answers the benchmark's PATCH only.", "Bad request")
    ids = [int(i["id"]) for i in items]
    codes = DiscountCode.objects.all() if managed is None else DiscountCode.objects.filter(event_id__in=managed)
    code = codes.filter(pk=pk).first()
    if code is None:
        return error(404, "not_found", "Not found.", "Not found")
    tickets = Ticket.objects.all() if managed is None else Ticket.objects.filter(event_id__in=managed)
    with transaction.atomic():
        found = list(tickets.filter(pk__in=ids).select_related("discount_code"))
        if len(found) != len(set(ids)):
            return error(404, "not_found", "A ticket was not found.", "Not found")
        try:
            code_rules.replace_tickets(code=code, tickets=found)
        except RuleError as refused:
            transaction.set_rollback(True)
            problem = refused.problems[0]
            return error(422, problem.code, problem.message, "Unprocessable")
    linked = Ticket.objects.filter(discount_code_id=pk).order_by("pk").values_list("pk", flat=True)
    return respond({"data": [{"type": "ticket", "id": str(t)} for t in linked]})


ORDER_COLUMNS = (
    ("status", "status"),
    ("currency", "currency"),
    ("sub-total", "sub_total"),
    ("discount", "discount"),
    ("amount", "amount"),
    ("code", "code"),
)


@csrf_exempt  # token-authenticated or public, as the API (DRF's views are exempt too)
def create_order(request) -> HttpResponse:
    """``POST /v1/orders`` with a code: placed by ``orders.rules.place_order`` (its locks and checks), answered
    with the order read back by ``.values()``."""
    if request.method != "POST" or request.content_type != MEDIA or "HTTP_IDEMPOTENCY_KEY" in request.META:
        return error(400, "bad_request", "The limit view answers the benchmark's order only.", "Bad request")
    user_id = user_id_from(request)
    if user_id is None:
        return error(401, "not_authenticated", "Authentication credentials were not provided.", "Not authenticated")
    buyer = User.objects.filter(pk=user_id, is_active=True).first()
    if buyer is None:
        return error(401, "user_not_found", "User not found", "Not authenticated")
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return error(400, "parse_error", "Malformed JSON.", "Bad request")
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) and data.get("type") == "order" else None
    if not isinstance(attributes, dict) or set(attributes) - {"tickets", "code"}:
        return error(400, "bad_request", "The limit view answers the benchmark's order only.", "Bad request")
    lines, code = parse_lines(attributes.get("tickets")), attributes.get("code")
    if lines is None or not isinstance(code, str) or not code:
        return error(400, "bad_request", "The limit view answers the benchmark's order only.", "Bad request")
    request.user = buyer  # the budget is the buyer's, as the endpoint counts it
    throttled = draw(request)
    if throttled:
        return throttled
    try:
        order, _ = order_rules.place_order(
            buyer=buyer, lines=lines, code_text=code, now=timezone.now(), idempotency_key=None
        )
    except RuleError as refused:
        problem = refused.problems[0]
        return error(422, problem.code, problem.message, "Unprocessable")
    row = (
        Order.objects.filter(pk=order.pk)
        .values(
            "id",
            *(c for _, c in ORDER_COLUMNS),
            "created_at",
            "cancelled_at",
            "event_id",
            "buyer_id",
            "discount_code_id",
        )
        .get()
    )
    lines = OrderLine.objects.filter(order_id=order.pk).order_by("pk").values()
    attributes = {name: row[c] for name, c in ORDER_COLUMNS}
    for name in ("sub-total", "discount", "amount"):
        attributes[name] = str(attributes[name])
    attributes["lines"] = [
        {
            "ticket": str(line["ticket_id"]),
            "name": line["ticket_name"],
            "quantity": line["quantity"],
            "unit-price": str(line["unit_price"]),
            "discounted-quantity": line["discounted_quantity"],
            "discount-per-unit": str(line["unit_discount"]),
            "sub-total": str(line["sub_total"]),
            "discount": str(line["discount"]),
            "total": str(line["total"]),
        }
        for line in lines
    ]
    attributes["created-at"] = iso(row["created_at"])
    attributes["cancelled-at"] = iso(row["cancelled_at"])

    def link(kind, pk):
        return {"data": None if pk is None else {"type": kind, "id": str(pk)}}

    document = {
        "data": {
            "type": "order",
            "id": str(row["id"]),
            "attributes": attributes,
            "relationships": {
                "event": link("event", row["event_id"]),
                "buyer": link("user", row["buyer_id"]),
                "discount-code": link("discount-code", row["discount_code_id"]),
            },
        }
    }
    return respond(document, 201)
