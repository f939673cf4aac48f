"""Codes are unique in their event by a key that ignores letter case for every letter (``discounts.text.key``),
on SQLite as on PostgreSQL, instead of ``Lower(code)`` (ASCII-only on SQLite).

Existing codes get their key here. Codes that the old constraint let coexist but that share a key now (``ÄBC``
and ``äbc`` on SQLite; ``STRASSE`` and ``straße``, ``ＡＢＣ`` and ``ABC`` anywhere) are all kept, unchanged:
the oldest (lowest id) of each group keeps the key, each younger one gets none (null), so no text finds it and
it is used by id only, until an organizer gives it a text of its own (the rules refuse to save it as it is,
with the message of a taken code). Each is logged. Going back drops the keys and restores ``Lower(code)``.
"""

import logging

from django.db import migrations, models

from discounts.text import key

logger = logging.getLogger("discounts.migrations")

CODE_KEY_LENGTH = 300
BATCH_SIZE = 1000


def fill_keys(apps, schema_editor):
    DiscountCode = apps.get_model("discounts", "DiscountCode")
    keyed: dict[tuple[int, str], int] = {}
    batch = []
    codes = DiscountCode.objects.order_by("event_id", "pk").values_list("pk", "event_id", "code")
    for pk, event_id, code in codes.iterator(chunk_size=BATCH_SIZE):
        found = key(code)
        first = keyed.setdefault((event_id, found), pk)
        if first != pk:
            logger.warning(
                "Discount code %s (%r, event %s) has the same text as code %s of its event once letter case and "
                "compatibility forms are ignored: it keeps its row but is found by id only until renamed.",
                pk,
                code,
                event_id,
                first,
            )
            found = None
        elif len(found) > CODE_KEY_LENGTH:  # only a text written past the rules: no valid code is this long
            logger.warning(
                "Discount code %s (event %s) is too long to key: found by id only until renamed.", pk, event_id
            )
            found = None
        batch.append(DiscountCode(pk=pk, code_key=found))
        if len(batch) == BATCH_SIZE:
            DiscountCode.objects.bulk_update(batch, ["code_key"])
            batch = []
    DiscountCode.objects.bulk_update(batch, ["code_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("discounts", "0004_min_quantity_zero_means_no_minimum"),
        ("eventsite", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="discountcode",
            name="code_key",
            field=models.CharField(
                editable=False,
                help_text="The code in the form it is compared in (discounts.text.key), kept by save. Empty (null) "
                "only for a code that clashed with an older one of its event when keys were introduced: found by "
                "id only.",
                max_length=CODE_KEY_LENGTH,
                null=True,
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name="discountcode",
            name="discountcode_code_unique_per_event_ci",
        ),
        migrations.AddConstraint(
            model_name="discountcode",
            constraint=models.UniqueConstraint(
                fields=("event", "code_key"), name="discountcode_code_key_unique_per_event"
            ),
        ),
        migrations.AddConstraint(
            model_name="discountcode",
            constraint=models.CheckConstraint(
                condition=models.Q(("code_key", ""), _negated=True), name="discountcode_code_key_not_empty"
            ),
        ),
    ]
