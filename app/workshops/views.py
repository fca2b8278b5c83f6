"""Public pages: the list, a workshop, its calendar file, sign-up, the private link, the report."""

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import current_locale, formkeys
from app.core.actions import run_action
from app.core.ics import calendar_response
from app.extensions import db, limiter
from app.workshops import facilitation, registrations, services
from app.workshops.forms import ActionForm, RegistrationForm
from app.workshops.ics import workshop_ics
from app.workshops.messages import error_message, show_error
from app.workshops.models import Workshop
from app.workshops.services import WorkshopError

bp = Blueprint("workshops", __name__)


def visible_workshop(workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if not workshop.can_view(current_user):
        abort(404)
    return workshop


def private(response: Response) -> Response:
    """The private link's pages: never cached or indexed. (The site's Referrer-Policy already keeps
    the path, and so the token, from other sites.)"""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/workshops")
def index():
    upcoming = services.upcoming_workshops()
    past = services.past_workshops()
    counts = services.counts_for([workshop.id for workshop in upcoming + past])
    labels = {workshop.id: services.status_label(workshop, counts[workshop.id]) for workshop in upcoming + past}
    return render_template("workshops/index.html", upcoming=upcoming, past=past, counts=counts, labels=labels,
                           title=_("Workshops"))


@bp.get("/workshops/<int:workshop_id>")
def show(workshop_id: int):
    workshop = visible_workshop(workshop_id)
    counts = services.counts_for([workshop.id])[workshop.id]
    return render_template("workshops/show.html", workshop=workshop, counts=counts,
                           state=workshop.signup_state(), label=services.status_label(workshop, counts),
                           title=workshop.title)


@bp.get("/workshops/<int:workshop_id>/workshop.ics")
def calendar(workshop_id: int):
    workshop = visible_workshop(workshop_id)
    url = url_for("workshops.show", workshop_id=workshop.id, _external=True)
    description = "\n".join(part for part in (workshop.theme, url) if part)
    calendar = workshop_ics(workshop, url=url, host=urlsplit(current_app.config["SITE_URL"]).hostname or "meyasu",
                            description=description)
    return calendar_response(calendar, f"workshop-{workshop.id}.ics")


@bp.route("/workshops/<int:workshop_id>/register", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def register(workshop_id: int):
    workshop = visible_workshop(workshop_id)
    form = RegistrationForm(workshop=workshop)
    counts = services.counts_for([workshop.id])[workshop.id]
    state = workshop.signup_state()
    scope = f"workshop:{workshop.id}"
    status = 200
    valid = state == "open" and form.validate_on_submit()
    if valid and formkeys.issued(form.form_key.data, scope) is None:
        # A form key this browser was not given (copied from someone's page, or for another workshop)
        # would find another person's sign-up: nothing is done, and the form comes back with a key of its own.
        form.form_key.data = formkeys.issue(scope)
        flash(_("This form was not issued to this browser, so you have not been signed up. Check your details "
                "and press “Sign up” again."), "error")
        status = 409
    elif valid:
        try:
            registration, _created = registrations.register_participant(
                workshop.id, form.registration_data(current_locale()))
        except WorkshopError as exc:
            db.session.rollback()
            if not show_error(form, exc):
                flash(error_message(exc.code), "error")
                return redirect(url_for("workshops.show", workshop_id=workshop_id), code=303)
        else:
            db.session.commit()
            if registration.status == "confirmed":
                flash(_("Your sign-up is confirmed. Keep this page's address: it is your private link."), "success")
            else:
                flash(_("The workshop is full, so you are on the waitlist. Keep this page's address: it is "
                        "your private link."), "info")
            token = registrations.registration_token(registration)
            return redirect(url_for("workshops.registration", token=token), code=303)
    elif request.method == "POST" and state != "open":
        flash(error_message(f"signup_{state}"), "error")
    if state == "open" and formkeys.issued(form.form_key.data, scope) is None:
        form.form_key.data = formkeys.issue(scope)
    return render_template("workshops/register.html", workshop=workshop, form=form, state=state,
                           seats_left=counts.seats_left(workshop.capacity), title=_("Sign up: %(title)s",
                                                                                     title=workshop.title)), status


@bp.get("/workshops/registration/<token>")
def registration(token: str):
    found = registrations.find_by_token(token) or abort(404)
    return private(Response(render_template(
        "workshops/registration.html", registration=found, workshop=found.workshop, token=token,
        position=registrations.waitlist_position(found),
        private_url=url_for("workshops.registration", token=token, _external=True),
        title=_("Your sign-up: %(title)s", title=found.workshop.title))))


@bp.get("/workshops/registration/<token>/cancel")
def confirm_cancel(token: str):
    """One more step before a cancellation that cannot be undone (the seat may go to the waitlist)."""
    found = registrations.find_by_token(token) or abort(404)
    if found.status == "cancelled" or found.workshop.has_started():
        return private(redirect(url_for("workshops.registration", token=token), code=303))
    return private(Response(render_template(
        "workshops/cancel.html", registration=found, workshop=found.workshop, token=token, cancel_form=ActionForm(),
        title=_("Cancel your sign-up: %(title)s", title=found.workshop.title))))


@bp.post("/workshops/registration/<token>/cancel")
def cancel(token: str):
    found = registrations.find_by_token(token) or abort(404)
    return private(run_action(lambda: registrations.cancel_registration(found), form=ActionForm(),
                              done=_("Your sign-up has been cancelled. Thank you for letting us know."),
                              then=url_for("workshops.registration", token=token)))


@bp.get("/workshops/<int:workshop_id>/report")
def report(workshop_id: int):
    workshop = visible_workshop(workshop_id)
    if not workshop.report_is_published and not workshop.can_edit(current_user):
        abort(404)
    counts = services.counts_for([workshop.id])[workshop.id]
    return render_template("workshops/report.html", workshop=workshop, counts=counts,
                           groups=facilitation.report_groups(workshop),
                           title=_("Workshop report: %(title)s", title=workshop.title))
