"""What any page about a period needs first: the period the person asking may see."""

from flask import abort, make_response, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.periods.models import CommentPeriod, Section

# Built once: built at each call, the option cost a send about 2 % of its CPU (bench.send_cost, py-spy).
WITH_PLAN = (joinedload(CommentPeriod.plan),)
# What the opinion form and its confirmation page show of the sections: their titles, not their text, in the
# period's own query (a period has a handful of sections; their second query was 0.5 ms of a confirmation's
# 5.7 ms CPU, bench/README.md, eleventh session).
WITH_SECTION_TITLES = (*WITH_PLAN, joinedload(CommentPeriod.sections).load_only(Section.position, Section.label,
                                                                                  Section.title))


def public_period(period_id: int, options=WITH_PLAN) -> CommentPeriod:
    """A period the public may see; staff who can edit it may preview it before it is public.
    ``options``: how to load it (with its plan, unless told otherwise)."""
    period = db.get_or_404(CommentPeriod, period_id, options=options)
    if period.is_public() or (period.can_edit(current_user) and period.status != "withdrawn"):
        return period
    if period.status == "withdrawn" and period.plan.is_published:
        # Someone may have bookmarked it: say what happened rather than pretend it never existed.
        abort(make_response(render_template("periods/withdrawn.html", period=period, title=period.title), 410))
    abort(404)
