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
    from app.core import signals
    from app.digests import models  # noqa: F401  (register the tables)
    from app.digests.views import bp

    app.register_blueprint(bp)
    signals.job_steps.connect(step_labels)
    signals.recurring_jobs.connect(recurring_jobs)
    signals.cacheable_pages.connect(cacheable_pages)


def cacheable_pages(_app) -> set[str]:
    return {"digests.heard"}


def step_labels(_sender=None) -> dict:
    return STEPS


def recurring_jobs(_app) -> list:
    from app.digests.tasks import SCHEDULE

    return SCHEDULE
