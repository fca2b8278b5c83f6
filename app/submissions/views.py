"""The citizen's side: the web form, its confirmation step (確認画面), the receipt and the lookup page.

Form → POST confirm (validated, shown read-only with hidden fields and a fresh idempotency key;
files are chosen there, see ``templates/submissions/confirm.html``) → POST send (validated again,
committed once) → 303 to the receipt, which shows the number only after the commit.
"""

import secrets
import time

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import Form, StringField
from wtforms.validators import Optional

from app.core import current_locale
from app.core.errors import render_error
from app.extensions import db, limiter
from app.periods.models import CommentPeriod
from app.submissions import services
from app.submissions.forms import SubmissionForm
from app.submissions.messages import attach_error
from app.submissions.services import SubmissionError

bp = Blueprint("submissions", __name__)

def web_period(period_id: int) -> CommentPeriod:
    """404 for what the public cannot see; for a withdrawn period, the withdrawn page on GET, while a
    POST goes on to be refused with the text kept on the page."""
    from app.periods.views import public_period

    if request.method == "POST":
        period = db.session.get(CommentPeriod, period_id, options=[joinedload(CommentPeriod.plan)])
        if period is not None and period.status == "withdrawn" and period.plan.is_published:
            return period
    return public_period(period_id)


def _email_key() -> str:
    return (request.form.get("email") or "").strip().lower()


def _render_form(period, form, *, notice: str | None = None, status: int = 200):
    return render_template("submissions/form.html", period=period, form=form, notice=notice,
                           title=_("Send your opinion: %(title)s", title=period.title)), status


def _render_confirm(period, form, *, notice: str | None = None, status: int = 200, headers=None):
    if not services.KEY_PATTERN.match(form.idempotency_key.data or ""):
        form.idempotency_key.data = secrets.token_urlsafe(24)
    sections = {str(section.id): section.display for section in period.sections}
    return render_template("submissions/confirm.html", period=period, form=form, notice=notice,
                           entries=form.given_entries(), sections=sections,
                           title=_("Check your entries: %(title)s", title=period.title)), status, headers or {}


@bp.get("/periods/<int:period_id>/submit")
def form(period_id: int):
    period = web_period(period_id)
    return _render_form(period, SubmissionForm(period=period))


@bp.post("/periods/<int:period_id>/submit")
def edit(period_id: int):
    """Back from the confirmation page with everything kept."""
    period = web_period(period_id)
    submission_form = SubmissionForm(period=period)
    submission_form.idempotency_key.data = ""
    return _render_form(period, submission_form)


@bp.post("/periods/<int:period_id>/submit/confirm")
def confirm(period_id: int):
    period = web_period(period_id)
    submission_form = SubmissionForm(period=period)
    if submission_form.add_entry.data:
        submission_form.append_entry()
        return _render_form(period, submission_form)
    if submission_form.is_spam:
        return _render_form(period, submission_form, notice=spam_message(), status=400)
    if not submission_form.validate_on_submit():
        return _render_form(period, submission_form)
    submission_form.idempotency_key.data = secrets.token_urlsafe(24)
    return _render_confirm(period, submission_form)


def spam_message() -> str:
    return _("This form could not be sent. If you filled in the field marked “Leave this field empty”, clear it "
             "and try again.")


@bp.post("/periods/<int:period_id>/submit/send")
@limiter.limit(lambda: current_app.config["SUBMISSION_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["SUBMISSION_RATE_LIMIT_PER_EMAIL"], key_func=_email_key,
               exempt_when=lambda: not _email_key(), methods=["POST"])
def send(period_id: int):
    period = web_period(period_id)
    submission_form = SubmissionForm(period=period)
    key = submission_form.idempotency_key.data or ""
    if not services.KEY_PATTERN.match(key):
        abort(400)
    # A double click or a retried send (same key) is answered by submit_web with the first submission.
    if submission_form.is_spam:
        return _render_form(period, submission_form, notice=spam_message(), status=400)
    if not submission_form.validate_on_submit():
        return _render_form(period, submission_form)
    try:
        files = services.check_uploads(submission_form.attachments.data or [], max_count=period.max_attachments,
                                       max_bytes=period.max_attachment_bytes)
        submission, _created = services.submit_web(period.id, submission_form.received(files),
                                                   idempotency_key=key, locale=current_locale())
    except SubmissionError as error:
        db.session.rollback()
        notice = attach_error(submission_form, error)
        if error.field == "attachments":
            return _render_confirm(period, submission_form, notice=notice)
        return _render_form(period, submission_form, notice=notice, status=409 if notice else 200)
    written = services.stored_names(submission)
    receipt_no = submission.receipt_no  # read before the commit expires it: no query to read it back
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        for name in written:
            services.uploads.remove(services.ATTACHMENT_AREA, name)
        raise
    return _to_receipt(receipt_no, key)


def _to_receipt(receipt_no: str, key: str):
    secret = services.format_secret(services.lookup_secret(key))
    return redirect(url_for("submissions.receipt", receipt=receipt_no, secret=secret), code=303)


@bp.errorhandler(429)
def too_many(error):
    """Too many sends: say so, and give the person back everything they wrote."""
    if request.endpoint != "submissions.send":
        return render_error(error)
    period = db.session.get(CommentPeriod, request.view_args["period_id"]) or abort(404)
    submission_form = SubmissionForm(period=period)
    current = limiter.current_limit
    retry_after = max(1, int(current.reset_at - time.time())) if current else 60
    notice = _("Too many opinions have been sent from here in a short time. Your text is kept below; wait "
               "%(minutes)d minute(s) and press Send again.", minutes=max(1, (retry_after + 59) // 60))
    return _render_confirm(period, submission_form, notice=notice, status=429,
                           headers={"Retry-After": str(retry_after)})


class LookupForm(Form):
    receipt = StringField(_l("Receipt number"), validators=[Optional()])
    secret = StringField(_l("Lookup code"), validators=[Optional()])


@bp.get("/receipt")
def receipt():
    submission = services.find_for_lookup(request.args.get("receipt", ""), request.args.get("secret", ""))
    if submission is None:
        abort(404)
    secret = services.normalize_secret(request.args["secret"])
    return render_template("submissions/receipt.html", submission=submission, period=submission.period,
                           secret=services.format_secret(secret),
                           lookup_url=url_for("submissions.lookup", receipt=submission.receipt_no,
                                              secret=services.format_secret(secret), _external=True),
                           title=_("Your opinion has been received"))


@bp.get("/lookup")
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"])
def lookup():
    lookup_form = LookupForm(request.args)
    submission = None
    if request.args.get("receipt") or request.args.get("secret"):
        submission = services.find_for_lookup(lookup_form.receipt.data, lookup_form.secret.data)
        if submission is None:
            lookup_form.secret.errors = [_("The receipt number and the lookup code do not match. Check both and "
                                           "try again.")]
    response = make_response(render_template(
        "submissions/lookup.html", form=lookup_form, submission=submission,
        extras=services.lookup_extras(submission) if submission else [], state_labels=state_labels(),
        title=_("Look up your opinion")), 200 if submission or not lookup_form.secret.errors else 404)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def state_labels() -> dict[str, str]:
    return {"new": _("Received; waiting to be reviewed"), "in_progress": _("Being reviewed"),
            "done": _("Reviewed; the city's view will be published with the results")}
