"""Load a small demo (an event, its tickets, a ticket code with two tickets, an event code) and an admin login."""

import os
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from discounts import rules as discount_rules
from discounts.models import DiscountCode, DiscountType, UsedFor
from eventsite import rules as event_rules
from eventsite.models import Event, User
from history.commands import RecordedCommand
from orders.models import Order
from orders.rules import LineInput, place_order
from tickets import rules as ticket_rules
from tickets.models import Ticket, TicketType

DEMO_EVENT = "Open Source Summit (demo)"


class Command(RecordedCommand):
    help = "Load demo data and print an admin login. Safe to run again: it adds nothing twice."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=os.environ.get("DEMO_ADMIN_EMAIL", "admin@example.com"))

    @transaction.atomic
    def handle(self, *args, email, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin = User.objects.with_email(email).first()
        if admin is None:
            admin = User.objects.create_superuser(email=email, password=password)
        else:
            admin.set_password(password)
            admin.is_staff = admin.is_superuser = admin.is_active = True
            admin.email_verified_at = admin.email_verified_at or timezone.now()  # the operator's own address
            admin.save()

        event = Event.objects.filter(name=DEMO_EVENT).first()
        if event is None:
            starts = (timezone.now() + timedelta(days=60)).replace(hour=9, minute=0, second=0, microsecond=0)
            event = event_rules.create_event(
                name=DEMO_EVENT,
                description="Two days of talks and workshops.",
                starts_at=starts,
                ends_at=starts + timedelta(days=1, hours=9),
                timezone="Europe/Berlin",
                payment_currency="EUR",
                owner=admin,
            )
        tickets = {}
        for position, (name, kind, price) in enumerate(
            [
                ("Early bird", TicketType.PAID, "49.00"),
                ("Student", TicketType.PAID, "25.00"),
                ("Regular", TicketType.PAID, "99.00"),
                ("Community", TicketType.FREE, "0.00"),
                ("Supporter", TicketType.DONATION, "10.00"),
            ]
        ):
            ticket = Ticket.objects.filter(event=event, name=name).first()
            if ticket is None:
                ticket = ticket_rules.create_ticket(
                    event=event, name=name, type=kind, price=Decimal(price), position=position, quantity=100
                )
            tickets[name] = ticket

        if not DiscountCode.objects.filter(event=event).with_code("EARLY10").exists():
            discount_rules.create_code(
                event=event,
                code="EARLY10",
                used_for=UsedFor.TICKET,
                type=DiscountType.AMOUNT,
                value=Decimal("10.00"),
                tickets_number=50,
                max_quantity=4,
                marketer=admin,
                tickets=[tickets["Early bird"], tickets["Student"]],
            )
        if not DiscountCode.objects.filter(event=event).with_code("TEAM20").exists():
            discount_rules.create_code(
                event=event,
                code="TEAM20",
                used_for=UsedFor.EVENT,
                type=DiscountType.PERCENT,
                value=Decimal("20"),
                marketer=admin,
            )

        demo_orders(event, tickets)

        self.stdout.write(self.style.SUCCESS(f"Demo event: {event.name} ({event.identifier})"))
        self.stdout.write("Ticket code EARLY10 (10.00 EUR off Early bird and Student); event code TEAM20 (20 %)")
        self.stdout.write(self.style.SUCCESS(f"Admin login: {admin.email} / {password}"))


# A week of orders with EARLY10, so its report page (Discount codes → EARLY10 → report) has figures and charts.
DEMO_ORDERS = [  # (days ago, [(ticket, quantity)])
    (6, [("Early bird", 2)]),
    (5, [("Student", 1), ("Regular", 1)]),
    (4, [("Early bird", 1)]),
    (3, [("Early bird", 3)]),
    (2, [("Student", 2)]),
    (1, [("Early bird", 1), ("Student", 1)]),
    (0, [("Early bird", 2)]),
]


def demo_orders(event, tickets):
    code = DiscountCode.objects.filter(event=event).with_code("EARLY10").first()
    if code is None or Order.objects.filter(discount_code=code).exists():
        return
    buyer = User.objects.with_email("buyer@example.com").first() or User.objects.create_user(email="buyer@example.com")
    now = timezone.now()
    for days_ago, lines in DEMO_ORDERS:
        order, _ = place_order(
            buyer=buyer,
            lines=[LineInput(tickets[name].pk, quantity) for name, quantity in lines],
            code_text="EARLY10",
            now=now,
        )
        # Demo data only: spread the orders over the last week so the uses-per-day chart shows days.
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days_ago))
