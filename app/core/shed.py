"""Overload shed: answer 503 with Retry-After at once, rather than let requests queue into a timeout.

gunicorn.conf.py stamps each request with the instant its worker queued it (``QUEUED_AT``). A request
that waited longer than ``SHED_FORM_WAIT_MS`` for an endpoint in ``SHED_FORMS`` (a citizen's form:
confirm, send), or longer than ``SHED_ANY_WAIT_MS`` for anything else, is answered before any other
work: a POST with everything it carried kept on the page and a button to send it again (nothing was
sent), a GET with the error page. Both carry ``Retry-After: SHED_RETRY_AFTER``. Answering fast is
what empties the queue: the requests behind get served in time instead of timing out.
Without gunicorn (tests, ``flask run``) there is no stamp and nothing is shed.
"""

import time

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import ServiceUnavailable

from app.core.errors import render_error

QUEUED_AT = "meyasu.queued_at"
# Endpoints of forms that a crowd sends at a deadline; features add theirs in init_app.
SHED_FORMS: set[str] = set()


def queue_wait() -> float:
    """Seconds this request waited in its worker's queue before a thread took it."""
    queued_at = request.environ.get(QUEUED_AT)
    return max(0.0, time.monotonic() - queued_at) if queued_at else 0.0


def busy_message(seconds: int) -> str:
    return _("Many people are sending forms right now, and yours could not be handled yet. Nothing has been "
             "sent. Your text is kept below: wait about %(seconds)d seconds, then press “Send again”.",
             seconds=seconds)


def shed_response(retry_after: int):
    """The 503: for a POST, what was sent is kept (as on the CSRF page), files excepted."""
    if request.method == "POST":
        kept = [(name, value) for name, values in request.form.lists() if name != "csrf_token" for value in values]
        response = make_response(render_template("errors/csrf.html", kept=kept, action=request.path,
                                                 message=busy_message(retry_after)), 503)
    else:
        response = make_response(render_error(ServiceUnavailable()))
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def guard():
    wait = queue_wait()
    if not wait or request.endpoint == "static":
        return None
    config = current_app.config
    limit = config["SHED_FORM_WAIT_MS"] if request.endpoint in SHED_FORMS else config["SHED_ANY_WAIT_MS"]
    if limit and wait * 1000 > limit:
        return shed_response(config["SHED_RETRY_AFTER"])
    return None


def init_app(app: Flask) -> None:
    for name, default in (("SHED_FORM_WAIT_MS", 1000), ("SHED_ANY_WAIT_MS", 3000), ("SHED_RETRY_AFTER", 10)):
        app.config.setdefault(name, default)
    # First of all before_request functions: a shed request costs no session, CSRF check or query.
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
