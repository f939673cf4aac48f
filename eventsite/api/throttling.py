"""The API's throttles, in one place: who is counted, in which store, and what happens when the store is away.

**Who.** A request is counted against its client address (``eventsite.clients.client_address``: the TCP peer
unless trusted proxies are configured, never a header the client writes) and, when it carries a log-in, against
the account too. Both budgets must have room: new addresses do not help an account, and new accounts do not
help an address.

**Scopes.** ``discount_code_lookup`` is the one guessing budget of codes: the public check, the quote and every
order that names a code draw from it (``DISCOUNT_CODE_LOOKUP_RATE``). ``auth`` guards the log-in and token
refresh (``AUTH_RATE``), ``signup`` the creation of accounts (``SIGNUP_RATE``).

**Network.** An IPv6 client counts as its /64 and also draws from its /48's budget, ``IPV6_NETWORK_FACTOR``
times as large (``eventsite.clients.client_network``): a /48 holds 65,536 /64s, which would otherwise be as
many budgets.

**Where, and atomically.** In a store every worker process and app server shares: Redis with ``REDIS_URL``,
otherwise a table of the database (``eventsite/throttle_counts.py``). Each request adds itself to each of its
budgets in one atomic step and learns the new count; a request that finds any budget full gives back what it
took from the others and is refused. Parallel requests cannot all read the same count and pass: exactly the
budget passes, whatever the number of requests at once (DRF's own throttle reads the history, then writes it).

**Outages.** redis-py raises ``ConnectionError`` when Redis is down (the database table a database
error), which DRF's throttles would turn into a 500. Here a throttle whose store fails decides by ``fail_open``:

- **closed** (the default, 503 with ``Retry-After``): these throttles guard a secret against guessing — codes
  and passwords — and accounts against mass creation. During the outage those endpoints refuse rather than let
  a guesser run unthrottled; everything else does not touch the cache and keeps working.
- **open** (``RefreshThrottle``): refreshing a token needs a signed token, so nothing can be guessed there; it
  keeps working so that logged-in users stay logged in while Redis is away.
"""

import logging

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import ScopedRateThrottle

from eventsite import throttle_counts
from eventsite.clients import client_address, client_network

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

    def budgets(self, request) -> list[tuple[str, int]]:
        """Each budget the request draws from, as (its key, its size): the client's, its IPv6 network's, the
        account's."""
        size = self.num_requests
        budgets = [(f"ip:{self.get_ident(request)}", size)]
        network = client_network(request)
        if network is not None and settings.IPV6_NETWORK_FACTOR:
            budgets.append((f"net:{network}", size * settings.IPV6_NETWORK_FACTOR))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            budgets.append((f"user:{user.pk}", size))
        return [(self.cache_format % {"scope": self.scope, "ident": ident}, n) for ident, n in budgets]

    def allow_request(self, request, view):
        self.scope = self.fixed_scope or getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        budgets = self.budgets(request)  # may authenticate the request: its errors are not the store's
        try:
            return self.draw(budgets)
        except Exception as error:  # redis.ConnectionError, TimeoutError, DatabaseError ...: whatever the store raises
            logger.error("throttle store unavailable (%s): failing %s", error, "open" if self.fail_open else "closed")
            if self.fail_open:
                return True
            raise RateLimitUnavailable() from error

    def draw(self, budgets: list[tuple[str, int]]) -> bool:
        """Count the request in every budget, atomically each; if one is full, give back what was taken and
        refuse (``wait()`` then says when that budget's window ends)."""
        taken = []
        for key, size in sorted(budgets):  # one order everywhere: row locks are taken alike
            hits, ends = throttle_counts.take(key, self.duration * 1000)
            taken.append(key)
            if hits > size:
                for drawn in taken:
                    throttle_counts.give_back(drawn)
                self.refused_until = ends
                return False
        return True

    def wait(self) -> float:
        return max((self.refused_until - throttle_counts.now_ms()) / 1000, 1)


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
