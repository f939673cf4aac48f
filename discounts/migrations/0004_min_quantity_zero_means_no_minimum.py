"""``min_quantity`` 0 means "no minimum" (as Open Event Server documents it and its clients send it), like 1.

Reversible: going back turns every 0 into 1 (the same meaning) before the old constraint (at least 1) returns.
"""

from django.db import migrations, models


def zero_to_one(apps, schema_editor):
    apps.get_model("discounts", "DiscountCode").objects.filter(min_quantity=0).update(min_quantity=1)


class Migration(migrations.Migration):
    dependencies = [
        ("discounts", "0003_usage_limit_constraint"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="discountcode",
            name="discountcode_min_quantity_positive",
        ),
        migrations.RunPython(migrations.RunPython.noop, reverse_code=zero_to_one),
        migrations.AlterField(
            model_name="discountcode",
            name="min_quantity",
            field=models.PositiveIntegerField(default=1, help_text="0 and 1 both mean no minimum."),
        ),
        migrations.AddConstraint(
            model_name="discountcode",
            constraint=models.CheckConstraint(
                condition=models.Q(("min_quantity__gte", 0)), name="discountcode_min_quantity_not_negative"
            ),
        ),
    ]
