import re

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.core.models import AuditEntry
from app.extensions import db
from config import TestConfig
from tests.conftest import csrf_token, login


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_passwords_are_hashed_with_argon2id(app, make_user):
    user_id = make_user("staff")
    with app.app_context():
        assert db.session.get(User, user_id).password_hash.startswith("$argon2id$")


def test_login_and_logout_are_audited(app, client, make_user):
    user_id = make_user("staff", email="kato@example.jp")
    response = login(client, "KATO@example.jp")
    assert response.status_code == 303
    assert client.get("/staff/plans").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    assert client.get("/staff/plans").status_code == 302
    actions = audit_actions(app)
    assert actions[-2:] == ["auth.login", "auth.logout"]
    with app.app_context():
        assert db.session.get(User, user_id).last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_message(app, client, make_user):
    make_user("staff", email="sato@example.jp")
    wrong = login(client, "sato@example.jp", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.jp", "not the password").get_data(as_text=True)
    message = "メールアドレスまたはパスワードが正しくありません。"
    assert message in wrong and message in unknown
    assert audit_actions(app)[-2:] == ["auth.login_failed", "auth.login_failed"]


def test_repeated_failures_make_that_place_wait_with_a_clear_message(app, client, make_user):
    make_user("staff", email="suzuki@example.jp")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "suzuki@example.jp", "wrong password!")
    html = login(client, "suzuki@example.jp").get_data(as_text=True)  # the right password, too late
    minutes = app.config["LOGIN_LOCKOUT_MINUTES"]
    assert f"この接続元からのログインの失敗が続きました。{minutes}分待ってから" in html
    assert client.get("/staff/plans").status_code == 302


def test_login_form_errors_are_tied_to_their_fields(client):
    html = client.post("/login", data={"csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in html and 'id="email-error"' in html
    assert 'aria-invalid="true"' in html
    assert "メールアドレスを入力してください。" in html


def test_login_rate_limit_answers_429_with_retry_after(app, make_user):
    from app.extensions import limiter

    client = app.test_client()
    app.config["LOGIN_RATE_LIMIT"] = "20 per minute"
    was_enabled, limiter.enabled = limiter.enabled, True  # whatever tests before this one left
    try:
        limiter.reset()
        token = csrf_token(client)
        statuses = [
            client.post("/login", data={"email": "x@example.jp", "password": "bad", "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
            for _ in range(25)
        ]
        limited = client.post("/login", data={"email": "x@example.jp", "password": "bad", "csrf_token": token},
                              environ_base={"REMOTE_ADDR": "203.0.113.9"})
        other_address = client.post("/login", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": "203.0.113.10"})
    finally:
        app.config["LOGIN_RATE_LIMIT"] = TestConfig.LOGIN_RATE_LIMIT
        limiter.enabled = was_enabled
        limiter.reset()
    assert statuses[:20] == [200] * 20 and set(statuses[20:]) == {429}
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert "短時間に多くのリクエストがありました" in limited.get_data(as_text=True)
    assert other_address.status_code == 200


def test_remember_me_cookie_lasts_at_most_30_days(client, make_user):
    make_user("citizen", email="ito@example.jp")  # staff get none (tests/accounts/test_staff_sessions.py)
    token = csrf_token(client)
    response = client.post("/login", data={"email": "ito@example.jp", "password": "correct horse battery",
                                           "remember": "y", "csrf_token": token})
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("remember_token"))
    assert "HttpOnly" in cookie
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    from email.utils import parsedate_to_datetime

    from app.core.timeutil import utcnow

    assert (parsedate_to_datetime(expires) - utcnow()).days <= 30


def test_password_change_ends_other_sessions(app, make_user):
    make_user("staff", email="watanabe@example.jp")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "watanabe@example.jp")
    login(phone, "watanabe@example.jp")
    response = laptop.post("/account/password", data={
        "current": "correct horse battery", "new": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": csrf_token(laptop, "/account/password")})
    assert response.status_code == 303
    assert laptop.get("/staff/plans").status_code == 200  # this session goes on
    assert phone.get("/staff/plans").status_code == 302  # the other one is logged out
    assert login(phone, "watanabe@example.jp", "a brand new passphrase").status_code == 303
    assert "auth.password_change" in audit_actions(app)


def test_password_change_refuses_a_wrong_current_password(app, client, make_user):
    user_id = make_user("staff", email="yamamoto@example.jp")
    login(client, "yamamoto@example.jp")
    with app.app_context():
        before = db.session.get(User, user_id).password_hash
    html = client.post("/account/password", data={
        "current": "wrong", "new": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": csrf_token(client, "/account/password")}).get_data(as_text=True)
    assert "現在のパスワードが正しくありません。" in html
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == before


def test_admin_grants_and_revokes_roles_with_audit(app, login_as, make_user):
    client, admin_id = login_as("admin")
    target = make_user("staff")
    token = csrf_token(client, f"/admin/users/{target}")
    response = client.post(f"/admin/users/{target}", data={"role": "moderator", "action": "grant",
                                                           "reason": "審査担当に任命", "csrf_token": token})
    assert response.status_code == 303
    client.post(f"/admin/users/{target}", data={"role": "staff", "action": "revoke", "csrf_token": token})
    with app.app_context():
        assert db.session.get(User, target).roles == {"moderator"}
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "User",
                                                              AuditEntry.object_id == str(target))).all()
        assert [(e.action, e.actor_id) for e in entries][-2:] == [("user.grant_role", admin_id),
                                                                  ("user.revoke_role", admin_id)]
        assert entries[-2].reason == "審査担当に任命"


def test_unknown_role_is_refused_and_changes_nothing(app, login_as, make_user):
    client, _ = login_as("admin")
    target = make_user("staff")
    html = client.post(f"/admin/users/{target}", data={
        "role": "superuser", "action": "grant", "csrf_token": csrf_token(client, f"/admin/users/{target}")
    }).get_data(as_text=True)
    assert "error-summary" in html
    with app.app_context():
        assert db.session.get(User, target).roles == {"staff"}
    with pytest.raises(services.AccountError), app.app_context():
        services.grant_role(db.session.get(User, target), "superuser", actor=None)


def test_admin_cannot_remove_own_admin_role(app, login_as):
    client, admin_id = login_as("admin")
    html = client.post(f"/admin/users/{admin_id}", data={
        "role": "admin", "action": "revoke", "csrf_token": csrf_token(client, f"/admin/users/{admin_id}")
    }).get_data(as_text=True)
    assert "自分自身の管理者の役割は取り消せません。" in html
    with app.app_context():
        assert "admin" in db.session.get(User, admin_id).roles


@pytest.mark.parametrize("roles,expected", [((), 302), (("citizen",), 403), (("staff",), 403),
                                            (("moderator", "facilitator"), 403), (("admin",), 200)])
def test_admin_pages_are_for_admins_only(login_as, client, roles, expected):
    if roles:
        client, _ = login_as(*roles)
    for path in ("/admin/users", "/admin/audit"):
        assert client.get(path).status_code == expected


def test_audit_log_can_be_filtered(app, login_as):
    client, _ = login_as("admin")
    html = client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    assert "auth.login" in html and "user.create" not in html
    html = client.get("/admin/audit?date_from=2030-01-02&date_to=2030-01-01").get_data(as_text=True)
    assert "終了日は開始日以降の日付にしてください。" in html


def test_cli_creates_a_user_with_roles_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "cli@example.jp", "--role", "staff",
                                 "--role", "moderator"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = services.find_user("cli@example.jp")
        assert user.roles == {"staff", "moderator"}
        assert services.check_password(user, "a long enough password")


def test_cli_refuses_an_unknown_role_and_creates_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "bad@example.jp", "--role", "king"],
                           input="a long enough password\n")
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "bad@example.jp")) == 0


def test_readme_lists_every_demo_user_with_its_role():
    from pathlib import Path

    from app.accounts.demo import DEMO_USERS

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text(encoding="utf-8")
    for email, _name, _department, roles in DEMO_USERS:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{email}` |")), "")
        assert row, f"{email} is not in the README's table of demo users"
        assert all(role in row for role in roles), f"{email}: its roles {roles} are not named"


def test_audit_log_names_actions_objects_and_people_instead_of_codes(app, client, make_user):
    admin_id = make_user("admin", email="kanri@example.jp", name="管理 太郎")
    with app.app_context():
        services.create_user("newcomer@example.jp", "correct horse battery", ("staff",), display_name="新任 次郎",
                             actor=db.session.get(User, admin_id))
        db.session.commit()
        newcomer_id = db.session.scalar(select(User.id).where(User.email == "newcomer@example.jp"))
    login(client, "kanri@example.jp")
    html = client.get("/admin/audit").get_data(as_text=True)
    rows = re.sub(r"<[^>]+>", " ", html[html.index("<tbody>"):html.index("</tbody>")])
    assert "ログイン" in rows and "利用者を作成" in rows and f"利用者（ID {newcomer_id}）" in rows
    assert "管理 太郎" in rows
    assert "auth.login" not in rows and "user.create" not in rows and "kanri@example.jp" not in rows
    assert f"User {newcomer_id}" not in rows

