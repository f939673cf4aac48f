"""Limits that hold under concurrency, proven on PostgreSQL against gunicorn with two worker processes.

SQLite serialises every write and ignores ``SELECT ... FOR UPDATE``, so it would hide a race; these tests
run only on PostgreSQL (CI runs the suite there too).
"""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from discounts import rules as discount_rules
from eventsite.tests import server
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from orders import rules
from orders.models import Order
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gunicorn():
    """Two worker processes (4 threads each) on the test database; connections closed after each request."""
    with server.gunicorn(workers=2, threads=4, CONN_MAX_AGE="0") as base:
        yield base


def post_order(base: str, token: str, ticket: Ticket, code: str | None) -> int:
    attributes = {"tickets": [{"id": str(ticket.pk), "quantity": 1}]}
    if code:
        attributes["code"] = code
    request = urllib.request.Request(
        f"{base}/v1/orders",
        data=json.dumps({"data": {"type": "order", "attributes": attributes}}).encode(),
        headers={"Content-Type": "application/vnd.api+json", "Authorization": f"JWT {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def fire(base: str, count: int, ticket: Ticket, code: str | None) -> list[int]:
    buyers = UserFactory.create_batch(count)
    tokens = [str(RefreshToken.for_user(b).access_token) for b in buyers]
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda t: post_order(base, t, ticket, code), tokens))


def test_40_parallel_orders_against_a_code_for_5_give_exactly_5(on_postgres, gunicorn):
    event = EventFactory()
    ticket = TicketFactory(event=event, quantity=1000, max_order=10)
    code = DiscountCodeFactory(event=event, code="FIVE", tickets_number=5, value=Decimal("1.00"))
    discount_rules.attach_tickets(code=code, tickets=[ticket])
    statuses = fire(gunicorn, 40, ticket, "FIVE")
    assert statuses.count(201) == 5, statuses
    assert statuses.count(409) == 35, statuses
    code.refresh_from_db()
    assert code.used_count == 5 == rules.used_count_from_orders(code)
    assert Order.objects.filter(discount_code=code).count() == 5


def test_20_parallel_orders_for_a_ticket_of_3_give_exactly_3(on_postgres, gunicorn):
    ticket = TicketFactory(quantity=3)
    statuses = fire(gunicorn, 20, ticket, None)
    assert statuses.count(201) == 3, statuses
    assert statuses.count(409) == 17, statuses
    ticket.refresh_from_db()
    assert ticket.sold_count == 3 == rules.sold_count_from_orders(ticket)


def test_cancellations_and_orders_racing_keep_the_counts_exact(on_postgres, gunicorn):
    event = EventFactory()
    ticket = TicketFactory(event=event, quantity=1000)
    code = DiscountCodeFactory(event=event, code="RACE", tickets_number=10, value=Decimal("1.00"))
    discount_rules.attach_tickets(code=code, tickets=[ticket])
    fire(gunicorn, 10, ticket, "RACE")
    from django.utils import timezone

    def cancel(order):
        try:
            rules.cancel_order(order=order, now=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=5) as pool:
        cancels = [pool.submit(cancel, o) for o in Order.objects.all()[:5]]
        statuses = fire(gunicorn, 10, ticket, "RACE")
        for future in cancels:
            future.result()
    code.refresh_from_db()
    ticket.refresh_from_db()
    # 10 placed, then 5 cancelled while 10 more race for the 10 uses: whichever way the race goes, every
    # answer is a success or a clean refusal, and the counters equal a recount from the orders.
    assert set(statuses) <= {201, 409}, statuses
    placed = 5 + statuses.count(201)
    assert code.used_count == rules.used_count_from_orders(code) == placed <= 10
    assert ticket.sold_count == rules.sold_count_from_orders(ticket) == placed
