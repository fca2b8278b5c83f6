"""Public pages of comment periods: the lists, a period with its draft, and the draft's PDFs."""

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.core import uploads
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods import services
from app.periods.models import CommentPeriod, PeriodDocument

bp = Blueprint("periods", __name__)

STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Upcoming"),
    "open": _l("Open for comment"),
    "closed": _l("Closed"),
    "published": _l("Results published"),
    "withdrawn": _l("Withdrawn"),
}
CHANNEL_LABELS = {
    "web": _l("Web form"),
    "email": _l("Email"),
    "fax": _l("FAX"),
    "post": _l("Post"),
    "in_person": _l("In person"),
}


def error_message(error: services.PeriodError) -> str:
    messages = {
        "closes_before_opens": lambda: _("The period must close after it opens."),
        "short_without_reason": lambda: _(
            "This period is %(days)d days long, shorter than the city's minimum of %(min_days)d days. "
            "Give the reason; it is shown publicly.", **error.params),
        "no_channel": lambda: _("Accept opinions through at least one channel."),
        "unknown_channel": lambda: _("Choose channels from the list."),
        "locked_withdrawn": lambda: _("This period has been withdrawn and can no longer be changed."),
        "locked_published": lambda: _("The results of this period are published; it can no longer be changed."),
        "opening_locked": lambda: _("The period has opened; its opening time can no longer change."),
        "closing_earlier": lambda: _("The period has opened; it can be extended but not shortened."),
        "extend_closed": lambda: _("A closed period cannot be extended."),
        "extension_needs_reason": lambda: _("Give the reason for the extension; it is logged."),
        "not_draft": lambda: _("Only a draft can be scheduled."),
        "already_opened": lambda: _("The period has already opened; it cannot go back to draft."),
        "withdraw_needs_reason": lambda: _("Enter the reason for withdrawing."),
        "section_in_use": lambda: _("A section that opinions already point at cannot be removed."),
    }
    return messages.get(error.code, lambda: _("The request could not be processed."))()


def attribute_labels() -> dict[str, str]:
    return dict(services.attribute_pairs())


def public_period(period_id: int) -> CommentPeriod:
    """A period the public may see; staff who can edit it may preview it before it is public."""
    period = db.session.get(CommentPeriod, period_id, options=[joinedload(CommentPeriod.plan)])
    if period is None:
        abort(404)
    if period.is_public() or (period.can_edit(current_user) and period.status != "withdrawn"):
        return period
    if period.status == "withdrawn" and period.plan.is_published:
        # Someone may have bookmarked it: say what happened rather than pretend it never existed.
        abort(make_response(render_template("periods/withdrawn.html", period=period, title=period.title), 410))
    abort(404)


@bp.app_context_processor
def period_helpers():
    return {"period_state_label": lambda period: str(STATE_LABELS[period.state()]),
            "channel_label": lambda channel: str(CHANNEL_LABELS.get(channel, channel)),
            "days_left": services.days_left}


@bp.get("/periods")
def index():
    now = utcnow()
    return render_template("periods/index.html", groups=services.public_periods(now), now=now,
                           title=_("Public comment"))


@bp.get("/periods/<int:period_id>")
def show(period_id: int):
    period = public_period(period_id)
    return render_template("periods/show.html", period=period, now=utcnow(), attributes=attribute_labels(),
                           title=period.title)


@bp.get("/periods/<int:period_id>/documents/<int:document_id>")
def document(period_id: int, document_id: int):
    period = public_period(period_id)
    doc = db.session.get(PeriodDocument, document_id)
    if doc is None or doc.period_id != period.id:
        abort(404)
    return uploads.send_stored(services.DOCUMENT_AREA, doc.stored_name, filename=doc.filename,
                               content_type=doc.content_type)
