"""Faults while requests run, against gunicorn (2 workers, persistent connections with health checks):

- the service's database connections are cut (``pg_terminate_backend``) again and again;
- the database "restarts": it refuses new connections for a while (``ALTER DATABASE ... ALLOW_CONNECTIONS false``)
  while every connection is cut, then accepts them again. Restarting the whole cluster would disturb other tests
  and other databases on the same server, so the outage is simulated for this database alone.

Every request in flight then either succeeds or fails with a JSON:API 503 (never a 500 page, never a hang); no
partial write remains (the invariants hold); and the service recovers by itself, without a restart.

Also: with ``REDIS_URL`` set, a throttle rate holds across both workers, and a Redis that is away closes only the
throttled endpoints.
"""

import threading
import time

import httpx
import psycopg2
import pytest
import redis
from django.db import connection

from eventsite.tests.server import gunicorn
from orders.invariants import violations
from reliability import figures, soak
from reliability.seed import build_world

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def admin_connection():
    db = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    return conn


def cut_connections(cursor, name: str, keep: list[int]) -> int:
    cursor.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> ALL(%s)",
        [name, keep],
    )
    return cursor.fetchone()[0]


def test_cut_connections_and_an_outage_give_503s_then_recovery(on_postgres):
    w = build_world()
    traffic = soak.prepare(w)
    name = connection.settings_dict["NAME"]
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        own = c.fetchone()[0]  # this test's own connection stays
    admin = admin_connection()
    faults = {"cut": 0, "outage": 0, "killed": 0}
    with gunicorn(CONN_MAX_AGE="60") as base:
        stop = threading.Event()
        box = {}

        def traffic_thread():
            box["results"] = soak.run(base, traffic, seconds=25, clients=6, expected_5xx=frozenset({503}))

        runner = threading.Thread(target=traffic_thread)
        runner.start()
        try:
            with admin.cursor() as cursor:
                time.sleep(1.5)
                for round_ in range(ROUNDS):
                    faults["killed"] += cut_connections(cursor, name, [own])
                    faults["cut"] += 1
                    time.sleep(0.7)
                    if round_ % 2 == 1:  # the database goes away for a while ("restart")
                        cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                        try:
                            faults["killed"] += cut_connections(cursor, name, [own])
                            time.sleep(1.5)
                        finally:
                            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                        faults["outage"] += 1
                        time.sleep(0.7)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            stop.set()
            runner.join(90)
        results = box["results"]

        # recovery by itself: after the faults, every kind of request succeeds again, no restart
        with httpx.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 15
            while http.get("/v1/events").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            auth = {"Authorization": f"JWT {traffic.organizer_token}"}
            for _ in range(8):  # enough to reach every worker thread's connection
                assert http.get("/v1/events").status_code == 200
                assert http.get(f"/v1/discount-codes/{traffic.code_id}", headers=auth).status_code == 200
    admin.close()

    found = violations()
    figures.record("faults_injected", faults["cut"] + faults["outage"])
    figures.record("fault_requests", results.requests)
    figures.record("invariant_violations", len(found))
    figures.record("server_errors", results.server_errors - results.statuses[503])
    print(f"\nfaults: {faults}; {results.requests} requests, statuses {dict(results.statuses)}")
    assert faults["killed"] > 0  # the faults really hit the service's connections
    assert results.statuses[503] > 0, "no request noticed the faults"
    assert results.failures == [], results.failures[:10]
    assert results.unavailable_bodies_ok
    assert found == [], found


@pytest.fixture
def spare_redis():
    """A Redis database of its own (db 13 of the local server), flushed before and after."""
    url = "redis://127.0.0.1:6379/13"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    yield url
    client.flushdb()


def test_a_throttle_rate_holds_across_both_workers(on_postgres, spare_redis):
    w = build_world()
    with gunicorn(REDIS_URL=spare_redis, DISCOUNT_CODE_LOOKUP_RATE="10/minute") as base:
        statuses = []
        for _ in range(30):  # a new connection each time, so both workers answer
            with httpx.Client(base_url=base, timeout=10) as http:
                statuses.append(http.get(f"/v1/events/{w.event.pk}/discount-codes/{w.code.code}").status_code)
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 20, statuses


def test_a_redis_outage_closes_only_the_throttled_endpoints(on_postgres):
    w = build_world()
    with gunicorn(REDIS_URL="redis://127.0.0.1:1/0") as base, httpx.Client(base_url=base, timeout=10) as http:
        figures.record("faults_injected")
        check = http.get(f"/v1/events/{w.event.pk}/discount-codes/{w.code.code}")
        assert check.status_code == 503, check.text
        assert check.json()["errors"][0]["code"] == "rate_limit_unavailable"
        assert http.get("/v1/events").status_code == 200
