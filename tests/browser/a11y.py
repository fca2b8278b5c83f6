"""What the accessibility walks (tests/browser/test_a11y_*.py) share: the Shimonoseki demo as the scenario,
and what every page must show besides axe's zero — its language, a title of its own, one h1 and headings
in order, the landmarks, every invalid field tied to its message, and no sideways scrolling at 320 px."""

import itertools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db

DEMO_PASSWORD = "meyasu-demo-2025"  # noqa: S105  (the demo loader's password, printed by `flask demo load`)
SITE = {"ja": "めやす箱", "en": "Meyasu"}
CITY = {"ja": "下関市", "en": "Shimonoseki City"}  # the city is named in the page's language (issue 17)
ERROR_PREFIX = {"ja": "エラー：", "en": "Error: "}

# Everything the checks below need from the page, read in one round trip.
PAGE_FACTS = """() => {
  const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const outside = sel => [...document.querySelectorAll(sel)].filter(el => !el.parentElement.closest('main, article, aside, nav, section'));
  const invalid = [...document.querySelectorAll('[aria-invalid="true"]')].map(el => {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const said = ids.map(id => document.getElementById(id)).filter(m => m && m.classList.contains('error') && m.textContent.trim());
    return [el.id || el.name, said.length];
  });
  return {
    lang: document.documentElement.lang,
    title: document.title,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown).map(h => [Number(h.tagName[1]), h.textContent.trim()]),
    main: document.querySelectorAll('main').length,
    banner: outside('header').length,
    contentinfo: outside('footer').length,
    unnamedNavs: [...document.querySelectorAll('nav')].filter(n => !n.getAttribute('aria-label') && !n.getAttribute('aria-labelledby')).length,
    invalid,
    brokenSummaryLinks: [...document.querySelectorAll('.error-summary a')].map(a => a.getAttribute('href'))
      .filter(href => !href.startsWith('#') || !document.getElementById(decodeURIComponent(href.slice(1)))),
    firstFocusable: (document.querySelector('a[href], button, input:not([type=hidden]), select, textarea') || {}).className,
  };
}"""


@dataclass(frozen=True)
class Scenario:
    plan: int
    closed_period: int  # the Shimonoseki public comment: closed, its result published
    open_period: int  # the demo period open today, with three submissions being moderated
    past_workshop: int  # held on 2025-09-20, report published, groups and notes
    upcoming_workshop: int  # sign-up open, 18 of 20 seats taken
    registration_token: str  # a confirmed participant's private link to the upcoming workshop
    submissions: tuple[int, ...]  # of the open period
    opinions: tuple[int, ...]  # of the open period
    closed_opinions: tuple[int, ...]
    group: int
    past_workshop_group: int  # a group of the past workshop, with its notes
    pending_response_opinion: int  # an answer sent for approval, waiting for the approver
    users: dict[str, int] = field(default_factory=dict)


def load_scenario(app) -> Scenario:
    """The whole Shimonoseki demo, loaded inside the test's transaction (its commits are savepoints)."""
    from app.accounts.models import User
    from app.core.demodata import load_all
    from app.moderation.models import Opinion, OpinionGroup
    from app.periods.demo import OPEN_TITLE, SHIMONOSEKI_TITLE
    from app.periods.models import CommentPeriod
    from app.plans.demo import demo_plan
    from app.responses.models import Response
    from app.submissions.models import Submission
    from app.workshops.demo import PAST_TITLE, UPCOMING_TITLE
    from app.workshops.models import Registration, Workshop, WorkshopGroup
    from app.workshops.registrations import registration_token

    with app.test_request_context():
        load_all()
        periods = {title: pid for pid, title in db.session.execute(select(CommentPeriod.id, CommentPeriod.title))}
        workshops = {title: wid for wid, title in db.session.execute(select(Workshop.id, Workshop.title))}
        open_period, closed_period = periods[OPEN_TITLE], periods[SHIMONOSEKI_TITLE]
        upcoming = workshops[UPCOMING_TITLE]
        confirmed = db.session.scalars(select(Registration).where(
            Registration.workshop_id == upcoming, Registration.status == "confirmed").order_by(Registration.id)).first()
        pending = db.session.scalar(select(Response.opinion_id).where(Response.state == "submitted"))
        scenario = Scenario(
            plan=demo_plan().id, closed_period=closed_period, open_period=open_period,
            past_workshop=workshops[PAST_TITLE], upcoming_workshop=upcoming,
            registration_token=registration_token(confirmed),
            submissions=tuple(db.session.scalars(select(Submission.id).where(Submission.period_id == open_period)
                                                 .order_by(Submission.id))),
            opinions=tuple(db.session.scalars(select(Opinion.id).where(Opinion.period_id == open_period)
                                              .order_by(Opinion.id))),
            closed_opinions=tuple(db.session.scalars(select(Opinion.id).where(Opinion.period_id == closed_period)
                                                     .order_by(Opinion.id))),
            group=db.session.scalar(select(OpinionGroup.id).order_by(OpinionGroup.id)),
            past_workshop_group=db.session.scalar(select(WorkshopGroup.id).where(
                WorkshopGroup.workshop_id == workshops[PAST_TITLE]).order_by(WorkshopGroup.id)),
            pending_response_opinion=pending,
            users={email: uid for uid, email in db.session.execute(select(User.id, User.email))},
        )
        db.session.commit()
    return scenario


def endpoint_of(app, url: str) -> str | None:
    """The GET endpoint a URL in the browser belongs to (None for pages only a POST shows)."""
    from werkzeug.exceptions import HTTPException

    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[0]
    except HTTPException:
        return None


class Walk:
    """Visits pages in one language and checks each; remembers titles and endpoints for the whole-site checks."""

    def __init__(self, app, page, live_server, axe_check, lang: str, *, reflow: bool = False):
        self.app, self.page, self.base, self.axe_check, self.lang, self.reflow = \
            app, page, live_server, axe_check, lang, reflow
        self.titles: dict[str, str] = {}  # path (without query) -> title of its plain state
        self.endpoints: set[str] = set()

    def go(self, path: str, *, status: int = 200) -> dict:
        response = self.page.goto(self.base + path)
        assert response.status == status, f"{path}: {response.status}"
        return self.check()

    def check(self, *, errors: bool = False, state: bool = False, error_title: bool = True) -> dict:
        """The page now shown passes axe and the structural checks. ``errors``: it shows a form's errors
        (and, unless ``error_title`` is off, says so in its title); ``state``: another state of a page
        already walked (its title need not differ from that one's)."""
        page = self.page
        facts = page.evaluate(PAGE_FACTS)
        where = f"{page.url} ({self.lang})"
        assert facts["lang"] == self.lang, where
        title = facts["title"]
        assert title.endswith(f"{SITE[self.lang]} – {CITY[self.lang]}"), f"{where}: title {title!r}"
        levels = [level for level, _ in facts["headings"]]
        assert levels and levels[0] == 1 and levels.count(1) == 1, f"{where}: headings {facts['headings']}"
        jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        assert not jumps, f"{where}: heading levels skipped {jumps} in {facts['headings']}"
        assert (facts["main"], facts["banner"], facts["contentinfo"], facts["unnamedNavs"]) == (1, 1, 1, 0), \
            f"{where}: landmarks {facts}"
        assert facts["firstFocusable"] == "skip-link", f"{where}: the skip link is not the first stop"
        untied = [name for name, messages in facts["invalid"] if not messages]
        assert not untied, f"{where}: invalid fields without their message: {untied}"
        assert not facts["brokenSummaryLinks"], f"{where}: error summary links lead nowhere {facts['brokenSummaryLinks']}"
        if errors:
            assert facts["invalid"], f"{where}: no field is marked invalid"
            assert not error_title or title.startswith(ERROR_PREFIX[self.lang]), \
                f"{where}: the title does not say there are errors"
        self.axe_check(page)
        if self.reflow:
            self.check_reflow()
        endpoint = endpoint_of(self.app, page.url)
        if endpoint and not (errors or state):
            self.endpoints.add(endpoint)
            self.titles.setdefault(urlsplit(page.url).path, title)
        return facts

    def check_reflow(self) -> None:
        """WCAG 1.4.10: at 320 CSS px (1280 px at 400 %) nothing needs scrolling sideways."""
        page = self.page
        size = page.viewport_size
        page.set_viewport_size({"width": 320, "height": 640})
        try:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, f"{page.url} ({self.lang}): {width} px wide at 320 px: " + str(page.evaluate(WIDE))
        finally:
            page.set_viewport_size(size)

    def duplicate_titles(self) -> dict[str, list[str]]:
        by_title: dict[str, list[str]] = {}
        for path, title in self.titles.items():
            by_title.setdefault(title, []).append(path)
        return {title: paths for title, paths in by_title.items() if len(paths) > 1}


WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(el => el.tagName + '.' + el.className)"""
