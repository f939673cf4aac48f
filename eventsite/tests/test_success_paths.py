"""Success paths of every writable member of every resource, generated from the serializers' own fields.

For each resource a client can create (found in the URL configuration: every route that takes a JSON:API
document) and each member its serializer lets a client write:

- **create** with a valid value → 201, and a read shows that value;
- **change** it to another valid value → 200, and a read shows the new value (a resource without updates is
  created again with the second value; a member fixed after creation is refused with its rule's 409 and the
  read still shows the first value);
- a value of the **wrong JSON type** → 422 pointing at that member, on create and on update;
- an **unknown** attribute or relationship → 422 pointing at it, on create and on update.

The values come from ``RESOURCES`` below; the members come from the serializers. A member added to a serializer
is picked up here by itself, and fails with "add a value for <type>.<member>" until it has values.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import pytest
from rest_framework import relations as drf_relations
from rest_framework import serializers as drf
from rest_framework.test import APIClient
from rest_framework_json_api.utils import (
    format_field_name,
    get_resource_type_from_serializer,
    is_relationship_field,
)
from rest_framework_simplejwt.tokens import RefreshToken

from discounts.campaign_views import CodeGenerationSerializer
from discounts.serializers import DiscountCodeSerializer
from eventsite.api.parsers import JSONAPIParser
from eventsite.api.views import RelationshipView
from eventsite.models import User
from eventsite.serializers import EventSerializer, OrganizerInvitationSerializer, UserSerializer
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from orders.serializers import OrderSerializer
from reliability.routes import iter_routes
from tickets.serializers import TicketSerializer

pytestmark = pytest.mark.django_db

JSONAPI = "application/vnd.api+json"
UNCHANGEABLE = object()  # a member of a resource without updates: the second value makes a second resource


@dataclass
class World:
    owner: User
    organizer: User
    buyer: User
    event: Any
    other_event: Any
    ticket: Any
    second_ticket: Any
    ticket_code: Any
    event_code: Any
    serial: Any = field(default_factory=itertools.count)

    def n(self) -> int:
        return next(self.serial)


@pytest.fixture
def world(db) -> World:
    from datetime import datetime

    owner = UserFactory(email="owner@example.org")
    organizer = UserFactory(email="organizer@example.org")
    start = datetime(2031, 5, 1, 7, tzinfo=UTC)
    end = datetime(2031, 5, 3, 16, tzinfo=UTC)
    event = EventFactory(owner=owner, starts_at=start, ends_at=end)
    other_event = EventFactory(owner=owner, starts_at=start, ends_at=end)
    for e in (event, other_event):
        e.organizers.add(organizer)
    return World(
        owner=owner,
        organizer=organizer,
        buyer=UserFactory(email="buyer@example.org"),
        event=event,
        other_event=other_event,
        ticket=TicketFactory(event=event, name="Regular"),
        second_ticket=TicketFactory(event=event, name="Student"),
        ticket_code=DiscountCodeFactory(event=event, code="EARLY"),
        event_code=DiscountCodeFactory(event=event, code="TEAM", for_event=True, percent=True),
    )


def ident(kind: str, obj) -> dict:
    return {"type": kind, "id": str(obj.pk)}


@dataclass(frozen=True)
class Member:
    """Two valid values of a member (each a value or a function of the world) and how to read them back."""

    first: Any
    second: Any = UNCHANGEABLE
    fixed: str = ""  # a member that cannot change after creation: the code of the rule's 409
    also: dict = field(default_factory=dict)  # other attributes the values need (e.g. "used-for": "ticket")
    read: Callable | None = None  # (world, created document, client) → what the server holds
    holds: Callable | None = None  # (value sent, what ``read`` found) → whether it shows the value (default: ==)


@dataclass(frozen=True)
class Resource:
    serializer: type
    collection: Callable[[World], str]
    base: Callable[[World], dict]  # {"attributes": ..., "relationships": ...} of a minimal valid resource
    members: dict[str, Member]
    user: str | None = "organizer"  # who creates it (a World attribute; None: anonymous)
    detail: str | None = None  # "/v1/events/{id}": its read (and update, if ``updates``)
    updates: bool = True
    reader: Callable | None = None  # (world, created resource object) → (client, url) of its read


def resolve(value, w: World):
    return value(w) if callable(value) else value


def _generated_code(w: World, created: dict) -> tuple[APIClient, str]:
    return client_for(w.organizer), f"/v1/discount-codes/{created['data'][0]['id']}"


def _codes_of(created: dict) -> list[str]:
    return [item["attributes"]["code"] for item in created["data"]]


def _logged_in_as_itself(w: World, created: dict) -> tuple[APIClient, str]:
    return client_for(User.objects.get(pk=created["data"]["id"])), f"/v1/users/{created['data']['id']}"


def _can_log_in(w: World, created: dict, client) -> str | None:
    email = User.objects.get(pk=created["data"]["id"]).email
    for password in ("a-sturdy-passphrase-42", "another-sturdy-passphrase-43"):
        response = APIClient().post("/v1/auth/login", {"email": email, "password": password}, format="json")
        if response.status_code == 200:
            return password
    return None


def _order_lines(w: World, created: dict, client) -> list[dict]:
    data = client.get(f"/v1/orders/{created['data']['id']}").json()["data"]
    return [{"id": line["ticket"], "quantity": line["quantity"]} for line in data["attributes"]["lines"]]


def lines(*pairs):
    return lambda w: [{"id": str(getattr(w, name).pk), "quantity": quantity} for name, quantity in pairs]


RESOURCES: dict[str, Resource] = {
    "event": Resource(
        serializer=EventSerializer,
        collection=lambda w: "/v1/events",
        detail="/v1/events/{id}",
        base=lambda w: {
            "attributes": {
                "name": f"Conference {w.n()}",
                "starts-at": "2031-05-01T07:00:00Z",
                "ends-at": "2031-05-03T16:00:00Z",
                "payment-currency": "EUR",
            }
        },
        members={
            "name": Member("Spring Conference", "Autumn Conference"),
            "description": Member("First words.", "Second words."),
            "starts-at": Member("2031-04-30T07:00:00Z", "2031-05-02T07:00:00Z"),
            "ends-at": Member("2031-05-04T16:00:00Z", "2031-05-05T16:00:00Z"),
            "timezone": Member("Europe/Berlin", "Asia/Tokyo"),
            "payment-currency": Member("USD", "JPY"),
        },
    ),
    "ticket": Resource(
        serializer=TicketSerializer,
        collection=lambda w: "/v1/tickets",
        detail="/v1/tickets/{id}",
        base=lambda w: {
            "attributes": {"name": f"Ticket {w.n()}", "ticket-type": "paid", "price": "10.00"},
            "relationships": {"event": {"data": ident("event", w.event)}},
        },
        members={
            "name": Member("Front row", "Back row"),
            "description": Member("Close to the stage.", "Far from it."),
            "ticket-type": Member("donation", "paid"),
            "price": Member("12.00", "15.50"),
            "quantity": Member(50, 60),
            "min-price": Member("1.00", "2.00"),
            "max-price": Member("100.00", "200.00"),
            "position": Member(3, 4),
            "min-order": Member(2, 3),
            "max-order": Member(20, 30),
            "sales-starts-at": Member("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"),
            "sales-ends-at": Member("2031-04-01T00:00:00Z", "2031-04-15T00:00:00Z"),
            "is-hidden": Member(True, False),
            "event": Member(
                lambda w: ident("event", w.event), lambda w: ident("event", w.other_event), fixed="event_fixed"
            ),
            "discount-code": Member(lambda w: ident("discount-code", w.ticket_code), None),
        },
    ),
    "discount-code": Resource(
        serializer=DiscountCodeSerializer,
        collection=lambda w: "/v1/discount-codes",
        detail="/v1/discount-codes/{id}",
        base=lambda w: {
            "attributes": {"code": f"BASE{w.n()}", "value": "5.00", "discount-type": "amount", "used-for": "ticket"},
            "relationships": {"event": {"data": ident("event", w.event)}},
        },
        members={
            "code": Member("FIRST", "Second"),
            "discount-url": Member("https://example.org/first", "https://example.org/second"),
            "value": Member("6.00", "7.50"),
            "discount-type": Member("percent", "amount"),
            "is-active": Member(False, True),
            "tickets-number": Member(10, 20),
            "min-quantity": Member(2, 3),
            "max-quantity": Member(5, 6),
            "valid-from": Member("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"),
            "valid-till": Member("2031-01-01T00:00:00Z", "2031-02-01T00:00:00Z"),
            "used-for": Member("event", "ticket", fixed="used_for_fixed"),
            "event": Member(
                lambda w: ident("event", w.event), lambda w: ident("event", w.other_event), fixed="event_fixed"
            ),
            "tickets": Member(
                lambda w: [ident("ticket", w.ticket)],
                lambda w: [ident("ticket", w.second_ticket), ident("ticket", w.ticket)],
            ),
        },
    ),
    "order": Resource(
        serializer=OrderSerializer,
        collection=lambda w: "/v1/orders",
        detail="/v1/orders/{id}",
        user="buyer",
        base=lambda w: {"attributes": {"tickets": lines(("ticket", 1))(w)}},
        members={
            "tickets": Member(
                lines(("second_ticket", 2)), lines(("ticket", 1)), fixed="only_cancelling", read=_order_lines
            ),
            "code": Member("TEAM", "EARLY", fixed="only_cancelling"),
            "status": Member("placed", "cancelled"),
        },
    ),
    "user": Resource(
        serializer=UserSerializer,
        collection=lambda w: "/v1/users",
        detail="/v1/users/{id}",
        user=None,
        updates=False,
        reader=_logged_in_as_itself,
        base=lambda w: {"attributes": {"email": f"new{w.n()}@example.org", "password": "a-sturdy-passphrase-42"}},
        members={
            "email": Member("ada@example.org", "grace@example.org"),
            "password": Member("a-sturdy-passphrase-42", "another-sturdy-passphrase-43", read=_can_log_in),
            "first-name": Member("Ada", "Grace"),
            "last-name": Member("Lovelace", "Hopper"),
        },
    ),
    "code-generation": Resource(
        serializer=CodeGenerationSerializer,
        collection=lambda w: f"/v1/events/{w.event.pk}/code-generations",
        updates=False,
        reader=_generated_code,
        base=lambda w: {"attributes": {"count": 2, "discount-type": "amount", "value": "5.00"}},
        members={
            "count": Member(2, 3, read=lambda w, created, client: len(created["data"])),
            "prefix": Member(
                "SPRING-",
                "FALL-",
                read=lambda w, created, client: _codes_of(created),
                holds=lambda prefix, codes: all(code.startswith(prefix) for code in codes),
            ),
            "length": Member(
                6,
                9,
                read=lambda w, created, client: {len(code) for code in _codes_of(created)},
                holds=lambda n, seen: seen == {n},
            ),
            "alphabet": Member(
                "ABCDEFGH",
                "23456789",
                read=lambda w, created, client: set("".join(_codes_of(created))),
                holds=lambda alphabet, seen: seen <= set(alphabet),
            ),
            "discount-type": Member("percent", "amount"),
            "value": Member("6.00", "7.50"),
            "used-for": Member("ticket", "event"),
            "is-active": Member(False, True),
            "discount-url": Member("https://example.org/first", "https://example.org/second"),
            "tickets-number": Member(10, 20),
            "min-quantity": Member(2, 3),
            "max-quantity": Member(5, 6),
            "valid-from": Member("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"),
            "valid-till": Member("2031-01-01T00:00:00Z", "2031-02-01T00:00:00Z"),
            "tickets": Member(
                lambda w: [ident("ticket", w.ticket)],
                lambda w: [ident("ticket", w.second_ticket)],
                also={"count": 1, "used-for": "ticket"},
            ),
        },
    ),
    "organizer-invitation": Resource(
        serializer=OrganizerInvitationSerializer,
        collection=lambda w: f"/v1/events/{w.event.pk}/organizer-invitations",
        detail="/v1/organizer-invitations/{id}",
        user="owner",
        base=lambda w: {"attributes": {"email": f"invitee{w.n()}@example.org"}},
        members={
            "email": Member("ada@example.org", "grace@example.org", fixed="invitation_email_fixed"),
            "status": Member("pending", "revoked"),
        },
    ),
}


# The members, read from the serializers


def writable_members(serializer_class) -> dict[str, Any]:
    """The serializer's fields a client may write, by member name (dasherized), in declaration order."""
    return {format_field_name(name): f for name, f in serializer_class().fields.items() if not f.read_only}


def member_params():
    for kind, resource in RESOURCES.items():
        for member in writable_members(resource.serializer):
            yield pytest.param(kind, member, id=f"{kind}.{member}")


def spec(kind: str, member: str) -> Member:
    found = RESOURCES[kind].members.get(member)
    if found is None:
        pytest.fail(
            f"add a value for {kind}.{member}: the serializer lets clients write “{member}”, and "
            f"RESOURCES[{kind!r}].members in {__file__} has no valid values for it"
        )
    return found


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")
    return client


def section_of(kind: str, member: str) -> str:
    return (
        "relationships"
        if is_relationship_field(writable_members(RESOURCES[kind].serializer)[member])
        else "attributes"
    )


def document(kind: str, w: World, values: dict[str, Any], *, id: str | None = None, base: bool = True) -> dict:
    """A resource object of ``kind``: its base members (when creating) with ``values`` set."""
    resource = RESOURCES[kind]
    data: dict = {"type": kind, "attributes": {}, "relationships": {}}
    if id is not None:
        data["id"] = id
    if base:
        for section, members in resource.base(w).items():
            data[section].update(members)
    for member, value in values.items():
        if member in writable_members(resource.serializer) and section_of(kind, member) == "relationships":
            data["relationships"][member] = {"data": value}
        else:
            data["attributes"][member] = value
    return {"data": data}


def create(kind: str, w: World, values: dict[str, Any]):
    resource = RESOURCES[kind]
    user = getattr(w, resource.user) if resource.user else None
    return client_for(user).post(resource.collection(w), document(kind, w, values), format="vnd.api+json")


def read(kind: str, w: World, created: dict, member: str):
    """What the server holds for ``member`` of the resource ``created`` (its creation's response document)."""
    resource = RESOURCES[kind]
    if resource.reader is not None:
        client, url = resource.reader(w, created)
    else:
        user = getattr(w, resource.user) if resource.user else None
        client, url = client_for(user), resource.detail.format(id=created["data"]["id"])
    custom = RESOURCES[kind].members[member].read
    if custom is not None:
        return custom(w, created, client)
    response = client.get(url)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    if section_of(kind, member) == "relationships":
        linkage = data["relationships"][member]["data"]
        return sorted(linkage, key=lambda i: int(i["id"])) if isinstance(linkage, list) else linkage
    return data["attributes"][member]


def assert_shows(kind: str, w: World, created: dict, member: str, value) -> None:
    """A read of the resource ``created`` shows ``value`` for ``member``."""
    seen = read(kind, w, created, member)
    holds = RESOURCES[kind].members[member].holds
    if holds is not None:
        assert holds(value, seen), (value, seen)
        return
    if isinstance(value, list) and value and "type" in value[0]:
        value = sorted(value, key=lambda i: int(i["id"]))
    assert seen == value


def pointer(kind: str, member: str) -> str:
    return f"/data/{section_of(kind, member)}/{member}"


def assert_pointed_error(response, status: int, at: str):
    assert response.status_code == status, response.content
    pointers = [e.get("source", {}).get("pointer", "") for e in response.json()["errors"]]
    assert any(p == at or p.startswith(f"{at}/") for p in pointers), (at, response.content)


# The tests


def test_every_resource_a_client_writes_has_values():
    """Every route that takes a JSON:API resource document (POST or PATCH) writes a resource in RESOURCES."""
    found = {}
    for route, pattern in iter_routes():
        cls = getattr(pattern.callback, "cls", None)
        if cls is None or issubclass(cls, RelationshipView):
            continue
        actions = getattr(pattern.callback, "actions", None)
        methods = set(actions) if actions else {m for m in ("post", "patch") if hasattr(cls, m)}
        if not methods & {"post", "patch"} or not any(issubclass(p, JSONAPIParser) for p in cls.parser_classes):
            continue
        serializer = cls().get_serializer_class()
        found[get_resource_type_from_serializer(serializer)] = (route, serializer)
    missing = {kind: route for kind, (route, _) in found.items() if kind not in RESOURCES}
    assert not missing, f"add these resources to RESOURCES in {__file__}: {missing}"
    for kind, (route, serializer) in found.items():
        assert RESOURCES[kind].serializer is serializer, (kind, route)


@pytest.mark.parametrize("kind", list(RESOURCES))
def test_no_values_for_members_that_are_not_writable(kind):
    stale = set(RESOURCES[kind].members) - set(writable_members(RESOURCES[kind].serializer))
    assert not stale, f"{kind} has values for members clients cannot write (remove them): {stale}"


@pytest.mark.parametrize(("kind", "member"), list(member_params()))
def test_a_member_is_created_and_changed(world, kind, member):
    m = spec(kind, member)
    resource = RESOURCES[kind]
    first = resolve(m.first, world)
    response = create(kind, world, {**m.also, member: first})
    assert response.status_code == 201, response.content
    created = response.json()
    assert_shows(kind, world, created, member, first)

    if m.second is UNCHANGEABLE:
        return
    second = resolve(m.second, world)
    if not resource.updates:
        again = create(kind, world, {**m.also, member: second})
        assert again.status_code == 201, again.content
        assert_shows(kind, world, again.json(), member, second)
        return
    user = getattr(world, resource.user) if resource.user else None
    url = resource.detail.format(id=created["data"]["id"])
    change = document(kind, world, {member: second}, id=created["data"]["id"], base=False)
    response = client_for(user).patch(url, change, format="vnd.api+json")
    if m.fixed:
        assert response.status_code == 409, response.content
        assert [e["code"] for e in response.json()["errors"]] == [m.fixed]
        assert_shows(kind, world, created, member, first)
    else:
        assert response.status_code == 200, response.content
        assert_shows(kind, world, created, member, second)


def wrong_types(f) -> list:
    """JSON values of a type the field cannot take (not merely a bad value of the right type)."""
    if isinstance(f, drf_relations.ManyRelatedField):
        return [{"type": "ticket", "id": "1"}, "1"]  # an object or a string where an array belongs
    if isinstance(f, drf_relations.RelatedField):
        return ["1", ["1"]]  # a string or an array where a resource identifier object belongs
    if isinstance(f, drf.ListSerializer | drf.ListField):
        return [{"id": "1"}, "1"]
    if isinstance(
        f, drf.CharField | drf.ChoiceField | drf.DateTimeField | drf.DecimalField | drf.IntegerField | drf.BooleanField
    ):
        return [{"value": "1"}, ["1"]]  # an object or an array where a scalar belongs
    pytest.fail(f"add wrong-type values for {type(f).__name__} to wrong_types() in {__file__}")


@pytest.mark.parametrize(("kind", "member"), list(member_params()))
def test_a_value_of_the_wrong_type_is_a_422_at_the_member(world, kind, member):
    m = spec(kind, member)
    resource = RESOURCES[kind]
    wrong = wrong_types(writable_members(resource.serializer)[member])
    for value in wrong:
        assert_pointed_error(create(kind, world, {**m.also, member: value}), 422, pointer(kind, member))
    if not resource.updates:
        return
    response = create(kind, world, m.also)
    assert response.status_code == 201, response.content
    created = response.json()
    before = read(kind, world, created, member)
    user = getattr(world, resource.user) if resource.user else None
    url = resource.detail.format(id=created["data"]["id"])
    for value in wrong:
        change = document(kind, world, {member: value}, id=created["data"]["id"], base=False)
        response = client_for(user).patch(url, change, format="vnd.api+json")
        assert_pointed_error(response, 422, pointer(kind, member))
    assert read(kind, world, created, member) == before


@pytest.mark.parametrize("kind", list(RESOURCES))
def test_unknown_members_are_refused_on_create_and_update(world, kind):
    resource = RESOURCES[kind]
    doc = document(kind, world, {})
    doc["data"]["attributes"]["no-such-member"] = "x"
    doc["data"]["relationships"]["no-such-relation"] = {"data": None}
    user = getattr(world, resource.user) if resource.user else None
    response = client_for(user).post(resource.collection(world), doc, format="vnd.api+json")
    assert response.status_code == 422, response.content
    expected_pointers = {"/data/attributes/no-such-member", "/data/relationships/no-such-relation"}
    assert {e["source"]["pointer"] for e in response.json()["errors"]} == expected_pointers
    if not resource.updates:
        return
    created = create(kind, world, {}).json()
    change = document(kind, world, {}, id=created["data"]["id"], base=False)
    change["data"]["attributes"]["no-such-member"] = "x"
    change["data"]["relationships"]["no-such-relation"] = {"data": None}
    response = client_for(user).patch(resource.detail.format(id=created["data"]["id"]), change, format="vnd.api+json")
    assert response.status_code == 422, response.content
    assert {e["source"]["pointer"] for e in response.json()["errors"]} == expected_pointers


def underscored_member_params():
    for kind, resource in RESOURCES.items():
        for member in writable_members(resource.serializer):
            if "-" in member:
                yield pytest.param(kind, member, id=f"{kind}.{member.replace('-', '_')}")


@pytest.mark.parametrize(("kind", "member"), list(underscored_member_params()))
def test_a_member_written_with_underscores_is_refused_at_its_pointer(world, kind, member):
    """Member names are dasherized: ``tickets_number`` is no member (DRF would have taken it as ``tickets-number``
    on some resources and dropped it on others), on create and on update, and nothing changes."""
    m, resource = spec(kind, member), RESOURCES[kind]
    underscored = member.replace("-", "_")
    at = f"/data/{section_of(kind, member)}/{underscored}"
    value = resolve(m.first, world)
    doc = document(kind, world, m.also)
    section = section_of(kind, member)
    doc["data"][section][underscored] = {"data": value} if section == "relationships" else value
    user = getattr(world, resource.user) if resource.user else None
    response = client_for(user).post(resource.collection(world), doc, format="vnd.api+json")
    assert_pointed_error(response, 422, at)
    assert [e["code"] for e in response.json()["errors"]] == ["unknown_member"]
    if not resource.updates or m.second is UNCHANGEABLE:
        return
    created = create(kind, world, {**m.also, member: value}).json()
    change = document(kind, world, {}, id=created["data"]["id"], base=False)
    second = resolve(m.second, world)
    change["data"][section][underscored] = {"data": second} if section == "relationships" else second
    response = client_for(user).patch(resource.detail.format(id=created["data"]["id"]), change, format="vnd.api+json")
    assert_pointed_error(response, 422, at)
    assert_shows(kind, world, created, member, value)
