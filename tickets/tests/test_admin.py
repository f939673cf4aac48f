"""The ticket changelist: each ticket's code, the discount-code filter, and the attach and detach actions."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from discounts import rules
from discounts.admin_tickets import NO_CODE_TO_OFFER, NOTHING_TO_DETACH
from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory, UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")


@pytest.fixture
def organizer_client(client, event):
    organizer = UserFactory(email="organizer@pycon.test")
    event.organizers.add(organizer)
    client.force_login(organizer)
    client.user = organizer
    return client


def run_action(client, action, tickets, **extra):
    data = {"action": action, "_selected_action": [str(t.pk) for t in tickets], **extra}
    return client.post(CHANGELIST, data)


def code_of(ticket):
    return Ticket.objects.get(pk=ticket.pk).discount_code_id


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_the_attach_action_asks_for_one_of_the_events_ticket_codes(
    organizer_client, ticket_code, event_code, paid_ticket, second_paid_ticket, other_event
):
    DiscountCodeFactory(event=other_event, code="ELSEWHERE")
    page = run_action(organizer_client, "attach_to_code", [paid_ticket, second_paid_ticket])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Early bird" in html and "Student" in html
    choices = page.context["form"].fields["code"].queryset
    assert list(choices) == [ticket_code]  # not the event code, not another event's code
    assert code_of(paid_ticket) is None  # the intermediate page writes nothing


def test_applying_the_attach_action_attaches_every_ticket_and_records_it(
    organizer_client, ticket_code, paid_ticket, second_paid_ticket
):
    response = run_action(
        organizer_client, "attach_to_code", [paid_ticket, second_paid_ticket], code=ticket_code.pk, apply="Attach"
    )
    assert response.status_code == 302
    assert code_of(paid_ticket) == code_of(second_paid_ticket) == ticket_code.pk
    assert "Attached 2 ticket(s) to “EARLY”: Early bird, Student." in messages_of(response)
    code_entry = LogEntry.objects.get(object_id=str(ticket_code.pk), content_type__model="discountcode")
    assert "attached tickets: Early bird, Student" in code_entry.get_change_message()
    ticket_entry = LogEntry.objects.get(object_id=str(paid_ticket.pk), content_type__model="ticket")
    assert "attached to discount code EARLY" in ticket_entry.get_change_message()
    assert code_entry.user == organizer_client.user


def test_the_attach_action_is_all_or_nothing_with_the_rules_message(
    organizer_client, ticket_code, paid_ticket, free_ticket
):
    response = run_action(
        organizer_client, "attach_to_code", [paid_ticket, free_ticket], code=ticket_code.pk, apply="Attach"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [rules.FREE_TICKET.format(ticket="Community")]
    assert rules.FREE_TICKET.format(ticket="Community") in response.content.decode()
    assert code_of(paid_ticket) is None and code_of(free_ticket) is None
    assert not LogEntry.objects.exists()


def test_the_attach_action_does_not_move_a_ticket_from_another_code(
    organizer_client, event, ticket_code, paid_ticket, second_paid_ticket
):
    other = DiscountCodeFactory(event=event, code="OTHER", value=Decimal("1.00"))
    rules.attach_tickets(code=other, tickets=[paid_ticket])
    response = run_action(
        organizer_client, "attach_to_code", [paid_ticket, second_paid_ticket], code=ticket_code.pk, apply="Attach"
    )
    expected = rules.TICKET_HAS_OTHER_CODE.format(ticket="Early bird", other="OTHER")
    assert response.context["form"].errors["code"] == [expected]
    assert code_of(paid_ticket) == other.pk and code_of(second_paid_ticket) is None


def test_the_attach_action_without_a_ticket_code_says_so(organizer_client, event_code, paid_ticket):
    response = run_action(organizer_client, "attach_to_code", [paid_ticket])
    assert response.status_code == 302
    assert NO_CODE_TO_OFFER in messages_of(response)


def test_the_detach_action_detaches_and_keeps_the_tickets(
    organizer_client, ticket_code, paid_ticket, second_paid_ticket, free_ticket
):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket, second_paid_ticket])
    response = run_action(organizer_client, "detach_from_code", [paid_ticket, second_paid_ticket, free_ticket])
    assert response.status_code == 302
    assert Ticket.objects.filter(discount_code__isnull=True).count() == 3
    entry = LogEntry.objects.get(object_id=str(ticket_code.pk), content_type__model="discountcode")
    assert "detached tickets: Early bird, Student" in entry.get_change_message()
    assert "Detached 2 ticket(s): Early bird, Student." in messages_of(response)


def test_the_detach_action_on_tickets_without_a_code_changes_nothing(organizer_client, paid_ticket):
    response = run_action(organizer_client, "detach_from_code", [paid_ticket])
    assert NOTHING_TO_DETACH in messages_of(response)
    assert not LogEntry.objects.exists()


def test_the_changelist_links_each_ticket_to_its_code(organizer_client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    html = organizer_client.get(CHANGELIST).content.decode()
    link = reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])
    assert f'<a href="{link}">EARLY</a>' in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", {"Early bird"}), ("no", {"Student", "Community"}), ("code", {"Early bird"}), ("", None)],
)
def test_the_discount_code_filter(
    organizer_client, event, ticket_code, paid_ticket, second_paid_ticket, free_ticket, value, expected
):
    other = DiscountCodeFactory(event=event, code="LATER")
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    parameter = str(ticket_code.pk) if value == "code" else value
    response = organizer_client.get(CHANGELIST, {"has_code": parameter} if parameter else {})
    names = {t.name for t in response.context["cl"].result_list}
    assert names == (expected or {"Early bird", "Student", "Community"})
    filter_html = response.content.decode()
    assert "Has a code" in filter_html and "EARLY (PyCon Test)" in filter_html and "LATER (PyCon Test)" in filter_html
    assert DiscountCode.objects.filter(pk=other.pk).exists()


def test_deleting_a_ticket_in_the_admin_keeps_its_code(organizer_client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    url = reverse("admin:tickets_ticket_delete", args=[paid_ticket.pk])
    confirmation = organizer_client.get(url).content.decode()
    assert "Early bird" in confirmation and "EARLY" not in confirmation.split("<h2>Objects</h2>")[-1]
    assert organizer_client.post(url, {"post": "yes"}).status_code == 302
    assert not Ticket.objects.filter(pk=paid_ticket.pk).exists()
    assert DiscountCode.objects.filter(pk=ticket_code.pk).exists()
    assert LogEntry.objects.filter(object_id=str(paid_ticket.pk), action_flag=3).exists()


def test_a_ticket_created_by_an_organizer_is_logged(organizer_client, event):
    data = {
        "event": str(event.pk), "name": "Workshop", "type": "paid", "price": "15.00", "quantity": "20",
        "position": "3", "min_order": "1", "max_order": "2", "min_price": "0.00",
    }  # fmt: skip
    response = organizer_client.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get(name="Workshop")
    assert ticket.event == event
    assert LogEntry.objects.get(object_id=str(ticket.pk)).is_addition()
