"""The demo's glossary in a browser: a marked term opens and closes its explanation from the keyboard,
screen readers are told its state, and the pages stay free of WCAG 2 A/AA violations."""

import os

import pytest

from tests.browser.a11y import load_scenario

SHOTS = os.environ.get("MEYASU_SHOTS", "")  # a folder to keep screenshots in, when someone wants to look


def _first_term(page):
    return page.locator("main button.glossary-button").first


def test_a_term_opens_and_closes_by_keyboard(app, page, live_server, axe_check):
    s = load_scenario(app)
    page.goto(f"{live_server}/periods/{s.open_period}")
    term = _first_term(page)
    note_id = term.get_attribute("aria-controls")
    note = page.locator(f"#{note_id}")
    assert term.get_attribute("aria-expanded") == "false" and note.is_hidden()
    term.focus()
    page.keyboard.press("Enter")
    assert term.get_attribute("aria-expanded") == "true" and note.is_visible()
    assert "ことです" in note.inner_text() or "です" in note.inner_text()
    assert note.locator("a.glossary-more").get_attribute("href").startswith("/glossary#term-")
    axe_check(page)
    page.keyboard.press("Escape")
    assert term.get_attribute("aria-expanded") == "false" and note.is_hidden()
    assert page.evaluate("document.activeElement.className") == "glossary-button"
    page.keyboard.press(" ")
    assert note.is_visible()
    page.keyboard.press(" ")
    assert note.is_hidden()


def test_without_javascript_the_term_is_a_link_described_by_its_explanation(app, browser, live_server):
    s = load_scenario(app)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/periods/{s.open_period}")
        link = page.locator("main a.glossary-link").first
        description = page.locator("#" + link.get_attribute("aria-describedby"))
        assert description.is_hidden() and "（" in description.inner_text()
        link.click()
        page.wait_for_url(f"{live_server}/glossary#term-*")
        assert page.locator("main dl.glossary dfn").count() == 6
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_the_glossary_and_a_summary(app, page, live_server, switch_language, lang, width):
    s = load_scenario(app)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/")
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/periods/{s.open_period}")
    assert page.locator("main .easy-summary h2").inner_text().startswith("やさしい にほんご")
    _first_term(page).click()
    assert page.locator("main .glossary-note:visible").count() == 1
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"period-{lang}-{width}.png"), full_page=True)
    page.goto(f"{live_server}/glossary?furigana=1")
    assert page.locator("main dl.glossary ruby").count() > 6
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"glossary-{lang}-{width}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_staff_glossary_and_summary_pages_with_their_warnings_have_no_violations(app, page, live_server, axe_check,
                                                                                  switch_language, lang):
    from tests.browser.a11y import DEMO_PASSWORD
    from tests.browser.conftest import browser_login, submit

    s = load_scenario(app)
    browser_login(page, live_server, "staff@example.jp", DEMO_PASSWORD)
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/staff/glossary")
    axe_check(page)
    page.fill("#term", "関門")
    submit(page, "main form button[type=submit]")  # no explanation, no reading: refused
    assert page.locator("#explanation-error").is_visible()
    axe_check(page)
    page.goto(f"{live_server}/staff/periods/{s.open_period}/edit")
    page.locator(f"main a[href$='/staff/easy-summaries/period/{s.open_period}']").click()
    page.fill("#text", "この計画は、市民の皆さんが自分から始める活動を市が応援するために、これから五年間で取り組むことをまとめたものです。嘘はだめ。")
    submit(page, "main form button[type=submit]")
    hints = page.locator("#text-hints li")
    assert hints.count() == 2 and "嘘" in hints.nth(1).inner_text()
    axe_check(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"summary-staff-{lang}.png"), full_page=True)
