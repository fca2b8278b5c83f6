"""Sessions end when they should: a copied session cookie or remember-me cookie stops working
after logout and after a password change. Only citizen accounts get a remember-me cookie (staff
sessions are limited in time: tests/accounts/test_staff_sessions.py)."""

from http.cookies import SimpleCookie

from tests.conftest import csrf_token, login

PROTECTED = "/staff/plans"
ACCOUNT = "/account/password"  # what a citizen account may open
NEW_PASSWORD = "a new and longer passphrase"


def _cookies(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _replay(app, **cookies):
    """A fresh browser holding only the stolen cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get(PROTECTED if "remember_token" not in cookies else ACCOUNT)


def _staff(app, make_user, remember: bool):
    """A logged-in staff member; with ``remember``, a citizen account, the only kind that gets the cookie."""
    user_id = make_user("citizen" if remember else "staff", email=f"s{remember}@example.jp")
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": f"s{remember}@example.jp", "password": "correct horse battery",
                                           "remember": "y" if remember else "", "csrf_token": token})
    assert response.status_code == 303
    return client, user_id, _cookies(response)


def test_every_login_cookie_is_httponly_and_samesite(app, make_user):
    client = app.test_client()
    make_user("citizen", email="flags@example.jp")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "flags@example.jp", "password": "correct horse battery",
                                           "remember": "y", "csrf_token": token})
    headers = response.headers.getlist("Set-Cookie")
    assert any(h.startswith("remember_token=") for h in headers)
    for header in headers:
        assert "HttpOnly" in header and "SameSite=Lax" in header, header


def test_a_copied_session_cookie_stops_working_after_logout(app, make_user):
    client, _, cookies = _staff(app, make_user, remember=False)
    stolen = client.get_cookie("session").value
    assert _replay(app, session=stolen).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(PROTECTED).status_code == 302
    assert _replay(app, session=stolen).status_code == 302


def test_a_stolen_remember_cookie_stops_working_after_logout(app, make_user):
    client, _, cookies = _staff(app, make_user, remember=True)
    stolen = cookies["remember_token"]
    assert _replay(app, remember_token=stolen).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _replay(app, remember_token=stolen).status_code == 302


def test_a_stolen_remember_cookie_stops_working_after_a_password_change(app, make_user):
    client, _, cookies = _staff(app, make_user, remember=True)
    stolen_remember, stolen_session = cookies["remember_token"], client.get_cookie("session").value
    response = client.post("/account/password", data={"current": "correct horse battery", "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD,
                                                      "csrf_token": csrf_token(client, "/account/password")})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert _replay(app, remember_token=stolen_remember).status_code == 302
    assert _replay(app, session=stolen_session).status_code == 302
    assert client.get(ACCOUNT).status_code == 200  # the session that changed it goes on
    other = app.test_client()
    assert login(other, "sTrue@example.jp".lower(), NEW_PASSWORD).status_code == 303
