"""A plan's surveys on its 事務局 dashboard: the valid answers so far and the response rate."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.plans.office import WorkGroup, WorkItem
from app.surveys.models import Survey
from app.surveys.results import group_counts, percent


def plan_work(plan, user) -> list[WorkGroup]:
    groups = []
    for survey in db.session.scalars(select(Survey).where(Survey.plan_id == plan.id).order_by(Survey.opens_at)):
        valid = sum(count.valid for count in group_counts(survey).values())
        distributed = sum(group.distributed for group in survey.groups)
        url = url_for("surveys.staff_results", survey_id=survey.id)
        shown = f"{valid:,}"
        rate = _("%(valid)s (%(rate)s%%)", valid=shown, rate=percent(valid, distributed)) if distributed else shown
        groups.append(WorkGroup(key=("survey", survey.id), kind=_("Survey"), title=survey.title, url=url,
                                starts_at=survey.opens_at, items=[
            WorkItem(_("Valid answers (response rate)"), rate, url)]))
    return groups
