"""What an answer holds fixed in moderation, asked through ``signals.answer_exists``.

Moderation may not regroup or reverse an opinion once the city's approved view covers it, nor
withhold or delete one the city has begun to answer on its own; the answers are this feature's rows.
"""

from sqlalchemy import or_, select

from app.extensions import db
from app.moderation.models import OpinionGroup
from app.responses.models import Response


def answer_exists(target, *, approved: bool) -> bool:
    """``approved``: an approved answer to the group, or to the opinion or its group; otherwise any
    answer to the opinion alone."""
    if isinstance(target, OpinionGroup):
        conditions = [Response.group_id == target.id]
    else:
        conditions = [Response.opinion_id == target.id]
        if approved and target.group_id is not None:
            conditions.append(Response.group_id == target.group_id)
    query = select(Response.id).where(or_(*conditions))
    if approved:
        query = query.where(Response.state == "approved")
    return db.session.scalar(query.limit(1)) is not None
