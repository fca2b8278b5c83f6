"""Public pages of comment periods: the lists, a period with its draft, and the draft's PDFs."""

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.core import uploads
from app.core.timeutil import to_jst, utcnow
from app.extensions import db
from app.periods import services
from app.periods.models import CommentPeriod

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
# The defaults of ``period.attributes``: shown translated while the city keeps their wording.
DEFAULT_ATTRIBUTE_LABELS = {
    ("resident", "在住"): _l("Lives in the city"),
    ("worker", "在勤"): _l("Works in the city"),
    ("student", "在学"): _l("Studies in the city"),
    ("business", "事業者"): _l("Runs a business in the city"),
    ("stakeholder", "利害関係者"): _l("Has an interest in the matter"),
}


def attribute_labels() -> dict[str, str]:
    return {code: str(DEFAULT_ATTRIBUTE_LABELS.get((code, label), label))
            for code, label in services.attribute_pairs()}


def public_period(period_id: int) -> CommentPeriod:
    """A period the public may see; staff who can edit it may preview it before it is public."""
    period = db.get_or_404(CommentPeriod, period_id, options=[joinedload(CommentPeriod.plan)])
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
    doc = services.document_of(period, document_id) or abort(404)
    return uploads.send_stored(services.DOCUMENT_AREA, doc.stored_name, filename=doc.filename,
                               content_type=doc.content_type)
