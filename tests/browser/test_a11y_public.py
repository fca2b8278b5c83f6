"""Every public page and every state of the citizen's forms, in Japanese and in English, on the Shimonoseki
demo: zero WCAG 2 A/AA violations from axe, plus the checks axe leaves to us (see tests/browser/a11y.py).

The public pages are found from ``app.url_map``: every GET route an anonymous visitor is not sent to log in
from must be walked here, or be named in SKIPPED because it answers with something other than a page.
"""

import pytest

from app.extensions import limiter
from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit
from tests.browser.test_plantext import reading_path
from tests.browser.test_plantext_diff import compare_path

SKIPPED = {
    "static": "CSS and JavaScript",
    "core.set_language": "the language switch: a redirect back to the page it was chosen on",
    "periods.document": "the draft's PDF files",
    "results.download": "the result as CSV, XLSX and PDF",
    "printkit.public_download": "the blank opinion form and poster as PDF (their links: tests/browser/test_printkit.py)",
    "workshops.calendar": "the workshop as an .ics calendar file",
    "follow.plan_calendar": "the plan's .ics calendar feed",
    "follow.city_calendar": "the city's .ics calendar feed",
    "feeds.periods": "an Atom feed",
    "feeds.results": "an Atom feed",
    "feeds.plan": "an Atom feed",
    "council.minutes": "a council meeting's minutes as a PDF file",
    "api.docs": "the API reference page: walked with axe in ja and en by tests/browser/test_api.py",
    "surveys.show": "walked with axe in ja and en by tests/browser/test_surveys.py",
    "surveys.answer": "every state (form, errors, confirmation) walked with axe in ja and en by tests/browser/test_surveys.py",
    "surveys.thanks": "walked with axe in ja and en by tests/browser/test_surveys.py",
    "surveys.report": "walked with axe by tests/browser/test_surveys.py",
}
# Everything else under /api/v1 answers JSON or CSV.
SKIPPED_PREFIXES = ("api.",)
OPINION = "駅前の市民活動センターを、平日の夜９時まで開けてください。仕事帰りに相談できる場所が必要です。"


def follow_tokens(app, email: str) -> tuple[str, str]:
    """The confirm and unsubscribe links' tokens of the subscription just asked for (as the mail has them)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.follow.models import Follower
    from app.follow.services import confirm_token, unsubscribe_token

    with app.test_request_context():
        follower = db.session.scalars(select(Follower).where(Follower.email == email)).one()
        return confirm_token(follower), unsubscribe_token([follower.id])


def council_meetings(app) -> tuple[int, int]:
    """The demo council's first meeting (held, with minutes) and its next one (one public seat left)."""
    from sqlalchemy import select

    from app.council.models import CouncilMeeting
    from app.extensions import db

    with app.app_context():
        ids = db.session.scalars(select(CouncilMeeting.id).order_by(CouncilMeeting.starts_at)).all()
    return ids[0], ids[-1]


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The sign-up form allows ten sends a minute from one address; other tests' sends must not count here."""
    limiter.reset()


def public_endpoints(app, scenario) -> set[str]:
    """GET routes that answer an anonymous visitor without sending them to log in."""
    values = {"plan_id": scenario.plan, "period_id": scenario.closed_period, "workshop_id": scenario.past_workshop,
              "token": scenario.registration_token, "fmt": "csv", "kind": "opinion", "filename": "css/site.css"}
    client = app.test_client()
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint.startswith(SKIPPED_PREFIXES):
            continue
        path = rule.build({name: values.get(name, 1) for name in rule.arguments}, append_unknown=False)[1]
        response = client.get(path)
        if not (response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")):
            found.add(rule.endpoint)
    return found


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_public_page_and_form_state_has_no_violations(app, page, live_server, axe_check, switch_language,
                                                            make_period, lang):
    s = load_scenario(app)
    withdrawn = make_period(plan_id=s.plan, title="「市民活動団体の登録制度（案）」に対する意見募集", status="withdrawn")
    walk = Walk(app, page, live_server, axe_check, lang, reflow=True)
    page.goto(f"{live_server}/")
    if lang == "en":
        switch_language(page, "en")

    for path in ("/", "/accessibility", "/plans", f"/plans/{s.plan}", "/periods", f"/periods/{s.closed_period}",
                 f"/periods/{s.open_period}", "/results", f"/periods/{s.closed_period}/result", f"/periods/{s.closed_period}/heard", "/workshops",
                 f"/workshops/{s.past_workshop}", f"/workshops/{s.upcoming_workshop}",
                 f"/workshops/{s.past_workshop}/report", f"/workshops/registration/{s.registration_token}",
                 "/login", f"/periods/{s.closed_period}/submit", f"/workshops/{s.past_workshop}/register",
                 reading_path(app, s), compare_path(app, s), "/glossary"):
        walk.go(path)
    # A glossary term opened on a page: the disclosure and its explanation (the summary box marks 市民活動).
    page.goto(f"{live_server}/periods/{s.open_period}")
    page.locator("main .glossary-button").first.click()
    assert page.locator("main .glossary-note:visible").count() == 1
    walk.check(state=True)
    page.goto(f"{live_server}/accessibility")
    policy = page.locator("main").inner_text()
    assert "JIS X 8341-3:2016" in policy and "AA" in policy and "axe-core" in policy
    assert {"ja": "令和8年11月29日（日）", "en": "2026-11-29 (Sun, Reiwa 8)"}[lang] in policy  # the date of the last check
    walk.go(f"/periods/{withdrawn}", status=410)
    walk.go("/no-such-page", status=404)

    # The web submission: empty, with errors, a second opinion block, confirmation, receipt, then the lookup.
    walk.go(f"/periods/{s.open_period}/submit")
    submit(page, "main input[name=confirm]")
    walk.check(errors=True)
    page.fill("#name", "下関 花子")
    page.select_option("#attribute", "resident")
    page.fill("#entries-0-body", OPINION)
    submit(page, "main input[name=add_entry]")
    assert page.locator("fieldset.entry").count() == 2
    walk.check(state=True)
    submit(page, "main input[name=confirm]")  # the consent box is still empty
    walk.check(errors=True)
    page.check("#consent")
    submit(page, "main input[name=confirm]")
    assert page.locator(".plain-text").first.inner_text() == OPINION
    walk.check()
    submit(page, "main input[name=send]")
    receipt = page.locator(".receipt-no").inner_text()
    assert receipt.startswith("DEMO-")
    walk.check()
    lookup_url = page.locator("dl.facts a").get_attribute("href")
    walk.go("/lookup")
    page.fill("#receipt", receipt)
    page.fill("#secret", "AAAA-BBBB-CCCC-DDDD")
    submit(page, "main form button[type=submit]")
    walk.check(errors=True)
    page.goto(lookup_url)  # its script puts the code from the fragment into the form and POSTs it
    page.wait_for_url(f"{live_server}/lookup")
    assert page.locator("main").get_by_text(OPINION).is_visible()
    walk.check(state=True)

    # Workshop sign-up: empty, with errors, then the private page it leads to, then cancelled.
    walk.go(f"/workshops/{s.upcoming_workshop}/register")
    submit(page, "main form input[type=submit]")
    walk.check(errors=True)
    page.fill("#name", "長府 太郎")
    page.fill("#email", "chofu@example.jp")
    page.select_option("#attribute", "resident")
    page.check("#sign_language")
    submit(page, "main form input[type=submit]")
    assert "/workshops/registration/" in page.url and page.locator(".flash-success").is_visible()
    walk.check(state=True)  # the private page, walked above for another participant
    page.click("a[href$='/cancel']")
    walk.check()  # the step that asks before cancelling
    submit(page, "form[action$='/cancel'] input[type=submit]")
    walk.check(state=True)

    # Following a plan: the form with its error, the mail sent, the confirm step, confirmed, a dead link,
    # and the unsubscribe page and its result.
    walk.go(f"/plans/{s.plan}/follow")
    submit(page, "main form button[type=submit]")
    walk.check(errors=True)
    page.fill("#email", "follow-walk@example.jp")
    submit(page, "main form button[type=submit]")
    assert page.url.endswith(f"/plans/{s.plan}/follow/sent")
    walk.check()
    confirm, unsubscribe = follow_tokens(app, "follow-walk@example.jp")
    walk.go(f"/follow/confirm/{confirm}")
    submit(page, "main form button[type=submit]")
    walk.check(state=True)
    walk.go(f"/follow/unsubscribe/{unsubscribe}")
    submit(page, "main form button[type=submit]")
    walk.check(state=True)
    walk.go(f"/follow/unsubscribe/{unsubscribe}", status=410)

    # A council meeting with its minutes, and asking for the last public seat of the next one: empty, with
    # errors, the receipt, then the meeting saying all seats are taken.
    past_meeting, next_meeting = council_meetings(app)
    walk.go(f"/council/meetings/{past_meeting}")
    walk.go(f"/council/meetings/{next_meeting}")
    walk.go(f"/council/meetings/{next_meeting}/seats")
    submit(page, "main form input[type=submit]")
    walk.check(errors=True)
    page.fill("#name", "長府 花子")
    page.fill("#contact", "083-000-9999")
    submit(page, "main form input[type=submit]")
    assert "/seats/receipt" in page.url
    walk.check()
    walk.go(f"/council/meetings/{next_meeting}/seats")
    assert page.locator("main .notice").count() == 1
    walk.go(f"/council/meetings/{next_meeting}")

    # The login form with its errors (the empty form is walked above).
    page.goto(f"{live_server}/login")
    submit(page, "main form input[type=submit]")
    walk.check(errors=True)

    # A form sent with a stale token keeps what was written and asks to send it again.
    page.goto(f"{live_server}/periods/{s.open_period}/submit")
    page.fill("#entries-0-body", OPINION)
    page.evaluate("() => document.querySelector('main input[name=csrf_token]').value = 'stale'")
    submit(page, "main input[name=confirm]")
    assert page.locator("main textarea").filter(has_text=OPINION).count() == 1
    walk.check()

    # Too many requests.
    enabled, limit = limiter.enabled, app.config["LOOKUP_RATE_LIMIT"]
    limiter.enabled, app.config["LOOKUP_RATE_LIMIT"] = True, "1 per minute"
    try:
        limiter.reset()
        page.goto(f"{live_server}/lookup")
        walk.go("/lookup", status=429)
    finally:
        limiter.enabled, app.config["LOOKUP_RATE_LIMIT"] = enabled, limit
        limiter.reset()

    # A signed-in person without the role: access denied.
    browser_login(page, live_server, "citizen@example.jp", DEMO_PASSWORD)
    walk.go("/staff/plans", status=403)

    missing = public_endpoints(app, s) - walk.endpoints
    assert not missing, f"public pages not walked (walk them, or add them to SKIPPED if they are not HTML): {missing}"
    assert not walk.duplicate_titles(), walk.duplicate_titles()
