"""Query budgets of the admin: every page of every registered ModelAdmin (changelist, search, change, add,
autocomplete, the campaign and report pages; ``admin_pages`` derives them from the registry, so a new ModelAdmin is
covered without a line here) runs a pinned number of SQL queries, for a superuser and for an organizer, and that
number does not grow when the data grows tenfold (events, tickets, codes, orders, history).

Also here: the bounded filters (a filter lists at most ``FILTER_CHOICES`` choices, then a search box) and the
estimated count of large changelists (PostgreSQL's planner; SQLite counts exactly). Speed itself is measured by
``bench/admin.py``, never asserted.
"""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discounts import rules
from discounts.models import DiscountCode
from eventsite.admin_paging import EstimatedCountPaginator
from eventsite.admin_site import FILTER_CHOICES, INLINE_ROWS, ManagedRelatedFilter
from eventsite.models import Event, OrganizerInvitation, User
from eventsite.tests.admin_pages import admin_pages
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from history.models import Entry
from orders import rules as order_rules
from orders.models import Order
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: Queries per page, as (model, page, user) -> count on SQLite. A new page fails here until it is given one.
#: ``search`` is the changelist with ``?q=``. On PostgreSQL a changelist or autocomplete of an admin with the
#: estimated paginator asks the table's size once more (``pg_class.reltuples``). The tickets' changelist fetches
#: the page's events and codes by two queries of their own (``PrefetchedChangeList``), not by a join.
BUDGETS = {
    ("auth.group", "add", "organizer"): 5,
    ("auth.group", "add", "superuser"): 5,
    ("auth.group", "changelist", "organizer"): 5,
    ("auth.group", "changelist", "superuser"): 7,
    ("auth.group", "search", "organizer"): 5,
    ("auth.group", "search", "superuser"): 7,
    ("axes.accessattempt", "add", "organizer"): 3,
    ("axes.accessattempt", "add", "superuser"): 2,
    ("axes.accessattempt", "changelist", "organizer"): 5,
    ("axes.accessattempt", "changelist", "superuser"): 10,
    ("axes.accessattempt", "search", "organizer"): 5,
    ("axes.accessattempt", "search", "superuser"): 10,
    ("axes.accessfailurelog", "add", "organizer"): 3,
    ("axes.accessfailurelog", "add", "superuser"): 2,
    ("axes.accessfailurelog", "changelist", "organizer"): 5,
    ("axes.accessfailurelog", "changelist", "superuser"): 10,
    ("axes.accessfailurelog", "search", "organizer"): 5,
    ("axes.accessfailurelog", "search", "superuser"): 10,
    ("axes.accesslog", "add", "organizer"): 3,
    ("axes.accesslog", "add", "superuser"): 2,
    ("axes.accesslog", "change", "organizer"): 6,
    ("axes.accesslog", "change", "superuser"): 5,
    ("axes.accesslog", "changelist", "organizer"): 5,
    ("axes.accesslog", "changelist", "superuser"): 10,
    ("axes.accesslog", "search", "organizer"): 5,
    ("axes.accesslog", "search", "superuser"): 10,
    ("discounts.discountcode", "add", "organizer"): 7,
    ("discounts.discountcode", "add", "superuser"): 4,
    ("discounts.discountcode", "autocomplete (via ticket.discount_code)", "organizer"): 5,
    ("discounts.discountcode", "autocomplete (via ticket.discount_code)", "superuser"): 4,
    ("discounts.discountcode", "change", "organizer"): 12,
    ("discounts.discountcode", "change", "superuser"): 9,
    ("discounts.discountcode", "changelist", "organizer"): 10,
    ("discounts.discountcode", "changelist", "superuser"): 8,
    ("discounts.discountcode", "export", "organizer"): 8,
    ("discounts.discountcode", "export", "superuser"): 6,
    ("discounts.discountcode", "generate", "organizer"): 7,
    ("discounts.discountcode", "generate", "superuser"): 4,
    ("discounts.discountcode", "import", "organizer"): 7,
    ("discounts.discountcode", "import", "superuser"): 5,
    ("discounts.discountcode", "process_import", "organizer"): 3,
    ("discounts.discountcode", "process_import", "superuser"): 2,
    ("discounts.discountcode", "ranking", "organizer"): 9,
    ("discounts.discountcode", "ranking", "superuser"): 6,
    ("discounts.discountcode", "report", "organizer"): 12,
    ("discounts.discountcode", "report", "superuser"): 9,
    ("discounts.discountcode", "search", "organizer"): 10,
    ("discounts.discountcode", "search", "superuser"): 8,
    ("eventsite.event", "add", "organizer"): 7,
    ("eventsite.event", "add", "superuser"): 4,
    ("eventsite.event", "autocomplete (via organizerinvitation.event)", "organizer"): 5,
    ("eventsite.event", "autocomplete (via organizerinvitation.event)", "superuser"): 4,
    ("eventsite.event", "change", "organizer"): 17,
    ("eventsite.event", "change", "superuser"): 14,
    ("eventsite.event", "changelist", "organizer"): 10,
    ("eventsite.event", "changelist", "superuser"): 7,
    ("eventsite.event", "search", "organizer"): 10,
    ("eventsite.event", "search", "superuser"): 7,
    ("eventsite.organizerinvitation", "add", "organizer"): 3,
    ("eventsite.organizerinvitation", "add", "superuser"): 2,
    ("eventsite.organizerinvitation", "autocomplete (via user.sent_organizer_invitations)", "organizer"): 7,
    ("eventsite.organizerinvitation", "autocomplete (via user.sent_organizer_invitations)", "superuser"): 6,
    ("eventsite.organizerinvitation", "change", "organizer"): 11,
    ("eventsite.organizerinvitation", "change", "superuser"): 8,
    ("eventsite.organizerinvitation", "changelist", "organizer"): 11,
    ("eventsite.organizerinvitation", "changelist", "superuser"): 8,
    ("eventsite.organizerinvitation", "search", "organizer"): 11,
    ("eventsite.organizerinvitation", "search", "superuser"): 8,
    ("eventsite.user", "add", "organizer"): 5,
    ("eventsite.user", "add", "superuser"): 4,
    ("eventsite.user", "autocomplete (via event.owner)", "organizer"): 5,
    ("eventsite.user", "autocomplete (via event.owner)", "superuser"): 4,
    ("eventsite.user", "change", "organizer"): 6,
    ("eventsite.user", "change", "superuser"): 9,
    ("eventsite.user", "changelist", "organizer"): 5,
    ("eventsite.user", "changelist", "superuser"): 8,
    ("eventsite.user", "search", "organizer"): 5,
    ("eventsite.user", "search", "superuser"): 8,
    ("history.entry", "add", "organizer"): 3,
    ("history.entry", "add", "superuser"): 2,
    ("history.entry", "change", "organizer"): 8,
    ("history.entry", "change", "superuser"): 5,
    ("history.entry", "changelist", "organizer"): 10,
    ("history.entry", "changelist", "superuser"): 7,
    ("history.entry", "search", "organizer"): 10,
    ("history.entry", "search", "superuser"): 7,
    ("orders.order", "add", "organizer"): 3,
    ("orders.order", "add", "superuser"): 2,
    ("orders.order", "autocomplete (via user.orders)", "organizer"): 5,
    ("orders.order", "autocomplete (via user.orders)", "superuser"): 4,
    ("orders.order", "change", "organizer"): 12,
    ("orders.order", "change", "superuser"): 9,
    ("orders.order", "changelist", "organizer"): 10,
    ("orders.order", "changelist", "superuser"): 7,
    ("orders.order", "search", "organizer"): 10,
    ("orders.order", "search", "superuser"): 7,
    ("tickets.ticket", "add", "organizer"): 7,
    ("tickets.ticket", "add", "superuser"): 4,
    ("tickets.ticket", "autocomplete (via event.tickets)", "organizer"): 5,
    ("tickets.ticket", "autocomplete (via event.tickets)", "superuser"): 4,
    ("tickets.ticket", "change", "organizer"): 10,
    ("tickets.ticket", "change", "superuser"): 7,
    ("tickets.ticket", "changelist", "organizer"): 13,
    ("tickets.ticket", "changelist", "superuser"): 10,
    ("tickets.ticket", "search", "organizer"): 13,
    ("tickets.ticket", "search", "superuser"): 10,
}


def page_key(page: dict) -> str:
    return re.sub(r"^changelist \?q=.*$", "search", page["page"])


def build(organizer, other_owner, *, events: int, tickets: int, codes: int) -> None:
    """``events`` events for the organizer and as many for another owner, each with ``tickets`` paid tickets and
    ``codes`` ticket codes (the first attached to the first ticket), one order with a code and history."""
    for owner in (organizer, other_owner):
        for _ in range(events):
            event = EventFactory(owner=owner)
            made = TicketFactory.create_batch(tickets, event=event, price=Decimal("20.00"))
            batch = DiscountCodeFactory.create_batch(codes, event=event, value=Decimal("1.00"))
            rules.attach_tickets(code=batch[0], tickets=made[:1])


@pytest.fixture
def world():
    organizer = UserFactory(email="budget-organizer@example.test")
    other_owner = UserFactory(email="budget-other@example.test")
    superuser = UserFactory(email="budget-root@example.test", is_superuser=True, is_staff=True)
    event = EventFactory(owner=organizer, name="Budget Conf")
    tickets = TicketFactory.create_batch(3, event=event, price=Decimal("20.00"))
    code = rules.create_code(
        event=event, code="BUDGET", value=Decimal("5.00"), used_for="ticket", tickets=tickets[:2], marketer=organizer
    )
    rules.update_code(code, discount_url="https://example.org/budget")  # history
    order, _ = order_rules.place_order(
        buyer=organizer, lines=[order_rules.LineInput(tickets[0].pk, 1)], code_text="BUDGET", now=timezone.now()
    )
    invitation = OrganizerInvitation.objects.create(event=event, email="invitee@example.test", invited_by=organizer)
    build(organizer, other_owner, events=2, tickets=3, codes=2)
    samples = {
        Event: event,
        Ticket: tickets[0],
        DiscountCode: code,
        Order: order,
        OrganizerInvitation: invitation,
        User: organizer,
        Entry: Entry.objects.filter(event_id=event.pk).order_by("pk").first(),
    }

    def grow():
        """Ten times more of everything, the sample event and code included (past ``INLINE_ROWS``)."""
        build(organizer, other_owner, events=20, tickets=30, codes=20)
        more = TicketFactory.create_batch(INLINE_ROWS + 10, event=event, price=Decimal("20.00"))
        DiscountCodeFactory.create_batch(INLINE_ROWS + 10, event=event, value=Decimal("1.00"))
        rules.attach_tickets(code=code, tickets=more)
        for ticket in more[:5]:
            order_rules.place_order(
                buyer=organizer, lines=[order_rules.LineInput(ticket.pk, 1)], code_text="BUDGET", now=timezone.now()
            )

    return {"organizer": organizer, "superuser": superuser, "samples": samples, "grow": grow}


def sample_of(samples):
    def sample(model_admin):
        model = model_admin.model
        if model in samples:
            return samples[model]
        return model._default_manager.order_by("pk").first()

    return sample


def estimated(page: dict) -> int:
    """The extra query of the estimated paginator on PostgreSQL (the table's size) for this page."""
    if connection.vendor != "postgresql" or page["status"] != 200:
        return 0
    from django.apps import apps

    model_admin = admin.site.get_model_admin(apps.get_model(page["model"]))
    uses_estimate = issubclass(model_admin.paginator, EstimatedCountPaginator)
    kind = page_key(page)
    return 1 if uses_estimate and (kind.startswith(("changelist", "search", "autocomplete"))) else 0


def count_every_page(client, world) -> dict:
    counts = {}
    for role in ("superuser", "organizer"):
        client.force_login(world[role])
        for page in admin_pages(admin.site, sample_of(world["samples"])):
            if page["url"] is None:
                continue
            client.get(page["url"])  # warm-up: caches of the process (content types, templates)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page["url"])
            page["status"] = response.status_code
            counts[(page["model"], page_key(page), role)] = (len(ctx.captured_queries) - estimated(page), page)
    return counts


def test_every_admin_page_runs_its_pinned_queries_whatever_the_data(client, world):
    small = count_every_page(client, world)
    assert small, "the registry gave no pages"
    statuses = {key: page["status"] for key, (_, page) in small.items()}
    assert all(status in (200, 403, 405) for status in statuses.values()), statuses
    measured = {key: n for key, (n, _) in small.items()}
    missing = sorted(set(measured) - set(BUDGETS))
    assert not missing, f"pages without a budget (add them to BUDGETS): { {k: measured[k] for k in missing} }"
    over = {key: (n, BUDGETS[key]) for key, n in measured.items() if n != BUDGETS[key]}
    assert not over, f"pages whose query count is not their budget (counted, budget): {over}"

    world["grow"]()
    grown = {key: n for key, (n, _) in count_every_page(client, world).items()}
    changed = {key: (measured[key], grown[key]) for key in measured if grown.get(key) != measured[key]}
    assert not changed, f"query counts grew with the data (before, after): {changed}"


def test_the_pages_cover_every_registered_model_admin(world):
    pages = admin_pages(admin.site, sample_of(world["samples"]))
    models = {page["model"] for page in pages}
    for model in (Event, Ticket, DiscountCode, Order, Entry, OrganizerInvitation, User):
        assert model._meta.label_lower in models
    kinds = {page["page"] for page in pages if page["model"] == "discounts.discountcode"}
    assert {"report", "ranking", "generate", "import", "export"} <= kinds


# Bounded filters ------------------------------------------------------------------------------------------------


def event_filter(response):
    return next(spec for spec in response.context_data["cl"].filter_specs if isinstance(spec, ManagedRelatedFilter))


def test_a_filter_of_few_choices_lists_them_all(client, world):
    client.force_login(world["superuser"])
    response = client.get("/admin/tickets/ticket/")
    spec = event_filter(response)
    assert len(spec.lookup_choices) == Event.objects.count() <= FILTER_CHOICES
    assert not spec.more
    assert 'name="event__q"' not in response.content.decode()


def test_a_filter_of_many_choices_lists_a_few_and_a_search_box(client, world):
    organizer = world["organizer"]
    EventFactory.create_batch(FILTER_CHOICES + 5, owner=organizer)
    chosen = EventFactory(owner=organizer, name="Zzz Last Of All")  # not among the first choices
    client.force_login(organizer)
    response = client.get("/admin/tickets/ticket/")
    spec = event_filter(response)
    assert len(spec.lookup_choices) == FILTER_CHOICES and spec.more
    assert 'name="event__q"' in response.content.decode()

    response = client.get("/admin/tickets/ticket/", {"event__id__exact": chosen.pk})
    assert chosen.pk in [pk for pk, _ in event_filter(response).lookup_choices]  # the chosen one is always shown

    response = client.get("/admin/tickets/ticket/", {"event__q": "Zzz Last"})
    assert response.status_code == 200
    assert event_filter(response).lookup_choices == [(chosen.pk, str(chosen))]
    assert "?e=1" not in response.get("Location", "")  # the search parameter is the filter's, not a lookup


def test_the_code_filter_names_at_most_its_bound_of_codes(client, world):
    client.force_login(world["superuser"])
    event = world["samples"][Event]
    many = DiscountCodeFactory.create_batch(FILTER_CHOICES + 1, event=event, value=Decimal("1.00"))
    response = client.get("/admin/tickets/ticket/")
    spec = next(
        s for s in response.context_data["cl"].filter_specs if getattr(s, "parameter_name", None) == "has_code"
    )
    assert [value for value, _ in spec.lookup_choices] == ["yes", "no"]
    response = client.get("/admin/tickets/ticket/", {"has_code": many[-1].pk})
    spec = next(
        s for s in response.context_data["cl"].filter_specs if getattr(s, "parameter_name", None) == "has_code"
    )
    assert [value for value, _ in spec.lookup_choices] == ["yes", "no", str(many[-1].pk)]


def test_the_event_page_lists_the_first_rows_and_links_to_all(client, world):
    event = world["samples"][Event]
    TicketFactory.create_batch(INLINE_ROWS + 5, event=event, price=Decimal("20.00"))
    client.force_login(world["organizer"])
    response = client.get(f"/admin/eventsite/event/{event.pk}/change/")
    page = response.content.decode()
    total = Ticket.objects.filter(event=event).count()
    assert f"{total} tickets" in page and f"/admin/tickets/ticket/?event__id__exact={event.pk}" in page
    formset = next(f for f in response.context_data["inline_admin_formsets"] if f.formset.model is Ticket)
    assert len(formset.formset.forms) == INLINE_ROWS


# The estimated count ----------------------------------------------------------------------------------------------


class EstimateFromTen(EstimatedCountPaginator):
    estimate_from = 10


def test_the_paginator_counts_exactly_below_its_threshold_and_off_postgresql(world):
    queryset = Ticket.objects.order_by("pk")
    with CaptureQueriesContext(connection) as ctx:
        count = (EstimateFromTen if connection.vendor != "postgresql" else EstimatedCountPaginator)(queryset, 5).count
    assert count == Ticket.objects.count()
    assert any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    assert not any("EXPLAIN" in q["sql"].upper() for q in ctx.captured_queries)


@pytest.mark.postgres
def test_on_postgresql_a_large_table_is_estimated_by_the_planner(world, on_postgres):
    TicketFactory.create_batch(30, event=world["samples"][Event], price=Decimal("20.00"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'tickets_ticket'")
        (reltuples,) = cursor.fetchone()
    with CaptureQueriesContext(connection) as ctx:
        count = EstimateFromTen(Ticket.objects.order_by("pk"), 5).count
    assert count == int(reltuples)
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)

    filtered = Ticket.objects.filter(price__gt=0).order_by("pk")
    with CaptureQueriesContext(connection) as ctx:
        estimate = EstimateFromTen(filtered, 5).count
    assert estimate >= 10  # the planner's rows (every ticket is paid), taken as the count: no COUNT(*) ran
    assert any(q["sql"].upper().startswith("EXPLAIN") for q in ctx.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


# The tickets' search ------------------------------------------------------------------------------------------


def test_the_ticket_search_by_subquery_finds_what_djangos_search_finds(rf, world):
    """``SubquerySearch`` searches the event's name by a subquery rather than a join: the same rows as Django's."""
    ticket_admin = admin.site.get_model_admin(Ticket)
    request = rf.get("/admin/tickets/ticket/")
    request.user = world["superuser"]
    some_ticket = world["samples"][Ticket]
    for term in ("Budget", "budget conf", '"Budget Conf"', some_ticket.name, f"{some_ticket.name} Budget", "zzz"):
        ours, _ = ticket_admin.get_search_results(request, Ticket.objects.all(), term)
        djangos, _ = admin.ModelAdmin.get_search_results(ticket_admin, request, Ticket.objects.all(), term)
        assert set(ours.values_list("pk", flat=True)) == set(djangos.values_list("pk", flat=True)), term
    found, _ = ticket_admin.get_search_results(request, Ticket.objects.all(), "Budget")
    assert found.filter(event=world["samples"][Event]).count() == 3
