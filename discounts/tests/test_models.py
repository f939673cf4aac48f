"""The schema holds the design: the FK from ticket to code, and every constraint, on SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction

from discounts.models import DiscountCode
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_ticket_discount_code_is_a_nullable_cascading_fk_named_tickets_on_the_code():
    field = Ticket._meta.get_field("discount_code")
    assert isinstance(field, models.ForeignKey)
    assert field.related_model is DiscountCode
    assert field.remote_field.on_delete is models.CASCADE
    assert field.remote_field.related_name == "tickets"
    assert field.null and field.blank


def test_the_code_has_no_tickets_field_but_the_reverse_relation():
    tickets_members = [f for f in DiscountCode._meta.get_fields() if f.name == "tickets"]
    assert len(tickets_members) == 1
    assert tickets_members[0].auto_created and tickets_members[0].one_to_many


def test_a_raw_orm_delete_of_a_code_cascades_to_its_tickets(ticket_code, paid_ticket):
    paid_ticket.discount_code = ticket_code
    paid_ticket.save()
    ticket_code.delete()
    assert not Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_codes_are_unique_within_an_event_whatever_the_letter_case(ticket_code):
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCodeFactory(event=ticket_code.event, code="early")


def test_the_same_code_may_exist_in_two_events(ticket_code, other_event):
    DiscountCodeFactory(event=other_event, code="EARLY")
    assert DiscountCode.objects.with_code("early").count() == 2


def _violates(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"value": Decimal("0")},
        {"value": Decimal("-1")},
        {"type": "percent", "value": Decimal("100.01")},
        {"type": "bogus"},
        {"used_for": "nothing"},
        {"min_quantity": -1},
        {"min_quantity": 5, "max_quantity": 4},
        {"tickets_number": 3, "max_quantity": 4},
        {"code": ""},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()),
)
def test_discount_code_check_constraints(event, fields):
    _violates(DiscountCodeFactory, event=event, **fields)


def test_discount_code_validity_must_be_ordered(event):
    now = event.starts_at
    _violates(DiscountCodeFactory, event=event, valid_from=now, valid_till=now)
    _violates(DiscountCodeFactory, event=event, valid_from=now, valid_till=now - timedelta(seconds=1))


def test_a_min_quantity_of_0_means_no_minimum_and_is_allowed(event):
    assert DiscountCodeFactory(event=event, min_quantity=0).min_quantity == 0


@pytest.mark.django_db(transaction=True)
def test_the_min_quantity_migration_reverses_turning_0_into_1(event):
    """Back before 0004 the database wants a minimum of at least 1: a 0 ("no minimum") becomes 1, which means the
    same, and forward again it stays 1."""
    from django.core.management import call_command

    code = DiscountCodeFactory(event=event, min_quantity=0)
    call_command("migrate", "discounts", "0003", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT min_quantity FROM discounts_discountcode WHERE id = %s", [code.pk])
            assert cursor.fetchone() == (1,)
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute("UPDATE discounts_discountcode SET min_quantity = 0 WHERE id = %s", [code.pk])
    finally:
        call_command("migrate", "discounts", verbosity=0)
    code.refresh_from_db()
    assert code.min_quantity == 1


def test_a_percent_code_of_exactly_100_is_allowed(event):
    DiscountCodeFactory(event=event, type="percent", value=Decimal("100"))


@pytest.mark.parametrize(
    "fields",
    [
        {"price": Decimal("-0.01"), "type": "donation"},
        {"type": "free", "price": Decimal("1.00")},
        {"type": "paid", "price": Decimal("0.00")},
        {"min_order": 0},
        {"min_order": 11, "max_order": 10},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()),
)
def test_ticket_check_constraints(event, fields):
    _violates(TicketFactory, event=event, **fields)


def test_ticket_sales_window_must_be_ordered(event):
    start = event.starts_at
    _violates(TicketFactory, event=event, sales_starts_at=start, sales_ends_at=start)


def test_ticket_names_are_unique_within_an_event(paid_ticket, other_event):
    TicketFactory(event=other_event, name=paid_ticket.name)
    _violates(TicketFactory, event=paid_ticket.event, name=paid_ticket.name)


def test_events_must_end_after_they_start(owner):
    from eventsite.tests.factories import EventFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        e = EventFactory.build(owner=owner)
        e.ends_at = e.starts_at
        e.save()
