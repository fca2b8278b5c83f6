"""The print kit on the demo, in Japanese and English with no WCAG 2 A/AA violations: staff build it from
the period's page and get its three PDFs, the public period page links the blank forms, and the form
number typed on the lookup page (wrong, then right) opens the period's paper entry."""

import pytest

from app.printkit.formid import form_id
from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_staff_build_the_kit_and_enter_a_form_by_its_number(app, page, live_server, axe_check, switch_language,
                                                            run_jobs, lang):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, lang, reflow=True)
    browser_login(page, live_server, "staff@example.jp", DEMO_PASSWORD)
    if lang == "en":
        switch_language(page, "en")
    walk.go(f"/staff/periods/{s.open_period}/edit")
    kit = page.locator("#print-kit")
    assert form_id(s.open_period) in kit.inner_text()
    submit(page, "#print-kit input[type=submit]")
    run_jobs()
    walk.go(f"/staff/periods/{s.open_period}/edit")
    for slug in ("form", "poster", "large-print"):
        link = kit.locator(f"a[href='/staff/periods/{s.open_period}/print-kit/{slug}.pdf']")
        assert link.count() == 1 and link.get_attribute("hreflang") == "ja"
        assert page.request.get(live_server + link.get_attribute("href")).headers["content-type"] == "application/pdf"

    walk.go(f"/periods/{s.open_period}")
    assert page.locator(f"main a[href='/periods/{s.open_period}/print/form.pdf']").count() == 1
    assert page.locator(f"main a[href='/periods/{s.open_period}/print/poster.pdf']").count() == 1

    walk.go("/staff/paper-forms")
    page.fill("#form_id", form_id(s.open_period)[:-1] + "x")
    submit(page, "main form input[type=submit]")
    walk.check(errors=True)
    page.fill("#form_id", form_id(s.open_period))
    submit(page, "main form input[type=submit]")
    assert page.url.endswith(f"/staff/periods/{s.open_period}/submissions/new")
