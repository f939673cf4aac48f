"""``manage.py check_invariants``: the database's invariants (``orders/invariants.py``); exit 1 on a violation."""

from django.core.management.base import BaseCommand, CommandError

from orders.invariants import violations


class Command(BaseCommand):
    help = "Check that no ticket or code is oversold and every counter equals a recount from the orders."

    def handle(self, *args, **options):
        found = violations()
        for line in found:
            self.stderr.write(line)
        if found:
            raise CommandError(f"{len(found)} invariant violation(s)")
        self.stdout.write("invariants hold: 0 violations")
