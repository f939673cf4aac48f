"""The limit: the document of ``GET /v1/discount-codes/{id}/tickets?page[size]=50&include=event``, by hand.

What the benchmark compares the real endpoint with: the same JSON:API document (``bench/tests`` checks that it
is equal) from the same data, with the fewest queries this design allows and no framework in between:

1. the requester (from the JWT) and whether they may see the code, in one query;
2. the page of tickets with its event and the total count (``COUNT(*) OVER ()``), in one query via ``.values()``.

It answers only what the benchmark asks (a logged-in organizer, ``include=event`` or nothing, ``page[...]``); any
other request is refused with a JSON:API error rather than answered wrongly. Mounted by ``bench/urls.py`` only.
"""

import math

import orjson
from django.db import connection
from django.db.models import Count, F, Window
from django.http import HttpResponse
from rest_framework.utils.urls import replace_query_param
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from tickets.models import Ticket

MEDIA = "application/vnd.api+json"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 100

TICKET_ATTRIBUTES = (
    ("name", "name"),
    ("description", "description"),
    ("ticket-type", "type"),
    ("price", "price"),
    ("quantity", "quantity"),
    ("sold-count", "sold_count"),
    ("min-price", "min_price"),
    ("max-price", "max_price"),
    ("position", "position"),
    ("min-order", "min_order"),
    ("max-order", "max_order"),
    ("sales-starts-at", "sales_starts_at"),
    ("sales-ends-at", "sales_ends_at"),
    ("is-hidden", "is_hidden"),
    ("created-at", "created_at"),
)
MONEY = {"price", "min_price", "max_price"}
EVENT_ATTRIBUTES = (
    ("name", "event__name"),
    ("identifier", "event__identifier"),
    ("description", "event__description"),
    ("starts-at", "event__starts_at"),
    ("ends-at", "event__ends_at"),
    ("timezone", "event__timezone"),
    ("payment-currency", "event__payment_currency"),
    ("created-at", "event__created_at"),
)
DATETIMES = {
    "sales_starts_at",
    "sales_ends_at",
    "created_at",
    "event__starts_at",
    "event__ends_at",
    "event__created_at",
}

# The requester, and the code's event if they may see the code (superuser, owner or organizer of its event).
CODE_SCOPE_SQL = """
SELECT u.is_superuser, c.event_id
FROM eventsite_user u
LEFT JOIN discounts_discountcode c ON c.id = %s AND (
    u.is_superuser
    OR c.event_id IN (SELECT id FROM eventsite_event WHERE owner_id = u.id)
    OR c.event_id IN (SELECT event_id FROM eventsite_event_organizers WHERE user_id = u.id)
)
WHERE u.id = %s AND u.is_active
"""


def error(status: int, code: str, detail: str, title: str) -> HttpResponse:
    body = {"errors": [{"status": str(status), "code": code, "title": title, "detail": detail}]}
    return HttpResponse(orjson.dumps(body), status=status, content_type=MEDIA)


def user_id_from(request) -> int | None:
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0] not in jwt_settings.AUTH_HEADER_TYPES:
        return None
    try:
        return int(AccessToken(header[1])[jwt_settings.USER_ID_CLAIM])
    except (TokenError, KeyError, ValueError):
        return None


def iso(value) -> str | None:
    """As DRF writes a date-time (UTC, ``Z``)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def code_tickets(request, pk: int) -> HttpResponse:
    params = request.GET
    if set(params) - {"include", "page[size]", "page[number]"} or params.get("include", "event") != "event":
        return error(400, "invalid_query_parameter", "The limit view answers only the benchmark's query.", "Bad")
    size_raw, number_raw = params.get("page[size]", str(DEFAULT_PAGE_SIZE)), params.get("page[number]", "1")
    if not (size_raw.isdigit() and 1 <= int(size_raw) <= MAX_PAGE_SIZE and number_raw.isdigit()):
        return error(400, "invalid_query_parameter", "Bad page parameters.", "Bad request")
    size, number = int(size_raw), max(int(number_raw), 1)
    include_event = "include" in params

    if "HTTP_AUTHORIZATION" not in request.META:
        # as the endpoint answers without a token
        return error(401, "not_authenticated", "Authentication credentials were not provided.", "Not authenticated")
    user_id = user_id_from(request)
    if user_id is None:
        return error(401, "token_not_valid", "Given token not valid for any token type", "Not authenticated")
    with connection.cursor() as cursor:
        cursor.execute(CODE_SCOPE_SQL, [pk, user_id])
        row = cursor.fetchone()
    if row is None:
        return error(401, "user_not_found", "User not found", "Not authenticated")
    if row[1] is None:
        return error(404, "not_found", "Not found.", "Not found")

    columns = ["id", *(c for _, c in TICKET_ATTRIBUTES), "event_id"]
    if include_event:
        columns += [c for _, c in EVENT_ATTRIBUTES] + ["event__owner_id"]
    offset = (number - 1) * size
    rows = list(
        Ticket.objects.filter(discount_code_id=pk)
        .order_by("position", "id")
        .values(*columns)
        .annotate(total=Window(Count(F("id"))))[offset : offset + size]
    )
    if rows:
        count = rows[0]["total"]
    elif number == 1:
        count = 0
    else:
        return error(404, "not_found", "Invalid page.", "Not found")
    pages = max(1, math.ceil(count / size))

    data, events = [], {}
    for r in rows:
        attributes = {}
        for name, column in TICKET_ATTRIBUTES:
            value = r[column]
            if column in DATETIMES:
                value = iso(value)
            elif column in MONEY and value is not None:
                value = str(value)
            attributes[name] = value
        event_id = str(r["event_id"])
        data.append(
            {
                "type": "ticket",
                "id": str(r["id"]),
                "attributes": attributes,
                "relationships": {
                    "event": {"data": {"type": "event", "id": event_id}},
                    "discount-code": {"data": {"type": "discount-code", "id": str(pk)}},
                },
            }
        )
        if include_event and event_id not in events:
            events[event_id] = {
                "type": "event",
                "id": event_id,
                "attributes": {name: iso(r[c]) if c in DATETIMES else r[c] for name, c in EVENT_ATTRIBUTES},
                "relationships": {"owner": {"data": {"type": "user", "id": str(r["event__owner_id"])}}},
            }

    # Links name the public endpoint, as the real one writes them.
    url = f"{request.scheme}://{request.get_host()}/v1/discount-codes/{pk}/tickets"
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]

    def link(page):
        return replace_query_param(url, "page[number]", page) if page else None

    document = {
        "links": {
            "first": link(1),
            "last": link(pages),
            "next": link(number + 1 if number < pages else None),
            "prev": link(number - 1 if number > 1 else None),
        },
        "data": data,
    }
    if include_event:
        document["included"] = [events[k] for k in sorted(events)]
    document["meta"] = {"pagination": {"page": number, "pages": pages, "count": count}}
    return HttpResponse(orjson.dumps(document), content_type=MEDIA)
