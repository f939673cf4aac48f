"""``manage.py import_codes <event> <file>``: create or update the event's codes from CSV, all or nothing."""

from pathlib import Path

from django.core.management.base import CommandError

from discounts import csv_format, imports
from history.commands import RecordedCommand

from ._event import find_event


class Command(RecordedCommand):
    help = (
        "Import discount codes from CSV (the columns of export_codes; used_count is ignored). Codes match "
        "ignoring letter case. Every bad row is reported by line and nothing is written unless all are valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's identifier or id")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="only say what would change")

    def handle(self, *args, event, file, dry_run=False, **options):
        event = find_event(event)
        table = csv_format.read_csv(Path(file).read_bytes())
        if dry_run:
            plan = imports.plan_import(event=event, table=table)
            if not plan.is_valid:
                raise CommandError(imports.ImportRefused(plan).messages_text())
            self.stdout.write(
                f"Would create {plan.count(imports.Action.NEW)}, update {plan.count(imports.Action.UPDATE)}, "
                f"leave {plan.count(imports.Action.UNCHANGED)} unchanged."
            )
            return
        try:
            summary = imports.import_codes(event=event, table=table)
        except imports.ImportRefused as error:
            raise CommandError(error.messages_text()) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {summary.created}, updated {summary.updated}, {summary.unchanged} unchanged.")
        )
