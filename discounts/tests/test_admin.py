"""The discount code admin: attach and detach through the inline and the attach field, delete keeping tickets."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from discounts import rules
from discounts.models import DiscountCode
from eventsite.tests.factories import TicketFactory
from eventsite.tests.forms import form_data
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

FORM_ID = "discountcode_form"


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def change_url(code):
    return reverse("admin:discounts_discountcode_change", args=[code.pk])


def post_change(client, code, /, **changes):
    page = client.get(change_url(code))
    assert page.status_code == 200
    data = form_data(page.content.decode(), FORM_ID)
    data.update(changes)
    data["_continue"] = ["Save and continue"]
    return client.post(change_url(code), data)


def attached(code):
    return set(Ticket.objects.filter(discount_code=code).values_list("name", flat=True))


def test_the_code_page_lists_attached_tickets_in_the_inline(staff_client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    page = staff_client.get(change_url(ticket_code)).content.decode()
    assert "attached tickets" in page.lower()
    assert "Early bird" in page
    assert 'name="tickets-0-detach"' in page
    assert 'name="tickets-0-DELETE"' not in page


def test_staff_attach_tickets_from_the_code_page(staff_client, ticket_code, paid_ticket, second_paid_ticket):
    response = post_change(staff_client, ticket_code, attach=[str(paid_ticket.pk), str(second_paid_ticket.pk)])
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert attached(ticket_code) == {"Early bird", "Student"}
    entry = LogEntry.objects.get(object_id=str(ticket_code.pk))
    assert "attached tickets: Early bird, Student" in entry.get_change_message()


def test_detaching_in_the_inline_keeps_the_ticket(staff_client, ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket, second_paid_ticket])
    page = staff_client.get(change_url(ticket_code)).content.decode()
    data = form_data(page, FORM_ID)
    row = next(i for i in range(2) if data[f"tickets-{i}-id"] == [str(paid_ticket.pk)])
    response = post_change(staff_client, ticket_code, **{f"tickets-{row}-detach": ["on"]})
    assert response.status_code == 302
    assert attached(ticket_code) == {"Student"}
    assert Ticket.objects.filter(pk=paid_ticket.pk, discount_code__isnull=True).exists()
    entry = LogEntry.objects.get(object_id=str(ticket_code.pk))
    assert "detached tickets: Early bird" in entry.get_change_message()


def test_a_refused_attachment_shows_the_rules_message_and_saves_nothing(staff_client, event, ticket_code, paid_ticket):
    cheap = TicketFactory(event=event, name="Cheap", price=Decimal("5.00"))
    response = post_change(staff_client, ticket_code, attach=[str(paid_ticket.pk), str(cheap.pk)])
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["value"] == [rules.AMOUNT_ABOVE_PRICE.format(value="10.00", ticket="Cheap", price="5.00")]
    assert attached(ticket_code) == set()


def test_an_amount_above_an_attached_ticket_price_is_refused_on_the_form(staff_client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = post_change(staff_client, ticket_code, value=["70.00"])
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["value"] == [rules.AMOUNT_ABOVE_PRICE.format(value="70.00", ticket="Early bird", price="50.00")]
    ticket_code.refresh_from_db()
    assert ticket_code.value == Decimal("10.00")


def test_attaching_a_free_ticket_is_refused_with_the_rules_message(staff_client, event, paid_ticket, free_ticket):
    url = reverse("admin:discounts_discountcode_add")
    data = form_data(staff_client.get(url).content.decode(), FORM_ID)
    data.update(
        event=[str(event.pk)],
        code=["NEWCODE"],
        used_for=["ticket"],
        type=["amount"],
        value=["5.00"],
        valid_from_0=["2026-01-01"],
        valid_from_1=["10:00:00"],
    )
    # A free ticket is not even offered; posting it anyway is refused by the field, nothing is created.
    data["attach"] = [str(paid_ticket.pk), str(free_ticket.pk)]
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert not DiscountCode.objects.filter(code="NEWCODE").exists()
    assert not Ticket.objects.filter(discount_code__isnull=False).exists()


def test_an_event_code_page_has_no_ticket_controls(staff_client, event_code):
    page = staff_client.get(change_url(event_code)).content.decode()
    assert "applies to every paid ticket of its event" in page
    assert 'name="attach"' not in page
    assert "tickets-TOTAL_FORMS" not in page


@pytest.mark.parametrize("text", ["PEER20", "early"], ids=["rename", "letter case"])
def test_a_code_is_renamed_on_its_page(staff_client, ticket_code, paid_ticket, text):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    response = post_change(staff_client, ticket_code, code=[text])
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket_code.refresh_from_db()
    assert ticket_code.code == text
    assert attached(ticket_code) == {"Early bird"}


def test_a_rename_to_another_codes_text_shows_the_rules_message(staff_client, event, ticket_code):
    DiscountCode.objects.create(event=event, code="TAKEN", value=Decimal("1"), used_for="event")
    response = post_change(staff_client, ticket_code, code=["taken"])
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [rules.CODE_TAKEN.format(code="taken")]
    ticket_code.refresh_from_db()
    assert ticket_code.code == "EARLY"


def test_deleting_a_code_in_the_admin_keeps_its_tickets(staff_client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    url = reverse("admin:discounts_discountcode_delete", args=[ticket_code.pk])
    confirmation = staff_client.get(url).content.decode()
    assert "“Early bird” is detached and stays on sale at full price (not deleted)" in confirmation
    assert "Only the code is deleted" in confirmation and "related items will be deleted" not in confirmation
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not DiscountCode.objects.filter(pk=ticket_code.pk).exists()
    assert Ticket.objects.filter(pk=paid_ticket.pk, discount_code__isnull=True).exists()


def test_deleting_codes_with_the_bulk_action_keeps_their_tickets(staff_client, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    url = reverse("admin:discounts_discountcode_changelist")
    data = {"action": "delete_selected", "_selected_action": [str(ticket_code.pk)]}
    confirmation = staff_client.post(url, data).content.decode()
    assert "is detached and stays on sale" in confirmation
    assert "Only the codes are deleted" in confirmation and "related items will be deleted" not in confirmation
    staff_client.post(url, data | {"post": "yes"})
    assert not DiscountCode.objects.exists()
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_the_changelist_shows_codes_with_their_terms(staff_client, ticket_code, event_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    page = staff_client.get(reverse("admin:discounts_discountcode_changelist") + "?q=early").content.decode()
    assert "EARLY" in page and "10.00 EUR" in page
    assert "TEAM" not in page
    page = staff_client.get(reverse("admin:discounts_discountcode_changelist")).content.decode()
    assert "20 %" in page


def test_event_admin_shows_its_tickets_and_codes(staff_client, event, ticket_code, paid_ticket):
    page = staff_client.get(reverse("admin:eventsite_event_change", args=[event.pk])).content.decode()
    assert "Early bird" in page and "EARLY" in page


def test_ticket_admin_sets_and_refuses_a_code_through_the_rules(staff_client, event, ticket_code, free_ticket):
    url = reverse("admin:tickets_ticket_change", args=[free_ticket.pk])
    data = form_data(staff_client.get(url).content.decode(), "ticket_form")
    data["discount_code"] = [str(ticket_code.pk)]
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["discount_code"] == [rules.FREE_TICKET.format(ticket="Community")]
    assert attached(ticket_code) == set()
