"""The approver's list: every answer waiting for this user's approval, with what it takes to judge it
there (the opinion, its period and section, who wrote the answer, its 反映区分 and how long it has
waited), and approving several at once from that list."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.services import public_text
from app.periods.models import CommentPeriod, Section
from app.responses.models import Response
from app.responses.services import ResponseError, approve_response, awaiting_approval, category_labels

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


def waiting_list(user) -> list[Waiting]:
    """What ``user`` may approve, oldest first."""
    responses = awaiting_approval(user)
    if not responses:
        return []
    periods = {p.id: p for p in db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.id.in_({r.period_id for r in responses})))}
    authors = {u.id: u.label for u in db.session.scalars(
        select(User).where(User.id.in_({r.author_id for r in responses if r.author_id})))}
    labels = category_labels()
    rows = []
    for response in responses:
        if response.group_id:
            group = db.session.get(OpinionGroup, response.group_id)
            members = [o for o in group.opinions if o.state == "accepted"] or group.opinions
            lead, similar = (members[0] if members else None), max(0, len(members) - 1)
        else:
            lead, similar = db.session.get(Opinion, response.opinion_id), 0
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
