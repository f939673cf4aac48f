"""The API's throttles, in one place: who is counted, in which store, and what happens when the store is away.

**Who.** A request is counted against its client address (``eventsite.clients.client_address``: the TCP peer
unless trusted proxies are configured, never a header the client writes) and, when it carries a log-in, against
the account too. Both budgets must have room: new addresses do not help an account, and new accounts do not
help an address.

**Scopes.** ``discount_code_lookup`` is the one guessing budget of codes: the public check, the quote and every
order that names a code draw from it (``DISCOUNT_CODE_LOOKUP_RATE``). ``auth`` guards the log-in and token
refresh (``AUTH_RATE``), ``signup`` the creation of accounts (``SIGNUP_RATE``).

**Where.** In the default cache, which every worker process and app server shares: Redis with ``REDIS_URL``,
otherwise a table of the database (``settings.CACHES``). As with django-allauth's limits, the counts are read
and written back, not incremented atomically: requests that arrive at the same moment may each see the same
count, so a burst of parallel requests can pass a budget by up to the number served at once.

**Outages.** Django's RedisCache raises ``ConnectionError`` when Redis is down (the database cache a database
error), which DRF's throttles would turn into a 500. Here a throttle whose cache fails decides by ``fail_open``:

- **closed** (the default, 503 with ``Retry-After``): these throttles guard a secret against guessing — codes
  and passwords — and accounts against mass creation. During the outage those endpoints refuse rather than let
  a guesser run unthrottled; everything else does not touch the cache and keeps working.
- **open** (``RefreshThrottle``): refreshing a token needs a signed token, so nothing can be guessed there; it
  keeps working so that logged-in users stay logged in while Redis is away.
"""

import logging

from rest_framework import exceptions
from rest_framework.throttling import ScopedRateThrottle

from eventsite.clients import client_address

from .exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

RATE_LIMIT_UNAVAILABLE = "Rate limiting is unavailable, so this endpoint is closed for the moment; try again shortly."
CODE_LOOKUP_SCOPE = "discount_code_lookup"


class RateLimitUnavailable(ServiceUnavailable):
    default_detail = RATE_LIMIT_UNAVAILABLE
    default_code = "rate_limit_unavailable"


class GuardedScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (the view's ``throttle_scope``, or ``fixed_scope``), counted per client address and
    per account; when the cache is unreachable it fails closed (503), or open if ``fail_open``."""

    fail_open = False
    fixed_scope: str | None = None

    def get_ident(self, request) -> str:
        return client_address(request) or "unknown"

    def cache_keys(self, request) -> list[str]:
        idents = [f"ip:{self.get_ident(request)}"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idents.append(f"user:{user.pk}")
        return [self.cache_format % {"scope": self.scope, "ident": ident} for ident in idents]

    def allow_request(self, request, view):
        self.scope = self.fixed_scope or getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        keys = self.cache_keys(request)  # may authenticate the request: its errors are not the cache's
        try:
            return self.draw(keys)
        except Exception as error:  # redis.ConnectionError, TimeoutError, DatabaseError ...: whatever the store raises
            logger.error("throttle cache unavailable (%s): failing %s", error, "open" if self.fail_open else "closed")
            if self.fail_open:
                return True
            raise RateLimitUnavailable() from error

    def draw(self, keys: list[str]) -> bool:
        """DRF's sliding window for each key: refused if any is full, otherwise the request counts in all."""
        self.now = self.timer()
        stored = self.cache.get_many(keys)
        histories = {}
        for key in keys:
            history = [moment for moment in stored.get(key, []) if moment > self.now - self.duration]
            if len(history) >= self.num_requests:
                self.history = history  # for wait(): when this key has room again
                return self.throttle_failure()
            histories[key] = [self.now, *history]
        self.cache.set_many(histories, self.duration)
        self.history = max(histories.values(), key=len)
        return True


class RefreshThrottle(GuardedScopedRateThrottle):
    fail_open = True


class CodeLookupThrottle(GuardedScopedRateThrottle):
    """The one guessing budget of discount codes, for views that take a code only sometimes (orders)."""

    fixed_scope = CODE_LOOKUP_SCOPE


class SignUpThrottle(GuardedScopedRateThrottle):
    fixed_scope = "signup"


def draw_code_lookup(request, view) -> None:
    """Count one code guess against the requester's budget, or refuse with 429 (orders that name a code)."""
    throttle = CodeLookupThrottle()
    if not throttle.allow_request(request, view):
        raise exceptions.Throttled(throttle.wait())
