"""factory_boy factories for every model; tests name the state they need, not the fields."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from discounts.models import DiscountCode, DiscountType, UsedFor
from eventsite.models import Event, User
from tickets.models import Ticket, TicketType

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Verified unless a test says otherwise (``email_verified_at=None``): most tests are about other things.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Conference {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=2))
    payment_currency = "EUR"
    owner = factory.SubFactory(UserFactory)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Ticket {n}")
    type = TicketType.PAID
    price = Decimal("50.00")
    position = factory.Sequence(lambda n: n)

    class Params:
        free = factory.Trait(type=TicketType.FREE, price=Decimal("0.00"))
        donation = factory.Trait(type=TicketType.DONATION, price=Decimal("5.00"))


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountCode

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"CODE{n}")
    type = DiscountType.AMOUNT
    value = Decimal("10.00")
    used_for = UsedFor.TICKET
    valid_till = factory.LazyAttribute(lambda o: o.event.ends_at)

    class Params:
        for_event = factory.Trait(used_for=UsedFor.EVENT)
        percent = factory.Trait(type=DiscountType.PERCENT, value=Decimal("20"))
