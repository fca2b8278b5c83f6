"""Public facts as plain data: one function per shape the API sends (see ``openapi.py``).

Each takes rows the public may already read and copies only what their public pages show. Staff
Markdown goes out as the page shows it (``*_html``, through the one sanitiser); times are ISO 8601
in Japan time with their offset.
"""

from datetime import date, datetime

from flask import url_for

from app.api.services import period_state
from app.core.sanitize import render_markdown
from app.core.timeutil import to_jst
from app.council.labels import category_label
from app.council.models import CouncilMember
from app.digests.heard import Heard
from app.periods.labels import attribute_label, channel_label
from app.periods.models import CHANNELS, CommentPeriod
from app.plans.models import Plan
from app.plans.services import TimelineEntry
from app.responses.report import PublicResult, html_text, withhold_label
from app.responses.services import categories
from app.workshops.facilitation import GroupReport
from app.workshops.models import Workshop
from app.workshops.services import Counts, status_label


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_jst(value).isoformat(timespec="seconds")
    return value.isoformat()


def html(markdown: str) -> str:
    return str(render_markdown(markdown))


def link(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


# --- plans ---


def plan_summary(plan: Plan) -> dict:
    return {
        "id": plan.id,
        "title": plan.title,
        "department": plan.department,
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "published_at": iso(plan.published_at),
        "updated_at": iso(plan.updated_at),
        "links": {"self": link("api.plan", plan_id=plan.id), "html": link("plans.show", plan_id=plan.id)},
    }


def absolute(path: str | None) -> str | None:
    """A site path (as a timeline entry holds it) as a full URL."""
    return None if path is None else link("core.home").rstrip("/") + path


def timeline_entry(entry: TimelineEntry) -> dict:
    return {"kind": entry.kind, "kind_label": entry.kind_label, "title": entry.title,
            "starts_at": iso(entry.starts_at), "ends_at": iso(entry.ends_at), "status": entry.status,
            "current": entry.current, "url": absolute(entry.url), "result_url": absolute(entry.result_url)}


def council_member(member: CouncilMember) -> dict:
    """What the plan's page shows of a member: no contact data exists to send."""
    return {"name": member.name, "category": member.category, "category_label": category_label(member.category),
            "role": member.role, "affiliation": member.affiliation, "term_from": iso(member.term_from),
            "term_to": iso(member.term_to)}


def plan_detail(plan: Plan, timeline: list[TimelineEntry], periods: list[CommentPeriod],
                workshops: list[tuple[Workshop, Counts]], members: list[CouncilMember] = ()) -> dict:
    return {
        **plan_summary(plan),
        "summary_html": html(plan.summary),
        "contact": plan.contact,
        "timeline": [timeline_entry(entry) for entry in timeline],
        "council_members": [council_member(member) for member in members],
        "periods": [period_summary(period) for period in periods],
        "workshops": [workshop_summary(workshop, counts) for workshop, counts in workshops],
    }


# --- comment periods ---


def period_summary(period: CommentPeriod, now: datetime | None = None) -> dict:
    state = period_state(period, now)
    links = {"self": link("api.period", period_id=period.id), "html": link("periods.show", period_id=period.id),
             "result": link("api.result", period_id=period.id) if state == "published" else None}
    return {
        "id": period.id,
        "plan_id": period.plan_id,
        "title": period.title,
        "state": state,
        "opens_at": iso(period.opens_at),
        "closes_at": iso(period.closes_at),
        "results_published_at": iso(period.results_published_at),
        "links": links,
    }


def period_detail(period: CommentPeriod, attribute_labels: dict[str, str]) -> dict:
    return {
        **period_summary(period),
        "plan": {"id": period.plan.id, "title": period.plan.title},
        "description_html": html(period.description),
        "short_period_reason": period.short_period_reason,
        "eligibility": [{"code": code, "label": attribute_labels.get(code, code)} for code in period.eligibility],
        "channels": [{"channel": channel, "label": channel_label(channel), "detail": period.channels[channel]}
                     for channel in CHANNELS if channel in period.channels],
        "viewing_places": list(period.viewing_places),
        "contact_department": period.contact_department,
        "contact": period.contact,
        "documents": [
            {"id": doc.id, "title": doc.title, "filename": doc.filename, "content_type": doc.content_type,
             "size": doc.size, "sha256": doc.sha256,
             "url": link("periods.document", period_id=period.id, document_id=doc.id)}
            for doc in period.documents
        ],
        "sections": [{"id": section.id, "position": section.position, "label": section.label,
                      "title": section.title, "body": section.body} for section in period.sections],
    }


# --- results ---


def _counts(report: PublicResult) -> dict:
    counts = report.counts
    return {
        "submitters": counts["submitters"],
        "opinions": counts["opinions"],
        "published": counts["published"],
        "withheld": counts["withheld"],
        "withheld_by_reason": [{"reason": code, "label": withhold_label(code), "opinions": n}
                               for code, n in sorted(counts["withheld_by_reason"].items())],
        "by_channel": [{"channel": code, "label": channel_label(code), "submitters": c["submitters"],
                        "opinions": c["opinions"]} for code, c in report.by_channel],
        "by_attribute": [{"attribute": code, "label": attribute_label(code), "submitters": c["submitters"],
                          "opinions": c["opinions"]} for code, c in report.by_attribute],
    }


def _result_row(row) -> dict:
    rendered = html(row.answer)  # once for both: rendering an answer is most of a row's time
    return {"number": row.number, "opinion": row.opinion, "similar": row.similar, "response_html": rendered,
            "response_text": html_text(rendered), "category": row.category, "category_label": row.category_label}


def result_detail(report: PublicResult) -> dict:
    period, result = report.period, report.result
    return {
        "period_id": period.id,
        "title": report.title,
        "plan": {"id": period.plan.id, "title": period.plan.title},
        "opens_at": iso(period.opens_at),
        "closes_at": iso(period.closes_at),
        "draft_published_on": iso(result.draft_published_on) if result else None,
        "published_at": iso(period.results_published_at),
        "introduction_html": html(result.introduction) if result else "",
        "full_text_note": result.full_text_note if result else "",
        "counts": _counts(report),
        "sections": [
            {"section": section or None,
             "opinions": [_result_row(row) for row in rows]}
            for section, rows in report.sections
        ],
        "changes": [{"number": (c.numbers[0] if c.numbers else None) if c.lines else c.number,
                     "numbers": c.numbers if c.lines else [c.number],
                     "section": c.section or None, "before": c.before, "after": c.after} for c in report.changes],
        "errata": [{"created_at": iso(e.created_at), "location": e.location, "before": e.before, "after": e.after,
                    "reason": e.reason} for e in report.errata],
        "categories": [{"code": code, "label": label} for code, label in categories()],
        "links": {"self": link("api.result", period_id=period.id),
                  "csv": link("api.result_csv", period_id=period.id),
                  "html": link("results.show", period_id=period.id),
                  "period": link("api.period", period_id=period.id)},
    }


# --- workshops ---


def workshop_summary(workshop: Workshop, counts: Counts) -> dict:
    report = workshop.report_is_published
    return {
        "id": workshop.id,
        "plan_id": workshop.plan_id,
        "title": workshop.title,
        "theme": workshop.theme,
        "starts_at": iso(workshop.starts_at),
        "ends_at": iso(workshop.ends_at),
        "venue_name": workshop.venue_name,
        "cancelled": workshop.is_cancelled,
        "signup_state": workshop.signup_state(),
        "status_label": status_label(workshop, counts),
        "report_published_at": iso(workshop.report_published_at) if report else None,
        "links": {"self": link("api.workshop", workshop_id=workshop.id),
                  "html": link("workshops.show", workshop_id=workshop.id),
                  "report": link("workshops.report", workshop_id=workshop.id) if report else None},
    }


def workshop_detail(workshop: Workshop, counts: Counts, groups: list[GroupReport] | None) -> dict:
    state = workshop.signup_state()
    report = None
    if groups is not None:
        report = {
            "published_at": iso(workshop.report_published_at),
            "summary_html": html(workshop.summary),
            "participants": counts.attended_seats,
            "groups": [{"name": group.name, "participants": group.members,
                        "notes": [{"kind": note.kind, "text": note.text, "votes": note.votes}
                                  for note in group.notes]} for group in groups],
        }
    return {
        **workshop_summary(workshop, counts),
        "plan": {"id": workshop.plan.id, "title": workshop.plan.title},
        "content_html": html(workshop.content),
        "venue_address": workshop.venue_address,
        "venue_access": workshop.venue_access,
        "venue_accessibility": workshop.venue_accessibility,
        "online_url": workshop.online_url,
        "eligibility": workshop.eligibility,
        "capacity": workshop.capacity,
        "seats_left": counts.seats_left(workshop.capacity) if state == "open" else None,
        "signup_opens_at": iso(workshop.signup_opens_at),
        "signup_closes_at": iso(workshop.signup_closes_at),
        "cancelled_at": iso(workshop.cancelled_at),
        "cancel_reason": workshop.cancel_reason if workshop.is_cancelled else "",
        "report": report,
    }


def heard_detail(heard: Heard) -> dict:
    """What we heard: counts, keywords shown on the page (see app.digests.heard) and the groups of
    similar opinions with the city's answer; nothing about any one submitter."""
    period = heard.period

    def words(pairs) -> list[dict]:
        return [{"word": word, "opinions": count} for word, count in pairs]

    return {
        "period_id": period.id,
        "title": heard.title,
        "submitters": heard.submitters,
        "opinions": heard.opinions,
        "keywords": words(heard.keywords),
        "per_day": [{"date": row["date"], "submissions": row["submissions"]} for row in heard.per_day],
        "sections": [
            {"section": part.label or None, "opinions": part.opinions, "keywords": words(part.keywords),
             "groups": [{"number": row.number, "opinion": row.opinion, "similar": row.similar,
                         "response_html": html(row.answer), "category": row.category,
                         "category_label": row.category_label} for row in part.groups]}
            for part in heard.sections
        ],
        "counted_at": iso(heard.digest_built_at),
        "links": {"self": link("api.heard", period_id=period.id), "html": link("digests.heard", period_id=period.id),
                  "result": link("api.result", period_id=period.id)},
    }
