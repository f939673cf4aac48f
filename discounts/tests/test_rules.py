"""Each rule of discount codes and tickets, allowed and refused, with its one message."""

from decimal import Decimal

import pytest

from discounts import rules
from discounts.models import DiscountCode
from eventsite.errors import Kind, RuleError
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from tickets import rules as ticket_rules
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def refused(call, *args, **kwargs) -> RuleError:
    with pytest.raises(RuleError) as info:
        call(*args, **kwargs)
    return info.value


def attached_ids(code):
    return set(Ticket.objects.filter(discount_code=code).values_list("pk", flat=True))


def test_a_ticket_code_takes_paid_tickets_of_its_event(ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket, second_paid_ticket])
    assert attached_ids(ticket_code) == {paid_ticket.pk, second_paid_ticket.pk}


def test_a_ticket_code_takes_donation_tickets(ticket_code, event):
    donation = TicketFactory(event=event, donation=True, price=Decimal("1.00"))
    rules.attach_tickets(code=ticket_code, tickets=[donation])
    assert attached_ids(ticket_code) == {donation.pk}


def test_an_event_code_takes_no_tickets(event_code, paid_ticket):
    error = refused(rules.attach_tickets, code=event_code, tickets=[paid_ticket])
    assert error.messages == [rules.NOT_A_TICKET_CODE.format(code="TEAM")]
    assert error.problems[0].field == "tickets"
    assert attached_ids(event_code) == set()


def test_a_ticket_of_another_event_is_refused(ticket_code, other_event):
    foreign = TicketFactory(event=other_event, name="Foreign")
    error = refused(rules.attach_tickets, code=ticket_code, tickets=[foreign])
    assert error.messages == [rules.TICKET_OF_OTHER_EVENT.format(ticket="Foreign", code="EARLY")]


def test_a_free_ticket_takes_no_code(ticket_code, free_ticket):
    error = refused(rules.attach_tickets, code=ticket_code, tickets=[free_ticket])
    assert error.messages == [rules.FREE_TICKET.format(ticket="Community")]
    assert error.problems[0].kind is Kind.INVALID


def test_an_amount_above_a_tickets_price_is_refused(event, paid_ticket):
    code = DiscountCodeFactory(event=event, code="BIG", value=Decimal("60.00"))
    error = refused(rules.attach_tickets, code=code, tickets=[paid_ticket])
    assert error.messages == [rules.AMOUNT_ABOVE_PRICE.format(value="60.00", ticket="Early bird", price="50.00")]
    assert error.problems[0].field == "value"


def test_an_amount_equal_to_the_price_is_allowed(event, paid_ticket):
    code = DiscountCodeFactory(event=event, code="ALL", value=Decimal("50.00"))
    rules.attach_tickets(code=code, tickets=[paid_ticket])
    assert attached_ids(code) == {paid_ticket.pk}


def test_a_ticket_with_another_code_is_not_moved(event, ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    other = DiscountCodeFactory(event=event, code="OTHER")
    error = refused(rules.attach_tickets, code=other, tickets=[paid_ticket])
    assert error.messages == [rules.TICKET_HAS_OTHER_CODE.format(ticket="Early bird", other="EARLY")]
    assert error.problems[0].kind is Kind.CONFLICT
    paid_ticket.refresh_from_db()
    assert paid_ticket.discount_code_id == ticket_code.pk


def test_attaching_again_changes_nothing(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    assert rules.attach_tickets(code=ticket_code, tickets=[paid_ticket]) == []
    assert attached_ids(ticket_code) == {paid_ticket.pk}


def test_attaching_is_all_or_nothing(ticket_code, paid_ticket, second_paid_ticket, free_ticket):
    refused(rules.attach_tickets, code=ticket_code, tickets=[paid_ticket, free_ticket, second_paid_ticket])
    assert attached_ids(ticket_code) == set()


def test_every_problem_of_a_batch_is_reported(ticket_code, free_ticket, other_event):
    foreign = TicketFactory(event=other_event, name="Foreign")
    error = refused(rules.attach_tickets, code=ticket_code, tickets=[free_ticket, foreign])
    assert len(error.problems) == 2


def test_attaching_many_tickets_takes_a_fixed_number_of_queries(ticket_code, event, django_assert_num_queries):
    tickets = TicketFactory.create_batch(200, event=event)
    # lock the code, lock and read the tickets, one UPDATE, the history's entry and its mentions (one insert
    # each, listing all 200), plus the savepoint pair
    with django_assert_num_queries(7):
        rules.attach_tickets(code=ticket_code, tickets=[t.pk for t in tickets])
    assert len(attached_ids(ticket_code)) == 200


def test_detaching_keeps_the_ticket(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    assert rules.detach_tickets(code=ticket_code, tickets=[paid_ticket]) == 1
    paid_ticket.refresh_from_db()
    assert paid_ticket.discount_code_id is None


def test_detaching_leaves_tickets_of_other_codes_alone(event, ticket_code, paid_ticket, second_paid_ticket):
    other = DiscountCodeFactory(event=event, code="OTHER")
    rules.attach_tickets(code=other, tickets=[second_paid_ticket])
    rules.detach_tickets(code=ticket_code, tickets=[second_paid_ticket])
    assert attached_ids(other) == {second_paid_ticket.pk}


def test_replacing_sets_exactly_the_given_tickets(ticket_code, paid_ticket, second_paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    rules.replace_tickets(code=ticket_code, tickets=[second_paid_ticket])
    assert attached_ids(ticket_code) == {second_paid_ticket.pk}
    assert Ticket.objects.filter(pk=paid_ticket.pk).exists()


def test_deleting_a_code_through_the_rules_keeps_its_tickets(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    assert rules.delete_code(code=ticket_code) == 1
    paid_ticket.refresh_from_db()
    assert paid_ticket.discount_code_id is None
    assert not DiscountCode.objects.filter(pk=ticket_code.pk).exists()


# Terms of a code


def create(event, **fields):
    defaults = {"event": event, "code": "NEW", "used_for": "ticket", "type": "amount", "value": Decimal("5")}
    return rules.create_code(**(defaults | fields))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"used_for": ""}, "used_for", rules.USED_FOR_INVALID),
        ({"used_for": "everything"}, "used_for", rules.USED_FOR_INVALID),
        ({"type": "percent", "value": Decimal("0")}, "value", rules.PERCENT_OUT_OF_RANGE),
        ({"type": "percent", "value": Decimal("100.5")}, "value", rules.PERCENT_OUT_OF_RANGE),
        ({"value": Decimal("0")}, "value", rules.VALUE_NOT_POSITIVE),
        ({"value": Decimal("-3")}, "value", rules.VALUE_NOT_POSITIVE),
        ({"min_quantity": 3, "max_quantity": 2}, "min_quantity", rules.MIN_ABOVE_MAX),
        ({"tickets_number": 2, "max_quantity": 3}, "tickets_number", rules.TICKETS_NUMBER_BELOW_MAX),
        ({"code": "TWO WORDS"}, "code", rules.CODE_WHITESPACE),
        ({"code": ""}, "code", rules.CODE_BLANK),
        ({"code": "X" * 101}, "code", rules.CODE_TOO_LONG),
    ],
)
def test_terms_that_break_a_rule_are_refused(event, fields, field, message):
    error = refused(create, event=event, **fields)
    assert [(p.field, p.message) for p in error.problems] == [(field, message)]
    assert not DiscountCode.objects.exists()


def test_a_min_quantity_of_0_means_no_minimum(event):
    assert create(event, min_quantity=0).min_quantity == 0
    error = refused(create, event=event, code="OTHER", min_quantity=-1)
    assert [(p.field, p.message) for p in error.problems] == [("min_quantity", rules.MIN_QUANTITY_NEGATIVE)]


def test_valid_till_must_follow_valid_from(event):
    error = refused(create, event=event, valid_from=event.ends_at, valid_till=event.starts_at)
    assert error.messages == [rules.VALID_TILL_NOT_AFTER_FROM]


def test_a_taken_code_is_a_conflict_in_any_letter_case(event, ticket_code):
    error = refused(create, event=event, code="eArLy")
    assert error.messages == [rules.CODE_TAKEN.format(code="eArLy")]
    assert error.problems[0].kind is Kind.CONFLICT


def test_valid_till_defaults_to_the_end_of_the_event(event):
    code = create(event, valid_till=None)
    assert code.valid_till == event.ends_at


def test_creating_with_tickets_is_all_or_nothing(event, paid_ticket, free_ticket):
    refused(create, event=event, tickets=[paid_ticket, free_ticket])
    assert not DiscountCode.objects.exists()
    paid_ticket.refresh_from_db()
    assert paid_ticket.discount_code_id is None


def test_an_event_code_created_with_tickets_is_refused(event, paid_ticket):
    error = refused(create, event=event, used_for="event", tickets=[paid_ticket])
    assert error.messages == [rules.NOT_A_TICKET_CODE.format(code="NEW")]


def test_raising_an_amount_above_an_attached_tickets_price_is_refused(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    error = refused(rules.update_code, ticket_code, value=Decimal("80.00"))
    assert error.problems[0].field == "value"
    ticket_code.refresh_from_db()
    assert ticket_code.value == Decimal("10.00")


def test_used_for_and_event_are_fixed_after_creation(ticket_code, other_event):
    error = refused(rules.update_code, ticket_code, used_for="event", event=other_event)
    assert {(p.field, p.message) for p in error.problems} == {
        ("used_for", rules.USED_FOR_FIXED),
        ("event", rules.EVENT_FIXED),
    }


# The same rules seen from the ticket


def test_a_ticket_with_a_code_cannot_become_free(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    error = refused(ticket_rules.update_ticket, paid_ticket, type="free", price=Decimal("0"))
    assert error.messages == [rules.FREE_TICKET.format(ticket="Early bird")]
    assert error.problems[0].field == "discount_code"


def test_a_ticket_price_below_its_amount_code_is_refused(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    error = refused(ticket_rules.update_ticket, paid_ticket, price=Decimal("5.00"))
    assert error.messages == [rules.AMOUNT_ABOVE_PRICE.format(value="10.00", ticket="Early bird", price="5.00")]


def test_a_ticket_is_attached_through_its_own_field(ticket_code, paid_ticket):
    ticket_rules.update_ticket(paid_ticket, discount_code=ticket_code)
    assert attached_ids(ticket_code) == {paid_ticket.pk}
    ticket_rules.update_ticket(paid_ticket, discount_code=None)
    assert attached_ids(ticket_code) == set()


def test_a_ticket_is_not_moved_to_another_code_through_its_field(event, ticket_code, paid_ticket):
    ticket_rules.update_ticket(paid_ticket, discount_code=ticket_code)
    other = DiscountCodeFactory(event=event, code="OTHER")
    error = refused(ticket_rules.update_ticket, paid_ticket, discount_code=other)
    assert error.problems[0].kind is Kind.CONFLICT
    assert attached_ids(ticket_code) == {paid_ticket.pk}
