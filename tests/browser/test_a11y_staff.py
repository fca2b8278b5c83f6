"""The staff, moderator, facilitator and admin pages people use most, on the Shimonoseki demo: zero WCAG 2
A/AA violations and the structural checks of tests/browser/a11y.py, in Japanese, with the edit forms also
sent back with errors; the busiest pages in English too.

Already checked elsewhere and not repeated here: the moderator's queue-to-group path in ja and en
(test_moderation.py), the digest page in ja and en (test_digests.py), the facilitator's day pages in ja
and en with small data (test_workshops.py), the answer page and result form errors (test_responses.py).
"""

import pytest

from app.extensions import limiter
from tests.browser.a11y import DEMO_PASSWORD, Walk, load_scenario
from tests.browser.conftest import browser_login, submit


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()


def pages(s) -> dict[str, list[str]]:
    """Who uses which page: each role's everyday pages, with the demo's ids."""
    period, closed, workshop, past = s.open_period, s.closed_period, s.upcoming_workshop, s.past_workshop
    return {
        "staff@example.jp": [
            "/staff/plans", f"/staff/plans/{s.plan}/edit", f"/staff/plans/{s.plan}/office", "/staff/periods", f"/staff/periods/{period}/edit",
            f"/staff/periods/{period}/documents", f"/staff/periods/{period}/sections",
            f"/staff/periods/{period}/submissions", f"/staff/periods/{period}/submissions/import",
            f"/staff/submissions/{s.submissions[0]}", f"/staff/submissions/{s.submissions[0]}/slip",
            "/staff/responses", f"/staff/periods/{closed}/responses", f"/staff/periods/{closed}/result",
            f"/staff/periods/{closed}/result/preview", "/staff/workshops", f"/staff/workshops/{workshop}",
            f"/staff/workshops/{past}", f"/workshops/{past}/digest", "/account/password",
        ],
        "approver@example.jp": [
            "/staff/responses", f"/staff/periods/{period}/responses",
            f"/staff/periods/{period}/responses/opinion/{s.pending_response_opinion}",
        ],
        "moderator@example.jp": [
            "/moderation", "/moderation/queue", *(f"/moderation/submissions/{sid}" for sid in s.submissions),
            *(f"/moderation/opinions/{oid}" for oid in s.closed_opinions[:3]), f"/moderation/periods/{closed}/opinions",
            f"/moderation/groups/{s.group}",
        ],
        "facilitator@example.jp": [
            "/facilitate", f"/facilitate/workshops/{past}", f"/facilitate/workshops/{past}/groups",
            f"/facilitate/workshops/{past}/groups/{s.past_workshop_group}", f"/facilitate/workshops/{past}/summary",
        ],
        "admin@example.jp": [
            "/admin/users", f"/admin/users/{s.users['staff@example.jp']}", "/admin/audit", "/admin/jobs",
            "/admin/settings/periods", "/admin/settings/categories",
        ],
    }


def sent_back(walk: Walk, path: str, *, clear: tuple[str, ...] = (), form: str = "main form") -> None:
    """Open a form, empty the named fields, send it, and check the page that comes back with its errors."""
    page = walk.page
    walk.go(path)
    for selector in clear:
        page.fill(selector, "")
    submit(page, f"{form} input[name=submit]")
    walk.check(errors=True)


def login(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    browser_login(page, live_server, email, DEMO_PASSWORD)


def test_staff_pages_and_edit_forms_have_no_violations_in_japanese(app, page, live_server, axe_check):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, "ja")
    for email, paths in pages(s).items():
        login(page, live_server, email)
        for path in paths:
            walk.go(path)
        if email == "staff@example.jp":
            sent_back(walk, "/staff/plans/new")
            sent_back(walk, f"/staff/plans/{s.plan}/edit", clear=("#title",))
            sent_back(walk, f"/staff/plans/{s.plan}/periods/new")
            sent_back(walk, f"/staff/periods/{s.open_period}/edit", clear=("#title",))
            sent_back(walk, f"/staff/plans/{s.plan}/workshops/new")
            sent_back(walk, f"/staff/workshops/{s.upcoming_workshop}/edit", clear=("#title",))
            sent_back(walk, f"/staff/periods/{s.open_period}/submissions/new")
            sent_back(walk, "/account/password")
        if email == "approver@example.jp":
            # Returning an answer to its author without saying why. (The title keeps its words: the page's
            # main form is the answer itself, which has no errors.)
            walk.go(f"/staff/periods/{s.open_period}/responses/opinion/{s.pending_response_opinion}")
            submit(page, "form[action$='/return'] input[name=submit]")
            walk.check(errors=True, error_title=False)
        if email == "facilitator@example.jp":
            walk.go(f"/facilitate/workshops/{s.upcoming_workshop}")
            page.fill("#code", "ZZZZZZ")  # no such participant
            submit(page, "form[action$='/check-in'] input[name=submit]")
            walk.check(errors=True, error_title=False)  # the page's form is named for what it does
        if email == "admin@example.jp":
            sent_back(walk, "/admin/settings/periods", clear=("#min_days",))
    assert not walk.duplicate_titles(), walk.duplicate_titles()


ENGLISH = (
    ("staff@example.jp", ("/staff/periods", "/staff/responses", "/staff/plans/new", "/staff/plans/{plan}/office")),
    ("moderator@example.jp", ("/moderation/queue",)),
    ("facilitator@example.jp", ("/facilitate/workshops/{upcoming}",)),
    ("admin@example.jp", ("/admin/users",)),
)


def test_busiest_staff_pages_have_no_violations_in_english(app, page, live_server, axe_check, switch_language):
    s = load_scenario(app)
    walk = Walk(app, page, live_server, axe_check, "en")
    for email, paths in ENGLISH:
        login(page, live_server, email)
        switch_language(page, "en")
        for path in paths:
            walk.go(path.format(upcoming=s.upcoming_workshop, plan=s.plan))
    page.goto(f"{live_server}/staff/plans/new")
    submit(page, "main form input[name=submit]")
    walk.check(errors=True)
