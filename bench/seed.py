"""Seed the benchmark database at one scale, fast: drop and re-create it, migrate, then COPY every table.

    python -m bench.seed small|large|xlarge [--state PATH]

Every scale has the same *hot event* (id 1, owned by the benchmark's organizer), so that large ÷ small
compares the same requests on tables 100 times larger (xlarge: 1,000 times, a million tickets):

- tickets 1-695, all paid (50.00), positions 0-694;
- code 1 ``LIST`` holds tickets 1-60 (a full page of 50 and a second page);
- codes 2-20 hold five tickets each (tickets 61-155), like the average code of the large scale;
- tickets 156-195 carry no code (the PATCH alternates them in and out);
- code 21 ``PATCH`` holds tickets 196-695 (500): the PATCH replaces them with 156-655 and back.

The other events share the rest of the tickets and codes; their ticket codes take paid tickets of their own
event (amount ≤ price, one code per ticket) until half of all tickets carry a code. Every domain rule holds.
Prints nothing but a summary line; writes the ids and the organizer's token to the state file.
"""

import argparse
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import django
import psycopg2
from psycopg2 import sql

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

SCALES = {
    "small": {"events": 10, "tickets": 1_000, "codes": 100},
    "large": {"events": 1_000, "tickets": 100_000, "codes": 10_000},
    "xlarge": {"events": 10_000, "tickets": 1_000_000, "codes": 100_000},
}

HOT_TICKETS = 695
LIST_TICKETS = range(1, 61)
TYPICAL_CODES = range(2, 21)  # five tickets each: 61-155
POOL = range(156, 196)
PATCH_TICKETS = range(196, 696)
PATCH_ALTERNATE = range(156, 656)
HOT_CODES = 21

NOW = datetime(2026, 1, 1, tzinfo=UTC)
STARTS = datetime(2031, 5, 1, 9, tzinfo=UTC)


def recreate_database(url: str) -> None:
    params = psycopg2.extensions.parse_dsn(url.replace("postgres://", "postgresql://", 1))
    name = params.pop("dbname")
    conn = psycopg2.connect(**params, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def copy(cursor, table: str, columns: list[str], rows) -> int:
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )
    return count


def build(scale: dict) -> dict:
    """Rows of every table as tuples, plus the ids the endpoints use."""
    n_events, n_tickets, n_codes = scale["events"], scale["tickets"], scale["codes"]
    owners = 10
    users = [(1, "organizer@bench.example.org")] + [(i, f"owner{i}@bench.example.org") for i in range(2, owners + 2)]

    events = []
    for e in range(1, n_events + 1):
        owner = 1 if e == 1 else 2 + e % owners
        starts = STARTS + timedelta(days=e % 300)
        events.append((e, f"Conference {e}", f"b{e:07d}", "", starts, starts + timedelta(days=2), owner))

    # Codes: the hot event's 21, then the rest spread over the other events; every 10th is event-wide.
    codes = []  # (id, event_id, used_for, type, value)
    for c in range(1, HOT_CODES + 1):
        codes.append((c, 1, "ticket", "amount", Decimal("10.00")))
    other_events = list(range(2, n_events + 1))
    for i, c in enumerate(range(HOT_CODES + 1, n_codes + 1)):
        used_for = "event" if c % 10 == 0 else "ticket"
        kind = "percent" if c % 3 == 0 else "amount"
        codes.append((c, other_events[i % len(other_events)], used_for, kind, Decimal("10.00")))
    ticket_codes_of: dict[int, list[int]] = {}
    for c, event_id, used_for, _, _ in codes:
        if used_for == "ticket" and event_id != 1:
            ticket_codes_of.setdefault(event_id, []).append(c)

    # Tickets: the hot event's, then the rest spread evenly over the other events.
    tickets = []  # (id, event_id, name, type, price, position, discount_code_id)
    code_of_hot = {}
    for t in LIST_TICKETS:
        code_of_hot[t] = 1
    for k, code in enumerate(TYPICAL_CODES):
        for t in range(61 + 5 * k, 66 + 5 * k):
            code_of_hot[t] = code
    for t in PATCH_TICKETS:
        code_of_hot[t] = HOT_CODES
    for t in range(1, HOT_TICKETS + 1):
        tickets.append((t, 1, f"Hot {t}", "paid", Decimal("50.00"), t - 1, code_of_hot.get(t)))
    attached = len(code_of_hot)
    remaining = n_tickets - HOT_TICKETS
    to_attach = max(0, n_tickets // 2 - attached)
    per_event: dict[int, int] = {}
    for i in range(remaining):
        t = HOT_TICKETS + 1 + i
        event_id = other_events[i % len(other_events)]
        position = per_event.get(event_id, 0)
        per_event[event_id] = position + 1
        kind, price = ("free", Decimal("0.00")) if t % 10 == 0 else ("donation", Decimal("5.00"))
        if t % 10 not in (0, 1):
            kind, price = "paid", Decimal(20 + t % 180)
        code = None
        candidates = ticket_codes_of.get(event_id)
        if kind == "paid" and to_attach and candidates:
            code = candidates[position % len(candidates)]
            to_attach -= 1
            attached += 1
        tickets.append((t, event_id, f"Ticket {t}", kind, price, position, code))
    return {"users": users, "events": events, "codes": codes, "tickets": tickets, "attached": attached}


def seed(scale_name: str, state_path: Path) -> dict:
    from django.conf import settings

    started = time.monotonic()
    recreate_database(settings.BENCH_DATABASE_URL)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from discounts.text import key as code_key

    call_command("migrate", verbosity=0, interactive=False)
    data = build(SCALES[scale_name])
    created = NOW.isoformat()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy(
            raw,
            "eventsite_user",
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            ((i, "!", "f", email, "", "", "f", "t", created) for i, email in data["users"]),
        )
        copy(
            raw,
            "eventsite_event",
            [
                "id",
                "name",
                "identifier",
                "description",
                "starts_at",
                "ends_at",
                "timezone",
                "payment_currency",
                "created_at",
                "owner_id",
            ],
            (
                (e, name, ident, desc, s.isoformat(), en.isoformat(), "UTC", "EUR", created, owner)
                for e, name, ident, desc, s, en, owner in data["events"]
            ),
        )
        valid_till = (STARTS + timedelta(days=400)).isoformat()
        copy(
            raw,
            "discounts_discountcode",
            [
                "id",
                "code",
                "code_key",
                "discount_url",
                "value",
                "type",
                "is_active",
                "min_quantity",
                "valid_from",
                "valid_till",
                "used_for",
                "used_count",
                "created_at",
                "event_id",
                "marketer_id",
            ],
            (
                (
                    c,
                    text := "LIST" if c == 1 else "PATCH" if c == HOT_CODES else f"C{c}",
                    code_key(text),  # what the model keeps on every ORM write (discounts.text)
                    "",
                    value,
                    kind,
                    "t",
                    1,
                    created,
                    valid_till,
                    used_for,
                    0,
                    created,
                    event_id,
                    1 if event_id == 1 else None,
                )
                for c, event_id, used_for, kind, value in data["codes"]
            ),
        )
        copy(
            raw,
            "tickets_ticket",
            [
                "id",
                "name",
                "description",
                "type",
                "price",
                "quantity",
                "position",
                "min_order",
                "max_order",
                "is_hidden",
                "created_at",
                "event_id",
                "discount_code_id",
                "sold_count",
                "min_price",
            ],
            (
                # ticket 61 (code C2) is what the orders endpoints buy: stock enough for any run
                (
                    t,
                    name,
                    "",
                    kind,
                    price,
                    10**9 if t == 61 else 100,
                    position,
                    1,
                    10,
                    "f",
                    created,
                    event_id,
                    code,
                    0,
                    "0.00",
                )
                for t, event_id, name, kind, price, position, code in data["tickets"]
            ),
        )
    connection.close()
    vacuum_analyze(settings.BENCH_DATABASE_URL)

    token = organizer_token()
    state = {
        "scale": scale_name,
        "sizes": SCALES[scale_name],
        "attached": data["attached"],
        "token": token,
        "ids": {
            "event": 1,
            "list_code": 1,
            "check_code": "C2",
            "ticket": 61,
            "patch_code": HOT_CODES,
            "paid_ticket": 61,
        },
        "patch_bodies": [
            {"data": [{"type": "ticket", "id": str(t)} for t in PATCH_ALTERNATE]},
            {"data": [{"type": "ticket", "id": str(t)} for t in PATCH_TICKETS]},
        ],
        "seconds": round(time.monotonic() - started, 1),
    }
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state))
    return state


def organizer_token() -> str:
    """An access token of the seeded organizer (user 1), signed with this process's key."""
    from rest_framework_simplejwt.tokens import AccessToken

    from eventsite.models import User

    return str(AccessToken.for_user(User.objects.get(pk=1)))


def vacuum_analyze(url: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--state", type=Path, default=Path("bench/results/raw/state.json"))
    args = parser.parse_args()
    state = seed(args.scale, args.state)
    sizes = state["sizes"]
    print(
        f"seeded {args.scale}: {sizes['events']} events, {sizes['tickets']} tickets ({state['attached']} with a code),"
        f" {sizes['codes']} codes in {state['seconds']} s"
    )


if __name__ == "__main__":
    main()
