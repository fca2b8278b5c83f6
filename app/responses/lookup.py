"""What the receipt lookup shows once the result is out: the city's answer to each of one's opinions.

Connected to ``signals.lookup_sections``; the lookup page includes the template with
its context as ``ctx``. Nothing appears before publication, and nothing but published text after.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses.models import Response
from app.responses.report import withhold_label
from app.responses.services import category_labels


@dataclass
class Answer:
    number: int
    state: str  # answered, withheld or pending
    opinion: str = ""
    answer: str = ""  # Markdown, approved text
    category: str = ""
    category_label: str = ""
    similar: int = 1
    withheld_reason: str = ""
    # The citizen's own words this opinion was cut from, and the part of the draft: shown only to the
    # holder of the lookup code, so that a withheld or unanswered opinion can be told from the others.
    own_words: str = ""
    section: str = ""


def lookup_section(submission) -> tuple[str, dict] | None:
    period = db.session.get(CommentPeriod, submission.period_id)
    if period is None or period.results_published_at is None:
        return None
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.submission_id == submission.id)
        .order_by(Opinion.position, Opinion.id)
        .options(selectinload(Opinion.redactions), selectinload(Opinion.section))
    ).all()
    opinion_ids = [o.id for o in opinions]
    group_ids = [o.group_id for o in opinions if o.group_id]
    responses = db.session.scalars(
        select(Response).where(Response.state == "approved",
                               Response.opinion_id.in_(opinion_ids) | Response.group_id.in_(group_ids))
    ).all()
    by_opinion = {r.opinion_id: r for r in responses if r.opinion_id}
    by_group = {r.group_id: r for r in responses if r.group_id}
    group_sizes = dict(db.session.execute(
        select(Opinion.group_id, db.func.count()).where(Opinion.group_id.in_(group_ids),
                                                        Opinion.state == "accepted").group_by(Opinion.group_id)
    ).all())
    labels = category_labels()
    answers = []
    for number, opinion in enumerate(opinions, start=1):
        own = {"own_words": opinion.excerpt, "section": opinion.section.display if opinion.section else ""}
        if opinion.state == "withheld":
            answers.append(Answer(number, "withheld", withheld_reason=withhold_label(opinion.withhold_reason), **own))
            continue
        response = by_group.get(opinion.group_id) if opinion.group_id else by_opinion.get(opinion.id)
        if opinion.state != "accepted" or response is None:
            answers.append(Answer(number, "pending", **own))
            continue
        answers.append(Answer(number, "answered", public_text(opinion), response.body, response.category,
                              labels.get(response.category, response.category),
                              group_sizes.get(opinion.group_id, 1) if opinion.group_id else 1, **own))
    return "responses/_lookup_answers.html", {"period": period, "answers": answers}
