"""Uploaded files between an import's preview and its confirmation, kept for the user who uploaded them.

django-import-export keeps the upload in a temporary file and puts its name in the confirmation form; the confirm
step then reads whatever file the form names. Here the file goes to Django's cache (the default alias: Redis, or
the database cache every app server shares, so the preview and its confirmation may reach different servers) under
a random id, and the form carries that id signed for the requester: the user and their session. Only that session
can name it; it is taken out of the cache when confirmed (once) and expires after ``IMPORT_PREVIEW_SECONDS``. An
unknown, foreign, reused, expired or replaced name is the same refusal, which touches nothing.

**Bounded per user.** A user has ``IMPORT_PREVIEWS_PER_USER`` places (slots) for unconfirmed previews, whatever
the number of their sessions, and a preview is at most ``IMPORT_MAX_BYTES`` (the upload form refuses larger
files); so a user holds at most their product in the cache, however many files they upload. A new preview takes a
free place, or else the oldest preview's (which then is refused as replaced, and the upload page says so). The
bound holds by construction, even when uploads race: two previews that take the same place at once leave one.
"""

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.crypto import salted_hmac

PREVIEW_UNKNOWN = (
    "This preview has expired, was confirmed already or gave way to a newer one (at most {n} unconfirmed previews "
    "are kept per user); upload the file again."
)
PREVIEW_REPLACED = (
    "At most {n} unconfirmed previews are kept per user: your oldest, uploaded at {when}, was discarded to keep "
    "this one."
)
KEY_PREFIX = "import-preview:"


def unknown_message() -> str:
    return PREVIEW_UNKNOWN.format(n=settings.IMPORT_PREVIEWS_PER_USER)


class PreviewUnknown(Exception):
    """The name does not lead to a preview of this session (made up, another user's, confirmed, expired)."""


def _cache():
    return caches["default"]


def _owner(request) -> str:
    """The requester (user and session) as a keyed hash: the session key itself never leaves the session."""
    if not request.session.session_key:
        request.session.save()
    return salted_hmac(KEY_PREFIX, f"{request.user.pk}:{request.session.session_key}").hexdigest()


def _signer(owner: str) -> signing.Signer:
    return signing.Signer(salt=KEY_PREFIX + owner)


def now() -> float:
    return time.time()


def _slot_key(user_pk, slot: int) -> str:
    return f"{KEY_PREFIX}{user_pk}:{slot}"


def keep(request, data: bytes) -> tuple[str, float | None]:
    """Keep ``data`` for this session in one of the user's places: the name to put in the confirmation form, and
    when the preview it replaced was made (``None`` if it took a free place)."""
    places = settings.IMPORT_PREVIEWS_PER_USER
    keys = [_slot_key(request.user.pk, slot) for slot in range(places)]
    held = _cache().get_many(keys)
    moment = now()
    free = [slot for slot, key in enumerate(keys) if not _live(held.get(key), moment)]
    if free:
        slot, replaced = free[0], None
    else:
        slot = min(range(places), key=lambda n: held[keys[n]]["created"])
        replaced = held[keys[slot]]["created"]
    ident = secrets.token_urlsafe(24)
    seconds = settings.IMPORT_PREVIEW_SECONDS
    owner = _owner(request)
    entry = {"owner": owner, "ident": ident, "data": data, "created": moment, "expires": moment + seconds}
    _cache().set(keys[slot], entry, seconds)
    return _signer(owner).sign(f"{slot}.{ident}"), replaced


def _live(entry, moment: float) -> bool:
    return isinstance(entry, dict) and entry.get("expires", 0) > moment


def take(request, name: str) -> bytes:
    """The data of this session's preview ``name``, removed from the cache; ``PreviewUnknown`` otherwise."""
    owner = _owner(request)
    try:
        slot, ident = _signer(owner).unsign(name).split(".", 1)
    except (signing.BadSignature, ValueError):
        raise PreviewUnknown from None  # made up, or signed for someone else: nothing is looked up
    if not slot.isdigit() or int(slot) >= settings.IMPORT_PREVIEWS_PER_USER:
        raise PreviewUnknown
    key = _slot_key(request.user.pk, int(slot))
    entry = _cache().get(key)
    if not isinstance(entry, dict) or entry.get("owner") != owner or entry.get("ident") != ident:
        raise PreviewUnknown  # another's, or replaced by a newer preview of this user
    # Deleting is the claim: of two confirmations at once only one removes the entry, and only it imports.
    if not _cache().delete(key) or entry["expires"] <= now():
        raise PreviewUnknown
    return entry["data"]
