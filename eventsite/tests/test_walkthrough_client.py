"""The README's API walk-through, driven through a JSON:API client library written by others.

``clients/walkthrough/walkthrough.js`` (devour-client under Node.js, versions pinned in its package-lock.json,
installed by ``scripts/client-deps.sh``) makes the walk-through's requests against a live server over a seeded
dataset and prints one JSON line per step; this test checks every line, the database afterwards, and that the
client's requests are exactly the README's. Without Node or the packages the test is skipped, except in CI
(``CI=true``), where it fails.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from discounts.models import DiscountCode
from eventsite.models import Event, User
from eventsite.tests.server import gunicorn
from reliability.seed import CANARY_CODE, build_world
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = Path(settings.BASE_DIR) / "clients" / "walkthrough"
README = Path(settings.BASE_DIR) / "README.md"
STEPS = [
    "sign-up",
    "log-in",
    "create-event",
    "create-tickets",
    "create-code",
    "add-tickets",
    "replace-tickets",
    "remove-tickets",
    "read-with-include",
    "code-tickets",
    "public-check",
    "paginate",
    "rename",
    "validation-error",
    "delete",
    "requests",
]


def missing_client() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is missing (scripts/client-deps.sh installs it where it can)"
    if not (CLIENT / "node_modules" / "devour-client").is_dir():
        return "the walk-through client's packages are missing: run scripts/client-deps.sh"
    return None


@pytest.fixture
def base_url(request):
    """The PostgreSQL pass serves the API with gunicorn as in production (eventsite/tests/server.py); on SQLite,
    whose test database lives in memory, with the live server (Django's threaded server, as ``run.sh`` uses)."""
    reason = missing_client()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the walk-through client must run in CI: {reason}")
        pytest.skip(reason)
    if connection.vendor == "postgresql":
        with gunicorn() as base:
            yield base
    else:
        yield request.getfixturevalue("live_server").url


def run_client(base: str) -> tuple[dict[str, dict], str]:
    env = os.environ | {"API": f"{base}/v1"}
    done = subprocess.run(["node", "walkthrough.js"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    steps = {line.pop("step"): line for line in lines}
    report = f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return steps, report


def readme_requests() -> set[tuple[str, str]]:
    """(method, path) of every curl in the README's walk-through (the first ``sh`` block of section "API")."""
    api = README.read_text(encoding="utf-8").split("\n## API", 1)[1]
    block = re.search(r"```sh\n(.*?)```", api, re.S).group(1)
    found = set()
    for line in block.splitlines():
        if "curl " not in line:
            continue
        method = re.search(r"-X\s+([A-Z]+)", line)
        path = re.search(r"\$API(/[^\s\"?]*)", line).group(1)
        found.add((method.group(1) if method else "GET", path))
    return found


def client_requests(sent: list[list[str]], ids: dict[str, str]) -> set[tuple[str, str]]:
    """The client's requests with its ids written as the README's variables ($EVENT, $CODE, $T1 ...)."""
    names = {("events", v): "$EVENT" for k, v in ids.items() if k == "EVENT"}
    names |= {("discount-codes", v): "$CODE" for k, v in ids.items() if k == "CODE"}
    names |= {("tickets", v): f"${k}" for k, v in ids.items() if k.startswith("T")}
    found = set()
    for method, path in sent:
        parts = path.split("/")
        for i in range(1, len(parts)):
            parts[i] = names.get((parts[i - 1], parts[i]), parts[i])
        found.add((method, "/".join(parts)))
    return found


def test_the_readme_walk_through_through_a_json_api_client_library(base_url):
    world = build_world()  # others' events, tickets, codes and orders around the walk-through
    steps, report = run_client(base_url)
    assert list(steps) == STEPS, report
    assert CANARY_CODE not in report, "another event's code reached the client"

    assert steps["sign-up"] == {"id": steps["sign-up"]["id"], "email": "me@example.org", "password": None}
    assert steps["log-in"] == {"status": 200, "token": True}
    event = steps["create-event"]
    assert event | {"id": None} == {"id": None, "name": "PyCon", "currency": "EUR", "timezone": "UTC"}
    tickets = steps["create-tickets"]
    assert tickets["names"] == ["Early", "Student", "Regular"] and tickets["prices"] == ["50.00"] * 3
    t1, t2, t3 = tickets["ids"]
    assert world.event.pk != int(event["id"]) and world.ticket.pk not in {int(t) for t in tickets["ids"]}

    code = steps["create-code"]
    assert code | {"id": None} == {"id": None, "code": "EARLY", "value": "10.00", "tickets": [t1]}
    assert steps["add-tickets"] == {"tickets": [t1, t2]}
    assert steps["replace-tickets"] == {"tickets": [t2, t3]}
    assert steps["remove-tickets"] == {"tickets": [t2]}
    assert steps["read-with-include"] == {"code": "EARLY", "event": "PyCon", "tickets": ["Student"]}
    assert steps["code-tickets"] == {"tickets": ["Student"], "events": ["PyCon"], "count": 1}
    assert steps["public-check"] == {"value": "10.00", "type": "amount", "tickets": [t2]}
    pages = steps["paginate"]["pages"]
    assert [len(page) for page in pages] == [2, 1] and steps["paginate"]["count"] == 3
    assert sorted(name for page in pages for name in page) == ["Early", "Regular", "Student"]

    # The rename saves back every member the client fetched, read-only ones (`used-count`, `created-at`) too.
    rename = steps["rename"]
    assert rename["code"] == "EARLYBIRD" and rename["tickets"] == [t2]
    assert {"code", "used-count", "created-at", "event", "tickets"} <= set(rename["sent"])
    refusal = steps["validation-error"]
    assert refusal["value"] == "10.00", "a refused change changed the code"
    assert [(e["status"], e["source"]["pointer"]) for e in refusal["errors"]] == [("422", "/data/attributes/value")]
    assert steps["delete"]["gone"][0]["status"] == "404"
    assert steps["delete"] | {"gone": None} == {"gone": None, "ticket": "Student", "ticketCode": None}

    user = User.objects.get(email="me@example.org")
    assert Event.objects.get(pk=event["id"]).owner == user
    assert not DiscountCode.objects.filter(pk=code["id"]).exists()
    assert not Ticket.objects.filter(pk__in=tickets["ids"], discount_code__isnull=False).exists()
    assert world.code.tickets.get() == world.ticket, "the walk-through touched another event's code"

    ids = {"EVENT": event["id"], "CODE": code["id"], "T1": t1, "T2": t2, "T3": t3}
    assert client_requests(steps["requests"]["sent"], ids) == readme_requests(), (
        "the README's walk-through (section API) and clients/walkthrough/walkthrough.js must make the same requests"
    )
