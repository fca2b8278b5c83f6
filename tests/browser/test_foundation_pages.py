"""The home page, a plan page and login: no WCAG 2 A/AA violations in Japanese or English."""

import pytest

from app.accounts.models import User
from app.extensions import db
from tests.browser.conftest import browser_login, submit


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_home_plan_and_login_pages_have_no_axe_violations(page, live_server, make_plan, axe_check,
                                                          switch_language, lang):
    plan_id = make_plan("第5次下関市市民活動促進基本計画", summary="## 計画の背景\n\n- 市民活動")
    page.goto(f"{live_server}/")
    if lang == "en":
        switch_language(page, "en")
    axe_check(page)
    page.goto(f"{live_server}/plans/{plan_id}")
    assert page.locator("h1").inner_text() == "第5次下関市市民活動促進基本計画"
    axe_check(page)
    page.goto(f"{live_server}/login")
    axe_check(page)
    # The form with its errors shown must hold too.
    submit(page, "form.narrow input[type=submit]")
    assert page.locator(".error-summary").is_visible()
    axe_check(page)


def test_staff_creates_and_publishes_a_plan_in_the_browser(app, page, live_server, make_user, axe_check):
    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    page.goto(f"{live_server}/staff/plans/new")
    axe_check(page)
    page.fill("#title", "ブラウザで作った計画")
    page.fill("#summary", "**太字**の概要")
    page.fill("#start_year", "2026")
    page.fill("#end_year", "2030")
    submit(page, "main form input[type=submit][value='保存する']")
    submit(page, "form.publish-form input[type=submit]")
    assert "計画を公開しました。" in page.content()
    page.goto(f"{live_server}/plans")
    assert page.get_by_role("link", name="ブラウザで作った計画").is_visible()
