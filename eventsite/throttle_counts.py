"""Where the throttles count, atomically: Redis when ``REDIS_URL`` is set, otherwise a table of the database.

DRF's ``SimpleRateThrottle`` reads a budget's history and writes it back: requests that arrive together each read
the same history and all pass, so a burst of 40 parallel look-ups against a budget of 24 passed more than 24. Here
each request adds itself to a budget's count in **one atomic step of the shared store** and learns the new count
in the same step; it passes only if the count stays within the budget. Of any number of parallel requests exactly
the budget's size pass, in one process or in many.

**Windows.** A budget's window begins with the first request that finds none (or an expired one) and lasts the
rate's period (a minute for ``30/minute``); at most that many requests pass in it. A refusal says when the window
ends (``Retry-After``). Unlike DRF's sliding log, a client that spends its budget at the end of one window may
spend the next at once: at most twice the rate within one period, never more.

**Stores.**

- Redis: one Lua script per step (``INCR``, and ``PEXPIRE`` when the key is new; scripts run atomically), on the
  server ``REDIS_URL`` names. Django's ``cache.incr`` is not used: it checks that a key exists, then increments
  it, and a key that expires in between would be re-created without an expiry, a budget that never refills.
- The database (``ThrottleCount``): ``INSERT … ON CONFLICT (ident) DO UPDATE SET hits = … RETURNING``, one
  statement on PostgreSQL (the conflicting row is locked, so concurrent statements queue) and on SQLite (one
  writer at a time). Django's database cache is not atomic (its ``incr`` is a read, then a write).

``take`` counts a request and returns the count and the window's end; ``give_back`` undoes a count (a request
refused by another of its budgets must not spend this one).
"""

import time
from functools import cache

from django.conf import settings
from django.db import connections, router

from .models import ThrottleCount

_REDIS_TAKE = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return {hits, left}
"""
_REDIS_GIVE_BACK = """
if redis.call('PTTL', KEYS[1]) > 0 then redis.call('DECR', KEYS[1]) end
return 0
"""
REDIS_PREFIX = "eventsite:throttle:"


def now_ms() -> int:
    return int(time.time() * 1000)


def take(ident: str, period_ms: int) -> tuple[int, int]:
    """Count one request against ``ident``: (the count including it, when its window ends in ms since the epoch)."""
    if settings.REDIS_URL:
        return _redis_take(ident, period_ms)
    return _database_take(ident, period_ms)


def give_back(ident: str) -> None:
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).give_back(keys=[REDIS_PREFIX + ident])
    else:
        table, connection = _table()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET hits = hits - 1 WHERE ident = %s AND expires > %s", [ident, now_ms()])


class _Redis:
    """A client of the server ``REDIS_URL`` names (given up on after half a second, as the cache is) with the two
    scripts registered."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.take = self.client.register_script(_REDIS_TAKE)
        self.give_back = self.client.register_script(_REDIS_GIVE_BACK)


@cache
def _redis(url: str) -> _Redis:
    return _Redis(url)


def _redis_take(ident: str, period_ms: int) -> tuple[int, int]:
    moment = now_ms()
    hits, left = _redis(settings.REDIS_URL).take(keys=[REDIS_PREFIX + ident], args=[period_ms])
    return int(hits), moment + int(left)


def _table():
    connection = connections[router.db_for_write(ThrottleCount)]
    return connection.ops.quote_name(ThrottleCount._meta.db_table), connection


def _database_take(ident: str, period_ms: int) -> tuple[int, int]:
    table, connection = _table()
    moment = now_ms()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ident, hits, expires) VALUES (%s, 1, %s) "
            f"ON CONFLICT (ident) DO UPDATE SET "
            f"hits = CASE WHEN {table}.expires <= %s THEN 1 ELSE {table}.hits + 1 END, "
            f"expires = CASE WHEN {table}.expires <= %s THEN %s ELSE {table}.expires END "
            f"RETURNING hits, expires",
            [ident, moment + period_ms, moment, moment, moment + period_ms],
        )
        hits, ends = cursor.fetchone()
        if hits == 1:  # a new window: the rows of ended ones go (by the index on expires)
            cursor.execute(f"DELETE FROM {table} WHERE expires <= %s", [moment])
    return hits, ends


def forget_all() -> None:
    """Every budget full again (tests)."""
    if settings.REDIS_URL:
        client = _redis(settings.REDIS_URL).client
        keys = list(client.scan_iter(match=REDIS_PREFIX + "*"))
        if keys:
            client.delete(*keys)
    else:
        ThrottleCount.objects.all().delete()
