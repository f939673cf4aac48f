"""The table of Django's database cache (``settings.CACHES`` without ``REDIS_URL``), where the throttles count so
that every worker process and app server shares one budget. ``migrate`` alone makes it; Django's own
``createcachetable`` builds it (its columns are the cache's, whatever the database), whatever ``CACHES`` says
at the time, so the table is there if a deployment later drops Redis."""

from django.core.management import call_command
from django.db import migrations

TABLE = "eventsite_cache"  # settings.DATABASE_CACHE_TABLE


def create_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("eventsite", "0001_initial")]

    operations = [migrations.RunPython(create_table, drop_table)]
