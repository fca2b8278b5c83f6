"""A staff session ends ``STAFF_SESSION_IDLE_MINUTES`` after its last request and
``STAFF_SESSION_MAX_HOURS`` after its login, whatever happens in between.

"Staff" is any account with a role beyond citizen (``User.is_staff``): each can change what the
city publishes or read what citizens sent. Sessions are signed cookies, so the two times live in the
session, written only by the server: the login time once, the last-seen time at most once a minute
(rewriting the cookie on every request would cost a Set-Cookie per page and race between tabs).

Staff get no remember-me cookie: it carries no time, so it would outlive both limits. A staff
session that one left from before restores has no login time, and ends at once.
"""

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

LOGIN_AT = "login_at"
USER_ID = "_user_id"  # where Flask-Login keeps a logged-in user's id in the session
SEEN_AT = "seen_at"
SEEN_EVERY_SECONDS = 60


def start_session(user, *, remember: bool) -> None:
    login_user(user, remember=remember and not user.is_staff)
    session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


def end_session() -> None:
    logout_user()
    session.pop(LOGIN_AT, None)
    session.pop(SEEN_AT, None)


def _expired_message(now: int) -> str | None:
    config = current_app.config
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return _("Your session has ended. Log in again to continue.")
    if now - login_at > config["STAFF_SESSION_MAX_HOURS"] * 3600:
        return _("For security, a staff session ends %(hours)d hours after logging in. Log in again to continue.",
                 hours=config["STAFF_SESSION_MAX_HOURS"])
    if now - seen_at > config["STAFF_SESSION_IDLE_MINUTES"] * 60:
        return _("For security, a staff session ends after %(minutes)d minutes without use. Log in again to "
                 "continue.", minutes=config["STAFF_SESSION_IDLE_MINUTES"])
    return None


def end_expired_staff_session():
    """Before every request: an expired staff session is logged out and sent to the login page."""
    config = current_app.config
    # A visitor with neither cookie is nobody's session: leave it untouched (no session read, no cookie).
    # A session no one logged into (a citizen's form keys, the receipt just shown) has no user to end:
    # loading its anonymous user costs Flask-Login a hash of the address and browser on every send,
    # confirm and receipt (bench/README.md, thirty-second session).
    remembered = request.cookies.get(config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if request.endpoint == "static" or not (remembered or (request.cookies.get(config["SESSION_COOKIE_NAME"])
                                                           and USER_ID in session)):
        return None
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = int(time.time())
    message = _expired_message(now)
    if message is None:
        if now - session[SEEN_AT] >= SEEN_EVERY_SECONDS:
            session[SEEN_AT] = now
        return None
    end_session()
    flash(message, "info")
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=back), code=303)
