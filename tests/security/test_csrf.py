"""Forged requests: a POST from another site, or one whose CSRF token fails, changes nothing, gets a
page that cannot be used to finish the forgery, and leaves the browser's session cookie alone. Only a
citizen's own text comes back, on a page that leads to a check and sends nothing itself."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.models import AuditEntry
from app.extensions import db
from app.submissions.models import Submission
from app.workshops.models import Registration
from tests.conftest import csrf_token
from tests.submissions.conftest import confirmed_data, opinion

FORGED_REASON = "FORGED-REASON-7f3a"
OPINION = "午後いっぱいかけて書いた意見です。市民活動センターを夜も開けてください。<script>alert(1)</script>"


@pytest.fixture
def period_id(make_period):
    return make_period()


@pytest.fixture
def workshop_id(make_workshop):
    return make_workshop()


def submissions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


def grant_admin(client, target: int, token: str | None, **headers):
    data = {"role": "admin", "action": "grant", "reason": FORGED_REASON}
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/admin/users/{target}", data=data, headers=headers)


def roles_and_grants(app, target: int):
    with app.app_context():
        roles = db.session.get(User, target).roles
        grants = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "user.grant_role", AuditEntry.object_id == str(target)))
    return roles, grants


def assert_plain_refusal(response, status: int):
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "csrf_token" not in html and "<form" not in html and "<button" not in html
    assert FORGED_REASON not in html and 'name="role"' not in html
    assert "Set-Cookie" not in response.headers
    return html


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_forged_role_grant_gets_a_plain_page_with_no_token_or_fields_and_grants_nothing(app, login_as, make_user,
                                                                                          token):
    admin, _ = login_as("admin")
    target = make_user("staff")
    html = assert_plain_refusal(grant_admin(admin, target, token), 400)
    assert "フォームを受け付けられませんでした" in html and "The form was not accepted" in html
    assert roles_and_grants(app, target) == ({"staff"}, 0)


def test_a_forgery_that_arrives_without_the_session_cookie_does_not_replace_it(app, login_as, make_user):
    """SameSite=Lax keeps the session cookie back from a cross-site POST: a cookie set in the answer
    would replace the admin's (and carry a token that the page's form could use)."""
    admin, _ = login_as("admin")
    target = make_user("staff")
    cookieless = app.test_client()
    assert_plain_refusal(grant_admin(cookieless, target, None), 400)
    assert_plain_refusal(grant_admin(admin, target, "forged-token"), 400)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is as it was
    assert roles_and_grants(app, target) == ({"staff"}, 0)


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example", "Sec-Fetch-Site": "same-origin"},
])
def test_a_cross_site_post_is_refused_even_with_a_valid_token(app, login_as, make_user, headers):
    admin, _ = login_as("admin")
    target = make_user("staff")
    token = csrf_token(admin, f"/admin/users/{target}")
    html = assert_plain_refusal(grant_admin(admin, target, token, **headers), 403)
    assert "別のサイトから送信されたため拒否しました" in html and "sent from another site" in html
    assert roles_and_grants(app, target) == ({"staff"}, 0)


@pytest.mark.parametrize("headers", [
    {},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://127.0.0.1:5000"},  # the configured SITE_URL, as a proxy that rewrites Host would give
])
def test_a_same_origin_post_with_its_token_still_works(app, login_as, make_user, headers):
    admin, admin_id = login_as("admin")
    target = make_user("staff")
    token = csrf_token(admin, f"/admin/users/{target}")
    response = grant_admin(admin, target, token, **headers)
    assert response.status_code == 303
    assert roles_and_grants(app, target) == ({"staff", "admin"}, 1)


def test_a_cross_site_post_to_a_citizen_form_is_refused_without_echoing_it(app, client, period_id):
    token = csrf_token(client, f"/periods/{period_id}/submit")
    response = client.post(f"/periods/{period_id}/submit/send",
                           data={**opinion(OPINION), "csrf_token": token, "idempotency_key": "k" * 32},
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "午後いっぱい" not in response.get_data(as_text=True)
    assert submissions(app) == 0


def kept_form(html: str) -> tuple[str, dict]:
    """The action and the fields of the send-again page's form, as a browser would send them."""
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'<textarea id="kept-\d+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    return action, {name: value.replace("&lt;", "<").replace("&gt;", ">") for name, value in fields.items()}


def test_a_citizen_whose_session_expired_gets_the_opinion_back_and_can_send_it(app, client, period_id):
    expired = app.test_client()  # the browser was closed: the session and its token are gone
    response = expired.post(f"/periods/{period_id}/submit/confirm",
                            data={**opinion(OPINION), "csrf_token": "token-of-a-gone-session"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "もう一度送信してください" in html
    assert "午後いっぱいかけて書いた意見です。" in html and "<script>alert(1)</script>" not in html
    action, fields = kept_form(html)
    assert action == f"/periods/{period_id}/submit/confirm"
    # The page started a session for its token (there was none to replace): one press goes on.
    confirmation = expired.post(action, data=fields)
    assert confirmation.status_code == 200
    assert "午後いっぱいかけて書いた意見です。" in confirmation.get_data(as_text=True)
    assert submissions(app) == 0


def test_the_send_again_page_of_the_final_send_leads_back_to_the_confirmation(app, client, period_id):
    """Pressing "Send again" shows the confirmation page; only the button there sends the opinion."""
    data = confirmed_data(client, period_id, opinion(OPINION))
    response = client.post(f"/periods/{period_id}/submit/send", data={**data, "csrf_token": "stale"})
    assert response.status_code == 400
    action, fields = kept_form(response.get_data(as_text=True))
    assert action == f"/periods/{period_id}/submit/confirm"
    # The session's own token, so the press goes through. A signed token carries the second it was
    # signed in, so only the part before the timestamp is the same on both pages.
    assert fields["csrf_token"].split(".")[0] == data["csrf_token"].split(".")[0]
    assert "Set-Cookie" not in response.headers  # the session kept its token: nothing to write
    assert client.post(action, data=fields).status_code == 200
    assert submissions(app) == 0


def test_a_workshop_sign_up_with_a_stale_token_keeps_what_was_typed(app, client, workshop_id):
    response = client.post(f"/workshops/{workshop_id}/register", data={
        "name": "下関 花子", "email": "hanako@example.jp", "attribute": "resident", "party_size": "1",
        "accommodation_note": "車いすで参加します", "csrf_token": "stale"})
    assert response.status_code == 400
    action, fields = kept_form(response.get_data(as_text=True))
    assert action == f"/workshops/{workshop_id}/register"
    assert fields["accommodation_note"] == "車いすで参加します" and fields["name"] == "下関 花子"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_the_login_form_with_a_stale_token_gets_the_plain_page(client):
    response = client.post("/login", data={"email": "a@example.jp", "password": "hunter2-secret-words",
                                           "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a@example.jp" not in html and "hunter2-secret-words" not in html and "csrf_token" not in html
