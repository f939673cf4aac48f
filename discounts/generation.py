"""Generating codes in bulk: many codes of one shape sharing the same terms, drawn at random, all or nothing.

The admin, the API and ``manage.py generate_codes`` call ``generate_codes``; it checks through
``discounts.rules`` (the terms, the text of every code it may draw) once for the whole batch, so 10,000 codes
cost a handful of queries, and writes in one transaction with bulk inserts.

**Generated codes and tickets.** A ticket carries at most one code (``Ticket.discount_code``, a ForeignKey by
design), so N > 1 codes can never all be attached to the same tickets. A generation of more than one code
therefore takes no tickets (``GENERATED_CODES_SHARE_NO_TICKETS``): a campaign is normally a set of event codes
(every paid ticket); ticket codes may be generated without tickets and attached later, one code per ticket.
A generation of one code with tickets is an ordinary ``rules.save_new_code``.
"""

import itertools
import math
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction

from eventsite.errors import Kind, Problem, RuleError, raise_if
from eventsite.models import Event
from history.context import acting
from history.models import Door
from tickets.models import Ticket

from . import recording, rules, text
from .models import DiscountCode

# Look-alikes left out: no 0/O, no 1/I/L. Codes are compared ignoring case, so the alphabet is upper case.
LOOK_ALIKES = frozenset("0O1IL")
DEFAULT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DEFAULT_LENGTH = 8
MIN_LENGTH = 4
MAX_GENERATED = 10_000
BATCH_SIZE = rules.BATCH_SIZE

COUNT_OUT_OF_RANGE = "Generate at least 1 and at most {max} codes at a time."
LENGTH_OUT_OF_RANGE = "The random part of a code has at least {min} and, with the prefix, at most {max} characters."
ALPHABET_LOOK_ALIKES = "The alphabet may not contain look-alike characters (0, O, 1, I, L)."
ALPHABET_TOO_SMALL = "The alphabet needs at least two different characters and no white space."
ALPHABET_NOT_STANDALONE = (
    "Each character of the alphabet stands on its own: {character} combines with its neighbours or changes when "
    "letter case is ignored."
)
SPACE_TOO_SMALL = (
    "Only {free} more codes of {length} characters after “{prefix}” are free in this event; "
    "ask for fewer codes, a longer code or another prefix."
)
GENERATED_CODES_SHARE_NO_TICKETS = (
    "A ticket carries at most one code, so {n} generated codes cannot all be attached to the same tickets: "
    "generate codes for every paid ticket (used for “event”), or one code for these tickets."
)
GENERATION_CLASHED = "Codes were created in this event at the same time; generate again."

Progress = Callable[[int, int], None]


def normalized_alphabet(alphabet: str) -> str:
    """Normalised as codes are (NFKC), upper case, each character once ignoring letter case, in the order given."""
    chosen: dict[str, str] = {}
    for ch in text.normalized(alphabet).upper():
        chosen.setdefault(text.key(ch), ch)
    return "".join(chosen.values())


def generation_problems(
    *, template: DiscountCode, count: int, prefix: str, length: int, alphabet: str, tickets: list
) -> list[Problem]:
    """Everything about a generation that can be checked without drawing codes (no query but the tickets')."""
    problems = []
    if not 1 <= count <= MAX_GENERATED:
        problems.append(Problem("count", COUNT_OUT_OF_RANGE.format(max=MAX_GENERATED), "count_out_of_range"))
    if not MIN_LENGTH <= length <= rules.MAX_CODE_LENGTH - len(prefix):
        problems.append(
            Problem(
                "length",
                LENGTH_OUT_OF_RANGE.format(min=MIN_LENGTH, max=rules.MAX_CODE_LENGTH),
                "length_out_of_range",
            )
        )
    if set(alphabet) & LOOK_ALIKES:
        problems.append(Problem("alphabet", ALPHABET_LOOK_ALIKES, "alphabet_look_alikes"))
    if len(alphabet) < 2 or any(ch.isspace() for ch in alphabet):
        problems.append(Problem("alphabet", ALPHABET_TOO_SMALL, "alphabet_too_small"))
    problems += text_problems(prefix=prefix, alphabet=alphabet)
    problems += rules.terms_problems(rules.Terms.of(template))
    if tickets and count > 1:
        problems.append(
            Problem("tickets", GENERATED_CODES_SHARE_NO_TICKETS.format(n=count), "generated_codes_share_no_tickets")
        )
    return problems


def text_problems(*, prefix: str, alphabet: str) -> list[Problem]:
    """The text rules of a code (``rules.code_text_problems``) for every code a generation may draw.

    A code is the prefix and characters of the alphabet, so the rules are asked of the prefix, then of the prefix
    followed by the whole alphabet (every character a code may hold: one script, nothing invisible). Each
    character of the alphabet must also stand alone (``text.stands_alone``), so that every drawn code is already
    normalised and codes that differ are different codes.
    """
    # The length rule (LENGTH_OUT_OF_RANGE) and ALPHABET_TOO_SMALL (white space) speak for the others.
    if prefix:
        problems = [
            Problem("prefix", p.message, p.code, p.kind)
            for p in rules.code_text_problems(prefix)
            if p.code != "code_too_long"
        ]
        if problems:
            return problems
    problems = [
        Problem("alphabet", p.message, p.code, p.kind)
        for p in rules.code_text_problems(prefix + alphabet)
        if p.code not in ("code_too_long", "code_whitespace")
    ]
    if "." in text.normalized(alphabet) and not problems:  # a drawn code could be "." or "..", which a URL drops
        problems.append(Problem("alphabet", rules.CODE_NOT_URL_SEGMENT, "code_not_url_segment"))
    alone = next((ch for ch in alphabet if not ch.isspace() and not text.stands_alone(ch)), None)
    if alone is not None and not problems:
        message = ALPHABET_NOT_STANDALONE.format(character=text.describe(alone))
        problems.append(Problem("alphabet", message, "alphabet_not_standalone"))
    return problems


def existing_codes(event_id: int) -> set[str]:
    """The key of every code of the event (one query), to generate around them."""
    return set(DiscountCode.objects.filter(event_id=event_id).values_list("code_key", flat=True))


def draw_codes(*, count: int, prefix: str, length: int, alphabet: str, taken: set[str]) -> list[str]:
    """``count`` new codes ``prefix + random part``, unique by key (``text.key``), no key of them in ``taken``.

    Drawn at random with a set while the space is roomy; enumerated and sampled when it is nearly full. Refused
    when fewer than ``count`` codes of this shape are free. The alphabet's characters stand alone (``text_problems``),
    so a code's key is its characters' keys side by side.
    """
    space = len(alphabet) ** length
    key_prefix = text.key(prefix)
    key_alphabet = {text.key(ch) for ch in alphabet}
    shape_taken = {
        code
        for code in taken
        if code is not None
        and len(code) == len(key_prefix) + length
        and code.startswith(key_prefix)
        and set(code[len(key_prefix) :]) <= key_alphabet
    }
    free = space - len(shape_taken)
    if count > free:
        raise RuleError(
            Problem(
                "count",
                SPACE_TOO_SMALL.format(free=max(free, 0), length=length, prefix=prefix),
                "space_too_small",
                Kind.CONFLICT,
            )
        )
    chosen: list[str] = []
    seen: set[str] = set(shape_taken)
    if count * 2 > free:
        candidates = [
            prefix + "".join(chars)
            for chars in itertools.product(alphabet, repeat=length)
            if text.key(prefix + "".join(chars)) not in seen
        ]
        return secrets.SystemRandom().sample(candidates, count)
    while len(chosen) < count:
        code = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
        found = text.key(code)
        if found not in seen:
            seen.add(found)
            chosen.append(code)
    return chosen


@acting(door=Door.GENERATION)
def generate_codes(
    *,
    event: Event,
    count: int,
    prefix: str = "",
    length: int = DEFAULT_LENGTH,
    alphabet: str = DEFAULT_ALPHABET,
    tickets: Iterable[Ticket | int] = (),
    marketer=None,
    progress: Progress | None = None,
    **terms: Any,
) -> list[DiscountCode]:
    """Create ``count`` codes for ``event`` sharing the same terms, in one transaction with bulk inserts.

    ``terms`` are DiscountCode fields (``type``, ``value``, ``used_for``, ``tickets_number``, ``min_quantity``,
    ``max_quantity``, ``valid_from``, ``valid_till``, ``is_active``, ``discount_url``); ``valid_till`` defaults
    to the event's end as for one code. ``progress(done, total)`` is called after each batch.
    """
    prefix, alphabet = text.normalized(prefix), normalized_alphabet(alphabet)
    tickets = list(tickets)
    # The template's text stays empty: nothing is built from ``length`` before generation_problems bounds it.
    template = DiscountCode(event=event, code="", marketer=marketer, **terms)
    if template.valid_till is None:
        template.valid_till = event.ends_at
    raise_if(
        generation_problems(
            template=template, count=count, prefix=prefix, length=length, alphabet=alphabet, tickets=tickets
        )
    )
    try:
        with transaction.atomic():
            texts = draw_codes(
                count=count, prefix=prefix, length=length, alphabet=alphabet, taken=existing_codes(event.pk)
            )
            if count == 1:
                # One code: exactly the rules of creating a code, tickets and all.
                template.code = texts[0]
                code = rules.save_new_code(template, tickets=tickets)
                if progress:
                    progress(1, 1)
                return [code]
            codes = [_copy(template, text) for text in texts]
            for start in range(0, len(codes), BATCH_SIZE):
                DiscountCode.objects.bulk_create(codes[start : start + BATCH_SIZE])
                if progress:
                    progress(min(start + BATCH_SIZE, len(codes)), len(codes))
            recording.generated(codes)
            return codes
    except IntegrityError as error:
        raise RuleError(Problem("count", GENERATION_CLASHED, "generation_clashed", Kind.CONFLICT)) from error


COPIED_FIELDS = ("event_id", "marketer_id", "used_for", *rules.TERM_FIELDS)


def _copy(template: DiscountCode, text: str) -> DiscountCode:
    return DiscountCode(code=text, **{name: getattr(template, name) for name in COPIED_FIELDS})


def text_progress_bar(done: int, total: int, width: int = 40) -> str:
    filled = math.floor(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
