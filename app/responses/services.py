"""The city's view on each accepted opinion or group (市の考え方), from draft to approval.

Functions check the rule, change the rows, write the audit log and flush; the caller commits.
A response answers one target: an accepted opinion that stands alone, or a group of opinions that
say the same thing (one answer reused for all of them, "同様の意見 N件").
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import AuditEntry
from app.core.settings import labels, set_setting
from app.core.signals import response_text_changed
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from app.responses.messages import error_message
from app.responses.models import DraftChange, Response

BODY_MAX = 10000
CHANGE_MAX = 5000
COMMENT_MAX = 2000
CATEGORY_CODE = re.compile(r"^[A-Z0-9]{1,8}$")
LABEL_MAX = 50


class ResponseError(DomainError, ValueError):
    """A rule was broken; ``code`` names which."""

    def __init__(self, code: str):
        super().__init__(code)

    def describe(self) -> str:
        return error_message(self.code)


# --- reflection categories (反映区分), a city setting ---


def categories() -> list[tuple[str, str]]:
    """The 反映区分 as (code, label) in the page's language."""
    return labels("response.categories")


def category_labels() -> dict[str, str]:
    return dict(categories())


def categories_in_use() -> set[str]:
    return set(db.session.scalars(select(Response.category).where(Response.category != "").distinct()))


def set_categories(rows: list[tuple[str, str, str]], *, actor) -> None:
    """Replace the list of (code, Japanese label, English label). Codes are short upper-case keys; a
    code some response uses stays. The English label may be empty (English pages then show the
    Japanese one)."""
    cleaned = [(code.strip().upper(), label.strip(), english.strip()) for code, label, english in rows]
    if not cleaned:
        raise ResponseError("no_categories")
    codes = [code for code, _label, _english in cleaned]
    if any(not CATEGORY_CODE.match(code) for code in codes):
        raise ResponseError("bad_category_code")
    if len(set(codes)) != len(codes):
        raise ResponseError("duplicate_category_code")
    if any(not label or len(label) > LABEL_MAX or len(english) > LABEL_MAX for _code, label, english in cleaned):
        raise ResponseError("bad_category_label")
    if categories_in_use() - set(codes):
        raise ResponseError("category_in_use")
    set_setting("response.categories", [list(row) for row in cleaned], actor=actor)


# --- targets: what needs an answer ---


@dataclass
class Target:
    """An accepted opinion standing alone, or a group (its accepted members, oldest first)."""

    kind: str  # "opinion" or "group"
    id: int
    opinions: list[Opinion]
    response: Response | None = None
    sections: list[Section] = field(default_factory=list)

    @property
    def lead(self) -> Opinion:
        return self.opinions[0]

    @property
    def section(self) -> Section | None:
        return self.lead.section

    @property
    def status(self) -> str:
        return self.response.state if self.response is not None else "none"

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


def _section_order(target: Target) -> tuple:
    section = target.section
    return (section is None, section.position if section else 0, target.lead.id)


def period_targets(period: CommentPeriod) -> list[Target]:
    """Every accepted opinion or group of the period with its response, in the draft's order."""
    opinions = db.session.scalars(
        select(Opinion)
        .where(Opinion.period_id == period.id, Opinion.state == "accepted")
        .options(selectinload(Opinion.redactions), selectinload(Opinion.section))
        .order_by(Opinion.id)
    ).all()
    responses = db.session.scalars(
        select(Response).where(Response.period_id == period.id)
        .options(selectinload(Response.changes).selectinload(DraftChange.section))
    ).all()
    by_opinion = {r.opinion_id: r for r in responses if r.opinion_id is not None}
    by_group = {r.group_id: r for r in responses if r.group_id is not None}
    targets: list[Target] = []
    groups: dict[int, Target] = {}
    for opinion in opinions:
        if opinion.group_id is None:
            targets.append(Target("opinion", opinion.id, [opinion], by_opinion.get(opinion.id)))
        elif opinion.group_id in groups:
            groups[opinion.group_id].opinions.append(opinion)
        else:
            groups[opinion.group_id] = Target("group", opinion.group_id, [opinion], by_group.get(opinion.group_id))
            targets.append(groups[opinion.group_id])
    return sorted(targets, key=_section_order)


def find_target(period: CommentPeriod, kind: str, target_id: int) -> Target:
    """One target of ``period_targets``, read alone: its accepted opinions and its answer."""
    if kind == "opinion":
        which, answer = (Opinion.id == target_id, Opinion.group_id.is_(None)), Response.opinion_id == target_id
    elif kind == "group":
        which, answer = (Opinion.group_id == target_id,), Response.group_id == target_id
    else:
        raise ResponseError("not_a_target")
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.period_id == period.id, Opinion.state == "accepted", *which)
        .options(selectinload(Opinion.redactions), selectinload(Opinion.section)).order_by(Opinion.id)
    ).all()
    if not opinions:
        raise ResponseError("not_a_target")
    response = db.session.scalars(
        select(Response).where(Response.period_id == period.id, answer)
        .options(selectinload(Response.changes).selectinload(DraftChange.section))
    ).one_or_none()
    return Target(kind, target_id, list(opinions), response)


def response_target(response: Response) -> Target:
    period = db.session.get(CommentPeriod, response.period_id)
    if response.group_id is not None:
        return find_target(period, "group", response.group_id)
    return find_target(period, "opinion", response.opinion_id)


# --- the workflow ---


def _check_open(period: CommentPeriod) -> None:
    if period.results_published_at is not None:
        raise ResponseError("result_published")


def _check_category(code: str, *, required: bool) -> None:
    if not code:
        if required:
            raise ResponseError("no_category")
        return
    if code not in category_labels():
        raise ResponseError("unknown_category")


def _reopen(response: Response, *, actor, why: str) -> None:
    """Approved or submitted text that changes goes back to draft: approval covers only what was seen."""
    if response.state == "draft":
        return
    previous = response.state
    response.state = "draft"
    response.approver_id = None
    response.approved_at = None
    response.submitted_at = None
    record_audit("response.reopen", response, actor=actor, reason=why, details={"from": previous})


def _describe(target: Target) -> dict:
    return {"target": target.key, "opinions": [opinion.id for opinion in target.opinions]}


def save_response(period: CommentPeriod, target: Target, *, body: str, category: str, actor) -> Response:
    """Create or change the draft for a target. Its author becomes whoever wrote this text."""
    _check_open(period)
    body = body.strip()
    if len(body) > BODY_MAX:
        raise ResponseError("body_too_long")
    _check_category(category, required=False)
    response = target.response
    if response is None:
        response = Response(period_id=period.id, body="", category="", state="draft",
                            opinion_id=target.id if target.kind == "opinion" else None,
                            group_id=target.id if target.kind == "group" else None)
        db.session.add(response)
        target.response = response
    elif response.body == body and response.category == category:
        return response
    else:
        _reopen(response, actor=actor, why="edited")
    response.body = body
    response.category = category
    response.author_id = actor.id
    db.session.flush()
    record_audit("response.save", response, actor=actor, details={**_describe(target), "category": category})
    response_text_changed.send(response, actor=actor)
    return response


def copy_response(period: CommentPeriod, target: Target, source: Response | int | None, *, actor) -> Response:
    """Start from another answer of the same period: its text and category become this draft.
    ``source`` may be the chosen answer's id, as a form sends it."""
    if source is not None and not isinstance(source, Response):
        source = db.session.get(Response, source) if source else None
    if source is None or source.period_id != period.id or source is target.response:
        raise ResponseError("bad_source")
    response = save_response(period, target, body=source.body, category=source.category, actor=actor)
    record_audit("response.copy", response, actor=actor, details={"source": source.id})
    return response


def add_change(response: Response, *, section_id: int | None, before: str, after: str, actor) -> DraftChange:
    """Record how the draft changes because of this answer (修正内容); the section must be this period's."""
    period = db.session.get(CommentPeriod, response.period_id)
    _check_open(period)
    before, after = before.strip(), after.strip()
    if not before and not after:
        raise ResponseError("empty_change")
    if len(before) > CHANGE_MAX or len(after) > CHANGE_MAX:
        raise ResponseError("change_too_long")
    if section_id is not None:
        section = db.session.get(Section, section_id)
        if section is None or section.period_id != response.period_id:
            raise ResponseError("section_other_period")
    _reopen(response, actor=actor, why="change added")
    change = DraftChange(section_id=section_id, before=before, after=after)
    response.changes.append(change)
    response.author_id = actor.id
    db.session.flush()
    record_audit("response.change_add", response, actor=actor,
                 details={"change": change.id, "section": section_id})
    return change


def add_target_change(period: CommentPeriod, target: Target, *, section_id: int | None, before: str, after: str,
                      actor) -> DraftChange:
    """A change written before the answer: an empty draft is started to hold it."""
    response = target.response or save_response(period, target, body="", category="", actor=actor)
    return add_change(response, section_id=section_id, before=before, after=after, actor=actor)


def change_of(response: Response, change_id: int) -> DraftChange | None:
    """One of this answer's changes; None for a change of another answer or none at all."""
    change = db.session.get(DraftChange, change_id)
    return change if change is not None and change.response_id == response.id else None


def audit_history(response: Response | None) -> list[AuditEntry]:
    """What was done to this answer, newest first, for its editing page."""
    if response is None:
        return []
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Response", AuditEntry.object_id == str(response.id))
        .order_by(AuditEntry.id.desc())))


def period_of(response: Response) -> CommentPeriod:
    return db.session.get(CommentPeriod, response.period_id)


def remove_change(change: DraftChange, *, actor) -> None:
    response = change.response
    _check_open(db.session.get(CommentPeriod, response.period_id))
    _reopen(response, actor=actor, why="change removed")
    response.changes.remove(change)
    response.author_id = actor.id
    db.session.flush()
    record_audit("response.change_remove", response, actor=actor, details={"change": change.id})


def _locked(response: Response) -> Response:
    """Re-read the row under a lock: two approvers pressing at once see one another."""
    return db.session.scalars(
        select(Response).where(Response.id == response.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def submit_response(response: Response, *, actor) -> Response:
    """Ask for approval. Only a complete draft goes forward."""
    response = _locked(response)
    _check_open(db.session.get(CommentPeriod, response.period_id))
    if response.state != "draft":
        raise ResponseError("not_draft")
    if not response.body.strip():
        raise ResponseError("empty_response")
    _check_category(response.category, required=True)
    response.state = "submitted"
    response.submitted_at = utcnow()
    response.return_comment = ""
    db.session.flush()
    record_audit("response.submit", response, actor=actor)
    return response


def approve_response(response: Response, *, actor) -> Response:
    """Four eyes: a staff member other than the author approves exactly the text that was submitted."""
    response = _locked(response)
    period = db.session.get(CommentPeriod, response.period_id)
    _check_open(period)
    if not period.can_edit(actor):
        raise ResponseError("not_allowed")
    if response.state != "submitted":
        raise ResponseError("not_submitted")
    if response.author_id == actor.id:
        raise ResponseError("own_response")
    if not response.body.strip():
        raise ResponseError("empty_response")
    _check_category(response.category, required=True)
    response.state = "approved"
    response.approver_id = actor.id
    response.approved_at = utcnow()
    db.session.flush()
    record_audit("response.approve", response, actor=actor, details={"category": response.category})
    return response


def return_response(response: Response, *, comment: str, actor) -> Response:
    """Send a submitted answer back to its author with the reason."""
    response = _locked(response)
    _check_open(db.session.get(CommentPeriod, response.period_id))
    comment = comment.strip()
    if response.state != "submitted":
        raise ResponseError("not_submitted")
    if not comment:
        raise ResponseError("comment_required")
    if len(comment) > COMMENT_MAX:
        raise ResponseError("comment_too_long")
    response.state = "draft"
    response.submitted_at = None
    response.return_comment = comment
    db.session.flush()
    record_audit("response.return", response, actor=actor, reason=comment)
    return response


# --- how far a period is ---


STATUSES = ("none", "draft", "submitted", "approved")


@dataclass
class Progress:
    total: int
    by_status: dict[str, int]
    by_section: list[tuple[Section | None, dict[str, int]]]
    by_category: dict[str, int]

    @property
    def percent_approved(self) -> int:
        return round(100 * self.by_status["approved"] / self.total) if self.total else 100


def progress(targets: list[Target]) -> Progress:
    by_status = dict.fromkeys(STATUSES, 0)
    sections: dict[int | None, tuple[Section | None, dict[str, int]]] = {}
    by_category: dict[str, int] = {}
    for target in targets:
        by_status[target.status] += 1
        section = target.section
        row = sections.setdefault(section.id if section else None, (section, dict.fromkeys(STATUSES, 0)))
        row[1][target.status] += 1
        if target.response is not None and target.response.category:
            by_category[target.response.category] = by_category.get(target.response.category, 0) + 1
    ordered = sorted(sections.values(), key=lambda row: (row[0] is None, row[0].position if row[0] else 0))
    return Progress(len(targets), by_status, ordered, by_category)


def answer_states(period_ids) -> dict[int, dict[str, int]]:
    """{period: {answer state: answers}} for many periods in one query (the overview, the office)."""
    states: dict[int, dict[str, int]] = {}
    for period_id, state, count in db.session.execute(
        select(Response.period_id, Response.state, func.count()).where(Response.period_id.in_(list(period_ids)))
        .group_by(Response.period_id, Response.state)
    ):
        states.setdefault(period_id, {})[state] = count
    return states


def awaiting_approval(user) -> list[Response]:
    """Submitted answers this user may approve: of periods they can edit, written by someone else."""
    rows = db.session.scalars(
        select(Response).where(Response.state == "submitted", Response.author_id != user.id)
        .order_by(Response.submitted_at)
    ).all()
    periods = {p.id: p for p in db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.id.in_({r.period_id for r in rows}))
        .options(selectinload(CommentPeriod.plan))
    )}
    return [row for row in rows if periods[row.period_id].can_edit(user)]
