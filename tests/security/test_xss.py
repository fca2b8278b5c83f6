"""Hostile text in every stored text field, then every page that can show it, for every role:
no executable markup comes out, and template syntax is shown, never run."""

from html.parser import HTMLParser
from itertools import cycle

from flask import url_for
from sqlalchemy import String, select

from app.accounts.models import User
from app.core.models import JobRun
from app.digests.models import DigestCluster, DigestClusterMember
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup, Redaction, Tag
from app.periods.models import CommentPeriod, PeriodDocument, Section
from app.plans.models import Plan
from app.responses.models import DraftChange, Response, Result
from app.submissions.models import Attachment, Submission, SubmissionEntry
from app.workshops.models import Accommodation, Registration, Workshop, WorkshopGroup, WorkshopNote
from tests.security.conftest import ROLES
from tests.security.routes import rule_for, url_values

PAYLOADS = (
    "<script>xss1()</script>",
    "<img src=x onerror=xss2()>",
    "<svg onload=xss3()>",
    "\"'><img src=x onerror=xss4()>",
    "[x](javascript:xss5())",
    "<a href=\"javascript:xss6()\">x</a>",
    "javascript:xss7()",
    "{{7*1911911}}",  # evaluated, it shows 13383377: digits no timing or count on a page shows by chance
    "{% raw %}{{ config }}",
)
FULL = " ".join(PAYLOADS)
FIELDS = {
    Plan: ("title", "summary", "contact"),
    CommentPeriod: ("title", "description", "short_period_reason", "contact", "contact_department"),
    Section: ("label", "title", "body"),
    PeriodDocument: ("title", "filename"),
    Submission: ("name", "address", "email", "phone"),
    SubmissionEntry: ("body",),
    Attachment: ("filename",),
    Opinion: ("excerpt", "summary", "withhold_note"),
    OpinionGroup: ("title",),
    Tag: ("name",),
    Redaction: ("note",),
    Response: ("body", "return_comment"),
    DraftChange: ("before", "after"),
    Result: ("title", "full_text_note", "introduction"),
    Workshop: ("title", "theme", "content", "venue_name", "venue_address", "venue_access", "venue_accessibility",
               "online_url", "eligibility", "question_1", "question_2", "summary"),
    Registration: ("name", "email", "phone", "answer_1", "answer_2"),
    Accommodation: ("note",),
    WorkshopGroup: ("name",),
    WorkshopNote: ("text",),
    DigestCluster: ("template", "sample"),
    DigestClusterMember: ("addition",),
    User: ("display_name",),
}


def _plant(app) -> None:
    """The corpus in every field: whole where the column is long enough, one payload at a time where not."""
    short = cycle(PAYLOADS)
    with app.app_context():
        for model, names in FIELDS.items():
            for row in db.session.scalars(select(model)):
                for name in names:
                    column = model.__table__.columns[name]
                    limit = column.type.length if isinstance(column.type, String) else None
                    if limit is None or limit >= len(FULL):
                        value = FULL
                    else:
                        value = next(payload for payload in short if len(payload) <= limit)
                    setattr(row, name, value)
        for period in db.session.scalars(select(CommentPeriod)):
            period.viewing_places = list(PAYLOADS)
            period.channels = {**period.channels, "post": FULL}
        for run in db.session.scalars(select(JobRun)):
            run.params = {**run.params, "filename": FULL}
        db.session.commit()


class _Finder(HTMLParser):
    """Collects what a browser would execute or follow from our payloads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "xss" in value:
                self.found.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction", "data") and value.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag in ("svg", "img", "iframe", "object", "embed") and any("xss" in (v or "") for _, v in attrs):
            self.found.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "xss" in data:
            self.found.append(f"<script>{data}")


def executable(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    return finder.found


def test_no_payload_becomes_markup_on_any_page_for_any_role(app, world, clients):
    _plant(app)
    problems, shown = [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path_values, query = url_values(rule, rule_for(rule.endpoint), world.ids)
        with app.test_request_context():
            url = url_for(rule.endpoint, **path_values, **query)
        for role in ROLES:
            response = clients[role].get(url)
            if response.status_code >= 500:
                problems.append(f"{url} as {role}: {response.status_code}")
            if not response.mimetype.startswith("text/html"):
                continue
            html = response.get_data(as_text=True)
            shown += "xss1()" in html
            for found in executable(html):
                problems.append(f"{url} as {role}: {found}")
            if "13383377" in html or "testing-secret" in html:
                problems.append(f"{url} as {role}: template syntax was evaluated")
    assert problems == [], "\n".join(sorted(set(problems)))
    assert shown > 50, "the payloads were not shown on the pages: the test would prove nothing"


def test_the_finder_catches_what_it_looks_for():
    assert executable('<img src=x onerror="xss2()">') and executable("<script>xss1()</script>")
    assert executable('<a href=" JavaScript:xss5()">x</a>')
    assert not executable("&lt;script&gt;xss1()&lt;/script&gt; &lt;img src=x onerror=xss2()&gt;")
