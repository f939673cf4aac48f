"""The code pages as an organizer sees them: the attach autocomplete, the changelist's terms, states and filters."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from discounts import rules, states
from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from eventsite.tests.forms import form_data
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:discounts_discountcode_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")
ATTACH_SOURCE = {"app_label": "discounts", "model_name": "discountcode", "field_name": "tickets"}


@pytest.fixture
def organizer_client(client, event):
    organizer = UserFactory(email="organizer@pycon.test")
    event.organizers.add(organizer)
    client.force_login(organizer)
    return client


def candidates(client, code=None, term=""):
    params = ATTACH_SOURCE | {"term": term} | ({"code": code.pk} if code else {})
    response = client.get(AUTOCOMPLETE, params)
    assert response.status_code == 200
    return {row["text"] for row in response.json()["results"]}


def test_the_autocomplete_offers_the_codes_event_tickets_that_are_paid_and_free_of_other_codes(
    organizer_client, event, other_event, ticket_code, paid_ticket, second_paid_ticket, free_ticket
):
    taken = TicketFactory(event=event, name="Taken")
    rules.attach_tickets(code=DiscountCodeFactory(event=event, code="OTHER", value=Decimal("1")), tickets=[taken])
    TicketFactory(event=event, name="Supporter", donation=True)
    TicketFactory(event=other_event, name="Elsewhere")
    rules.attach_tickets(code=ticket_code, tickets=[second_paid_ticket])
    assert candidates(organizer_client, ticket_code) == {"Early bird", "Supporter"}
    assert candidates(organizer_client, ticket_code, term="earl") == {"Early bird"}


def test_every_autocomplete_candidate_passes_the_attach_rule(organizer_client, event, ticket_code, free_ticket):
    for name, price in [("Cheap", "5.00"), ("Dear", "80.00")]:
        TicketFactory(event=event, name=name, price=Decimal(price))
    offered = Ticket.objects.filter(name__in=candidates(organizer_client, ticket_code))
    # The offer narrows; the rule decides: "Cheap" is offered, and attaching it is refused with the rule.
    refused = {t.name for t in offered if rules.ticket_problems(code=ticket_code, ticket=t)}
    assert refused == {"Cheap"}
    assert all(
        p.code == "amount_above_price" for t in offered for p in rules.ticket_problems(code=ticket_code, ticket=t)
    )


def test_the_autocomplete_offers_nothing_for_an_event_code_or_another_events_code(
    organizer_client, other_event, event_code, paid_ticket
):
    foreign = DiscountCodeFactory(event=other_event, code="FOREIGN")
    TicketFactory(event=other_event, name="Foreign ticket")
    assert candidates(organizer_client, event_code) == set()
    assert candidates(organizer_client, foreign) == set()
    # Without a code (the add page) the organizer's own attachable tickets are offered, of no other event.
    assert candidates(organizer_client) == {"Early bird"}


def test_the_autocomplete_refuses_a_user_who_manages_no_event(client, ticket_code, paid_ticket):
    client.force_login(UserFactory(email="stranger@example.test", is_staff=True))
    response = client.get(AUTOCOMPLETE, ATTACH_SOURCE | {"code": ticket_code.pk})
    assert response.status_code == 403


def test_the_code_page_renders_the_autocomplete_widget_for_its_code(organizer_client, ticket_code):
    html = organizer_client.get(reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])).content.decode()
    assert 'class="admin-autocomplete"' in html
    assert f'data-ajax--url="{AUTOCOMPLETE}?code={ticket_code.pk}"' in html
    assert 'data-field-name="tickets"' in html


def test_an_organizer_attaches_and_detaches_on_the_code_page(
    organizer_client, ticket_code, paid_ticket, second_paid_ticket
):
    url = reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])
    data = form_data(organizer_client.get(url).content.decode(), "discountcode_form")
    data["attach"] = [str(paid_ticket.pk), str(second_paid_ticket.pk)]
    assert organizer_client.post(url, data).status_code == 302
    assert set(ticket_code.tickets.values_list("name", flat=True)) == {"Early bird", "Student"}
    data = form_data(organizer_client.get(url).content.decode(), "discountcode_form")
    row = next(i for i in range(2) if data[f"tickets-{i}-id"] == [str(second_paid_ticket.pk)])
    data[f"tickets-{row}-detach"] = ["on"]
    assert organizer_client.post(url, data).status_code == 302
    assert set(ticket_code.tickets.values_list("name", flat=True)) == {"Early bird"}
    assert Ticket.objects.filter(pk=second_paid_ticket.pk).exists()
    messages = [e.get_change_message() for e in LogEntry.objects.order_by("pk")]
    assert "attached tickets: Early bird, Student" in messages[0]
    assert "detached tickets: Student" in messages[1]


def test_the_inline_lists_name_type_price_quantity_and_sales_window(organizer_client, event, ticket_code):
    start = timezone.now().replace(year=2031, month=3, day=1, hour=9, minute=0, second=0, microsecond=0)
    ticket = TicketFactory(event=event, name="Windowed", price=Decimal("12.50"), quantity=77,
                           sales_starts_at=start, sales_ends_at=start + timedelta(days=30))  # fmt: skip
    rules.attach_tickets(code=ticket_code, tickets=[ticket])
    html = organizer_client.get(reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])).content.decode()
    for text in ("Windowed", "Paid", "12.50", "77", "2031-03-01 09:00 – 2031-03-31 09:00"):
        assert text in html


def test_the_changelist_formats_values_counts_and_limits(organizer_client, event, paid_ticket, second_paid_ticket):
    amount = DiscountCodeFactory(event=event, code="FIVE", value=Decimal("5"), tickets_number=50)
    DiscountCodeFactory(event=event, code="TEN", percent=True, value=Decimal("10"))
    usd = EventFactory(name="US Event", payment_currency="USD")
    usd.organizers.set(event.organizers.all())
    DiscountCodeFactory(event=usd, code="DOLLARS", value=Decimal("5.5"))
    rules.attach_tickets(code=amount, tickets=[paid_ticket, second_paid_ticket])
    response = organizer_client.get(CHANGELIST)
    rows = {code.code: code for code in response.context["cl"].result_list}
    html = response.content.decode()
    assert "5.00 EUR" in html and "10 %" in html and "5.50 USD" in html
    admin = response.context["cl"].model_admin
    assert admin.ticket_count(rows["FIVE"]) == 2
    assert admin.ticket_count(rows["TEN"]) == 0
    assert admin.usage(rows["FIVE"]) == "0 / 50"
    assert admin.usage(rows["TEN"]) == "0 / unlimited"


def code_in_state(event, code, **fields):
    return DiscountCodeFactory(event=event, code=code, **fields)


@pytest.fixture
def codes_in_every_state(event):
    now = timezone.now()
    return {
        "upcoming": code_in_state(event, "SOON", valid_from=now + timedelta(days=1)),
        "active": code_in_state(event, "NOW", valid_from=now - timedelta(days=1)),
        "expired": code_in_state(
            event, "PAST", valid_from=now - timedelta(days=9), valid_till=now - timedelta(days=1)
        ),
        "inactive": code_in_state(event, "OFF", is_active=False),
    }


def test_the_state_badges_read_upcoming_active_expired_inactive(organizer_client, codes_in_every_state):
    html = organizer_client.get(CHANGELIST).content.decode()
    for state in ("upcoming", "active", "expired", "inactive"):
        assert f'class="code-state code-state-{state}"' in html


@pytest.mark.parametrize("state", ["upcoming", "active", "expired", "inactive"])
def test_the_state_filter_agrees_with_the_badge(organizer_client, codes_in_every_state, state):
    response = organizer_client.get(CHANGELIST, {"state": state})
    assert [c.code for c in response.context["cl"].result_list] == [codes_in_every_state[state].code]
    now = timezone.now()
    assert {states.state_of(c, now) for c in DiscountCode.objects.all()} == set(states.CodeState) - {
        states.CodeState.USED_UP
    }


def test_a_code_whose_uses_reach_its_limit_is_used_up(organizer_client, codes_in_every_state):
    active = codes_in_every_state["active"]
    DiscountCode.objects.filter(pk=active.pk).update(tickets_number=3, used_count=3)
    active.refresh_from_db()
    assert states.state_of(active, timezone.now()) == states.CodeState.USED_UP
    assert list(states.filter_state(DiscountCode.objects.all(), "used_up", timezone.now())) == [active]
    assert not states.filter_state(DiscountCode.objects.all(), "active", timezone.now()).filter(pk=active.pk)
    html = organizer_client.get(CHANGELIST).content.decode()
    assert 'class="code-state code-state-used_up"' in html and "3 / 3" in html


def test_filters_by_event_used_for_and_search_ignoring_case(organizer_client, event, ticket_code, event_code):
    mine_elsewhere = EventFactory(name="Second Event")
    mine_elsewhere.organizers.set(event.organizers.all())
    DiscountCodeFactory(event=mine_elsewhere, code="SECOND")
    by_event = organizer_client.get(CHANGELIST, {"event__id__exact": event.pk}).context["cl"].result_list
    assert {c.code for c in by_event} == {"EARLY", "TEAM"}
    by_use = organizer_client.get(CHANGELIST, {"used_for__exact": "event"}).context["cl"].result_list
    assert [c.code for c in by_use] == ["TEAM"]
    searched = organizer_client.get(CHANGELIST, {"q": "eArLy"}).context["cl"].result_list
    assert [c.code for c in searched] == ["EARLY"]
