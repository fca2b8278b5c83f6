"""Reviewing personal data found in texts to be published: hide it, or say it is not personal.

A finding in an opinion is reviewed by moderators; one in the city's answer by the staff who write
and approve answers (see ``PersonalFinding.can_review``). A refused review re-shows the page it came
from with the message next to the finding.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.core.errors import DomainError
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.pages import moderation_globals, render_opinion
from app.periods.models import CommentPeriod
from app.privacy import services
from app.privacy.forms import FindingForm, NotPersonalForm
from app.privacy.models import PersonalFinding
from app.responses.models import Response
from app.responses.pages import render_editor, target_url
from app.responses.services import response_target

bp = Blueprint("privacy", __name__)
# A refused review shows the opinion's page again, which needs moderation's page globals.
bp.context_processor(moderation_globals)
REVIEWERS = ("moderator", "staff", "admin")


def load_finding(finding_id: int) -> PersonalFinding:
    return load_permitted(PersonalFinding, finding_id, PersonalFinding.can_review)


def reviewable_period(period_id: int) -> CommentPeriod:
    """The review list is for the period's moderators and for the staff who publish its result."""
    return load_permitted(CommentPeriod, period_id,
                          lambda period, user: period.can_moderate(user) or period.can_edit(user))


def text_page(finding: PersonalFinding) -> str:
    screening = finding.screening
    if screening.opinion_id:
        return url_for("moderation.opinion", opinion_id=screening.opinion_id, _anchor="personal-data")
    return target_url(db.session.get(Response, screening.response_id)) + "#personal-data"


def _back(finding: PersonalFinding, form: FindingForm) -> str:
    if form.back.data == "review":
        return url_for("privacy.review", period_id=finding.screening.period_id)
    return text_page(finding)


def _refused(finding_id: int, error: DomainError, form: FindingForm):
    """Nothing changed: say why, next to the finding on the page it came from. Hiding words in an
    opinion is moderation work: its rules (a claim by someone else) refuse in its own words."""
    finding = db.session.get(PersonalFinding, finding_id)
    message = error.message
    if form.back.data == "review":
        flash(message, "error")
        return redirect(_back(finding, form), code=303)
    shown = {"id": finding.id, "message": message, "note": getattr(form, "note", None) and form.note.data or ""}
    screening = finding.screening
    if screening.opinion_id:
        return render_opinion(db.session.get(Opinion, screening.opinion_id), 400, finding_error=shown)
    response = db.session.get(Response, screening.response_id)
    period = db.session.get(CommentPeriod, response.period_id)
    return render_editor(period, response_target(response), status=400, finding_error=shown)


def _review(finding_id: int, form: FindingForm, action, success: str):
    finding = load_finding(finding_id)
    back = _back(finding, form)  # before: words replaced in an answer take their finding with them
    return run_action(lambda: action(finding), form=form, done=success, then=back,
                      refused=lambda error: _refused(finding_id, error, form))


@bp.post("/staff/findings/<int:finding_id>/redact")
@roles_required(*REVIEWERS)
def redact(finding_id: int):
    return _review(finding_id, FindingForm(), lambda finding: services.redact_finding(finding, current_user),
                   _("The words are hidden from the public text."))


@bp.post("/staff/findings/<int:finding_id>/not-personal")
@roles_required(*REVIEWERS)
def not_personal(finding_id: int):
    form = NotPersonalForm()
    return _review(finding_id, form, lambda finding: services.clear_finding(finding, current_user, form.note.data),
                   _("Recorded as not personal data, with your note."))


@bp.get("/staff/periods/<int:period_id>/personal-data")
@roles_required(*REVIEWERS)
def review(period_id: int):
    period = reviewable_period(period_id)
    opinions, responses = services.stale_texts(period)
    return render_template("privacy/review.html", period=period, items=services.review_items(period),
                           stale=len(opinions) + len(responses), blocking=services.blocking(period),
                           form=FindingForm(), can_moderate=period.can_moderate(current_user),
                           can_answer=period.can_edit(current_user),
                           title=_("Personal data to review: %(title)s", title=period.title))


@bp.post("/staff/periods/<int:period_id>/personal-data/screen")
@roles_required(*REVIEWERS)
def screen(period_id: int):
    period = reviewable_period(period_id)
    return run_action(lambda: services.screen_period(period, current_user), form=FindingForm(),
                      done=lambda count: _("%(num)d texts screened again.", num=count),
                      then=url_for("privacy.review", period_id=period.id))
