"""The moderator's main path in the browser: queue, split, summarise, tag, redact, decide, group —
with no WCAG 2 A/AA violations on any page, in Japanese and in English."""

import pytest

from app.accounts.models import User
from app.extensions import db
from app.moderation.services import MARK
from tests.browser.conftest import browser_login, submit

NAMED = "自治会の佐藤花子さんに相談しました。センターの案内が分かりにくいです。"
SIMILAR = "センターの案内表示を分かりやすくしてほしい。"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_moderator_works_the_queue_with_no_axe_violations(app, page, live_server, make_user, make_period,
                                                         make_submission, make_tag, axe_check,
                                                         switch_language, lang):
    period_id = make_period()
    tag_id = make_tag(period_id, "案内表示")
    first = make_submission(period_id, NAMED)
    second = make_submission(period_id, SIMILAR)
    user_id = make_user("moderator", name="審査 一郎")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/moderation")
    axe_check(page)
    page.goto(f"{live_server}/moderation/queue?q=案内")
    assert page.locator("tbody tr").count() == 2
    axe_check(page)

    page.goto(f"{live_server}/moderation/submissions/{first}")
    axe_check(page)
    # A wrong excerpt is refused next to the field.
    page.fill("#excerpt", "図書館を増やして")
    submit(page, f"form[action$='/submissions/{first}/opinions'] button[type=submit]")
    assert page.locator("#excerpt-error").is_visible()
    axe_check(page)
    page.fill("#excerpt", "センターの案内が分かりにくいです。")
    page.fill("#summary", "佐藤花子さんの件。案内表示を改善してほしい。")
    page.check(f"input[name=tags][value='{tag_id}']")
    submit(page, f"form[action$='/submissions/{first}/opinions'] button[type=submit]")
    assert "/moderation/opinions/" in page.url
    axe_check(page)
    page.fill("#redact-phrase", "佐藤花子")
    page.select_option("#redact-reason", "private_person")
    submit(page, "form[action$='/redactions'] button[type=submit]")
    assert page.locator(".public-text").inner_text() == f"{MARK}さんの件。案内表示を改善してほしい。"
    page.select_option("#decide-decision", "accepted")
    submit(page, "form[action$='/decide'] button[type=submit]")
    assert page.locator("#history + table tbody tr").count() >= 3
    axe_check(page)

    page.goto(f"{live_server}/moderation/submissions/{second}")
    submit(page, f"form[action$='/submissions/{second}/split'] button[type=submit]")
    page.click("table a[href*='/moderation/opinions/']")
    page.wait_for_load_state()
    page.select_option("#decide-decision", "accepted")
    submit(page, "form[action$='/decide'] button[type=submit]")

    page.goto(f"{live_server}/moderation/periods/{period_id}/opinions")
    axe_check(page)
    for box in page.locator("input[name=opinion_ids]").all():
        box.check()
    page.select_option("#action", "group")
    page.fill("#title", "案内表示の改善")
    submit(page, "fieldset.bulk button[type=submit]")
    page.click("text=案内表示の改善")
    page.wait_for_load_state()
    assert "/moderation/groups/" in page.url
    assert page.locator(".group-members li").count() == 2
    axe_check(page)


def test_staff_tag_list_has_no_axe_violations(app, page, live_server, make_user, make_period,
                                              make_tag, axe_check):
    period_id = make_period()
    make_tag(period_id, "交通")
    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    page.goto(f"{live_server}/staff/periods/{period_id}/tags")
    axe_check(page)
    page.fill("#name", "交通")
    submit(page, "form.narrow button[type=submit]")
    assert page.locator("#name-error").is_visible()
    axe_check(page)
