"""Failed logins, counted per email address *and* client address.

A lock on the account itself let anyone who knew an email keep its owner out for as long as they
liked, and answered differently for addresses that have accounts. Counting per (email, address)
slows down whoever guesses from one place, while the owner logs in from theirs; an email nobody has
is counted and locked the same way, so the answers tell nothing about which accounts exist.

The counts live in the rate-limit store (Redis in production, shared by every process). While it
cannot be reached they are kept in this process's memory, as the rate limits themselves are.
"""

import logging
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.extensions import limiter

log = logging.getLogger(__name__)
_fallback = FixedWindowRateLimiter(MemoryStorage())
KEY = "login-failures"


def _rule() -> RateLimitItem:
    config = current_app.config
    return parse(f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_LOCKOUT_MINUTES']} minutes")


def _call(method: str, *args):
    """The store's answer, or this process's while the store is down."""
    try:
        return getattr(limiter.limiter, method)(*args)
    except Exception as exc:  # the store's own errors differ by backend (Redis, memcached, ...)
        log.warning("login throttle: rate-limit store unavailable (%s); counting in memory", exc)
        return getattr(_fallback, method)(*args)


def wait_seconds(email: str, address: str) -> int:
    """Seconds until ``email`` may be tried again from ``address``; 0 when it may now."""
    rule = _rule()
    if _call("test", rule, KEY, email, address):
        return 0
    stats = _call("get_window_stats", rule, KEY, email, address)
    return max(1, int(stats.reset_time - time.time()))


def note_failure(email: str, address: str) -> int:
    """Count one failure; the seconds to wait if this one used up the attempts, else 0."""
    _call("hit", _rule(), KEY, email, address)
    return wait_seconds(email, address)


def forget_failures(email: str, address: str) -> None:
    """A successful login starts the count afresh for that place."""
    _call("clear", _rule(), KEY, email, address)
