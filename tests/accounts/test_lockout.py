"""Failed logins slow down the place they come from, not the account: nobody can lock a colleague out
by knowing their email, and the answers do not tell which emails have accounts."""

import re
from itertools import count

from sqlalchemy import select

from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"
_address = count(1)


def place() -> str:
    """A client address of its own for each use: the counts live in the shared rate-limit store."""
    return f"198.51.100.{next(_address)}"


def attempt(client, email: str, password: str, address: str):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def errors(response) -> list[str]:
    """The error messages of the login page, without the email address typed into it."""
    html = response.get_data(as_text=True)
    return re.findall(r'<p[^>]*class="[^"]*error[^"]*"[^>]*>(.*?)</p>', html, flags=re.S)


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(app, make_user):
    make_user("staff", email="takahashi@example.jp")
    attacker, owner = app.test_client(), app.test_client()
    there = place()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        attempt(attacker, "takahashi@example.jp", "guess guess guess", there)
    # The owner, from their own address, logs in as usual...
    response = attempt(owner, "takahashi@example.jp", PASSWORD, place())
    assert response.status_code == 303
    assert owner.get("/staff/plans").status_code == 200
    # ...while from the guesser's address even the right password now waits.
    assert "この接続元からのログインの失敗が続きました" in attempt(attacker, "takahashi@example.jp", PASSWORD,
                                                         there).get_data(as_text=True)


def test_unknown_and_known_emails_get_the_same_answers_attempt_by_attempt(app, make_user):
    make_user("staff", email="kobayashi@example.jp")
    known_client, unknown_client = app.test_client(), app.test_client()
    known_place, unknown_place = place(), place()
    known, unknown = [], []
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        known_response = attempt(known_client, "kobayashi@example.jp", "not the password", known_place)
        unknown_response = attempt(unknown_client, "nobody-here@example.jp", "not the password", unknown_place)
        known.append((known_response.status_code, errors(known_response)))
        unknown.append((unknown_response.status_code, errors(unknown_response)))
    assert known == unknown
    assert any("この接続元からのログインの失敗が続きました" in " ".join(messages) for _, messages in known)
    assert known[0][1] != known[-1][1]  # it did change: from "not correct" to "wait"


def test_a_successful_login_starts_the_count_afresh(app, make_user):
    make_user("staff", email="yoshida@example.jp")
    client, here = app.test_client(), place()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        attempt(client, "yoshida@example.jp", "not the password", here)
    assert attempt(client, "yoshida@example.jp", PASSWORD, here).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        attempt(client, "yoshida@example.jp", "not the password", here)
    assert attempt(client, "yoshida@example.jp", PASSWORD, here).status_code == 303


def test_every_refused_attempt_is_in_the_audit_log_with_its_address(app, make_user):
    make_user("staff", email="yamada@example.jp")
    client, here = app.test_client(), place()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        attempt(client, "yamada@example.jp", "not the password", here)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.ip_address == here)
                                     .order_by(AuditEntry.id)).all()
    actions = [entry.action for entry in entries]
    assert actions == ["auth.login_failed"] * app.config["LOGIN_MAX_FAILURES"] + ["auth.login_locked"]
