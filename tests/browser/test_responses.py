"""The result page and the staff's answer page in a real browser: no WCAG 2 A/AA violations."""

from datetime import date

import pytest

from app.accounts.models import User
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import results
from tests.browser.conftest import browser_login, submit
from tests.responses.conftest import _export_folder, make_opinion, make_period  # noqa: F401  (closed periods, accepted opinions)


@pytest.fixture
def published_period(app, make_period, make_submission, make_opinion, make_group, answered):  # noqa: F811
    period_id = make_period()
    fax = make_submission(period_id, channel="fax", attribute="worker")
    group_id = make_group(period_id)
    make_opinion(period_id, group=group_id, summary="センターの開館時間を延ばしてほしい。")
    make_opinion(period_id, group=group_id, summary="夜も使えるようにしてほしい。")
    make_opinion(period_id, submission_id=fax, summary="計画期間の見直し規定を入れてほしい。", section=3)
    make_opinion(period_id, state="withheld", withhold_reason="third_party")
    author_id, _ = answered(period_id, category="B", body="既に計画に**盛り込んで**います。")
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        actor = db.session.get(User, author_id)
        results.update_result(period, title="第5次下関市市民活動促進基本計画（案）に対する意見募集の結果について",
                              draft_published_on=date(2025, 10, 6), full_text_note="全文は窓口で閲覧できます。",
                              introduction="", actor=actor)
        results.publish_result(period, actor=actor)
        results.add_erratum(period, location="No.1", before="令和7年度", after="令和8年度", reason="誤記",
                            actor=actor)
        db.session.commit()
    return period_id


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_result_page_has_no_axe_violations(page, live_server, published_period, axe_check, switch_language, lang):
    page.goto(f"{live_server}/periods/{published_period}/result")
    if lang == "en":
        switch_language(page, "en")
    assert "意見募集の結果について" in page.locator("h1").inner_text()
    assert page.get_by_role("table").count() >= 4
    axe_check(page)
    page.goto(f"{live_server}/results")
    axe_check(page)


def test_staff_answer_page_and_result_page_have_no_axe_violations(
        app, page, live_server, make_user, make_period, make_opinion, axe_check):  # noqa: F811
    period_id = make_period()
    opinion_id = make_opinion(period_id, summary="協議会の担い手を増やす取組を。")
    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    page.goto(f"{live_server}/staff/periods/{period_id}/responses")
    axe_check(page)
    page.goto(f"{live_server}/staff/periods/{period_id}/responses/opinion/{opinion_id}")
    page.fill("#body", "担い手の育成を支援します。")
    page.select_option("#category", "C")
    submit(page, "main form input[type=submit][value='下書きを保存する']")
    assert "下書きを保存しました。" in page.content()
    axe_check(page)
    page.goto(f"{live_server}/staff/periods/{period_id}/result")
    axe_check(page)
    submit(page, "main form input[type=submit][value='保存する']")
    assert page.locator(".error-summary").is_visible()
    axe_check(page)
