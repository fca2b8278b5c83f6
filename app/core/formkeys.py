"""Keys that make sending a form twice safe, issued by the server and held in the sender's session.

A key that arrives in a form proves nothing by itself: anyone can copy one from a page, a log or a
shared computer. So a send counts as a repeat of an earlier one only when its key is one that this
session was given for this very form (its ``scope``: a period's opinion form, a workshop's sign-up).
A key from elsewhere finds nothing and reveals nothing.

A key may carry a secret made with it (the citizen's lookup code). It waits beside the key in the
session, so that a retried send — a double click, the "send again" button of a busy page — can show
the same code again, although the database holds only the code's hash. Sessions are signed cookies:
the browser that holds them is the one that was shown the code.
"""

import secrets

from flask import session

SESSION_KEY = "form_keys"
# Enough for a few tabs and a few rounds of "change your entries"; a cookie stays small.
KEEP = 8


def issue(scope: str, secret: str = "") -> str:
    """A new key for ``scope``, remembered in this session (with ``secret``, if given)."""
    key = secrets.token_urlsafe(24)
    held = [entry for entry in session.get(SESSION_KEY, []) if isinstance(entry, list) and len(entry) == 3]
    session[SESSION_KEY] = [*held[-(KEEP - 1):], [key, scope, secret]]
    return key


def issued(key: str | None, scope: str) -> str | None:
    """The secret given with ``key`` if this session was issued it for ``scope`` ("" when it has none);
    None when the key is not this session's or belongs to another form."""
    if not key:
        return None
    for entry in session.get(SESSION_KEY, []):
        if isinstance(entry, list) and len(entry) == 3 and entry[0] == key:
            return str(entry[2]) if entry[1] == scope else None
    return None
