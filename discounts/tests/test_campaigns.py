"""Campaign tools in the domain: bulk generation (10,000 codes, one transaction) and the CSV round trip."""

import math
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discounts import csv_format, generation, imports, rules
from discounts.models import DiscountCode, UsedFor
from eventsite.errors import RuleError
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory
from history.models import Entry, Mention
from history.services import ENTRIES_PER_INSERT, MENTIONS_PER_INSERT
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TERMS = {"type": "percent", "value": Decimal("15"), "used_for": UsedFor.EVENT, "tickets_number": 1}


def codes_of(problems):
    return [p.code for p in problems]


# Generation


def test_ten_thousand_codes_are_generated_unique_in_one_transaction_with_bulk_inserts(event):
    DiscountCodeFactory(event=event, code="SPRING-ABCDEFGH")
    with CaptureQueriesContext(connection) as ctx:
        codes = generation.generate_codes(event=event, count=10_000, prefix="SPRING-", length=8, **TERMS)
    assert len(codes) == 10_000
    stored = list(DiscountCode.objects.filter(event=event, code__startswith="SPRING-").values_list("code", flat=True))
    assert len(stored) == 10_001
    assert len({c.lower() for c in stored}) == 10_001
    texts = [c.code for c in codes]
    assert all(len(t) == len("SPRING-") + 8 for t in texts)
    assert not set("".join(t.removeprefix("SPRING-") for t in texts)) & set("0O1IL")
    # One query for the existing codes, then bulk inserts: batches of 1,000 rows (PostgreSQL: 10 INSERTs;
    # SQLite splits each batch further at its 999 parameters per statement), never one INSERT per code.
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "discounts_')]
    columns = sum(1 for f in DiscountCode._meta.concrete_fields if not f.primary_key)
    assert len(inserts) == (10 if connection.vendor == "postgresql" else 10 * math.ceil(1000 / (999 // columns)))
    # The history: one entry for the generation, naming the 10,000 codes in one insert (SQLite: its batches).
    recorded = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "history_')]
    assert len(recorded) == 1 + (1 if connection.vendor == "postgresql" else math.ceil(10_000 / (999 // 3)))
    others = len(ctx.captured_queries) - len(inserts) - len(recorded)
    assert others <= 4  # the existing codes, savepoint, release
    shared = DiscountCode.objects.filter(pk__in=[c.pk for c in codes]).values("type", "value", "tickets_number")
    assert {(r["type"], r["value"], r["tickets_number"]) for r in shared} == {("percent", Decimal("15"), 1)}


def test_a_failure_during_generation_writes_nothing(event):
    calls = []

    def failing_progress(done, total):
        calls.append(done)
        if done >= 3000:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        generation.generate_codes(event=event, count=5000, progress=failing_progress, **TERMS)
    assert calls == [1000, 2000, 3000]
    assert not DiscountCode.objects.filter(event=event).exists()


def test_generation_avoids_the_events_codes_whatever_their_case(event):
    # A space of 2**4 = 16 codes, 15 of them taken in lower case: the one left is the only answer.
    for i in range(16):
        text = f"{i:04b}".replace("0", "a").replace("1", "b")
        if text != "abba":
            DiscountCodeFactory(event=event, code=f"x{text}")
    [code] = generation.generate_codes(event=event, count=1, prefix="X", length=4, alphabet="AB", **TERMS)
    assert code.code == "XABBA"
    with pytest.raises(RuleError) as refused:
        generation.generate_codes(event=event, count=1, prefix="X", length=4, alphabet="AB", **TERMS)
    assert codes_of(refused.value.problems) == ["space_too_small"]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"count": 0}, "count", "count_out_of_range"),
        ({"count": 10_001}, "count", "count_out_of_range"),
        ({"length": 3}, "length", "length_out_of_range"),
        ({"prefix": "P" * 95, "length": 8}, "length", "length_out_of_range"),
        ({"alphabet": "ABC0"}, "alphabet", "alphabet_look_alikes"),
        ({"alphabet": "abl"}, "alphabet", "alphabet_look_alikes"),
        ({"alphabet": "A"}, "alphabet", "alphabet_too_small"),
        ({"prefix": "SUMMER "}, "prefix", "code_whitespace"),
        ({"value": Decimal("120")}, "value", "percent_out_of_range"),
        ({"min_quantity": 3, "max_quantity": 2}, "min_quantity", "min_quantity_above_max"),
    ],
)
def test_a_bad_generation_is_refused_with_the_rules_messages_and_writes_nothing(event, kwargs, field, code):
    arguments = {"count": 10} | TERMS | kwargs
    with pytest.raises(RuleError) as refused:
        generation.generate_codes(event=event, **arguments)
    assert (refused.value.problems[0].field, refused.value.problems[0].code) == (field, code)
    assert not DiscountCode.objects.exists()


def test_many_generated_codes_cannot_share_tickets(event, paid_ticket):
    with pytest.raises(RuleError) as refused:
        generation.generate_codes(event=event, count=5, tickets=[paid_ticket], **(TERMS | {"used_for": "ticket"}))
    [problem] = refused.value.problems
    assert problem.message == generation.GENERATED_CODES_SHARE_NO_TICKETS.format(n=5)
    assert not DiscountCode.objects.exists()


def test_one_generated_code_takes_tickets_through_the_rules(event, paid_ticket, free_ticket):
    terms = {"type": "amount", "value": Decimal("5"), "used_for": UsedFor.TICKET}
    [code] = generation.generate_codes(event=event, count=1, tickets=[paid_ticket], **terms)
    assert list(code.tickets.all()) == [paid_ticket]
    with pytest.raises(RuleError) as refused:
        generation.generate_codes(event=event, count=1, tickets=[free_ticket], **terms)
    assert refused.value.messages == [rules.FREE_TICKET.format(ticket="Community")]


def test_generated_codes_default_to_the_events_end_like_one_code(event):
    codes = generation.generate_codes(event=event, count=3, **TERMS)
    assert {c.valid_till for c in DiscountCode.objects.filter(pk__in=[c.pk for c in codes])} == {event.ends_at}


# CSV


@pytest.fixture
def campaign(event, paid_ticket, second_paid_ticket):
    early = rules.create_code(
        event=event,
        code="EARLY",
        type="amount",
        value=Decimal("10.00"),
        used_for="ticket",
        tickets_number=50,
        max_quantity=4,
        tickets=[paid_ticket, second_paid_ticket],
        discount_url="https://pycon.test/early",
    )
    team = rules.create_code(event=event, code="Team", type="percent", value=Decimal("20"), used_for="event")
    return early, team


def test_export_then_import_is_identical_and_the_second_import_changes_nothing(event, campaign):
    exported = csv_format.export_csv(event)
    assert exported.splitlines()[0] == ",".join(csv_format.COLUMNS)
    assert "EARLY,amount,10.00,ticket,true,50,1,4," in exported
    assert "Early bird|Student" in exported

    summary = imports.import_codes(event=event, table=csv_format.read_csv(exported))
    assert summary == imports.ImportSummary(created=0, updated=0, unchanged=2)
    assert csv_format.export_csv(event) == exported

    # Into an empty event of the same tickets: export → import → export is the same file (except used counts).
    DiscountCode.objects.filter(event=event).update(used_count=0)
    Ticket.objects.update(discount_code=None)
    DiscountCode.objects.filter(event=event).delete()
    first = imports.import_codes(event=event, table=csv_format.read_csv(exported))
    assert first == imports.ImportSummary(created=2, updated=0, unchanged=0)
    assert csv_format.export_csv(event) == exported
    with CaptureQueriesContext(connection) as ctx:
        second = imports.import_codes(event=event, table=csv_format.read_csv(exported))
    assert second == imports.ImportSummary(created=0, updated=0, unchanged=2)
    assert not [q for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]


def test_an_import_updates_terms_and_moves_tickets_between_codes_of_the_file(event, campaign, paid_ticket):
    early, _ = campaign
    other = rules.create_code(event=event, code="OTHER", type="amount", value=Decimal("1"), used_for="ticket")
    text = csv_format.export_csv(event)
    text = text.replace("EARLY,amount,10.00", "early,amount,7.50").replace("Early bird|Student", "Student")
    text = text.replace("OTHER,amount,1.00,ticket,true,,1,,", "OTHER,amount,1.00,ticket,false,,1,,")
    text = text.replace(",https://pycon.test/early,Student,0", ",https://pycon.test/early,Student,999")
    lines = text.splitlines()
    lines = [line.replace(",,0", ",Early bird,0") if line.startswith("OTHER") else line for line in lines]
    summary = imports.import_codes(event=event, table=csv_format.read_csv("\n".join(lines)))
    assert summary == imports.ImportSummary(created=0, updated=2, unchanged=1)
    early.refresh_from_db()
    other.refresh_from_db()
    assert (early.code, early.value, early.used_count) == ("EARLY", Decimal("7.50"), 0)  # used_count is ignored
    assert other.is_active is False
    assert list(other.tickets.all()) == [paid_ticket]
    assert [t.name for t in early.tickets.all()] == ["Student"]


BAD = """code,discount_type,value,used_for,is_active,tickets_number,min_quantity,max_quantity,valid_from,valid_till,\
discount_url,tickets
GOOD1,amount,5.00,event,true,,1,,,,,
BAD 1,amount,5.00,event,true,,1,,,,,
GOOD2,percent,150,event,true,,1,,,,,
EARLY,amount,5.00,event,true,,1,,,,,
GOOD3,amount,abc,event,maybe,,1,,2027-01-01,,,
good1,amount,5.00,event,true,,1,,,,,
GOOD4,amount,80.00,ticket,true,,1,,,,,Early bird|Nope
GOOD5,amount,5.00,ticket,true,,1,,,,,Community
GOOD6,amount,5.00,ticket,true,3,1,4,,,,
"""


def test_bad_rows_are_refused_by_line_with_the_rules_messages_and_nothing_is_written(
    event, campaign, paid_ticket, free_ticket
):
    before = csv_format.export_csv(event)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_codes(event=event, table=csv_format.read_csv(BAD))
    messages = refused.value.messages
    assert messages == [
        f"Line 3: {rules.CODE_WHITESPACE}",
        f"Line 4: {rules.PERCENT_OUT_OF_RANGE}",
        f"Line 5: {rules.USED_FOR_FIXED}",
        f"Line 6: {csv_format.NOT_A_NUMBER.format(value='abc')}",
        f"Line 6: {csv_format.NOT_YES_OR_NO.format(value='maybe')}",
        f"Line 6: {csv_format.NOT_A_MOMENT.format(value='2027-01-01')}",
        f"Line 7: {imports.CODE_TWICE_IN_FILE.format(code='good1', line=2)}",
        f"Line 8: {imports.UNKNOWN_TICKET.format(name='Nope')}",
        f"Line 8: {rules.TICKET_HAS_OTHER_CODE.format(ticket='Early bird', other='EARLY')}",
        f"Line 9: {rules.FREE_TICKET.format(ticket='Community')}",
        f"Line 10: {rules.TICKETS_NUMBER_BELOW_MAX}",
    ]
    assert csv_format.export_csv(event) == before
    assert not DiscountCode.objects.filter(code__startswith="GOOD").exists()


def test_a_file_without_the_needed_columns_is_refused_on_line_1(event):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_codes(event=event, table=csv_format.read_csv("code,value\nA,1\n"))
    assert refused.value.messages == ["Line 1: " + imports.MISSING_COLUMNS.format(columns="discount_type, used_for")]


def test_a_limit_below_the_uses_is_refused(event, campaign):
    early, _ = campaign
    DiscountCode.objects.filter(pk=early.pk).update(used_count=10)
    text = csv_format.export_csv(event).replace("ticket,true,50,1,4", "ticket,true,5,1,4")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_codes(event=event, table=csv_format.read_csv(text))
    assert refused.value.messages == ["Line 2: " + rules.LIMIT_BELOW_USED.format(code="EARLY", n=10)]


def test_an_import_refused_midway_by_the_database_writes_nothing(event, campaign):
    text = csv_format.export_csv(event) + "NEW1,amount,1.00,event,true,,1,,,,,,\n"
    text = text.replace("EARLY,amount,10.00", "EARLY,amount,9.00")
    with (
        mock.patch.object(Ticket.objects, "filter", side_effect=RuntimeError("lost connection")),
        pytest.raises(RuntimeError),
    ):
        imports.import_codes(event=event, table=csv_format.read_csv(text))
    assert not DiscountCode.objects.filter(code="NEW1").exists()
    assert DiscountCode.objects.get(code="EARLY").value == Decimal("10.00")


def test_tickets_of_the_event_only(event, other_event, campaign):
    TicketFactory(event=other_event, name="Elsewhere")
    text = csv_format.export_csv(event) + "NEW1,amount,1.00,ticket,true,,1,,,,,Elsewhere,\n"
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_codes(event=event, table=csv_format.read_csv(text))
    assert refused.value.messages == ["Line 4: " + imports.UNKNOWN_TICKET.format(name="Elsewhere")]


def bulk_file(codes: int, ticket_codes: int, *, value: str, tickets: list) -> str:
    """``codes`` event codes and ``ticket_codes`` ticket codes, each of those with one ticket of ``tickets``."""
    lines = [",".join(csv_format.COLUMNS[:-1])]
    lines += [f"BULK{i},amount,{value},event,true,,1,,,,," for i in range(codes)]
    lines += [f"TICK{i},amount,{value},ticket,true,,1,,,,,{tickets[i].name}" for i in range(ticket_codes)]
    return "\n".join(lines) + "\n"


def import_queries(event, text) -> tuple[int, int, int]:
    """(INSERT statements of codes and tickets, every other statement, INSERTs of the history) of one import."""
    with CaptureQueriesContext(connection) as ctx:
        imports.import_codes(event=event, table=csv_format.read_csv(text))
    history = sum(1 for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "history_'))
    inserts = sum(1 for q in ctx.captured_queries if q["sql"].startswith("INSERT")) - history
    return inserts, len(ctx.captured_queries) - inserts - history, history


def history_batches(rows: int) -> int:
    """The INSERTs the history needs for ``rows`` entries and at most as many mentions: its own batches on
    PostgreSQL, more where SQLite's limit on a statement's parameters splits them."""
    if connection.vendor != "sqlite":
        return math.ceil(rows / ENTRIES_PER_INSERT) + math.ceil(rows / MENTIONS_PER_INSERT)
    return sum(math.ceil(rows / (999 // len(model._meta.concrete_fields))) for model in (Entry, Mention))


def test_an_import_costs_as_many_queries_for_a_thousand_rows_as_for_ten(event):
    """Plan and write in bulk through the rules: only the insert batches grow with the file."""
    tickets = [TicketFactory(event=event) for _ in range(42)]
    few_tickets, many_tickets = tickets[:2], tickets[2:]
    created_small = import_queries(event, bulk_file(10, 2, value="5.00", tickets=few_tickets))
    created_large = import_queries(event, bulk_file(1000, 40, value="5.00", tickets=few_tickets + many_tickets))
    assert created_small[1] == created_large[1]
    per_batch = 999 // len(DiscountCode._meta.concrete_fields) if connection.vendor == "sqlite" else 1000
    assert created_large[0] <= math.ceil(1038 / per_batch) + 1
    assert created_small[2] <= history_batches(10) and created_large[2] <= history_batches(1042)
    # Every code changed alike (the usual campaign edit) and every ticket code given another ticket.
    moved = many_tickets[::-1] + few_tickets
    updated_large = import_queries(event, bulk_file(1000, 40, value="6.00", tickets=moved))
    # One UPDATE of the codes, one of the tickets, and the history's one read of the tickets the codes held.
    assert updated_large[:2] == (0, created_large[1] + 3)
    assert updated_large[2] <= history_batches(1042)
    assert set(DiscountCode.objects.filter(event=event).values_list("value", flat=True)) == {Decimal("6.00")}
    assert DiscountCode.objects.get(event=event, code="TICK0").tickets.get() == moved[0]
