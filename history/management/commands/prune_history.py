"""``manage.py prune_history --older-than DAYS``: delete the history entries older than that (kept forever
otherwise)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from history.models import Entry, Mention


class Command(BaseCommand):
    help = "Delete history entries older than --older-than days (the history is kept forever unless pruned)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="only say how many would go")

    def handle(self, *args, older_than: int, dry_run: bool = False, **options):
        if older_than < 1:
            raise CommandError("--older-than is a number of days, at least 1.")
        cutoff = timezone.now() - timedelta(days=older_than)
        old = Entry.objects.filter(at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"Would delete {old.count()} entries from before {cutoff.isoformat(timespec='seconds')}."
            )
            return
        with transaction.atomic():
            Mention.objects.filter(entry__in=old.values("pk")).delete()
            count = old.delete()[1].get(Entry._meta.label, 0)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {count} entries from before {cutoff.isoformat(timespec='seconds')}.")
        )
