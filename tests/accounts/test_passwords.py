"""Easy passwords are refused wherever a password is set: creating a user (the CLI) and changing one."""

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.accounts.passwords import COMMON_PASSWORDS, common_passwords, password_problem
from app.extensions import db
from tests.conftest import csrf_token, login


@pytest.mark.parametrize("password,email,problem", [
    ("password1234", "", "password_common"),
    ("Password2025!!", "", "password_common"),
    ("!!sunshine!!!!", "", "password_common"),
    ("iloveyou12345", "", "password_common"),
    ("monkey2025!!!", "", "password_common"),
    ("qwerty123456", "", "password_sequence"),
    ("aaaaaaaaaaaa", "", "password_repeated"),
    ("abababababab", "", "password_repeated"),
    ("zzzzzzzzzzzz2025", "", "password_repeated"),
    ("123456789012", "", "password_sequence"),
    ("abcdefghijkl", "", "password_sequence"),
    ("LKJHGFDSA!!!!", "", "password_sequence"),
    ("9876543210987", "", "password_sequence"),
    ("tanaka-ichiro-2025", "Tanaka-Ichiro@city.example.jp", "password_contains_email"),
    ("short1!", "", "password_too_short"),
])
def test_easy_passwords_are_named_for_what_makes_them_easy(password, email, problem):
    assert password_problem(password, email) == problem


@pytest.mark.parametrize("password,email", [
    ("correct horse battery", "kato@example.jp"),
    ("meyasu-demo-2025", "admin@example.jp"),
    ("下関の海峡は今日も青く光る", ""),
    ("tram-violet-47-kettle", "jo@example.jp"),  # a two-letter local part is too common to forbid
])
def test_good_passwords_pass(password, email):
    assert password_problem(password, email) is None


def test_the_shipped_list_holds_ten_thousand_lower_case_passwords():
    passwords = COMMON_PASSWORDS.read_text(encoding="ascii").split()
    assert len(passwords) == len(common_passwords()) == 10_000
    assert all(p == p.lower() for p in passwords)
    assert passwords[:4] == ["123456", "123456789", "qwerty", "password"]  # most common first


def test_a_common_password_is_refused_at_change_and_nothing_changes(app, client, make_user):
    user_id = make_user("staff", email="nakamura@example.jp")
    login(client, "nakamura@example.jp")
    with app.app_context():
        before = db.session.get(User, user_id).password_hash
    response = client.post("/account/password", data={
        "current": "correct horse battery", "new": "password1234", "confirm": "password1234",
        "csrf_token": csrf_token(client, "/account/password")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "このパスワードはよく使われているもので、推測されやすいため使えません。" in html
    assert 'id="new-error"' in html  # next to the field it is about
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == before


def test_a_password_with_the_email_in_it_is_refused_at_change_in_english_too(app, client, make_user):
    make_user("staff", email="hayashi@example.jp")
    login(client, "hayashi@example.jp")
    client.get("/language", query_string={"lang": "en", "next": "/"})
    html = client.post("/account/password", data={
        "current": "correct horse battery", "new": "hayashi-at-work", "confirm": "hayashi-at-work",
        "csrf_token": csrf_token(client, "/account/password")}).get_data(as_text=True)
    assert "The password must not contain the email address." in html


def test_the_cli_refuses_a_common_password_and_creates_nobody(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "weak@example.jp", "--role", "admin"],
                                          input="password1234\n")
    assert result.exit_code != 0
    assert "このパスワードはよく使われているもので" in result.output and "most commonly used" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "weak@example.jp")) == 0


def test_the_service_refuses_an_easy_password_whoever_calls_it(app):
    with app.app_context(), pytest.raises(services.AccountError) as refused:
        services.create_user("sequence@example.jp", "1234567890123", ["staff"])
    assert refused.value.code == "password_sequence"
