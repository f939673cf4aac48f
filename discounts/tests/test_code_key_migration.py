"""The migration that keys codes (0004): existing codes get their key; codes that the old ``Lower(code)``
constraint let coexist but that are one code now all keep their rows, the oldest keeping the key; and it goes
back and forth."""

import logging

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from discounts import text

BEFORE = [("discounts", "0004_min_quantity_zero_means_no_minimum")]
AFTER = [("discounts", "0005_discountcode_code_key")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_keys_are_filled_and_clashing_codes_keep_their_rows(caplog):
    apps = migrate(BEFORE)
    Event = apps.get_model("eventsite", "Event")
    User = apps.get_model("eventsite", "User")
    DiscountCode = apps.get_model("discounts", "DiscountCode")
    owner = User.objects.create(email="owner@example.org")
    times = {"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-02T10:00:00Z"}
    first, second = (
        Event.objects.create(name=name, identifier=name, owner=owner, **times) for name in ("first", "second")
    )
    terms = {"value": 5, "used_for": "event", "type": "amount", "valid_till": "2030-01-02T10:00:00Z"}
    # Pairs the old constraint allowed on both databases (their Lower() differs) that are one code now.
    written = ["STRASSE", "straße", "\uff21\uff22\uff23", "abc", "EARLY"]
    codes = [DiscountCode.objects.create(event=first, code=code, **terms) for code in written]
    other = DiscountCode.objects.create(event=second, code="straße", **terms)

    with caplog.at_level(logging.WARNING, logger="discounts.migrations"):
        apps = migrate(AFTER)
    DiscountCode = apps.get_model("discounts", "DiscountCode")
    keys = dict(DiscountCode.objects.values_list("pk", "code_key"))
    assert [keys[c.pk] for c in codes] == ["strasse", None, "abc", None, "early"]
    assert keys[other.pk] == "strasse"  # the same text in another event is another code
    assert list(DiscountCode.objects.order_by("pk").values_list("code", flat=True)) == [*written, "straße"]
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2
    assert f"Discount code {codes[1].pk} ('straße', event {first.pk})" in warned[0]
    assert f"code {codes[0].pk} of its event" in warned[0]

    # Back: the keys go, ``Lower(code)`` returns; forward again gives the same keys.
    migrate(BEFORE)
    assert "code_key" not in {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "discounts_discountcode")
    }
    apps = migrate(AFTER)
    DiscountCode = apps.get_model("discounts", "DiscountCode")
    assert dict(DiscountCode.objects.values_list("pk", "code_key")) == keys
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # leave the schema as the other tests expect


@pytest.mark.django_db
def test_a_code_without_a_key_is_found_by_id_only_and_must_be_renamed(event):
    from decimal import Decimal

    from discounts import rules
    from discounts.models import DiscountCode
    from eventsite.errors import RuleError

    older = rules.create_code(event=event, code="STRASSE", value=Decimal("5"), used_for="event")
    younger = rules.create_code(event=event, code="OTHER", value=Decimal("5"), used_for="event")
    # As the migration leaves a clashing code: its old text, no key.
    DiscountCode.objects.filter(pk=younger.pk).update(code="straße", code_key=None)
    assert list(DiscountCode.objects.with_code("straße")) == [older]
    younger.refresh_from_db()
    younger.is_active = False
    with pytest.raises(RuleError) as refused:
        rules.save_code_changes(younger)
    assert [p.code for p in refused.value.problems] == ["code_taken"]
    younger.code = "STRASSE-2"
    rules.save_code_changes(younger)
    younger.refresh_from_db()
    assert younger.code_key == text.key("STRASSE-2")
