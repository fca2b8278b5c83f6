"""Digests: what a comment period's opinions add up to, compiled by a background job.

Counts, a per-day chart, keywords per section, and groups of similar and duplicate opinions that
staff can accept as opinion groups; rebuilt on demand and when a period closes.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

STEPS = {
    "digest.reading": _l("Reading the opinions"),
    "digest.counting": _l("Counting"),
    "digest.similar": _l("Finding similar opinions"),
    "digest.keywords": _l("Finding keywords"),
    "digest.saving": _l("Saving the digest"),
    "export.writing": _l("Writing the file"),
}


def init_app(app: Flask) -> None:
    from app.digests import models  # noqa: F401  (register the tables)
    from app.digests.views import bp
    from app.jobs.services import STEP_LABELS, register_run_access

    app.register_blueprint(bp)
    register_run_access("period", _can_follow_period_run)
    STEP_LABELS.update(STEPS)


def _can_follow_period_run(subject_id: int | None, user) -> bool:
    from app.digests.models import can_view_digest
    from app.extensions import db
    from app.periods.models import CommentPeriod

    period = db.session.get(CommentPeriod, subject_id) if subject_id is not None else None
    return period is not None and can_view_digest(period, user)
