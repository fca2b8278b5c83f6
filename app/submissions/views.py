"""The citizen's side: the web form, its confirmation step (確認画面), the receipt and the lookup page.

Form → POST confirm (validated, shown read-only with hidden fields and a fresh idempotency key, which
the session keeps with a new lookup code; files are chosen there, see
``templates/submissions/confirm.html``) → POST send (validated again, committed once) → 303 to the
receipt, which the session shows to this browser after the commit. No URL carries the lookup code:
links put it in the fragment and the lookup form POSTs it.
"""

import time

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from app.core import autocommit, current_locale, formkeys, ratelimit
from app.core.errors import render_error
from app.extensions import db, limiter
from app.periods.models import CommentPeriod
from app.periods.pages import form_period, in_session, visible
from app.submissions import services
from app.submissions.forms import SubmissionForm, quick_received
from app.submissions.messages import attach_error, error_message
from app.submissions.services import SubmissionError

bp = Blueprint("submissions", __name__)

def web_period(period_id: int, *, attach: bool = True) -> CommentPeriod:
    """404 for what the public cannot see; for a withdrawn period, the withdrawn page on GET, while a
    POST goes on to be refused with the text kept on the page. The period comes with its plan and its
    sections' titles, from the copy the process keeps a few seconds (``form_period``; ``attach=False``:
    that copy itself, to be read only)."""
    period = form_period(period_id, attach=attach)
    if request.method == "POST" and period is not None and period.status == "withdrawn" and period.plan.is_published:
        return period
    return visible(period)


def _email_key() -> str:
    return (request.form.get("email") or "").strip().lower()


def _render_form(period, form, *, notice: str | None = None, status: int = 200):
    return render_template("submissions/form.html", period=period, form=form, notice=notice,
                           title=_("Send your opinion: %(title)s", title=period.title)), status


def send_scope(period_id: int) -> str:
    return f"period:{period_id}"


def issue_key(form, period) -> None:
    """A key for this period's send, kept in the session with the lookup code it will get."""
    form.idempotency_key.data = formkeys.issue(send_scope(period.id), services.new_lookup_secret())


def _render_confirm(period, form, *, notice: str | None = None, status: int = 200, headers=None):
    if not formkeys.issued(form.idempotency_key.data, send_scope(period.id)):
        issue_key(form, period)
    sections = {str(section.id): section.display for section in period.sections}
    return render_template("submissions/confirm.html", period=period, form=form, notice=notice,
                           entries=form.given_entries(), sections=sections,
                           title=_("Check your entries: %(title)s", title=period.title)), status, headers or {}


@bp.get("/periods/<int:period_id>/submit")
def form(period_id: int):
    period = web_period(period_id)
    form = SubmissionForm(period=period)
    form.choose_section(request.args.get("section", ""))
    return _render_form(period, form)


@bp.post("/periods/<int:period_id>/submit")
def edit(period_id: int):
    """Back from the confirmation page with the text kept. Files chosen there cannot be kept (a file
    input cannot be filled in again by the page), so the person is told which ones to choose again."""
    period = web_period(period_id)
    submission_form = SubmissionForm(period=period)
    submission_form.idempotency_key.data = ""
    dropped = [item.filename for item in request.files.getlist("attachments") if item and item.filename]
    notice = _("The file(s) you chose were not kept: %(names)s. Choose them again on the confirmation page "
               "before you send.", names="、".join(dropped)) if dropped else None
    return _render_form(period, submission_form, notice=notice)


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
    issue_key(submission_form, period)
    return _render_confirm(period, submission_form)


def spam_message() -> str:
    return _("This form could not be sent. If you filled in the field marked “Leave this field empty”, clear it "
             "and try again.")


def check_send_limits() -> None:
    """Per address and, when one is given, per email: both counted in one round trip to the store."""
    checks = [ratelimit.Check(current_app.config["SUBMISSION_RATE_LIMIT"], get_remote_address(), request.endpoint)]
    if email := _email_key():
        checks.append(ratelimit.Check(current_app.config["SUBMISSION_RATE_LIMIT_PER_EMAIL"], email, request.endpoint))
    if breached := ratelimit.hit_together(checks):
        g.send_retry_after = breached[1]
        abort(429)


@bp.post("/periods/<int:period_id>/submit/send")
def send(period_id: int):
    check_send_limits()
    # The kept copy, read only: a send that goes through puts nothing of the period into the session, and
    # every other way out (a page shown again) first puts it there with ``in_session``.
    period = web_period(period_id, attach=False)
    key = request.form.get("idempotency_key") or ""
    if not services.KEY_PATTERN.match(key):
        abort(400)
    # What the confirm page posts on is read without binding the form; anything not plainly valid
    # goes through the form, which refuses it with its messages (or accepts what the quick read would not).
    received = quick_received(period, request.form) if set(request.files) <= {"attachments"} else None
    submission_form = None
    if received is None:
        period = in_session(period)
        submission_form = SubmissionForm(period=period)
        if submission_form.is_spam:
            return _render_form(period, submission_form, notice=spam_message(), status=400)
        if not submission_form.validate_on_submit():
            return _render_form(period, submission_form)
        received = submission_form.received()
    # A double click or a retried send from this browser carries a key its session was given, with the
    # lookup code that goes with it, and submit_web answers with the first submission. Any other key
    # (copied, replayed, from another period's page) finds nothing: the person checks and sends anew.
    secret = formkeys.issued(key, send_scope(period.id))
    if not secret:
        period = in_session(period)
        return _key_refused(period, submission_form or SubmissionForm(period=period))
    try:
        received.files = services.check_uploads(request.files.getlist("attachments"),
                                                max_count=period.max_attachments,
                                                max_bytes=period.max_attachment_bytes)
        # Nothing is written before the send: on PostgreSQL its one statement commits itself.
        submission, _created = services.submit_web(period.id, received, idempotency_key=key, secret=secret,
                                                   locale=current_locale(), alone=True, period=period)
    except SubmissionError as error:
        db.session.rollback()
        period = in_session(period)
        submission_form = submission_form or SubmissionForm(period=period)
        if error.code == "key_taken":
            return _key_refused(period, submission_form)
        notice = attach_error(submission_form, error)
        if error.field == "attachments":
            return _render_confirm(period, submission_form, notice=notice)
        return _render_form(period, submission_form, notice=notice, status=409 if notice else 200)
    written = services.stored_names(submission)
    receipt_no = submission.receipt_no
    try:
        if not autocommit.settled():  # on PostgreSQL a send without files has committed itself
            db.session.commit()
    except Exception:
        db.session.rollback()
        for name in written:
            services.uploads.remove(services.ATTACHMENT_AREA, name)
        raise
    session[RECEIPT_KEY] = [receipt_no, secret, int(time.time())]
    return redirect(url_for("submissions.receipt", receipt=receipt_no), code=303)


def _key_refused(period, submission_form):
    """Nothing sent and nothing shown; the same entries come back with a key of this browser's own."""
    submission_form.idempotency_key.data = ""
    return _render_confirm(period, submission_form, notice=error_message(SubmissionError("key_taken")), status=409)


def _retry_after() -> int:
    if "send_retry_after" in g:
        return g.send_retry_after
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


@bp.errorhandler(429)
def too_many(error):
    """Too many sends: say so, and give the person back everything they wrote. Too many lookups:
    say why the page waits, on the lookup page itself."""
    if request.endpoint in ("submissions.lookup", "submissions.receipt"):
        return _lookup_limited()
    if request.endpoint != "submissions.send":
        return render_error(error)
    period = db.session.get(CommentPeriod, request.view_args["period_id"]) or abort(404)
    submission_form = SubmissionForm(period=period)
    retry_after = _retry_after()
    notice = _("Too many opinions have been sent from here in a short time. Your text is kept below; wait "
               "%(minutes)d minute(s) and press Send again.", minutes=max(1, (retry_after + 59) // 60))
    return _render_confirm(period, submission_form, notice=notice, status=429,
                           headers={"Retry-After": str(retry_after)})


class LookupForm(FlaskForm):
    """POSTed, so that the code is in no URL; with a CSRF token like every POST of the site, although
    it changes nothing. The rate limit is what stands between it and guessing."""

    receipt = StringField(_l("Receipt number"), validators=[Optional()])
    secret = StringField(_l("Lookup code"), validators=[Optional()])


# The receipt with its code shows again in the browser that sent it (a reload) for this long, then only
# the lookup form: a shared computer does not keep it for the next person.
RECEIPT_KEY = "receipt"
RECEIPT_SHOWN_SECONDS = 30 * 60


def lookup_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def no_store(response):
    """Pages with a person's opinion and code: kept by no cache, shown in no search engine."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _shown_receipt() -> tuple[str, str] | None:
    held = session.get(RECEIPT_KEY)
    if not (isinstance(held, list) and len(held) == 3):
        return None
    if held[0] != request.args.get("receipt") or time.time() - held[2] > RECEIPT_SHOWN_SECONDS:
        return None
    return held[0], held[1]


# One budget per address for the pages a code opens: the lookup, and the receipt page asked for without
# this browser's own receipt in its session (it only leads on to the lookup). The receipt this browser
# has just sent is shown from its signed session, which holds the code: nothing can be guessed there,
# so it spends none of the budget (people sending one after another at a viewing place share an address).
@bp.get("/receipt")
@limiter.shared_limit(lookup_limit, scope="lookup", exempt_when=lambda: _shown_receipt() is not None)
def receipt():
    shown = _shown_receipt()
    # The period from the process's copy, as the steps before it read it: its row is half the columns the
    # receipt's query would read otherwise (bench/README.md, twelfth session).
    submission = services.find_for_lookup(*shown, with_period=False) if shown else None
    if submission is None:
        return no_store(redirect(url_for("submissions.lookup", receipt=request.args.get("receipt") or None), code=303))
    return no_store(make_response(render_template(
        "submissions/receipt.html", submission=submission, period=form_period(submission.period_id),
        secret=services.format_secret(shown[1]),
        lookup_url=url_for("submissions.lookup", receipt=submission.receipt_no, _external=True,
                           _anchor=f"code={services.format_secret(shown[1])}"),
        title=_("Your opinion has been received"))))


@bp.route("/lookup", methods=["GET", "POST"])
@limiter.shared_limit(lookup_limit, scope="lookup")
def lookup():
    if request.method == "GET" and request.args.get("secret"):
        # A link mailed before the code moved out of the query: the code goes on in the fragment.
        code = services.format_secret(services.normalize_secret(request.args["secret"]))
        return no_store(redirect(url_for("submissions.lookup", receipt=request.args.get("receipt") or None,
                                         _anchor=f"code={code}"), code=303))
    lookup_form = LookupForm() if request.method == "POST" else LookupForm(
        formdata=None, data={"receipt": request.args.get("receipt", "")})
    submission, status = None, 200
    if request.method == "POST":
        given_receipt = bool((lookup_form.receipt.data or "").strip())
        given_secret = bool(services.normalize_secret(lookup_form.secret.data))
        if not given_receipt:
            lookup_form.receipt.errors = [_("Enter the receipt number.")]
        if not given_secret:
            lookup_form.secret.errors = [_("Enter the lookup code.")]
        if given_receipt and given_secret:
            submission = services.find_for_lookup(lookup_form.receipt.data, lookup_form.secret.data)
            if submission is None:
                lookup_form.secret.errors = [_("The receipt number and the lookup code do not match. Check both "
                                               "and try again.")]
                status = 404
    return no_store(make_response(_render_lookup(lookup_form, submission), status))


def _render_lookup(lookup_form, submission=None, *, notice: str | None = None):
    return render_template(
        "submissions/lookup.html", form=lookup_form, submission=submission, notice=notice,
        extras=services.lookup_extras(submission) if submission else [],
        status=citizen_status(submission) if submission else "",
        title=_("Look up your opinion"))


def _lookup_limited():
    minutes = max(1, (_retry_after() + 59) // 60)
    notice = _("Too many lookups have been made from here in a short time. To keep the lookup codes safe from "
               "guessing, wait %(minutes)d minute(s) and try again.", minutes=minutes)
    lookup_form = LookupForm(formdata=None, data={"receipt": request.values.get("receipt", "")})
    response = no_store(make_response(_render_lookup(lookup_form, notice=notice), 429))
    response.headers["Retry-After"] = str(_retry_after())
    return response


def state_labels() -> dict[str, str]:
    return {"new": _("Received; waiting to be reviewed"), "in_progress": _("Being reviewed"),
            "done": _("Reviewed; the city's view will be published with the results")}


def citizen_status(submission) -> str:
    """What the person is told about their submission: once the result is out, that it is out (the
    answers follow on the page), not the review state that promised it."""
    if submission.period.results_published_at is not None:
        return _("The result has been published; the city's view of each of your opinions is below")
    labels = state_labels()
    return labels.get(submission.state, submission.state)
