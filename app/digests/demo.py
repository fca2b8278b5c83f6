"""The digest of the demo case's comment period, asked for like staff would (built inline without
Redis, by a worker with it). Needs the periods demo; loads nothing without it."""

from sqlalchemy import select

from app.core.models import JobRun
from app.digests.services import request_digest
from app.digests.tasks import DIGEST
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plans.demo import demo_plan


def load() -> list[str]:
    plan = demo_plan()
    period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.plan_id == plan.id)
                               .order_by(CommentPeriod.id)) if plan else None
    if period is None:
        return ["digest: no demo comment period to digest"]
    if db.session.scalar(select(JobRun.id).where(JobRun.kind == DIGEST, JobRun.subject_id == period.id)):
        return [f"digest: {period.title} (already requested)"]
    request_digest(period, actor=None)
    return [f"digest: {period.title} (requested)"]
