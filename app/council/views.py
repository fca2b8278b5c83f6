"""Public pages: a council meeting (agenda, minutes), its minutes' PDF, and asking for a seat (傍聴)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import formkeys, uploads
from app.council import seats, services
from app.council.forms import SeatForm
from app.council.models import CouncilMeeting, SeatRequest
from app.extensions import db, limiter

bp = Blueprint("council", __name__)
RECEIPTS = "council_receipts"  # session: {meeting id: seat request id} of this browser's own requests


def visible_meeting(meeting_id: int) -> CouncilMeeting:
    meeting = db.get_or_404(CouncilMeeting, meeting_id)
    if not meeting.can_view(current_user):
        abort(404)
    return meeting


@bp.get("/council/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    found = visible_meeting(meeting_id)
    return render_template("council/meeting.html", meeting=found, state=found.seat_state(),
                           seats_left=seats.seats_left(found), title=found_title(found))


def found_title(meeting: CouncilMeeting) -> str:
    return _("Meeting %(number)d of %(council)s", number=meeting.number, council=meeting.council_name)


@bp.get("/council/meetings/<int:meeting_id>/minutes.pdf")
def minutes(meeting_id: int):
    found = visible_meeting(meeting_id)
    if not found.minutes_stored_name:
        abort(404)
    return uploads.send_stored(services.MINUTES_AREA, found.minutes_stored_name, filename=found.minutes_filename,
                               content_type="application/pdf")


@bp.route("/council/meetings/<int:meeting_id>/seats", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def ask_seat(meeting_id: int):
    found = visible_meeting(meeting_id)
    form = SeatForm()
    state = found.seat_state()
    scope = f"council-seat:{found.id}"
    status = 200
    valid = state == "open" and form.validate_on_submit()
    if valid and formkeys.issued(form.form_key.data, scope) is None:
        form.form_key.data = formkeys.issue(scope)
        flash(_("This form was not issued to this browser, so no seat has been asked for. Check your details "
                "and press the button again."), "error")
        status = 409
    elif valid:
        try:
            seat, _created = seats.request_seat(found.id, form.seat_data())
        except services.CouncilError as error:
            db.session.rollback()
            if error.field in form._fields:
                form[error.field].errors = [*form[error.field].errors, error.message]
                status = 422
            else:
                flash(error.message, "error")
                return redirect(url_for("council.meeting", meeting_id=found.id), code=303)
        else:
            db.session.commit()
            session[RECEIPTS] = {**session.get(RECEIPTS, {}), str(found.id): seat.id}
            return redirect(url_for("council.receipt", meeting_id=found.id), code=303)
    elif request.method == "POST" and state != "open":
        flash(services.CouncilError(f"seats_{state}").message, "error")
    if state == "open" and formkeys.issued(form.form_key.data, scope) is None:
        form.form_key.data = formkeys.issue(scope)
    return render_template("council/seat_form.html", meeting=found, form=form, state=state,
                           seats_left=seats.seats_left(found),
                           title=_("Ask for a seat: %(title)s", title=found_title(found))), status


@bp.get("/council/meetings/<int:meeting_id>/seats/receipt")
def receipt(meeting_id: int):
    """This browser's own receipt: never cached, never indexed."""
    found = visible_meeting(meeting_id)
    seat_id = session.get(RECEIPTS, {}).get(str(found.id))
    seat = db.session.get(SeatRequest, seat_id) if seat_id else None
    if seat is None or seat.meeting_id != found.id:
        return redirect(url_for("council.meeting", meeting_id=found.id), code=303)
    response = Response(render_template("council/receipt.html", meeting=found, seat=seat,
                                        title=_("Your seat: %(title)s", title=found_title(found))))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
