"""What moderation adds to a plan's 事務局 dashboard: per period, the submissions not yet split into
opinions and the opinions not yet decided, counted by the one rule (``counting``)."""

from flask import url_for
from flask_babel import gettext as _

from app.moderation import counting
from app.moderation.labels import OPEN_STATES
from app.periods.office import period_group, plan_periods
from app.plans.office import WorkGroup, WorkItem


def plan_work(plan, user) -> list[WorkGroup]:
    periods = plan_periods(plan.id, started=True)
    ids = [period.id for period in periods]
    submissions = counting.submitters_by_state(ids)
    opinions = counting.opinions_by_state(ids)
    groups = []
    for period in periods:
        unsplit = sum(submissions.get(period.id, {}).get(state, 0) for state in OPEN_STATES)
        pending = opinions.get(period.id, {}).get("pending", 0)
        groups.append(period_group(period, [
            WorkItem(_("Submissions not yet split into opinions"), f"{unsplit:,}",
                     url_for("moderation.queue", period=period.id, state="open"), waiting=unsplit > 0),
            WorkItem(_("Opinions not yet decided"), f"{pending:,}",
                     url_for("moderation.opinions", period_id=period.id), waiting=pending > 0),
        ]))
    return groups
