"""Who is acting, and through which door: set once where a change comes in, read by ``services.record``.

The rules are called from many places (API views, admin pages, commands, the campaign tools), and threading a
"who and how" parameter through every rule and every caller would touch each signature. Instead each door sets
a context once (a ``contextvars`` variable, so it is per thread and per asyncio task and never leaks into the
next request):

- the API and the admin: ``history.middleware.ActingMiddleware`` (by path; the user is read when an entry is
  written, so it is the one DRF authenticated from the token, or the admin's session user);
- management commands: ``history.commands.RecordedCommand`` (the command's name is the actor);
- CSV import and code generation: ``discounts.generation`` and ``discounts.imports`` set their door around the
  import or generation and keep the actor of the context it runs in (the admin's user, the API's user, or the command).

Outside every door (a shell, a script, a data fix) changes are still recorded, with ``Door.OTHER``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from .models import Door


@dataclass(frozen=True)
class Acting:
    door: str
    user: Any = None  # a user, or a callable giving one when an entry is written (the request's user)
    label: str = ""  # who, when no user acts (a command)

    def who(self) -> tuple[Any, str]:
        """The acting user (None if none or anonymous) and the label an entry keeps of them."""
        user = self.user() if callable(self.user) else self.user
        if user is None or not getattr(user, "is_authenticated", False):
            return None, self.label or "anonymous"
        return user, user.email


NOBODY = Acting(door=Door.OTHER, label="no door (a shell or script)")
_acting: ContextVar[Acting] = ContextVar("history_acting", default=NOBODY)

_KEEP = object()


@contextmanager
def acting(
    *, door: str | None = None, user: Any | Callable[[], Any] = _KEEP, label: str | None = None
) -> Iterator[Acting]:
    """Changes made inside are recorded as made through ``door`` by ``user`` (or ``label``). What is not given
    is kept from the enclosing context, so a CSV import started from the admin keeps the admin's user."""
    outer = _acting.get()
    changes: dict[str, Any] = {}
    if door is not None:
        changes["door"] = door
    if user is not _KEEP:
        changes["user"] = user
    if label is not None:
        changes["label"] = label
    token = _acting.set(replace(outer, **changes))
    try:
        yield _acting.get()
    finally:
        _acting.reset(token)


def current() -> Acting:
    return _acting.get()
