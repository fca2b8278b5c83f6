"""Public pages of comment periods: the lists, a period with its draft, and the draft's PDFs."""

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.core import uploads
from app.core.timeutil import utcnow
from app.periods import services
from app.periods.labels import attribute_labels, state_label
from app.periods.pages import public_period

bp = Blueprint("periods", __name__)



@bp.app_context_processor
def period_helpers():
    return {"period_state_label": state_label,
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
                           extras=services.page_sections(period, "public", current_user), title=period.title)


@bp.get("/periods/<int:period_id>/documents/<int:document_id>")
def document(period_id: int, document_id: int):
    period = public_period(period_id)
    doc = services.document_of(period, document_id) or abort(404)
    return uploads.send_stored(services.DOCUMENT_AREA, doc.stored_name, filename=doc.filename,
                               content_type=doc.content_type)
