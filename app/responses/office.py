"""What responses add to a plan's 事務局 dashboard: per period, the answers the city still owes, those
waiting for approval and, once the period has closed, what stops the result's publication."""

from flask import url_for
from flask_babel import gettext as _

from app.moderation import counting
from app.periods.office import period_group, plan_periods
from app.plans.office import WorkGroup, WorkItem
from app.responses import checks, services


def plan_work(plan, user) -> list[WorkGroup]:
    periods = plan_periods(plan.id, started=True)
    ids = [period.id for period in periods]
    needed = counting.answers_needed(ids)
    written = services.answer_states(ids)
    groups = []
    for period in periods:
        states = written.get(period.id, {})
        unanswered = max(0, needed.get(period.id, 0) - sum(states.values()))
        submitted = states.get("submitted", 0)
        items = [
            WorkItem(_("Opinions without an answer"), f"{unanswered:,}",
                     url_for("responses.work", period_id=period.id, status="none"), waiting=unanswered > 0),
            WorkItem(_("Answers waiting for approval"), f"{submitted:,}",
                     url_for("responses.work", period_id=period.id, status="submitted"), waiting=submitted > 0),
        ]
        if period.state() == "closed":
            problems = len(checks.publication_problems(period))
            items.append(WorkItem(_("Problems before the result can be published"), f"{problems:,}",
                                  url_for("results.manage", period_id=period.id), waiting=problems > 0))
        groups.append(period_group(period, items))
    return groups
