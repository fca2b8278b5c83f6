"""Several fixed-window limits of one request counted in one round trip to Redis.

Flask-Limiter counts each limit of a view with its own round trip (a Lua script per limit). A send
has two (per address, per email), so its limits cost two trips on every send. ``hit_together``
counts them with one script call on the limiter's own Redis storage, under the keys Flask-Limiter
would use, and falls back to the limiter's own counting where the storage is not Redis (the tests'
memory storage), the strategy is not a fixed window, or Redis is down (then the in-memory fallback
counts, as it does for the decorators).
"""

import time
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

from app.extensions import limiter

# Each key: add the cost; a new key gets the window's expiry. Returns the counts in order.
_INCR_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
    local amount = tonumber(ARGV[2 * i])
    local current = redis.call("incrby", key, amount)
    if current == amount then
        redis.call("expire", key, ARGV[2 * i - 1])
    end
    counts[i] = current
end
return counts
"""


@dataclass(frozen=True)
class Check:
    limit: str  # "10 per hour"
    key: str  # who is counted: an address, an email
    scope: str  # what is counted: the endpoint


@lru_cache(maxsize=64)
def _item(limit: str) -> RateLimitItem:
    return parse(limit)


@lru_cache(maxsize=4)
def _script(storage: RedisStorage):
    return storage.get_connection().register_script(_INCR_ALL)


def hit_together(checks: list[Check]) -> tuple[Check, int] | None:
    """Count one hit on each check; the first one over its limit, with the seconds until its window
    resets, or None when all are within them (or the limiter is off)."""
    if not limiter.enabled or not checks:
        return None
    items = [(check, _item(check.limit)) for check in checks]
    strategy = limiter.limiter
    storage = strategy.storage
    if isinstance(storage, RedisStorage) and isinstance(strategy, FixedWindowRateLimiter):
        keys = [storage.prefixed_key(item.key_for(check.key, check.scope)) for check, item in items]
        args = [value for _, item in items for value in (item.get_expiry(), 1)]
        try:
            counts = _script(storage)(keys=keys, args=args)
        except Exception:  # a store that is down must not stop a send: the limiter's fallback counts
            current_app.logger.warning("rate limit store unreachable; counting in memory", exc_info=True)
            limiter._storage_dead = True  # what Flask-Limiter sets itself when its store fails
            return _hit_one_by_one(items)
        for (check, item), count in zip(items, counts, strict=True):
            if int(count) > item.amount:
                return check, _reset_in(strategy, check, item)
        return None
    return _hit_one_by_one(items)


def _hit_one_by_one(items) -> tuple[Check, int] | None:
    strategy = limiter.limiter
    breached = None
    for check, item in items:
        try:
            within = strategy.hit(item, check.key, check.scope)
        except Exception:
            current_app.logger.exception("rate limit not counted")
            continue
        if not within and breached is None:
            breached = check, _reset_in(strategy, check, item)
    return breached


def _reset_in(strategy, check: Check, item: RateLimitItem) -> int:
    stats = strategy.get_window_stats(item, check.key, check.scope)
    return max(1, int(stats.reset_time - time.time()))
