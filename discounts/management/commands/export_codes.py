"""``manage.py export_codes <event> [file]``: the event's codes as CSV (standard output without a file)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from discounts import csv_format

from ._event import find_event


class Command(BaseCommand):
    help = "Export an event's discount codes, with their terms, ticket names and used counts, as CSV."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's identifier or id")
        parser.add_argument("file", nargs="?", help="where to write (default: standard output)")

    def handle(self, *args, event, file=None, **options):
        text = csv_format.export_csv(find_event(event))
        if file:
            Path(file).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {text.count(chr(10)) - 1} codes to {file}.")
        else:
            self.stdout.write(text, ending="")
