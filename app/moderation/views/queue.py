from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.ids import id_arg
from app.core.pagination import Page, paginate
from app.extensions import db
from app.moderation import services
from app.moderation.forms import QueueFilterForm
from app.moderation.models import Opinion
from app.moderation.services.stats import moderated_periods, period_counts
from app.moderation.views import bp, moderator_required, user_labels
from app.submissions.models import Submission

MINE_SHOWN = 50  # the dashboard's list of one's claims; the queue (claim=mine) pages through the rest


@bp.get("/moderation")
@moderator_required
def dashboard():
    periods = moderated_periods(current_user)
    counts = period_counts([p.id for p in periods])
    mine = paginate(services.queue_query(services.QueueFilters(claim="mine"), current_user), 1, per_page=MINE_SHOWN)
    return render_template("moderation/dashboard.html", periods=periods, counts=counts, mine=mine,
                           title=_("Moderation"))


def _filters(form: QueueFilterForm) -> services.QueueFilters:
    return services.QueueFilters(
        period_id=id_arg(form.period.data), channel=form.channel.data or "", state=form.state.data or "",
        section_id=id_arg(form.section.data), tag_id=id_arg(form.tag.data),
        received_from=form.received_from.data, received_to=form.received_to.data,
        q=(form.q.data or "").strip(), claim=form.claim.data or "",
    )


@bp.get("/moderation/queue")
@moderator_required
def queue():
    periods = moderated_periods(current_user)
    # Another department's period is not offered, so the filter form refuses it and the queue ignores it.
    period = next((p for p in periods if p.id == id_arg(request.args.get("period"))), None)
    tags = services.period_tags(period.id) if period else []
    form = QueueFilterForm(request.args, periods=periods, period=period, tags=tags)
    valid = form.validate()
    filters = _filters(form) if valid else services.QueueFilters()
    if filters.q and services.ensure_indexed():
        db.session.commit()
    # The counts per state are one GROUP BY over the matches; the page's total is read from them
    # rather than counted again (a search's matches are then found twice per page, not three times).
    counts = services.state_counts(filters, current_user)
    total = services.queue_total(filters, counts)
    if total:
        page = paginate(services.queue_query(filters, current_user).options(selectinload(Submission.entries)),
                        request.args.get("page", 1, type=int), per_page=50, total=total)
    else:  # nothing matches: no page to look for (a search for a word no text holds would read them all again)
        page = Page(items=[], page=1, per_page=50, total=0)
    opinion_counts = dict(db.session.execute(
        select(Opinion.submission_id, func.count()).where(Opinion.submission_id.in_([s.id for s in page.items]))
        .group_by(Opinion.submission_id)
    ).all()) if page.items else {}
    period_titles = {p.id: p.title for p in periods}
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "moderation/queue.html", form=form, page=page, counts=counts,
        claimants=user_labels(s.claimed_by_id for s in page.items), opinion_counts=opinion_counts,
        period_titles=period_titles, args=args, filters=filters, title=_("Moderation queue"),
    )
