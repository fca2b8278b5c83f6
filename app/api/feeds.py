"""Atom feeds (RFC 4287): comment periods as they open, and results as they are published.

Built with ElementTree, which escapes every text, from the same public queries as the pages.
"""

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, current_app
from flask_babel import gettext as _

from app.api import http, serialize, services
from app.api.surveys import survey_report_entries
from app.core.timeutil import utcnow
from app.extensions import limiter
from app.responses.results import published_results

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="open-data")(bp)


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str = "alternate", type_: str = "text/html") -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "type": type_, "href": href})


def atom(title: str, self_url: str, html_url: str, entries: list[dict]):
    """A feed of ``entries`` (dicts of id, title, updated, published, html, json, summary), newest first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    updated = max((entry["updated"] for entry in entries), default=None)
    _text(feed, "updated", serialize.iso(updated or utcnow()))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", current_app.config["CITY_NAME"])
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, html_url)
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", item["id"])
        _text(entry, "title", item["title"])
        _text(entry, "published", serialize.iso(item["published"]))
        _text(entry, "updated", serialize.iso(item["updated"]))
        _link(entry, item["html"])
        _link(entry, item["json"], "related", "application/json")
        _text(entry, "summary", item["summary"])
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    response = http.Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                             mimetype="application/atom+xml")
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return http.cacheable(response, last_modified=updated)


def _when(value: datetime) -> str:
    return serialize.iso(value)[:16].replace("T", " ")


@bp.get("/periods.atom")
def periods():
    """Each public period once it has opened, the latest opening first."""
    now = utcnow()
    opened = sorted((period for period in services.public_periods(None, now) if period.opens_at <= now),
                    key=lambda period: (period.opens_at, period.id), reverse=True)[:FEED_SIZE]
    entries = [{
        "id": serialize.link("periods.show", period_id=period.id),
        "title": period.title,
        "published": period.opens_at,
        "updated": period.opens_at,
        "html": serialize.link("periods.show", period_id=period.id),
        "json": serialize.link("api.period", period_id=period.id),
        "summary": _("Open for comment from %(opens)s to %(closes)s (Japan time). Plan: %(plan)s",
                     opens=_when(period.opens_at), closes=_when(period.closes_at), plan=period.plan.title),
    } for period in opened]
    return atom(_("Comment periods opened"), serialize.link("feeds.periods"), serialize.link("periods.index"),
                entries)


@bp.get("/results.atom")
def results():
    """Each published result, the latest first; a correction makes it new again."""
    entries = []
    for result, period in published_results(limit=FEED_SIZE):
        counts = result.counts or {}
        entries.append({
            "id": serialize.link("results.show", period_id=period.id),
            "title": result.title or period.title,
            "published": result.published_at,
            "updated": services.newest(result.published_at, *(erratum.created_at for erratum in result.errata)),
            "html": serialize.link("results.show", period_id=period.id),
            "json": serialize.link("api.result", period_id=period.id),
            "summary": _("Result published. Submitters: %(submitters)d, opinions: %(opinions)d. Plan: %(plan)s",
                         submitters=counts.get("submitters", 0), opinions=counts.get("opinions", 0),
                         plan=period.plan.title),
        })
    entries.extend(survey_report_entries(FEED_SIZE))
    entries.sort(key=lambda entry: entry["updated"], reverse=True)
    return atom(_("Published results"), serialize.link("feeds.results"), serialize.link("results.index"),
                entries[:FEED_SIZE])


@bp.get("/plans/<int:plan_id>.atom")
def plan(plan_id: int):
    """Every public step of one plan (説明会, アンケート, ワークショップ, 審議会, パブリックコメント,
    策定・公表), the latest first: a reader subscribes to one plan and hears of each step."""
    from app.plans.services import plan_timeline

    found = services.public_plan(plan_id)
    if found is None:
        return http.problem(404)
    entries = []
    for step in plan_timeline(found):
        url = serialize.absolute(step.url)
        when = _when(step.starts_at) + (f" – {_when(step.ends_at)}" if step.ends_at else "")
        summary = _("%(kind)s, %(when)s (Japan time): %(status)s", kind=step.kind_label or step.kind, when=when,
                    status=step.status)
        if step.current:
            summary = " ".join((summary, _("The plan is at this step now.")))
        if step.result_url:
            summary = " ".join((summary, _("Outcome: %(url)s", url=serialize.absolute(step.result_url))))
        entries.append({"id": f"{url}#{step.kind}", "title": step.title, "published": step.starts_at,
                        "updated": step.starts_at, "html": url,
                        "json": serialize.link("api.plan", plan_id=found.id), "summary": summary})
    entries.sort(key=lambda entry: entry["updated"], reverse=True)
    return atom(_("How the plan is made: %(title)s", title=found.title), serialize.link("feeds.plan", plan_id=found.id),
                serialize.link("plans.show", plan_id=found.id), entries[:FEED_SIZE])
