"""Orders in the admin: organizers read their events' orders with lines, cancel through the rules; codes
show their uses, and a code used by placed orders cannot be deleted from the admin."""

import pytest
from django.urls import reverse
from django.utils import timezone

from discounts import rules as discount_rules
from discounts.models import DiscountCode
from eventsite.tests.factories import TicketFactory
from orders import rules
from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(stranger, ticket_code, paid_ticket):
    discount_rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    order, _ = rules.place_order(
        buyer=stranger, lines=[rules.LineInput(paid_ticket.pk, 2)], code_text="EARLY", now=timezone.now()
    )
    return order


def test_organizers_read_their_orders_with_lines(client, organizer, sold, other_organizer, other_event):
    client.force_login(organizer)
    page = client.get(reverse("admin:orders_order_change", args=[sold.pk])).content.decode()
    assert "Early bird" in page and "80.00" in page
    client.force_login(other_organizer)
    TicketFactory(event=other_event)
    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "Early bird" not in listing and f"Order {sold.pk}" not in listing
    assert client.get(reverse("admin:orders_order_change", args=[sold.pk])).status_code in (302, 403, 404)


def test_the_cancel_action_frees_uses(client, organizer, sold, ticket_code):
    client.force_login(organizer)
    response = client.post(
        reverse("admin:orders_order_changelist"), {"action": "cancel_orders", "_selected_action": [str(sold.pk)]}
    )
    assert response.status_code == 302
    assert Order.objects.get(pk=sold.pk).status == OrderStatus.CANCELLED
    assert DiscountCode.objects.get(pk=ticket_code.pk).used_count == 0


def test_the_code_page_shows_uses_and_remaining(client, organizer, sold, ticket_code):
    DiscountCode.objects.filter(pk=ticket_code.pk).update(tickets_number=5)
    client.force_login(organizer)
    page = client.get(reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])).content.decode()
    assert "used 2 of 5; 3 left" in page


def test_a_code_used_by_placed_orders_cannot_be_deleted_in_the_admin(client, organizer, sold, ticket_code):
    client.force_login(organizer)
    url = reverse("admin:discounts_discountcode_delete", args=[ticket_code.pk])
    page = client.get(url).content.decode()
    assert "deactivate it instead" in page
    client.post(url, {"post": "yes"})
    assert DiscountCode.objects.filter(pk=ticket_code.pk).exists()


def test_a_sold_ticket_cannot_be_deleted_in_the_admin(client, organizer, sold, paid_ticket):
    client.force_login(organizer)
    url = reverse("admin:tickets_ticket_delete", args=[paid_ticket.pk])
    client.post(url, {"post": "yes"})
    assert paid_ticket.__class__.objects.filter(pk=paid_ticket.pk).exists()
