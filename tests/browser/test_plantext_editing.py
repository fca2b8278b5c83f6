"""Staff on the demo start the 案 from the published 素案, edit a section (sent back once with its
error), and make the open period's sections from the text; every page with no WCAG 2 A/AA violation."""

import pytest

from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_next_version_section_edit_and_period_sections_from_the_text(app, page, live_server, axe_check,
                                                                     switch_language, lang):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, lang, reflow=True)
    browser_login(page, live_server, "staff@example.jp", DEMO_PASSWORD)
    if lang == "en":
        switch_language(page, "en")
    walk.go(f"/staff/plans/{s.plan}/text")
    submit(page, "main form[action$='/text/next'] input[type=submit]")
    assert page.locator(".flash-success").is_visible()
    walk.check(state=True)

    page.locator("#edit-ch1-s4 a").click()
    page.wait_for_load_state()
    walk.check()
    original = page.input_value("#text")
    page.fill("#text", "９　計画の期間\n本文。\n")
    submit(page, "main form input[name=submit]")
    assert page.locator(".error-summary").is_visible()
    walk.check(errors=True)
    page.fill("#text", original + "\n**見直しの時期を加えました。**\n")
    submit(page, "main form input[name=submit]")
    assert page.url.endswith("#edit-ch1-s4") and page.locator(".flash-success").is_visible()

    walk.go(f"/staff/periods/{s.open_period}/sections")
    page.locator("main a[href$='/sections/from-text']").click()
    page.wait_for_load_state()
    walk.check()
    page.select_option("#depth", "3")
    submit(page, "main form input[name=submit]")
    assert page.locator(".flash-success").is_visible()
    assert page.input_value("#rows-0-label") == "第１章"
