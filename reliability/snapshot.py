"""A snapshot of every table the application owns, to prove that a refused request changed nothing."""

from django.apps import apps

APPS = ("eventsite", "discounts", "tickets", "orders")
# Not the application's state: a request counts against its throttle budgets before it is refused (as it did when
# the counts lived in the cache, which is no model either).
BOOKKEEPING = {"eventsite.ThrottleCount"}


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model of our apps (and their many-to-many tables), in primary-key order."""
    tables: dict[str, list[dict]] = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in BOOKKEEPING:
                continue
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values())
            for m2m in model._meta.local_many_to_many:
                through = m2m.remote_field.through
                tables[through._meta.db_table] = list(through.objects.order_by("pk").values())
    return tables


def differences(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[str]:
    out = []
    for table in sorted(set(before) | set(after)):
        if before.get(table) != after.get(table):
            out.append(f"{table}: {len(before.get(table, []))} rows before, {len(after.get(table, []))} after")
    return out
