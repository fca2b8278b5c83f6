"""Public pages of comment periods: the lists, a period with its draft, and the draft's PDFs."""

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from app.core import uploads
from app.core.timeutil import to_jst, utcnow
from app.extensions import db
from app.periods import services
from app.periods.labels import attribute_labels, state_label
from app.periods.models import PeriodDocument
from app.periods.pages import public_period

bp = Blueprint("periods", __name__)


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


@bp.app_context_processor
def period_helpers():
    return {"period_state_label": state_label,
            "days_left": services.days_left,
            "jst_time": lambda value: to_jst(value).strftime("%H:%M")}


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
