"""What surveys add to other pages: the plan's timeline, and who may follow a run about a survey."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.plans.models import Plan
from app.plans.services import TimelineEntry
from app.surveys.labels import STATE_LABELS
from app.surveys.models import Survey


def timeline_entries(plan: Plan, public: bool) -> list[TimelineEntry]:
    """Each published survey of the plan; its report when there is one."""
    query = select(Survey).where(Survey.plan_id == plan.id)
    if public:
        query = query.where(Survey.status == "published")
    now = utcnow()
    entries = []
    for survey in db.session.scalars(query):
        report = url_for("surveys.report", survey_id=survey.id) if survey.report_published_at is not None else None
        status = _("Report published") if report else str(STATE_LABELS[survey.state(now)])
        entries.append(TimelineEntry(kind="survey", title=survey.title, starts_at=survey.opens_at,
                                     ends_at=survey.closes_at, url=url_for("surveys.show", survey_id=survey.id),
                                     status=status, kind_label=_("Survey (アンケート)"), result_url=report,
                                     result_label=_("Read the survey's report")))
    return entries


def can_follow_survey_run(_subject_type: str, *, run, user) -> bool:
    """A code sheet is the only plain copy of its codes: the survey's own staff only."""
    survey = db.session.get(Survey, run.subject_id) if run.subject_id is not None else None
    return survey is not None and survey.can_edit(user)
