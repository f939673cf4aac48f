from decimal import Decimal

import pytest
from django.db import connection

from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.org")


@pytest.fixture
def event(owner):
    return EventFactory(name="PyCon Test", owner=owner)


@pytest.fixture
def other_event(db):
    return EventFactory(name="Other Conference")


@pytest.fixture
def paid_ticket(event):
    return TicketFactory(event=event, name="Early bird", price=Decimal("50.00"))


@pytest.fixture
def second_paid_ticket(event):
    return TicketFactory(event=event, name="Student", price=Decimal("20.00"))


@pytest.fixture
def free_ticket(event):
    return TicketFactory(event=event, name="Community", free=True)


@pytest.fixture
def ticket_code(event):
    return DiscountCodeFactory(event=event, code="EARLY", value=Decimal("10.00"))


@pytest.fixture
def event_code(event):
    return DiscountCodeFactory(event=event, code="TEAM", for_event=True, percent=True)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def pytest_report_header(config):
    return f"database: {connection.vendor}"


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Tests create many users; the production hasher is slow by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
