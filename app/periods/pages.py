"""What any page about a period needs first: the period the person asking may see."""

from flask import abort, make_response, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.periods.models import CommentPeriod

# Built once: built at each call, the option cost a send about 2 % of its CPU (bench.send_cost, py-spy).
WITH_PLAN = (joinedload(CommentPeriod.plan),)


def public_period(period_id: int) -> CommentPeriod:
    """A period the public may see; staff who can edit it may preview it before it is public."""
    period = db.get_or_404(CommentPeriod, period_id, options=WITH_PLAN)
    if period.is_public() or (period.can_edit(current_user) and period.status != "withdrawn"):
        return period
    if period.status == "withdrawn" and period.plan.is_published:
        # Someone may have bookmarked it: say what happened rather than pretend it never existed.
        abort(make_response(render_template("periods/withdrawn.html", period=period, title=period.title), 410))
    abort(404)
