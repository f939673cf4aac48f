"""``manage.py generate_codes <event> <count> --value 10 ...``: bulk generation with a progress bar."""

import time
from decimal import Decimal

from discounts import generation
from discounts.models import DiscountType, UsedFor
from eventsite.errors import RuleError
from history.commands import RecordedCommand

from ._event import find_event, rule_error


class Command(RecordedCommand):
    help = "Generate up to 10,000 codes for an event with the same terms, all or nothing, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's identifier or id")
        parser.add_argument("count", type=int)
        parser.add_argument("--prefix", default="")
        parser.add_argument("--length", type=int, default=generation.DEFAULT_LENGTH)
        parser.add_argument("--alphabet", default=generation.DEFAULT_ALPHABET)
        parser.add_argument("--type", dest="discount_type", choices=DiscountType.values, default=DiscountType.AMOUNT)
        parser.add_argument("--value", type=Decimal, required=True)
        parser.add_argument("--used-for", choices=UsedFor.values, default=UsedFor.EVENT)
        parser.add_argument("--tickets-number", type=int, help="uses allowed per code (empty: unlimited)")
        parser.add_argument("--max-quantity", type=int)
        parser.add_argument("--min-quantity", type=int, default=1)
        parser.add_argument("--inactive", action="store_true")
        parser.add_argument("--print", action="store_true", help="print the codes, one a line")

    def handle(self, *args, **o):
        event = find_event(o["event"])
        started = time.perf_counter()

        def progress(done, total):
            if not o["print"]:
                self.stdout.write("\r" + generation.text_progress_bar(done, total), ending="")
                self.stdout.flush()

        try:
            codes = generation.generate_codes(
                event=event,
                count=o["count"],
                prefix=o["prefix"],
                length=o["length"],
                alphabet=o["alphabet"],
                type=o["discount_type"],
                value=o["value"],
                used_for=o["used_for"],
                tickets_number=o["tickets_number"],
                min_quantity=o["min_quantity"],
                max_quantity=o["max_quantity"],
                is_active=not o["inactive"],
                progress=progress,
            )
        except RuleError as error:
            raise rule_error(error) from error
        seconds = time.perf_counter() - started
        if o["print"]:
            for code in codes:
                self.stdout.write(code.code)
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Generated {len(codes)} codes for {event.name} in {seconds:.2f} s."))
