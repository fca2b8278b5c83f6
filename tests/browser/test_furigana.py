"""Public pages of the demo with furigana on: the switch in the header works from the keyboard, links keep
readings on, and the pages with ruby stay free of WCAG 2 A/AA violations."""

from app.accounts.models import User
from app.extensions import db
from tests.browser.a11y import load_scenario
from tests.browser.conftest import browser_login, submit


def test_public_pages_with_furigana_have_no_violations(app, page, live_server, axe_check):
    s = load_scenario(app)
    page.goto(f"{live_server}/plans/{s.plan}")
    switch = page.get_by_role("link", name="ふりがなをつける")
    switch.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/plans/{s.plan}?furigana=1")
    assert page.locator("main ruby rt").count() > 10
    assert page.get_by_role("link", name="ふりがなをはずす").is_visible()
    axe_check(page)
    # Links on a page with readings lead to pages with readings.
    page.locator("main").get_by_role("link", name="ホーム").or_(page.locator("nav").get_by_role("link", name="ホーム")).first.click()
    assert page.url.endswith("/?furigana=1")
    for path in (f"/periods/{s.closed_period}", f"/periods/{s.closed_period}/result", f"/workshops/{s.past_workshop}"):
        page.goto(f"{live_server}{path}?furigana=1")
        assert page.locator("main ruby").count() > 0, path
        axe_check(page)


def test_admin_dictionary_page_and_its_refusal_have_no_violations(app, page, live_server, make_user, axe_check):
    user_id = make_user("admin")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    page.goto(f"{live_server}/admin/readings")
    axe_check(page)
    page.fill("#surface", "関門")
    page.fill("#reading", "kanmon")
    submit(page, "main form button[type=submit]")
    assert page.locator("#reading-error").inner_text().startswith("読みはひらがなだけ")
    axe_check(page)
    page.fill("#reading", "カンモン")
    submit(page, "main form button[type=submit]")
    assert page.locator("td", has_text="かんもん").is_visible()
