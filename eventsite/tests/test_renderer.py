"""The fast paths write the very bytes DRF-JSONAPI's and DRF's own write: the renderer (plans, shared included
serializers, orjson) and the serializers' compiled read (``eventsite.api.serializers.CompiledReadMixin``)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from discounts import rules
from eventsite.api.renderers import JSONAPIRenderer
from eventsite.api.serializers import CompiledReadMixin
from eventsite.models import OrganizerInvitation
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory

pytestmark = pytest.mark.django_db

REQUESTS = [
    # (url, params, who)
    ("/v1/events", {}, None),
    ("/v1/events/{event}", {}, None),
    ("/v1/events/{event}", {"fields[event]": "name,owner"}, None),
    ("/v1/tickets", {"page[size]": "100"}, None),
    ("/v1/tickets", {"page[size]": "100", "include": "event,discount-code"}, "organizer"),
    ("/v1/tickets", {"include": "discount-code", "fields[ticket]": "name,discount-code"}, "organizer"),
    ("/v1/tickets", {"page[size]": "3", "page[number]": "2", "sort": "-price"}, "organizer"),
    ("/v1/tickets/{ticket}", {"include": "discount-code"}, "organizer"),
    ("/v1/tickets/{ticket}", {"include": "discount-code"}, None),
    ("/v1/tickets/{ticket}/discount-code", {}, "organizer"),
    ("/v1/tickets/{ticket}/relationships/discount-code", {}, "organizer"),
    ("/v1/events/{event}/tickets", {}, None),
    ("/v1/events/{event}/tickets", {"page[size]": "100"}, "organizer"),
    ("/v1/events/{event}/tickets", {"fields[ticket]": "name,max-price,sales-ends-at,event"}, None),
    ("/v1/tickets", {"page[size]": "100", "include": "event"}, None),
    ("/v1/events/{event}/tickets", {"include": "discount-code"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets,event", "page[size]": "100"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets.event"}, "organizer"),
    ("/v1/discount-codes", {"fields[discount-code]": "code,tickets", "include": "tickets"}, "organizer"),
    ("/v1/discount-codes", {}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets", "page[size]": "1", "page[number]": "2"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets", "sort": "-value"}, "organizer"),
    ("/v1/discount-codes", {"include": "event", "filter[code]": "early"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets,event"}, "superuser"),
    ("/v1/discount-codes", {"include": "tickets"}, "stranger"),
    ("/v1/events/{event}/discount-codes", {"include": "tickets"}, "organizer"),
    ("/v1/discount-codes/{code}", {}, "organizer"),
    ("/v1/discount-codes/{code}", {"include": "tickets"}, "superuser"),
    ("/v1/discount-codes/{code}", {"include": "tickets,event"}, "organizer"),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": "50", "include": "event"}, "organizer"),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": "2", "page[number]": "2", "include": "event"}, "organizer"),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": "2", "page[number]": "9"}, "organizer"),
    ("/v1/discount-codes/{code}/tickets", {"include": "event"}, None),
    ("/v1/discount-codes/{code}/relationships/tickets", {}, "organizer"),
    ("/v1/discount-codes/{code}/event", {}, "organizer"),
    ("/v1/events/{event}/discount-codes/early", {}, None),
    ("/v1/events/{event}/discount-codes/team", {}, None),
    ("/v1/events/{event}/relationships/organizers", {}, "organizer"),
    ("/v1/organizer-invitations", {"include": "event"}, "organizer"),
    # errors
    ("/v1/tickets", {"bogus": "1"}, None),
    ("/v1/tickets", {"page[size]": "500"}, None),
    ("/v1/discount-codes/{code}", {}, None),
    ("/v1/discount-codes", {"include": "nothing"}, "organizer"),
    ("/v1/events/{event}/discount-codes/nope", {}, None),
]


@pytest.fixture
def world(event, organizer, ticket_code, event_code):
    tickets = [
        TicketFactory(event=event, name=f"Ticket {i}\u2028line", price=Decimal("20.00") + i, is_hidden=i == 2)
        for i in range(6)
    ]
    TicketFactory(event=event, free=True)
    # Money and date-times set (the others leave max-price and the sales window null), text beyond ASCII.
    TicketFactory(
        event=event,
        donation=True,
        name="Spende €",
        description="Zahl, was du willst\n",
        min_price=Decimal("1.5"),
        max_price=Decimal("999.99"),
        sales_starts_at=datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
        sales_ends_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    rules.attach_tickets(code=ticket_code, tickets=tickets[:4])
    other = EventFactory()
    TicketFactory(event=other)
    DiscountCodeFactory(event=other, value="1.00")
    OrganizerInvitation.objects.create(event=other, email=organizer.email, invited_by=other.owner)
    OrganizerInvitation.objects.create(
        event=EventFactory(), email=organizer.email.upper(), status="declined", responded_at=datetime.now(UTC)
    )
    return {"event": event.pk, "ticket": tickets[0].pk, "code": ticket_code.pk}


@pytest.mark.parametrize(("template", "params", "who"), REQUESTS, ids=[f"{r[0]}{r[1]}" for r in REQUESTS])
def test_the_fast_renderer_writes_what_the_stock_one_writes(
    api, world, organizer, superuser, stranger, monkeypatch, template, params, who
):
    client = api({"organizer": organizer, "superuser": superuser, "stranger": stranger}.get(who))
    url = template.format(**world)
    monkeypatch.setattr(JSONAPIRenderer, "fast", False)
    monkeypatch.setattr(CompiledReadMixin, "compiled_read", False)
    stock = client.get(url, params)
    monkeypatch.setattr(JSONAPIRenderer, "fast", True)
    monkeypatch.setattr(CompiledReadMixin, "compiled_read", True)
    fast = client.get(url, params)
    assert fast.status_code == stock.status_code
    assert fast.content == stock.content


@pytest.mark.parametrize(
    "serializer_class", ["tickets.serializers.TicketSerializer", "eventsite.serializers.EventSerializer"]
)
def test_tickets_and_events_are_read_from_their_columns_not_through_drf(serializer_class):
    """The compiled read covers every member of the benchmark's page (else the test above compares DRF to DRF)."""
    from django.utils.module_loading import import_string

    from eventsite.api.serializers import _same

    plan = import_string(serializer_class)()._make_read_plan()
    assert plan and all(convert is not _same for _, _, convert in plan)


def test_read_only_serializers_get_their_own_bound_copies_of_the_shared_fields():
    from discounts.serializers import DiscountCodeSerializer

    first, second = DiscountCodeSerializer(), DiscountCodeSerializer()
    for name in ("event", "tickets", "value"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert first.fields["tickets"].child_relation.parent is first.fields["tickets"]
    assert second.fields["tickets"].child_relation.parent is second.fields["tickets"]
    writer = DiscountCodeSerializer(data={})
    assert writer.fields["event"].parent is writer


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_prepared_datetime_and_money_converters_write_what_drf_writes(zone):
    """Date-times (aware in UTC and elsewhere, microseconds, naive), money (whole, one place, many places),
    booleans and choices (stored values, others, an enum member) as
    DRF's own ``to_representation`` writes them, in the time zone active when the serializer reads."""
    import zoneinfo

    from django.utils import timezone

    from eventsite.api.serializers import _converter
    from tickets.models import TicketType
    from tickets.serializers import TicketSerializer

    values = {
        "sales_starts_at": [
            datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
            datetime(2027, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")),
            datetime(2027, 7, 1, 12, 0, 1, tzinfo=zoneinfo.ZoneInfo(zone)),  # already in the active zone
            datetime(2027, 7, 1, 12),
        ],
        "price": [Decimal("20"), Decimal("1.5"), Decimal("999.99"), Decimal("0.00"), 3, "4.5"],
        "is_hidden": [True, False, 1, 0, "true", "no"],
        "ticket_type": ["paid", "free", "donation", "", "gratis", TicketType.PAID, 3],
    }
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        fields = TicketSerializer().fields
        for name, samples in values.items():
            field = fields[name]
            convert = _converter(field)
            assert convert != field.to_representation  # the prepared path, not DRF's
            for value in samples:
                assert convert(value) == field.to_representation(value), (name, value)


def test_the_public_checks_ticket_linkage_is_the_stock_fields(event, paid_ticket, second_paid_ticket):
    """``ApplicableTicketsLinkage`` writes the linkage from the ids, without asking each ticket its type: what
    DRF-JSONAPI's own field writes from the tickets."""
    from rest_framework_json_api.relations import ManySerializerMethodResourceRelatedField

    from discounts.models import DiscountCode
    from discounts.serializers import ApplicableTicketsLinkage, PublicDiscountCodeSerializer

    tickets = [paid_ticket, second_paid_ticket]
    serializer = PublicDiscountCodeSerializer(
        DiscountCode(event=event), context={"code_text": "X", "applicable_tickets": [t.pk for t in tickets]}
    )
    field = serializer.fields["tickets"]
    assert isinstance(field, ApplicableTicketsLinkage)
    ours = field.to_representation([t.pk for t in tickets])  # ``get_tickets`` gives the ids
    assert ours == ManySerializerMethodResourceRelatedField.to_representation(field, tickets)
    assert ours == [{"type": "ticket", "id": str(t.pk)} for t in tickets]


#: Requests the document builder answers (``eventsite.api.rows``), among ``REQUESTS``: the test above compares
#: its bytes with the stock serializers' and renderer's.
ROW_DOCUMENTS = [
    ("/v1/discount-codes", {"include": "tickets"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets,event", "page[size]": "100"}, "organizer"),
    ("/v1/discount-codes", {}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets", "page[size]": "1", "page[number]": "2"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets", "sort": "-value"}, "organizer"),
    ("/v1/discount-codes", {"include": "event", "filter[code]": "early"}, "organizer"),
    ("/v1/discount-codes", {"include": "tickets,event"}, "superuser"),
    ("/v1/events/{event}/discount-codes", {"include": "tickets"}, "organizer"),
    ("/v1/discount-codes/{code}", {"include": "tickets,event"}, "organizer"),
    ("/v1/discount-codes/{code}", {}, "organizer"),
    ("/v1/tickets", {"page[size]": "100", "include": "event,discount-code"}, "organizer"),
    ("/v1/tickets", {"page[size]": "3", "page[number]": "2", "sort": "-price"}, "organizer"),
    ("/v1/tickets/{ticket}", {"include": "discount-code"}, "organizer"),
    ("/v1/tickets/{ticket}", {"include": "discount-code"}, None),
    ("/v1/events/{event}/tickets", {}, None),
    ("/v1/events/{event}/tickets", {"include": "discount-code"}, "organizer"),
    ("/v1/discount-codes/{code}/tickets", {"page[size]": "50", "include": "event"}, "organizer"),
]


@pytest.mark.parametrize(("template", "params", "who"), ROW_DOCUMENTS, ids=[f"{r[0]}{r[1]}" for r in ROW_DOCUMENTS])
def test_the_document_builder_answers_the_hot_reads(
    api, world, organizer, superuser, monkeypatch, template, params, who
):
    from eventsite.api.rows import Builder

    assert (template, params, who) in REQUESTS
    built = []
    document = Builder.document
    monkeypatch.setattr(Builder, "document", lambda self, rows: built.append(len(rows)) or document(self, rows))
    response = api({"organizer": organizer, "superuser": superuser}.get(who)).get(template.format(**world), params)
    assert response.status_code == 200
    assert built


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("/v1/discount-codes", {"include": "tickets.event"}),
        ("/v1/discount-codes", {"fields[discount-code]": "code,tickets", "include": "tickets"}),
    ],
)
def test_the_document_builder_leaves_what_it_does_not_cover_to_the_general_path(
    api, world, organizer, monkeypatch, template, params
):
    from eventsite.api.rows import Builder

    monkeypatch.setattr(Builder, "document", lambda self, rows: pytest.fail("the builder answered"))
    assert api(organizer).get(template.format(**world), params).status_code == 200


def test_the_builders_shapes_come_from_the_serializers_declarations():
    """What the builder reads of a serializer: its type, fields in order, their kinds and columns, its
    ``manager_members``; a serializer with a field it cannot read from a column (a method field) has no shape."""
    from discounts.serializers import DiscountCodeSerializer, PublicDiscountCodeSerializer
    from eventsite.api.rows import shape_of
    from tickets.serializers import MANAGER_MEMBERS, TicketSerializer

    assert shape_of(PublicDiscountCodeSerializer) is None
    code = shape_of(DiscountCodeSerializer)
    assert code.type == "discount-code"
    assert [m[0] for m in code.members] == list(DiscountCodeSerializer.Meta.fields)
    kinds = {m[0]: (m[2], m[3]) for m in code.members}
    assert kinds["tickets"][0] == "many" and kinds["event"] == ("one", "event_id")
    assert kinds["marketer"] == ("one", "marketer_id") and kinds["discount_type"] == ("attribute", "type")
    ticket = shape_of(TicketSerializer)
    assert ticket.type == "ticket" and ticket.manager_members == set(MANAGER_MEMBERS)
    assert ticket.event_column == "event_id"
