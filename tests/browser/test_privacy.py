"""Personal data found in an opinion, as the moderator reviews it in the browser: the details marked
and named in words, hidden with one click, the note asked for next to its field — with no WCAG 2 A/AA
violations, in Japanese and in English."""

import os

import pytest

from app.accounts.models import User
from app.extensions import db
from tests.browser.conftest import browser_login, submit
from tests.privacy.flow import SENTENCE

SHOTS = os.environ.get("MEYASU_SHOTS", "")  # a folder to keep screenshots in, when someone wants to look


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_moderator_reviews_personal_data_with_no_axe_violations(app, page, live_server, make_user, make_period,
                                                               make_submission, axe_check, switch_language,
                                                               lang):
    period_id = make_period()
    submission_id = make_submission(period_id, SENTENCE, name="山田 太郎")
    user_id = make_user("moderator", name="審査 一郎")
    with app.app_context():
        email = db.session.get(User, user_id).email
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server, email)
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/moderation/submissions/{submission_id}")
    assert page.locator("mark.pii").count() == 4
    axe_check(page)
    submit(page, f"form[action$='/submissions/{submission_id}/split'] button[type=submit]")
    page.click("table a[href*='/moderation/opinions/']")
    page.wait_for_load_state()
    assert page.locator("#personal-data mark.pii-unreviewed").count() == 4
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"pii-opinion-{lang}.png"), full_page=True)
    axe_check(page)

    # No note: refused next to its field, nothing hidden.
    submit(page, "#personal-data tbody tr:first-child form.pii-clear button[type=submit]")
    assert page.locator("#personal-data .error[role=alert]").is_visible()
    assert page.locator("[aria-invalid=true]").count() == 1
    axe_check(page)
    # One click hides the phone number from the public text.
    phone = page.locator("#personal-data tbody tr", has_text="090-1234-5678")
    with page.expect_navigation():
        phone.locator("form.inline-form button").click()
    assert "090-1234-5678" not in page.locator(".public-text").inner_text()
    assert page.locator("#personal-data mark.pii-redacted").count() == 1
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"pii-opinion-hidden-{lang}.png"), full_page=True)
    axe_check(page)
