"""What the benchmark measures: one entry per endpoint. ``{name}`` placeholders are filled from the seed's ids.

- ``auth``: sent with the organizer's token (the owner of the hot event);
- ``bodies``: request bodies sent in turn (a key of the seed state, or literal documents);
- ``content_type``, ``accept``: media types (default ``application/vnd.api+json``; the quote is plain JSON);
- ``optional``: an endpoint that may not exist yet: if its URL is a 404 it is reported "n/a", not an error;
- ``limit_of``: the hand-written limit of another entry (ours ÷ limit is reported for that entry);
- ``xlarge``: also measured at the tenfold scale (a million tickets) when ``--scales`` names it; issue 15 asks
  large ÷ small p99 ≤ 1.5 there too for the code's tickets.
"""

ENDPOINTS = [
    {
        "name": "code-tickets",
        "label": "GET /v1/discount-codes/{id}/tickets?page[size]=50&include=event",
        "path": "/v1/discount-codes/{list_code}/tickets?page%5Bsize%5D=50&include=event",
        "auth": True,
        "xlarge": True,
    },
    {
        "name": "limit",
        "label": "limit: the same document by hand (.values() + orjson)",
        "path": "/bench/limit/discount-codes/{list_code}/tickets?page%5Bsize%5D=50&include=event",
        "auth": True,
        "limit_of": "code-tickets",
        "xlarge": True,
    },
    {
        "name": "event-tickets",
        "label": "GET /v1/events/{id}/tickets (public)",
        "path": "/v1/events/{event}/tickets",
        "auth": False,
    },
    {
        "name": "limit-event-tickets",
        "label": "limit: the same page by hand (.values() + orjson)",
        "path": "/bench/limit/events/{event}/tickets",
        "auth": False,
        "limit_of": "event-tickets",
    },
    {
        "name": "codes-include-tickets",
        "label": "GET /v1/discount-codes?include=tickets",
        "path": "/v1/discount-codes?include=tickets",
        "auth": True,
    },
    {
        "name": "limit-codes-include-tickets",
        "label": "limit: the same document by hand",
        "path": "/bench/limit/discount-codes?include=tickets",
        "auth": True,
        "limit_of": "codes-include-tickets",
    },
    {
        "name": "ticket-include-code",
        "label": "GET /v1/tickets/{id}?include=discount-code",
        "path": "/v1/tickets/{ticket}?include=discount-code",
        "auth": True,
    },
    {
        "name": "limit-ticket-include-code",
        "label": "limit: the same document by hand",
        "path": "/bench/limit/tickets/{ticket}?include=discount-code",
        "auth": True,
        "limit_of": "ticket-include-code",
    },
    {
        "name": "patch-code-tickets",
        "label": "PATCH /v1/discount-codes/{id}/relationships/tickets (500 ids)",
        "method": "PATCH",
        "path": "/v1/discount-codes/{patch_code}/relationships/tickets",
        "auth": True,
        "bodies": "patch_bodies",
    },
    {
        "name": "limit-patch-code-tickets",
        "label": "limit: parsed and answered by hand, replaced by the same rule",
        "path": "/bench/limit/discount-codes/{patch_code}/relationships/tickets",
        "auth": True,
        "limit_of": "patch-code-tickets",
        "method": "PATCH",
        "bodies": "patch_bodies",
    },
    {
        "name": "code-check",
        "label": "GET /v1/events/{id}/discount-codes/{code} (public check)",
        "path": "/v1/events/{event}/discount-codes/{check_code}",
        "auth": False,
    },
    {
        "name": "limit-code-check",
        "label": "limit: the same rules, the document by hand",
        "path": "/bench/limit/events/{event}/discount-codes/{check_code}",
        "auth": False,
        "limit_of": "code-check",
    },
    {
        "name": "orders-calculate-amount",
        "label": "POST /v1/orders/calculate-amount",
        "method": "POST",
        "path": "/v1/orders/calculate-amount",
        "auth": False,
        "content_type": "application/json",
        "accept": "application/json",
        "bodies": [{"tickets": [{"id": "{paid_ticket}", "quantity": 2}], "discount-code": "{check_code}"}],
    },
    {
        "name": "limit-orders-calculate-amount",
        "label": "limit: parsed by hand, priced by the same rule",
        "path": "/bench/limit/orders/calculate-amount",
        "auth": False,
        "limit_of": "orders-calculate-amount",
        "method": "POST",
        "content_type": "application/json",
        "accept": "application/json",
        "bodies": [{"tickets": [{"id": "{paid_ticket}", "quantity": 2}], "discount-code": "{check_code}"}],
    },
    {
        "name": "orders-create",
        "label": "POST /v1/orders (with a code: locks the code and the ticket)",
        "method": "POST",
        "path": "/v1/orders",
        "auth": True,
        "content_type": "application/vnd.api+json",
        "bodies": [
            {
                "data": {
                    "type": "order",
                    "attributes": {"tickets": [{"id": "{paid_ticket}", "quantity": 1}], "code": "{check_code}"},
                }
            }
        ],
    },
    {
        "name": "limit-orders-create",
        "label": "limit: parsed by hand, placed by the same rule, read back by .values()",
        "path": "/bench/limit/orders",
        "auth": True,
        "limit_of": "orders-create",
        "method": "POST",
        "content_type": "application/vnd.api+json",
        "bodies": [
            {
                "data": {
                    "type": "order",
                    "attributes": {"tickets": [{"id": "{paid_ticket}", "quantity": 1}], "code": "{check_code}"},
                }
            }
        ],
    },
]
