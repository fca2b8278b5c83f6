"""A staff session ends after STAFF_SESSION_IDLE_MINUTES without use and STAFF_SESSION_MAX_HOURS after
login, remember-me or not; citizens, with or without an account, are not affected."""

import time
from urllib.parse import unquote

from flask_login.utils import encode_cookie

from app.accounts.models import User
from app.accounts.sessions import LOGIN_AT, SEEN_AT
from app.extensions import db
from tests.conftest import csrf_token, login
from tests.submissions.conftest import confirmed_data, opinion, send, submit

PROTECTED = "/staff/plans"


def backdate(client, *, login_by: int = 0, seen_by: int = 0) -> None:
    """Move the session's login and last-seen times back by that many seconds, as time passing would."""
    with client.session_transaction() as session:
        session[LOGIN_AT] -= login_by
        session[SEEN_AT] -= seen_by


def test_a_staff_session_idle_for_31_minutes_is_logged_out_with_a_message(app, login_as):
    client, _ = login_as("staff")
    backdate(client, login_by=31 * 60, seen_by=31 * 60)
    response = client.get(PROTECTED)
    assert response.status_code == 303
    assert unquote(response.headers["Location"]) == f"/login?next={PROTECTED}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "安全のため、職員のログインは30分間操作がないと終了します。" in html
    assert client.get(PROTECTED).status_code == 302  # logged out: sent to log in again


def test_a_staff_session_in_use_ends_13_hours_after_login(app, login_as):
    client, _ = login_as("admin")
    client.get("/language", query_string={"lang": "en", "next": "/"})
    backdate(client, login_by=13 * 3600, seen_by=60)
    assert client.get("/admin/users").status_code == 303
    html = client.get("/login").get_data(as_text=True)
    assert "For security, a staff session ends 12 hours after logging in." in html
    assert client.get("/admin/users").status_code == 302


def test_a_session_in_use_goes_on_and_its_last_seen_time_moves(app, login_as):
    client, _ = login_as("moderator", "staff")
    backdate(client, login_by=11 * 3600, seen_by=29 * 60)
    assert client.get(PROTECTED).status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 60
    backdate(client, seen_by=29 * 60)
    assert client.get(PROTECTED).status_code == 200


def test_an_expired_session_performs_no_staff_action(app, login_as, make_user):
    client, _ = login_as("admin")
    target = make_user("staff")
    token = csrf_token(client, f"/admin/users/{target}")
    backdate(client, login_by=31 * 60, seen_by=31 * 60)
    response = client.post(f"/admin/users/{target}", data={"role": "admin", "action": "grant", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    with app.app_context():
        assert db.session.get(User, target).roles == {"staff"}


def test_staff_get_no_remember_me_cookie_and_citizens_still_do(app, make_user):
    make_user("staff", email="remember-staff@example.jp")
    make_user("citizen", email="remember-citizen@example.jp")
    cookies = {}
    for email in ("remember-staff@example.jp", "remember-citizen@example.jp"):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "correct horse battery", "remember": "y",
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 303
        cookies[email] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cookies["remember-staff@example.jp"] == []
    assert len(cookies["remember-citizen@example.jp"]) == 1


def test_a_remember_cookie_from_before_does_not_restore_a_staff_session(app, make_user):
    """Issued before this rule (or forged from a stolen one): it carries no login time, so it ends."""
    user_id = make_user("staff")
    with app.test_request_context():
        cookie = encode_cookie(db.session.get(User, user_id).session_token)
    browser = app.test_client()
    browser.set_cookie("remember_token", cookie)
    assert browser.get(PROTECTED).status_code == 303
    assert browser.get(PROTECTED).status_code == 302


def test_a_citizen_account_is_not_limited(app, make_user):
    make_user("citizen", email="shimin@example.jp")
    client = app.test_client()
    assert login(client, "shimin@example.jp").status_code == 303
    backdate(client, login_by=24 * 3600, seen_by=24 * 3600)
    assert client.get("/account/password").status_code == 200


def test_anonymous_citizens_send_opinions_and_read_pages_without_a_cookie(app, client, make_period, count_rows):
    from app.submissions.models import Submission

    period_id = make_period()
    for path in ("/", "/plans", f"/periods/{period_id}"):
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert submit(client, period_id).status_code == 303
    assert count_rows(Submission) == 1


def test_a_citizens_send_asks_flask_login_for_no_user(app, client, make_period, monkeypatch):
    """A session no one logged into has no staff session to end: the check loads no (anonymous) user,
    which cost Flask-Login a hash of the address and browser on every send."""
    from flask import g
    from flask_login import login_manager

    period_id = make_period()
    loads = []
    original = login_manager.LoginManager._load_user
    monkeypatch.setattr(login_manager.LoginManager, "_load_user",
                        lambda self: loads.append(1) or original(self))
    data = confirmed_data(client, period_id, opinion())
    loads.clear()
    with client:
        assert send(client, period_id, data).status_code == 303
        assert "_login_user" not in g
    assert loads == []
