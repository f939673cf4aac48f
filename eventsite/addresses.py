"""E-mail addresses: the one place that says how an address is written, checked and compared.

Sign-up, log-in (API and admin), the lock-out, invitations and password resets all go through these functions,
so that two spellings of one address can never be two accounts, two lock-out counts or two invitations.

- **Stored form** (:func:`canonical_email`): stripped, NFKC (compatibility characters become the ones they stand
  for: the Kelvin sign U+212A is a ``K``, the long s U+017F an ``s``, a full-width U+FF41 an ``a``), domain lower-cased
  as Django's ``normalize_email`` does. The part before ``@`` keeps its letter case, so mail goes exactly where
  its holder asked.
- **Key** (:func:`email_key`): the stored form case-folded (Unicode's full case folding, then NFKC again). Two
  addresses with one key are one account (``User.email_key`` is unique), one lock-out count and one invitee.
- **Check** (:class:`AddressValidator`): Django's, but on ASCII only before the ``@`` (Django's pattern, matched
  with ``IGNORECASE``, also lets the Kelvin sign, the long s, U+0130 and the dotless U+0131 through) and with a
  one-letter top-level label allowed (``a@b.c``, as internal domains use).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

#: Django's EmailField.
MAX_LENGTH = 254
#: A key may be longer than its address (full case folding writes ß as ss, NFKC expands some signs).
KEY_MAX_LENGTH = 3 * MAX_LENGTH


class AddressValidator(EmailValidator):
    """Django's e-mail check, ASCII-only in the local part, one-letter top-level labels allowed."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, re.IGNORECASE | re.ASCII)
    domain_regex = re.compile(
        r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}(?<!-)\Z", re.IGNORECASE | re.ASCII
    )


validate_address = AddressValidator()


def canonical_email(address: str) -> str:
    """The form an address is stored and mailed in: stripped, NFKC, domain lower-cased."""
    text = unicodedata.normalize("NFKC", address.strip())
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    return f"{local}@{domain.lower()}"


def email_key(address: str) -> str:
    """What two spellings of one address share: the canonical form, case-folded (NFKC again after folding, which
    can leave compatibility characters behind)."""
    return unicodedata.normalize("NFKC", canonical_email(address).casefold())


def clean_email(address: str) -> str:
    """The canonical form of an address a client sent, or ``ValidationError`` if it is not one we mail to."""
    canonical = canonical_email(address)
    if "\x00" in canonical:  # PostgreSQL refuses a NUL in a query: an answer, not a 500
        raise ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
    if len(canonical) > MAX_LENGTH:
        raise ValidationError(f"At most {MAX_LENGTH} characters.", code="max_length")
    validate_address(canonical)
    return canonical
