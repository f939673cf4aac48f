"""Saving back a resource just fetched, unchanged, is a 200 that changes nothing: for every resource with a PATCH.

A JSON:API client (Ember Data, devour, kitsu) saves a record by sending the whole resource object it holds:
every attribute, the read-only ones included, and its relationships. The routes come from the URL
configuration (every route that answers GET and PATCH); each resource is tried in the states listed in
``INSTANCES``, with every member set. A new resource with a PATCH fails here until it has instances.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from discounts import rules as discount_rules
from discounts.models import DiscountCode
from eventsite import rules as event_rules
from eventsite.models import Event, OrganizerInvitation
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from orders import rules as order_rules
from orders.models import Order, OrderLine
from reliability.routes import fill, iter_routes
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def build():
    owner = UserFactory(email="owner@example.org")
    organizer = UserFactory(email="organizer@example.org")
    buyer = UserFactory(email="buyer@example.org")
    start = datetime(2031, 5, 1, 7, tzinfo=UTC)
    event = EventFactory(
        owner=owner,
        starts_at=start,
        ends_at=start + timedelta(days=2),
        description="Three days of talks.",
        timezone="Europe/Berlin",
    )
    event.organizers.add(organizer)
    ticket = TicketFactory(
        event=event,
        name="Early bird",
        description="The first hundred.",
        price=Decimal("50.00"),
        quantity=80,
        position=2,
        min_order=1,
        max_order=6,
        sales_starts_at=timezone.now() - timedelta(days=1),
        sales_ends_at=start,
    )
    hidden = TicketFactory(event=event, name="Crew", price=Decimal("15.00"), is_hidden=True)
    donation = TicketFactory(
        event=event, name="Supporter", donation=True, min_price=Decimal("5.00"), max_price=Decimal("500.00")
    )
    free = TicketFactory(event=event, name="Community", free=True)
    code = DiscountCodeFactory(
        event=event,
        code="Early-20",
        value=Decimal("10.00"),
        discount_url="https://example.org/early",
        tickets_number=50,
        min_quantity=1,
        max_quantity=5,
        valid_from=timezone.now() - timedelta(days=1),
        valid_till=start,
        marketer=organizer,
    )
    discount_rules.attach_tickets(code=code, tickets=[ticket, hidden])
    event_code = DiscountCodeFactory(event=event, code="TEAM", for_event=True, percent=True, is_active=False)
    line = order_rules.LineInput
    placed, _ = order_rules.place_order(
        buyer=buyer, lines=[line(ticket.pk, 2)], code_text="early-20", now=timezone.now()
    )
    cancelled, _ = order_rules.place_order(
        buyer=buyer, lines=[line(donation.pk, 1, Decimal("20"))], now=timezone.now()
    )
    order_rules.cancel_order(order=cancelled, now=timezone.now())
    invitee = UserFactory(email="invitee@example.org")
    invitation, _ = event_rules.invite_organizer(event=event, email="Invitee@example.org", invited_by=owner)
    return {
        "invitee": invitee,
        "invitation": invitation,
        "owner": owner,
        "organizer": organizer,
        "buyer": buyer,
        "event": event,
        "ticket": ticket,
        "hidden": hidden,
        "donation": donation,
        "free": free,
        "code": code,
        "event_code": event_code,
        "placed": placed,
        "cancelled": cancelled,
    }


#: Per resource type: (what, who saves it back) pairs, names of ``build()``'s objects.
INSTANCES = {
    "event": [("event", "owner"), ("event", "organizer")],
    "ticket": [("ticket", "organizer"), ("hidden", "organizer"), ("donation", "organizer"), ("free", "organizer")],
    "discount-code": [("code", "organizer"), ("event_code", "organizer")],
    "order": [("placed", "buyer"), ("placed", "organizer"), ("cancelled", "buyer")],
    "organizer-invitation": [("invitation", "invitee"), ("invitation", "owner")],
}


def detail_routes():
    """``(route, resource type)`` of every route that answers both GET and PATCH."""
    for route, pattern in iter_routes():
        actions = getattr(pattern.callback, "actions", None) or {}
        cls = getattr(pattern.callback, "cls", None)
        if not (
            {"get", "patch"} <= set(actions) or (cls and not actions and hasattr(cls, "get") and hasattr(cls, "patch"))
        ):
            continue
        if "/relationships/" in route:
            continue  # linkage, not a resource: saved back in test_relationships_saved_back_unchanged below
        serializer = cls().get_serializer_class()
        yield route, serializer.JSONAPIMeta.resource_name


def params():
    for route, kind in detail_routes():
        for what, who in INSTANCES.get(kind, [(None, None)]):
            yield pytest.param(route, kind, what, who, id=f"{kind} {what} by {who}")


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")
    return client


def snapshot() -> dict:
    """Every row a save could touch, field by field."""
    models = (Event, Ticket, DiscountCode, Order, OrderLine, OrganizerInvitation)
    return {
        model.__name__: [model_to_dict(o) | {"pk": o.pk} for o in model.objects.order_by("pk")] for model in models
    }


@pytest.mark.parametrize(("route", "kind", "what", "who"), list(params()))
def test_a_resource_saved_back_unchanged_is_a_200_that_changes_nothing(route, kind, what, who):
    if what is None:
        pytest.fail(f"add instances of “{kind}” (route {route}) to INSTANCES in {__file__}")
    objects = build()
    client = client_for(objects[who])
    url = fill(route, {"pk": objects[what].pk})
    fetched = client.get(url)
    assert fetched.status_code == 200, fetched.content
    before = snapshot()

    response = client.patch(url, {"data": fetched.json()["data"]}, format="vnd.api+json")

    assert response.status_code == 200, response.content
    assert response.json()["data"] == fetched.json()["data"]
    assert client.get(url).json() == fetched.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("route", "what"),
    [
        ("/v1/discount-codes/{pk}/relationships/tickets", "code"),
        ("/v1/discount-codes/{pk}/relationships/event", "code"),
        ("/v1/tickets/{pk}/relationships/discount-code", "ticket"),
        ("/v1/tickets/{pk}/relationships/discount-code", "free"),
    ],
)
def test_relationships_saved_back_unchanged(route, what):
    objects = build()
    client = client_for(objects["organizer"])
    url = route.format(pk=objects[what].pk)
    fetched = client.get(url)
    before = snapshot()
    response = client.patch(url, fetched.json(), format="vnd.api+json")
    assert response.status_code == 200, response.content
    assert response.json() == fetched.json()
    assert snapshot() == before


def test_the_resources_saved_back_are_all_the_patchable_ones():
    kinds = {kind for _, kind in detail_routes()}
    assert kinds == set(INSTANCES), f"INSTANCES in {__file__} names {set(INSTANCES)}; routes with PATCH: {kinds}"
    assert kinds >= {"event", "ticket", "discount-code", "order"}


def test_a_code_saved_back_by_a_client_that_sends_null_for_what_it_leaves_unset():
    """Ember Data sends every attribute it models; one the record has not loaded is null. The code keeps its
    text (a rename never fails) and its nullable limits become unlimited, as the README says."""
    objects = build()
    code = objects["code"]
    client = client_for(objects["organizer"])
    doc = client.get(f"/v1/discount-codes/{code.pk}").json()
    doc["data"]["attributes"] |= {"max-quantity": None, "used-count": None, "created-at": None}
    response = client.patch(f"/v1/discount-codes/{code.pk}", doc, format="vnd.api+json")
    assert response.status_code == 200, response.content
    code.refresh_from_db()
    assert (code.code, code.max_quantity, code.used_count) == ("Early-20", None, 2)
    assert Order.objects.filter(discount_code=code).count() == 1
