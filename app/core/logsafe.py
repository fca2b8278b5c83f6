"""Paths that carry a secret, written to no log.

A workshop guest's private link holds its token in the path (``/workshops/registration/<token>``):
whoever reads an access log or an error log could otherwise see and cancel that person's sign-up.
Every log line that names a path (gunicorn's access log, the error handlers) passes it through here.
"""

import re

_PRIVATE = re.compile(r"(/workshops/registration/)[^/?#\s\"]+")
HIDDEN = "[private]"


def loggable_path(text: str) -> str:
    """``text`` (a path, a request line or a URL) with every private-link token replaced."""
    return _PRIVATE.sub(lambda match: match.group(1) + HIDDEN, text or "")
