"""The text of a discount code: the form it is stored in, the key it is compared by, and what its characters are.

A code is typed, pasted and read aloud by people, so two texts that a person cannot tell apart, or that differ
only in letter case, are one code. The model keeps ``code_key`` from ``key()``; every look-up by text compares
keys (``DiscountCodeQuerySet.with_code``). Which characters a code may hold is decided in ``discounts.rules``
(``code_text_problems``) from the facts given here.

Script data comes from the ``regex`` module (Unicode's ``Script_Extensions``, kept current by its maintainers),
not from tables written by hand; normalisation and letter case from Python's ``unicodedata``.
"""

import unicodedata
from functools import lru_cache

import regex


def normalized(text: str) -> str:
    """The form a code is checked and stored in: NFKC, so ``EARLY`` typed in full-width letters is ``EARLY``."""
    return unicodedata.normalize("NFKC", text)


def key(text: str) -> str:
    """The key two texts of the same code share, whatever their letter case or compatibility form.

    Unicode's compatibility caseless match (D146: NFKD, full case folding, twice over an NFD start), composed
    again (NFKC) to keep the key short: ``ÄBC``, ``äbc`` and a full-width ``ABC`` share a key, and so do ``STRASSE``
    and ``straße`` (full case folding folds ß to ss, as German capitals write it).
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFD", text).casefold()).casefold()
    return unicodedata.normalize("NFKC", folded)


def describe(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: how a message names a character a reader may not be able to see."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


# Invisible characters ------------------------------------------------------------------------------------------

_DEFAULT_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")


def is_invisible(ch: str) -> bool:
    """Control, format, surrogate, private-use, unassigned, separator, or ignorable when rendered.

    The general categories come from Python's Unicode data, the same data ``normalized`` uses, so a character
    unassigned there is refused rather than stored unnormalised. Default-ignorable code points add what those
    categories miss: variation selectors, the combining grapheme joiner, Hangul fillers.
    """
    return unicodedata.category(ch)[0] in "CZ" or _DEFAULT_IGNORABLE.match(ch) is not None


# Scripts -------------------------------------------------------------------------------------------------------

# The scripts in common modern use that Unicode recommends for identifiers (UAX #31, table 5). The historic and
# limited-use ones are left out as Unicode's security mechanisms advise (UTS #39): several of them (Cherokee,
# Lisu, Canadian Syllabics) have whole alphabets of Latin look-alikes.
RECOMMENDED_SCRIPTS = (
    "Latin",
    "Greek",
    "Cyrillic",
    "Armenian",
    "Hebrew",
    "Arabic",
    "Thaana",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Oriya",
    "Tamil",
    "Telugu",
    "Kannada",
    "Malayalam",
    "Sinhala",
    "Thai",
    "Lao",
    "Tibetan",
    "Myanmar",
    "Georgian",
    "Hangul",
    "Ethiopic",
    "Khmer",
    "Hiragana",
    "Katakana",
    "Bopomofo",
    "Han",
)
# UTS #39's augmented script sets: Japanese writes Han with kana, Korean Han with Hangul, Chinese Han with Bopomofo.
_WRITING_SYSTEMS = {
    "Han": ("Japanese", "Korean", "Han with Bopomofo"),
    "Hiragana": ("Japanese",),
    "Katakana": ("Japanese",),
    "Hangul": ("Korean",),
    "Bopomofo": ("Han with Bopomofo",),
}
_ANY_SCRIPT = regex.compile(r"[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]")
_SCRIPT = {name: regex.compile(rf"\p{{Script_Extensions={name}}}") for name in RECOMMENDED_SCRIPTS}


@lru_cache(maxsize=4096)
def scripts_of(ch: str) -> frozenset[str] | None:
    """The recommended scripts (and writing systems) ``ch`` is written in; None for a character of every script
    (digits, punctuation, signs: Common; combining marks: Inherited). An empty set: no recommended script."""
    if (ch.isascii() and not ch.isalpha()) or _ANY_SCRIPT.match(ch):
        return None
    scripts = {name for name, pattern in _SCRIPT.items() if pattern.match(ch)}
    return frozenset(scripts.union(*(_WRITING_SYSTEMS.get(name, ()) for name in scripts)))


def script_name(ch: str) -> str:
    """One script ``ch`` is written in, for a message."""
    scripts = scripts_of(ch)
    return min(scripts & set(RECOMMENDED_SCRIPTS)) if scripts else "no recommended script"


def stands_alone(ch: str) -> bool:
    """Whether ``ch`` and its key are one character each that never combines with a neighbour under NFKC.

    Such characters can be put side by side in any order and the result is already normalised, with a key that
    is the characters' keys side by side: what drawing random codes from an alphabet needs.
    """
    folded = key(ch)
    return len(folded) == 1 and all(
        unicodedata.combining(c) == 0 and _STABLE.match(c) is not None for c in (ch, folded)
    )


_STABLE = regex.compile(r"\p{NFKC_Quick_Check=Yes}")
