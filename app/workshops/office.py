"""A plan's workshops on its 事務局 dashboard: seats taken and the waitlist of those still to come."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.plans.office import WorkGroup, WorkItem
from app.workshops.models import Workshop
from app.workshops.services import counts_for


def plan_work(plan, user) -> list[WorkGroup]:
    workshops = list(db.session.scalars(select(Workshop).where(
        Workshop.plan_id == plan.id, Workshop.status != "cancelled").order_by(Workshop.starts_at)))
    counts = counts_for([workshop.id for workshop in workshops])
    now = utcnow()
    groups = []
    for workshop in workshops:
        count = counts[workshop.id]
        url = url_for("workshop_staff.manage", workshop_id=workshop.id)
        to_come = not workshop.has_ended(now)
        taken, capacity = f"{count.confirmed_seats:,}", f"{workshop.capacity:,}"
        groups.append(WorkGroup(key=("workshop", workshop.id), kind=_("Workshop"), title=workshop.title, url=url,
                                starts_at=workshop.starts_at, items=[
            WorkItem(_("Seats taken"), _("%(taken)s of %(capacity)s", taken=taken, capacity=capacity), url),
            WorkItem(_("On the waitlist"), f"{count.waitlisted:,}", url, waiting=to_come and count.waitlisted > 0),
        ]))
    return groups
