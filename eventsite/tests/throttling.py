from contextlib import contextmanager

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from eventsite import throttle_counts


@contextmanager
def throttle_rate(scope: str, rate: str):
    """Run with another rate for one throttle scope (DRF reads its rates once, at import)."""
    rates = SimpleRateThrottle.THROTTLE_RATES
    old = rates.get(scope)
    rates[scope] = rate
    cache.clear()
    throttle_counts.forget_all()
    try:
        yield
    finally:
        rates[scope] = old if old is not None else api_settings.DEFAULT_THROTTLE_RATES[scope]
        cache.clear()
        throttle_counts.forget_all()
