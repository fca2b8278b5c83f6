"""The approver's list: every answer waiting for this user's approval, with what it takes to judge it
there (the opinion, its period and section, who wrote the answer, its 反映区分 and how long it has
waited), and approving several at once from that list."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.ids import MAX_ID
from app.core.pagination import Page, paginate
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services import public_text
from app.periods.models import CommentPeriod, Section
from app.responses.models import Response
from app.responses.services import ResponseError, approve_response, category_labels

APPROVE_MAX = 100  # answers approved by one press: each one is read, not waved through


@dataclass
class Waiting:
    """One answer waiting for approval, as the approver's list shows it."""

    response: Response
    period: CommentPeriod
    opinion_text: str
    similar: int  # other opinions answered with it (a group), 0 for one opinion
    section: Section | None
    author: str
    category: str
    waiting_since: datetime

    @property
    def waiting_days(self) -> int:
        return max(0, (utcnow() - self.waiting_since).days)


PER_PAGE = 20  # answers on one page of the list: each is shown in full, with its opinion


def _periods_to_approve(user) -> dict[int, CommentPeriod]:
    """The periods with an answer waiting for approval that ``user`` may edit (few: it is checked in Python)."""
    periods = db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.id.in_(
            select(Response.period_id).where(Response.state == "submitted").distinct()))
        .options(selectinload(CommentPeriod.plan)))
    return {period.id: period for period in periods if period.can_edit(user)}


def _waiting(user, periods: dict[int, CommentPeriod]):
    """Submitted answers this user may approve, oldest first: of periods they can edit, written by someone else."""
    return (select(Response).where(Response.state == "submitted", Response.author_id != user.id,
                                   Response.period_id.in_(list(periods)))
            .order_by(Response.submitted_at, Response.id))


def waiting_page(user, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of what ``user`` may approve, oldest first, as ``Waiting`` rows; ``total`` counts them all."""
    periods = _periods_to_approve(user)
    found = paginate(_waiting(user, periods), number, per_page)
    found.items = _describe(found.items, periods)
    return found


def waiting_ids(user, response_ids) -> list[int]:
    """Which of these answers are waiting for ``user``'s approval (the ticked ones a form may send)."""
    wanted = sorted({i for i in response_ids or () if isinstance(i, int) and 0 < i <= MAX_ID})[:1000]
    if not wanted:
        return []
    query = _waiting(user, _periods_to_approve(user)).where(Response.id.in_(wanted))
    return list(db.session.scalars(query.with_only_columns(Response.id)))


def waiting_list(user) -> list[Waiting]:
    """Everything ``user`` may approve, oldest first (one page of it is ``waiting_page``)."""
    periods = _periods_to_approve(user)
    return _describe(db.session.scalars(_waiting(user, periods)).all(), periods)


def _describe(responses: list[Response], periods: dict[int, CommentPeriod]) -> list[Waiting]:
    """The rows of the list, read together: the answers' opinions (a group's accepted members, or all of
    them when none is accepted), their sections and redactions, and the authors' names."""
    if not responses:
        return []
    authors = {u.id: u.label for u in db.session.scalars(
        select(User).where(User.id.in_({r.author_id for r in responses if r.author_id})))}
    group_ids = {r.group_id for r in responses if r.group_id}
    opinion_ids = {r.opinion_id for r in responses if not r.group_id and r.opinion_id}
    opinions = db.session.scalars(
        select(Opinion).where(or_(Opinion.id.in_(opinion_ids), Opinion.group_id.in_(group_ids)))
        .options(selectinload(Opinion.redactions), selectinload(Opinion.section)).order_by(Opinion.id)
    ).all() if group_ids or opinion_ids else []
    by_id = {o.id: o for o in opinions}
    by_group: dict[int, list[Opinion]] = {}
    for opinion in opinions:
        if opinion.group_id in group_ids:
            by_group.setdefault(opinion.group_id, []).append(opinion)
    labels = category_labels()
    rows = []
    for response in responses:
        if response.group_id:
            group = by_group.get(response.group_id, [])
            members = [o for o in group if o.state == "accepted"] or group
            lead, similar = (members[0] if members else None), max(0, len(members) - 1)
        else:
            lead, similar = by_id.get(response.opinion_id), 0
        rows.append(Waiting(
            response=response, period=periods[response.period_id],
            opinion_text=public_text(lead) if lead else "", similar=similar,
            section=lead.section if lead else None, author=authors.get(response.author_id, ""),
            category=f"{response.category} {labels.get(response.category, '')}".strip(),
            waiting_since=response.submitted_at or response.updated_at))
    return rows


def approve_many(response_ids: list[int], *, actor) -> tuple[int, list[tuple[Response, str]]]:
    """Approve each chosen answer the usual way (four eyes, the text as submitted). An answer that
    cannot be approved (approved or returned meanwhile, the approver's own) is left as it is and
    reported; the others are approved. Returns how many were approved and the refusals."""
    if not response_ids:
        raise ResponseError("nothing_selected")
    if len(response_ids) > APPROVE_MAX:
        raise ResponseError("too_many_selected")
    approved, refused = 0, []
    for response in db.session.scalars(select(Response).where(Response.id.in_(set(response_ids)))
                                       .order_by(Response.id)):
        try:
            approve_response(response, actor=actor)  # checks every rule before it changes the row
        except ResponseError as exc:
            refused.append((response, exc.code))
        else:
            approved += 1
    return approved, refused
