"""``eventsite.prepared.PreparedQuery``: the ORM's SQL compiled once, the same answers as the ORM for any values."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from eventsite import prepared
from eventsite.access import managed_events
from eventsite.models import Event
from eventsite.prepared import PreparedQuery
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class CountingBuild:
    """A ``build`` that counts how often it is asked for a queryset (twice per shape when prepared: once for
    each set of stand-ins)."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.build(*args, **kwargs)


def tickets_of(event: int, hidden_too: list[int]):
    return Ticket.objects.filter(Q(event_id=event), Q(is_hidden=False) | Q(pk__in=hidden_too)).order_by("pk")


def test_objects_equal_the_orm_for_every_value_and_compile_once_per_shape(event, other_event):
    mine = [TicketFactory(event=event, price=Decimal("12.50"), is_hidden=i % 2 == 0) for i in range(4)]
    TicketFactory(event=other_event)
    build = CountingBuild(tickets_of)
    query = PreparedQuery(build)
    for event_id, hidden in [(event.pk, [mine[0].pk]), (event.pk, [mine[2].pk]), (other_event.pk, [0])]:
        got = query.objects(event=event_id, hidden_too=hidden)
        want = list(tickets_of(event_id, hidden))
        assert [t.pk for t in got] == [t.pk for t in want]
        for a, b in zip(got, want, strict=True):
            assert {f.attname: getattr(a, f.attname) for f in Ticket._meta.concrete_fields} == {
                f.attname: getattr(b, f.attname) for f in Ticket._meta.concrete_fields
            }
            assert isinstance(a.price, Decimal) and a.created_at.tzinfo is not None  # converters applied
    assert build.calls == 2  # three calls, one shape (one value, a list of one)
    query.objects(event=event.pk, hidden_too=[mine[0].pk, mine[2].pk])
    assert build.calls == 4  # a list of another length is another shape


def test_a_call_runs_one_query_and_compiles_nothing(event):
    TicketFactory(event=event)
    build = CountingBuild(lambda pk: Event.objects.filter(pk=pk))
    query = PreparedQuery(build)
    query.objects(pk=event.pk)
    with CaptureQueriesContext(connection) as ctx:
        (found,) = query.objects(pk=event.pk)
    assert found == event and len(ctx.captured_queries) == 1 and build.calls == 2


def test_rows_and_parts(event):
    tickets = [TicketFactory(event=event, position=i) for i in range(5)]
    query = PreparedQuery(
        lambda bottom, top, event: (
            Ticket.objects.filter(event_id=event).order_by("position")[bottom:top].values_list("pk", "position")
        )
    )
    assert query.rows(parts=(1, 3), event=event.pk) == [(t.pk, t.position) for t in tickets[1:3]]
    assert query.rows(parts=(3, 5), event=event.pk) == [(t.pk, t.position) for t in tickets[3:5]]


def test_an_empty_list_matches_nothing_without_a_query(event):
    TicketFactory(event=event)
    query = PreparedQuery(lambda ids: Ticket.objects.filter(pk__in=ids))
    with CaptureQueriesContext(connection) as ctx:
        assert query.objects(ids=[]) == []
        assert query.rows(ids=set()) == []
    assert ctx.captured_queries == []


@pytest.mark.parametrize("value", [True, None, "1", b"1", 1.5, [1, "2"], {"pk": 1}])
def test_only_integers_are_values(event, value):
    query = PreparedQuery(lambda pk: Event.objects.filter(pk=pk))
    with pytest.raises(TypeError, match="must be an integer"):
        query.objects(pk=value)


def test_a_value_the_sql_does_not_carry_as_a_parameter_is_refused(event):
    """A money field turns the value into a decimal: substituting an integer later would not be what the ORM sends,
    so it fails at once."""
    query = PreparedQuery(lambda cents: Ticket.objects.filter(price__gt=cents))
    with pytest.raises(ValueError, match="did not reach the SQL"):
        query.objects(cents=2030)


def test_a_column_whose_range_excludes_the_stand_ins_is_refused(event):
    """Django answers "nothing" without SQL for a value outside a column's range (a negative quantity): cached,
    that would make every later call empty, so it fails instead."""
    query = PreparedQuery(lambda quantity: Ticket.objects.filter(quantity=quantity))
    with pytest.raises(ValueError, match="match nothing"):
        query.objects(quantity=5)


def test_select_related_is_refused(event):
    query = PreparedQuery(lambda pk: Ticket.objects.select_related("event").filter(pk=pk))
    with pytest.raises(ValueError, match="select_related"):
        query.objects(pk=1)


def test_the_least_recently_used_shape_is_dropped_beyond_the_cap(event, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 2)
    build = CountingBuild(lambda ids: Event.objects.filter(pk__in=ids))
    query = PreparedQuery(build)
    other = EventFactory()
    one, two, three = [event.pk], [event.pk, other.pk], [event.pk, other.pk, 0]
    for ids in (one, two, one, three):  # ``one`` used after ``two``: ``two`` is dropped for ``three``
        assert {e.pk for e in query.objects(ids=ids)} == set(ids) - {0}
    assert build.calls == 6
    query.objects(ids=one)
    assert build.calls == 6
    query.objects(ids=two)
    assert build.calls == 8


def test_a_condition_django_drops_for_some_values_is_refused(event):
    """A negative quantity is out of the column's range: Django drops ``quantity = x`` from the OR for the first
    stand-ins but not for the second. Prepared from the first alone, the query would ignore the quantity."""
    query = PreparedQuery(lambda x: Ticket.objects.filter(Q(event_id=x) | Q(quantity=x)))
    with pytest.raises(ValueError, match="depends on the values"):
        query.objects(x=5)


def test_the_managed_events_are_the_orms(event, other_event, organizer, owner):
    """``eventsite.access.MANAGED_EVENTS`` answers as ``access.managed_events`` for owners, organizers, both
    and neither (an owner who also organizes an event is one row per event: ``distinct``)."""
    from eventsite.access import MANAGED_EVENTS
    from eventsite.tests.factories import UserFactory

    both = EventFactory(owner=organizer)
    both.organizers.add(organizer)
    other_event.organizers.add(owner)
    for user in (owner, organizer, other_event.owner, UserFactory()):
        rows = MANAGED_EVENTS.rows(user=user.pk)
        assert sorted(pk for (pk,) in rows) == sorted(managed_events(user).values_list("pk", flat=True))


def test_values_equal_the_orms_with_converters_joins_and_annotations(event, other_event):
    from eventsite.api.pagination import TOTAL, with_total

    code = DiscountCodeFactory(event=event)
    for i in range(3):
        TicketFactory(event=event, price=Decimal("12.50") + i, discount_code=code if i else None, is_hidden=i == 1)
    TicketFactory(event=other_event)

    def build(bottom, top, *columns, event):
        return with_total(Ticket.objects.filter(event_id=event).order_by("position", "id")).values(*columns, TOTAL)[
            bottom:top
        ]

    columns = ("id", "price", "is_hidden", "created_at", "sales_ends_at", "event_id", "discount_code__valid_from")
    query = PreparedQuery(build)
    for parts in [(0, 2, *columns), (1, 5, *columns)]:
        got = query.values(parts=parts, event=event.pk)
        assert got == list(build(*parts, event=event.pk))
        assert got and all(isinstance(row["price"], Decimal) and type(row["is_hidden"]) is bool for row in got)
        assert all(row["created_at"].tzinfo is not None for row in got)
