"""The open data documentation page, and the list pages that link the feeds, in a real browser:
no WCAG 2 A/AA violations in Japanese or English."""

import pytest


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_open_data_page_is_accessible(page, live_server, axe_check, switch_language, lang):
    page.goto(f"{live_server}/api/v1/docs")
    switch_language(page, lang)
    assert page.locator("h1").count() == 1
    assert page.locator("h3#op-getResult").count() == 1
    assert page.locator("a[href='/api/v1/openapi.json']").count() == 1
    axe_check(page)


def test_menu_leads_to_the_open_data_page_and_the_periods_page_links_its_feed(page, live_server):
    page.goto(f"{live_server}/periods")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == \
        "/feeds/periods.atom"
    page.click("nav.site-nav a[href='/api/v1/docs']")
    assert page.url.endswith("/api/v1/docs")
