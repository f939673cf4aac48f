"""One dataset for the matrix, the fuzzer and the hostile-input corpus: two events, every role, a canary code.

The canary code's text and id are chosen so that they cannot appear in a response by accident: a response to
someone who may not see the code must contain neither.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from discounts import rules as discount_rules
from eventsite.models import Event, OrganizerInvitation, User
from eventsite.tests.factories import PASSWORD, DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from orders import rules as order_rules
from orders.models import Order
from tickets.models import Ticket

CANARY_CODE = "CANARY7Q"
CANARY_ID = 987654321

ROLES = ("anonymous", "stranger", "rival", "organizer", "owner", "admin")
"""anonymous; a signed-up stranger (invited to organize the event, not yet answered); the organizer of another
event; the event's organizer, owner; a superuser."""

MAY_NOT_SEE_CODE = ("anonymous", "stranger", "rival")


@dataclass
class World:
    event: Event
    other_event: Event
    owner: User
    organizer: User
    rival: User
    stranger: User
    admin: User
    buyer: User
    ticket: Ticket  # paid, attached to the canary code
    sold_ticket: Ticket  # paid, bought in ``order``
    spare_ticket: Ticket  # paid, no code, never sold
    other_ticket: Ticket  # of the other event
    code: object  # the canary code (used_for=ticket)
    order: Order
    invitation: OrganizerInvitation  # pending, from the owner to the stranger (in another letter case)
    password: str = PASSWORD

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    def access_token(self, role: str) -> str | None:
        user = self.user(role)
        return None if user is None else str(RefreshToken.for_user(user).access_token)

    def refresh_token(self, role: str) -> str:
        return str(RefreshToken.for_user(self.user(role)))


def build_world() -> World:
    owner = UserFactory(email="owner@example.org")
    organizer = UserFactory(email="organizer@example.org")
    rival = UserFactory(email="rival@example.org")
    stranger = UserFactory(email="stranger@example.org")
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    buyer = UserFactory(email="buyer@example.org")
    event = EventFactory(name="PyCon Test", owner=owner)
    event.organizers.add(organizer)
    other_event = EventFactory(name="Other Conference", owner=UserFactory())
    other_event.organizers.add(rival)
    ticket = TicketFactory(event=event, name="Early bird", price=Decimal("50.00"), quantity=100)
    sold_ticket = TicketFactory(event=event, name="Regular", price=Decimal("80.00"), quantity=100)
    spare_ticket = TicketFactory(event=event, name="Student", price=Decimal("20.00"), quantity=100)
    other_ticket = TicketFactory(event=other_event, name="Rival ticket", price=Decimal("30.00"), quantity=100)
    code = DiscountCodeFactory(
        id=CANARY_ID, event=event, code=CANARY_CODE, value=Decimal("10.00"), tickets_number=50, marketer=organizer
    )
    discount_rules.attach_tickets(code=code, tickets=[ticket])
    order, _ = order_rules.place_order(
        buyer=buyer, lines=[order_rules.LineInput(sold_ticket.pk, 1)], now=timezone.now()
    )
    invitation = OrganizerInvitation.objects.create(event=event, email="Stranger@example.org", invited_by=owner)
    return World(
        event=event,
        other_event=other_event,
        owner=owner,
        organizer=organizer,
        rival=rival,
        stranger=stranger,
        admin=admin,
        buyer=buyer,
        ticket=ticket,
        sold_ticket=sold_ticket,
        spare_ticket=spare_ticket,
        other_ticket=other_ticket,
        code=code,
        order=order,
        invitation=invitation,
    )
