"""The embedded default takes concurrent buyers: on a SQLite file (the database ``scripts/run.sh`` uses), concurrent
orders against ``runserver`` (as run.sh starts it) and against gunicorn with 2 worker processes each get a clean
answer, never a 503 "database is locked", and the limits hold exactly.

SQLite has one writer at a time. Configured as eventsite.settings does it (transactions ``BEGIN IMMEDIATE``, a busy
timeout, WAL), a writer waits its turn instead of failing at once when it would upgrade a read lock. These tests use
real processes on 127.0.0.1, a SQLite file of their own and threads sending the requests; they do not touch the test
database, so they run on either database run.
"""

import json
import sqlite3
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest

from eventsite.tests import server

BUYERS = 40


def seed() -> None:
    """Run inside the server's database (``manage.py shell``): a code for 5 tickets on a ticket of 1,000, a ticket
    of 3, and buyers with their tokens; prints the ids and tokens as JSON."""
    from decimal import Decimal

    from rest_framework_simplejwt.tokens import RefreshToken

    from discounts import rules
    from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory

    event = EventFactory()
    coded = TicketFactory(event=event, quantity=1000, max_order=10)
    code = DiscountCodeFactory(event=event, code="FIVE", tickets_number=5, value=Decimal("1.00"))
    rules.attach_tickets(code=code, tickets=[coded])
    scarce = TicketFactory(event=event, quantity=3)
    buyers = UserFactory.create_batch(BUYERS, password=None)  # no password to hash: they hold tokens
    tokens = [str(RefreshToken.for_user(buyer).access_token) for buyer in buyers]
    print(json.dumps({"coded": coded.pk, "code": code.pk, "scarce": scarce.pk, "tokens": tokens}))


@pytest.fixture(scope="module", params=["runserver", "gunicorn"])
def shop(request, tmp_path_factory, migrated_sqlite):
    """A fresh SQLite file, seeded, served by ``runserver`` or by gunicorn (2 workers, 4 threads each)."""
    tmp = tmp_path_factory.mktemp(request.param)
    url = server.sqlite_database(tmp, migrated_sqlite)
    output = server.manage("shell", "-c", f"from {__name__} import seed; seed()", DATABASE_URL=url)
    world = json.loads(output.splitlines()[-1])
    if request.param == "runserver":
        serve = server.runserver(DATABASE_URL=url)
    else:
        serve = server.gunicorn(workers=2, threads=4, DATABASE_URL=url)
    with serve as base:
        yield {"base": base, "file": tmp / "db.sqlite3", **world}


def post_order(base: str, token: str, ticket: int, code: str | None) -> int:
    attributes = {"tickets": [{"id": str(ticket), "quantity": 1}]} | ({"code": code} if code else {})
    request = urllib.request.Request(
        f"{base}/v1/orders",
        data=json.dumps({"data": {"type": "order", "attributes": attributes}}).encode(),
        headers={"Content-Type": "application/vnd.api+json", "Authorization": f"JWT {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def fire(shop: dict, count: int, ticket: int, code: str | None) -> list[int]:
    tokens = shop["tokens"][:count]
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda token: post_order(shop["base"], token, ticket, code), tokens))


def one(shop: dict, sql: str, *params) -> int:
    with closing(sqlite3.connect(shop["file"])) as db:
        return db.execute(sql, params).fetchone()[0]


def test_40_concurrent_orders_against_a_code_for_5_give_5_successes_and_35_conflicts(shop):
    statuses = fire(shop, BUYERS, shop["coded"], "FIVE")
    assert sorted(statuses) == [201] * 5 + [409] * 35, statuses
    used = one(shop, "SELECT used_count FROM discounts_discountcode WHERE id = ?", shop["code"])
    recount = one(
        shop,
        "SELECT SUM(l.discounted_quantity) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
        "WHERE o.discount_code_id = ? AND o.status = 'placed'",
        shop["code"],
    )
    assert used == recount == 5


def test_20_concurrent_orders_for_a_ticket_of_3_give_3_and_no_503(shop):
    statuses = fire(shop, 20, shop["scarce"], None)
    assert sorted(statuses) == [201] * 3 + [409] * 17, statuses
    sold = one(shop, "SELECT sold_count FROM tickets_ticket WHERE id = ?", shop["scarce"])
    assert sold == 3 == one(shop, "SELECT SUM(quantity) FROM orders_orderline WHERE ticket_id = ?", shop["scarce"])


def test_the_file_is_in_wal_mode(shop):
    assert one(shop, "PRAGMA journal_mode") == "wal"


def test_runserver_is_ours_and_takes_a_burst_of_connections():
    """``manage.py runserver`` is eventsite's (its app comes first): Django's server listening with a backlog that
    takes a burst (Django's own queues 10), WhiteNoise serving the static files. Fails if Django or WhiteNoise stop
    letting a command choose its server class or static handling."""
    from django.core.management import get_commands, load_command_class
    from django.core.servers.basehttp import WSGIServer

    assert get_commands()["runserver"] == "eventsite"
    command = load_command_class("eventsite", "runserver")
    assert issubclass(command.server_cls, WSGIServer)
    assert command.server_cls.request_queue_size > BUYERS > WSGIServer.request_queue_size
    assert command.create_parser("manage.py", "runserver").get_default("use_static_handler") is False
