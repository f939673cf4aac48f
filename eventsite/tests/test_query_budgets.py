"""Query budgets: every list and relationship endpoint runs a fixed number of SQL queries, whatever the page
size and includes. Counted at 1 and at 50 items; the two counts must be equal and within the budget.

Authenticated requests cost one query for the user (JWT) and one for the events they manage.
"""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discounts import rules
from eventsite.models import OrganizerInvitation
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from orders import rules as order_rules

pytestmark = pytest.mark.django_db


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response.json()


@pytest.fixture
def world(organizer, event):
    """Build ``n`` of everything for the organizer's event, spread over two other events too."""

    def build(n):
        tickets = TicketFactory.create_batch(n, event=event)
        codes = DiscountCodeFactory.create_batch(n, event=event, value="1.00", marketer=organizer)
        rules.attach_tickets(code=codes[0], tickets=tickets)
        for code in codes:  # n entries of history (the attachment is one more)
            rules.update_code(code, discount_url=f"https://example.org/{code.code}")
        lines = [order_rules.LineInput(t.pk, 1) for t in tickets]
        order, _ = order_rules.place_order(buyer=organizer, lines=lines, now=timezone.now())
        for other in EventFactory.create_batch(2):
            TicketFactory(event=other)
        for i in range(n):
            extra = EventFactory(name=f"Extra {i}")
            # invited to each, in another letter case (the list matches the address case-insensitively)
            OrganizerInvitation.objects.create(event=extra, email=organizer.email.upper(), invited_by=extra.owner)
        organizers = UserFactory.create_batch(n)
        event.organizers.add(*organizers)
        return {"event": event, "code": codes[0], "tickets": tickets, "order": order, "user": organizer}

    return build


# (url template, params, anonymous?, exact query count). An authenticated request starts with two queries (the
# user, the events they manage); a collection adds one, the page with its total as a scalar subquery (the
# paginator's COUNT folded into the page query, ``eventsite.api.pagination``); then one per preloaded relation:
# include=event is a JOIN (free), include=discount-code a JOIN plus the codes' ticket ids, a code's tickets
# one prefetch; /events/{id}/... and /discount-codes/{id}/... look their parent up once, except that
# /discount-codes/{id}/tickets learns the managed events and whether the code is among them in one query
# (``eventsite.access.manages_row``); listed plainly, a code's or an event's tickets are a prepared query of rows
# (``tickets.views``, include=event a JOIN), and an event's page looks the event up only when it is empty.
# /orders/{id}/tickets looks the order up among those the requester may see, then the managed events (the
# serializer shows organizers' members); /users/{id}/discount-codes needs no look-up when one asks about oneself.
ENDPOINTS = [
    ("/v1/events", {"page[size]": 100}, True, 1),
    ("/v1/tickets", {"page[size]": 100}, True, 1),
    ("/v1/tickets", {"page[size]": 100, "include": "event"}, True, 1),
    ("/v1/tickets", {"page[size]": 100, "include": "event,discount-code"}, False, 4),
    ("/v1/events/{event}/tickets", {"page[size]": 100}, True, 1),
    ("/v1/events/{event}/tickets", {"page[size]": 100, "include": "discount-code"}, False, 5),
    ("/v1/discount-codes", {"page[size]": 100}, False, 4),
    ("/v1/discount-codes", {"page[size]": 100, "include": "tickets,event"}, False, 4),
    ("/v1/events/{event}/discount-codes", {"page[size]": 100, "include": "tickets"}, False, 5),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": 100}, False, 3),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": 100, "include": "event"}, False, 3),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": 100, "include": "event", "sort": "-price"}, False, 3),
    ("/v1/discount-codes/{code}", {"include": "tickets,event"}, False, 4),
    ("/v1/discount-codes/{code}/relationships/tickets", {}, False, 4),
    ("/v1/events/{event}/relationships/organizers", {}, False, 3),
    # the invitee's invitations: the user, then the page (include=event is a JOIN)
    ("/v1/organizer-invitations", {"page[size]": 100}, False, 2),
    ("/v1/organizer-invitations", {"page[size]": 100, "include": "event"}, False, 2),
    ("/v1/orders/{order}/tickets", {"page[size]": 100}, False, 4),
    ("/v1/orders/{order}/tickets", {"page[size]": 100, "include": "event,discount-code"}, False, 5),
    ("/v1/users/{user}/discount-codes", {"page[size]": 100}, False, 4),
    ("/v1/users/{user}/discount-codes", {"page[size]": 100, "include": "tickets,event"}, False, 4),
    # the history: a code's learns the managed events and whether the code is among them in one query (a deleted
    # code's asks once more, whether its entries are the requester's); an event's looks the event up
    ("/v1/discount-codes/{code}/history", {"page[size]": 100}, False, 3),
    ("/v1/events/{event}/history", {"page[size]": 100}, False, 4),
    ("/v1/events/{event}/history", {"page[size]": 100, "filter[door]": "other"}, False, 4),
]


@pytest.mark.parametrize(
    ("template", "params", "anonymous", "budget"), ENDPOINTS, ids=[e[0] + str(e[1]) for e in ENDPOINTS]
)
def test_query_count_does_not_grow_with_the_page(api, organizer, world, template, params, anonymous, budget):
    client = api(None if anonymous else organizer)
    small = world(1)
    url = template.format(event=small["event"].pk, code=small["code"].pk, order=small["order"].pk, user=organizer.pk)
    few, _ = count_queries(client, url, params)
    large = world(50)
    url = template.format(event=large["event"].pk, code=large["code"].pk, order=large["order"].pk, user=organizer.pk)
    many, body = count_queries(client, url, params)
    assert many == few, f"{url}: {few} queries at 1 item, {many} at 50"
    assert many == budget, f"{url}: {many} queries, budget {budget}"
    if isinstance(body["data"], list):
        assert len(body["data"]) > 1


def test_replacing_a_codes_tickets_with_1000_ids_takes_a_fixed_number_of_queries(api, organizer, event, ticket_code):
    tickets = TicketFactory.create_batch(1000, event=event)
    linkage = {"data": [{"type": "ticket", "id": str(t.pk)} for t in tickets]}
    client = api(organizer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.patch(f"/v1/discount-codes/{ticket_code.pk}/relationships/tickets", linkage)
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1000
    # user, managed events, the code, the tickets looked up, lock code (x2), lock tickets, UPDATE attach,
    # the tickets left out (none here, so no UPDATE detaches them), the history's entry and its mentions (one
    # insert each, naming the 1000 tickets: SQLite splits the mentions at its 999 parameters), linkage; plus
    # savepoints
    mentions = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "history_mention"')]
    assert len(mentions) == (1 if connection.vendor == "postgresql" else math.ceil(1001 / (999 // 3)))
    others = [q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"] and q not in mentions]
    assert len(others) <= 12
