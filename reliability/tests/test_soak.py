"""The soak: several concurrent clients against gunicorn (2 workers) on PostgreSQL for a bounded time, then the
invariants of the whole database. CI runs 20 seconds; ``scripts/reliability.sh --long`` runs 3 minutes
(``RELIABILITY_SOAK_SECONDS``)."""

import os

import pytest

from eventsite.tests.server import gunicorn
from orders.invariants import violations
from reliability import figures, soak
from reliability.seed import build_world

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("RELIABILITY_SOAK_SECONDS", "20"))


def test_soak_ends_with_no_5xx_and_every_invariant_holding(on_postgres):
    w = build_world()
    traffic = soak.prepare(w)
    with gunicorn(CONN_MAX_AGE="60") as base:
        results = soak.run(base, traffic, seconds=SECONDS, clients=6)
    found = violations()
    figures.record("soak_requests", results.requests)
    figures.record("soak_seconds", int(SECONDS))
    figures.record("server_errors", results.server_errors)
    figures.record("invariant_violations", len(found))
    print(f"\nsoak: {results.requests} requests in {SECONDS:.0f} s; statuses {dict(results.statuses)}")
    assert results.failures == [], results.failures[:10]
    assert results.server_errors == 0
    assert found == [], found
    # the mix really happened: every kind of operation ran, and some orders were placed and some refused
    assert set(results.operations) >= {"read", "read_code", "relationship", "quote", "check", "order"}
    assert results.statuses[201] > 0
