"""Comparing the demo's 素案 and 案 in Japanese and English with no WCAG 2 A/AA violations, the version
selector working without JavaScript; staff linking a change to an opinion, then the result's 修正内容."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.plantext.models import PlanVersion
from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit


def compare_path(app, s) -> str:
    return f"/plans/{s.plan}/text/compare"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_comparison_marks_changes_in_words_and_its_selector_works_without_javascript(
        app, page, browser, live_server, axe_check, switch_language, lang):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, lang, reflow=True)
    page.goto(f"{live_server}/")
    if lang == "en":
        switch_language(page, "en")
    walk.go(compare_path(app, s))
    assert page.locator("main ins").count() >= 4 and page.locator("main del").count() >= 3
    hidden = page.locator("main ins .visually-hidden").first.text_content()
    assert hidden == {"ja": "追加：", "en": "Added: "}[lang]
    with app.app_context():
        soan, an = db.session.scalars(select(PlanVersion.id).where(PlanVersion.plan_id == s.plan)
                                      .order_by(PlanVersion.id)).all()

    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server}{compare_path(app, s)}")
    plain.select_option("#from", str(an))
    plain.select_option("#to", str(soan))  # backwards: what the 案 added reads as removed
    submit(plain, "main form.compare-form button[type=submit]")
    assert plain.url.endswith(f"?from={an}&to={soan}")
    assert any("計画の進み具合は毎年度確認し" in text for text in plain.locator("main del").all_inner_texts())
    context.close()


def test_staff_link_a_change_to_an_opinion_and_the_result_shows_it(app, page, live_server, axe_check, make_period,
                                                                     make_opinion, answered):
    s = load_scenario(app)
    period_id = make_period(plan_id=s.plan, state="closed", title="第5次計画（素案）への意見募集（比較用）")
    make_opinion(period_id, excerpt="計画の進み具合を毎年公表してください。", state="accepted")
    answered(period_id)
    with app.app_context():
        soan = db.session.scalar(select(PlanVersion.id).where(PlanVersion.plan_id == s.plan, PlanVersion.stage == "soan"))
    walk = Walk(app, page, live_server, axe_check, "ja", reflow=True)
    browser_login(page, live_server, "staff@example.jp", DEMO_PASSWORD)
    walk.go(f"/staff/periods/{period_id}/result")
    page.click(f"main a[href='/staff/periods/{period_id}/text-changes']")
    walk.check()
    page.select_option("#version", str(soan))
    submit(page, "main form.inline-form input[type=submit]")
    assert page.locator(".flash-success").is_visible() and page.locator("main table tbody tr").count() == 4
    walk.check(state=True)
    page.click(f"main a[href='/staff/periods/{period_id}/text-changes/ch1-s4']")
    walk.check()
    page.check("main input[name=opinions]")
    submit(page, "main form input[name=submit]")
    assert page.locator(".flash-success").is_visible()
    walk.go(f"/staff/periods/{period_id}/result/preview")
    link = page.locator("#changes-heading ~ table a[href='#result-row-1']")
    assert link.count() == 1
    added = page.locator("#changes-heading ~ table ins").all_inner_texts()
    assert any("下関市市民協働参画審議会に報告の上、公表します。" in text for text in added)
