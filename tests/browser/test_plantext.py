"""The plan's text on the demo: the reading page in Japanese and English with no WCAG 2 A/AA violations,
a section's link opening the opinion form with that section chosen, the printed page without the links;
the staff import page, empty and sent back with its error."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.periods.models import Section
from app.plantext.models import PlanVersion
from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit


def reading_path(app, s) -> str:
    with app.app_context():
        version_id = db.session.scalar(select(PlanVersion.id).where(PlanVersion.plan_id == s.plan))
    return f"/plans/{s.plan}/text/{version_id}"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reading_page_links_each_section_to_the_opinion_form(app, page, live_server, axe_check, switch_language,
                                                             lang):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, lang, reflow=True)
    page.goto(f"{live_server}/")
    if lang == "en":
        switch_language(page, "en")
    walk.go(f"/plans/{s.plan}")
    page.locator("main a[href*='/text/']").first.click()
    page.wait_for_load_state()
    walk.check()
    assert page.locator("nav.plan-toc a[href='#ch1-s4']").count() == 1
    assert page.locator("#ch1-s4 table caption").inner_text().startswith("【表１")

    page.emulate_media(media="print")
    assert page.locator(".plan-opinion-link").first.is_hidden()
    page.emulate_media(media="screen")

    with app.app_context():
        chosen = db.session.scalar(select(Section.id).where(Section.period_id == s.open_period,
                                                            Section.title == "計画の期間"))
    with page.expect_navigation():
        page.locator("#ch1-s4 .plan-opinion-link a").click()
    assert page.url.endswith(f"/periods/{s.open_period}/submit?section={chosen}")
    assert page.input_value("#entries-0-section") == str(chosen)
    walk.check()


def test_staff_import_page_empty_and_with_its_error(app, page, live_server, axe_check, make_plan):
    s = load_scenario(app)
    # The demo's 素案 is published (frozen); a second plan of the same department has a draft to import into.
    plan_id = make_plan("下関市協働のまちづくり指針")
    walk = Walk(app, page, live_server, axe_check, "ja")
    browser_login(page, live_server, "staff@example.jp", DEMO_PASSWORD)
    walk.go(f"/staff/plans/{s.plan}/edit")  # links to the text page
    assert page.locator(f"main a[href='/staff/plans/{s.plan}/text']").count() == 1
    walk.go(f"/staff/plans/{s.plan}/text")  # published: says it is frozen, no form
    assert page.locator("main form textarea").count() == 0
    walk.go(f"/staff/plans/{plan_id}/text")
    page.fill("#text", "見出しのない文章です。")
    submit(page, "main form input[name=submit]")
    assert "見出しが見つかりません" in page.locator(".error-summary").inner_text()
    walk.check(errors=True)
    page.fill("#text", "第１章　総則\n１　目的\nこの指針の目的を定めます。\n")
    submit(page, "main form input[name=submit]")
    assert page.locator(".flash-success").is_visible()
    walk.check(state=True)
