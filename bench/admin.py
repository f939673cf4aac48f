"""Every admin page, timed in-process on the benchmark's data, for a superuser and for an organizer of 100 events.

    python -m bench.admin [--scale large] [--no-seed] [--repeat 5] [--database-url URL] [--out PATH]

The pages come from the admin registry, so a new ModelAdmin is measured without a line here: for every registered
ModelAdmin its changelist (plain, and with a search when it has ``search_fields``), the change page of one object,
the add page, its autocomplete endpoint (when it has ``search_fields`` and some registered model points at it),
and every page of its own ``get_urls`` (the campaign and report pages). A few changelist variants that were slow
before (the tickets' filter by code, a search) are listed in ``VARIANTS``.

The object of a change page is the heaviest one the user may open: in the user's event with the most tickets (the
hot event for the superuser), the row with the most related rows. Each page is requested once to warm up, then
``--repeat`` times; the report gives the median server time (``time.perf_counter`` around the test client's
request), the body's size and the number of SQL queries. Pages over ``LIMIT_MS`` or ``LIMIT_KIB`` are flagged.
Uses its own database (``BENCH_DATABASE_URL``, default ``eventsite_bench_admin``), seeded by ``bench.seed``.
"""

import argparse
import json
import logging
import os
import secrets
import statistics
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eventsite_bench_admin")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", f"bench-{secrets.token_urlsafe(32)}")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "ERROR")

LIMIT_MS = 300
LIMIT_KIB = 300
STATE_PATH = Path("bench/results/raw/state-admin.json")
SUPERUSER_EMAIL = "superuser@bench.example.org"
#: The seed's owner of events 10, 20, ..., 1000: 100 events, about 10,000 tickets and 1,000 codes.
ORGANIZER_EMAIL = "owner2@bench.example.org"

#: Changelist variants worth timing beside the generated pages: (model label, query string, what it is).
VARIANTS = [
    ("tickets.ticket", "has_code=yes", "filter: has a code"),
    ("tickets.ticket", "has_code=no", "filter: no code"),
    ("tickets.ticket", "o=-1", "sorted by name, descending"),
    ("discounts.discountcode", "used_for__exact=ticket", "filter: ticket codes"),
]


def seed_state(scale: str, *, reuse: bool) -> dict:
    import django

    if reuse and STATE_PATH.exists():
        django.setup()
        return json.loads(STATE_PATH.read_text())
    from bench.seed import seed

    return seed(scale, STATE_PATH)


def users():
    """The superuser (created here) and the organizer of 100 events (the seed's ``owner2``)."""
    from eventsite.models import User

    superuser, _ = User.objects.get_or_create(
        email=SUPERUSER_EMAIL, defaults={"is_superuser": True, "is_staff": True, "is_active": True}
    )
    organizer = User.objects.get(email=ORGANIZER_EMAIL)
    return {"superuser": superuser, "organizer": organizer}


def ensure_rows(users: dict) -> None:
    """The seed has no orders, invitations or history: one of each in every user's heaviest event, through the
    rules (so that the change pages of orders, invitations and history entries have an object to show)."""
    from django.utils import timezone

    from discounts import rules
    from eventsite.errors import RuleError
    from eventsite.models import OrganizerInvitation
    from orders import rules as order_rules
    from orders.models import Order
    from tickets.models import Ticket

    for user in users.values():
        event = heaviest_event(user)
        if Order.objects.filter(event=event).exists():
            continue
        ticket = (
            Ticket.objects.filter(event=event, type="paid", discount_code__isnull=False)
            .select_related("discount_code")
            .order_by("pk")
            .first()
        )
        if ticket is None:  # the small scale: only the hot event's tickets carry codes
            ticket = Ticket.objects.filter(event=event, type="paid").order_by("pk").first()
        code = ticket.discount_code if ticket.discount_code_id else None
        try:
            order_rules.place_order(
                buyer=user,
                lines=[order_rules.LineInput(ticket.pk, 1)],
                code_text=code.code if code else None,
                now=timezone.now(),
            )
            if code is not None:
                rules.update_code(code, discount_url="https://example.org/bench")
        except RuleError as error:
            print(f"could not add an order to event {event.pk}: {error.messages}")
        OrganizerInvitation.objects.get_or_create(
            event=event, email=f"invitee{event.pk}@bench.example.org", defaults={"invited_by": event.owner}
        )


class FakeRequest:
    """Enough of a request for a ModelAdmin's ``get_queryset`` (the scoping reads ``request.user``)."""

    def __init__(self, user):
        from django.http import HttpRequest

        self.request = HttpRequest()
        self.request.user = user


def heaviest_event(user):
    from django.db.models import Count

    from eventsite.access import managed_events

    return managed_events(user).order_by().annotate(n=Count("tickets")).order_by("-n", "pk").first()


def sample_object(model_admin, user, event):
    """The object whose change page is timed: in ``event`` (for event data), the one with the most related rows."""
    from django.db.models import Count, ForeignKey

    from eventsite.admin_site import is_event_data
    from eventsite.models import Event

    model = model_admin.model
    request = FakeRequest(user).request
    queryset = model_admin.get_queryset(request)
    if model is Event:
        queryset = queryset.filter(pk=event.pk)
    elif is_event_data(model):
        queryset = queryset.filter(event=event)
    reverse = [
        f
        for f in model._meta.get_fields()
        if f.one_to_many and f.auto_created and isinstance(f.field, ForeignKey) and f.related_model is not model
    ]
    ranked = queryset.order_by()
    names = []
    for i, relation in enumerate(reverse):
        name = f"bench_related_{i}"
        ranked = ranked.annotate(**{name: Count(relation.name)})
        names.append(f"-{name}")
    try:
        return ranked.order_by(*names, "pk").first()
    except Exception:  # an admin queryset that cannot take the annotation: its first row
        return queryset.order_by("pk").first()


def pages_of(site, user, role: str) -> list[dict]:
    """Every page of every registered ModelAdmin (``eventsite.tests.admin_pages``), for ``user``."""
    from eventsite.tests.admin_pages import admin_pages

    event = heaviest_event(user)
    variants: dict[str, list] = {}
    for label, query, what in VARIANTS:
        variants.setdefault(label, []).append((query, what))
    pages = admin_pages(site, lambda model_admin: sample_object(model_admin, user, event), variants)
    for page in pages:
        page["user"] = role
    return pages


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    headers = {"HTTP_HOST": "127.0.0.1"}
    response = client.get(url, **headers)  # warm-up (and the status)
    times, queries = [], []
    for _ in range(repeat):
        count = 0
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - start) * 1000)
        queries.append(count)
    return {
        "status": response.status_code,
        "ms": round(statistics.median(times), 1),
        "kib": round(len(response.content) / 1024, 1),
        "queries": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--no-seed", action="store_true", help="reuse the last seeded database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="the benchmark's own database (dropped and re-created)")
    parser.add_argument("--only", default="", help="only pages whose model or page contains this text")
    parser.add_argument("--out", default="bench/results/admin.json")
    parser.add_argument("--before", help="an earlier run's JSON: the table then shows before → after")
    args = parser.parse_args()
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url

    state = seed_state(args.scale, reuse=args.no_seed)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 403 and 405 pages are expected
    logging.getLogger("django.security").setLevel(logging.CRITICAL)

    from django.contrib import admin
    from django.test import Client, override_settings

    # Static files uncollected (as the test suite has them): the manifest storage would need a collectstatic.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    rows = []
    accounts = users()
    ensure_rows(accounts)
    for role, user in accounts.items():
        client = Client()
        client.force_login(user)
        for page in pages_of(admin.site, user, role):
            if args.only and args.only not in page["model"] and args.only not in page["page"]:
                continue
            if page["url"] is None:
                rows.append(page | {"status": None})
                continue
            rows.append(page | measure(client, page["url"], args.repeat))
            print_row(rows[-1])
    flagged = [r for r in rows if r.get("status") and (r["ms"] > LIMIT_MS or r["kib"] > LIMIT_KIB)]
    report = {"scale": state.get("scale"), "sizes": state.get("sizes"), "repeat": args.repeat, "pages": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print()
    before = json.loads(Path(args.before).read_text())["pages"] if args.before else None
    table = markdown(rows, before)
    Path(args.out).with_suffix(".md").write_text(table + "\n")
    print(table)
    print(f"\n{len(flagged)} page(s) over {LIMIT_MS} ms or {LIMIT_KIB} KiB; JSON: {args.out}")


def print_row(row: dict) -> None:
    print(
        f"{row['user']:10} {row['model']:28} {row['page'][:44]:44} {row['status']} {row['ms']:8.1f} ms "
        f"{row['kib']:8.1f} KiB {row['queries']:4} q",
        flush=True,
    )


def page_key(row: dict) -> tuple:
    """A page's identity across runs (a search's term depends on the data)."""
    page = "changelist ?q=…" if row["page"].startswith("changelist ?q=") else row["page"]
    return row["user"], row["model"], page


def markdown(rows: list[dict], before: list[dict] | None = None) -> str:
    """The table of pages; with ``before``, each figure as before → after."""
    earlier = {page_key(r): r for r in before or [] if r.get("status")}

    def cell(row, name, digits=0):
        now = f"{row[name]:.{digits}f}" if digits or name != "queries" else str(row[name])
        old = earlier.get(page_key(row))
        if old is None:
            return now
        was = f"{old[name]:.{digits}f}" if digits or name != "queries" else str(old[name])
        return f"{was} → {now}"

    lines = ["| page | user | status | ms | KiB | queries | |", "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if not r.get("status"):
            lines.append(f"| {r['model']} {r['page']} | {r['user']} | – | | | | {r.get('note', '')} |")
            continue
        flag = "**over**" if r["ms"] > LIMIT_MS or r["kib"] > LIMIT_KIB else ""
        lines.append(
            f"| {r['model']} {r['page']} | {r['user']} | {r['status']} | {cell(r, 'ms')} | {cell(r, 'kib')} | "
            f"{cell(r, 'queries')} | {flag} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
