"""Throttles that survive an outage of the shared cache (Redis), in one place.

Django's RedisCache raises ``ConnectionError`` when Redis is down, which DRF's throttles would turn into a 500.
Here a throttle whose cache fails decides by ``fail_open``:

- **closed** (the default, 503 with ``Retry-After``): every throttle we have guards a secret against guessing —
  the public code check and the quote (discount codes) and the log-in (passwords). During the outage those
  endpoints refuse rather than let a guesser run unthrottled; everything else, placing orders included, does not
  touch the cache and keeps working.
- **open** (``RefreshThrottle``): refreshing a token needs a signed token, so nothing can be guessed there; it
  keeps working so that logged-in users stay logged in while Redis is away.
"""

import logging

from rest_framework.throttling import ScopedRateThrottle

from .exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

RATE_LIMIT_UNAVAILABLE = "Rate limiting is unavailable, so this endpoint is closed for the moment; try again shortly."


class RateLimitUnavailable(ServiceUnavailable):
    default_detail = RATE_LIMIT_UNAVAILABLE
    default_code = "rate_limit_unavailable"


class GuardedScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle; when the cache is unreachable it fails closed (503), or open if ``fail_open``."""

    fail_open = False

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # redis.ConnectionError, TimeoutError, OSError ...: whatever the backend raises
            logger.error("throttle cache unavailable (%s): failing %s", error, "open" if self.fail_open else "closed")
            if self.fail_open:
                return True
            raise RateLimitUnavailable() from error


class RefreshThrottle(GuardedScopedRateThrottle):
    fail_open = True
