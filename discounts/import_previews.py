"""Uploaded files between an import's preview and its confirmation, kept for the user who uploaded them.

django-import-export keeps the upload in a temporary file and puts its name in the confirmation form; the confirm
step then reads whatever file the form names. Here the file goes to Django's cache (the default alias: Redis, or
the database cache every app server shares, so the preview and its confirmation may reach different servers) under
a random id, and the form carries that id signed for the requester: the user and their session. Only that session
can name it; it is taken out of the cache when confirmed (once) and expires after ``IMPORT_PREVIEW_SECONDS``. An
unknown, foreign, reused or expired name is the same refusal, which touches nothing.
"""

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.crypto import salted_hmac

PREVIEW_UNKNOWN = "This preview has expired or was confirmed already; upload the file again."
KEY_PREFIX = "import-preview:"


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


def keep(request, data: bytes) -> str:
    """Keep ``data`` for this session; the name to put in the confirmation form."""
    ident = secrets.token_urlsafe(24)
    seconds = settings.IMPORT_PREVIEW_SECONDS
    owner = _owner(request)
    _cache().set(KEY_PREFIX + ident, {"owner": owner, "data": data, "expires": now() + seconds}, seconds)
    return _signer(owner).sign(ident)


def take(request, name: str) -> bytes:
    """The data of this session's preview ``name``, removed from the cache; ``PreviewUnknown`` otherwise."""
    owner = _owner(request)
    try:
        ident = _signer(owner).unsign(name)
    except signing.BadSignature:
        raise PreviewUnknown from None  # made up, or signed for someone else: nothing is looked up
    key = KEY_PREFIX + ident
    entry = _cache().get(key)
    if not isinstance(entry, dict) or entry.get("owner") != owner:
        raise PreviewUnknown
    # Deleting is the claim: of two confirmations at once only one removes the entry, and only it imports.
    if not _cache().delete(key) or entry["expires"] <= now():
        raise PreviewUnknown
    return entry["data"]
