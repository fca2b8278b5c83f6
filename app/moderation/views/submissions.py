from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.settings import choices
from app.moderation import services
from app.moderation.forms import ActionForm, OpinionForm, ReasonForm
from app.moderation.models import Tag
from app.moderation.views import bp, load_submission, moderator_required, user_labels


def period_tags(period_id: int) -> list[Tag]:
    return services.period_tags(period_id)


def render_submission(submission, opinion_form=None, status=200):
    opinions = services.submission_opinions(submission)
    opinion_form = opinion_form or OpinionForm(submission=submission, period=submission.period,
                                               tags=period_tags(submission.period_id))
    return render_template(
        "moderation/submission.html", submission=submission, opinions=opinions, opinion_form=opinion_form,
        action_form=ActionForm(), release_form=ReasonForm(prefix="release"), reopen_form=ReasonForm(prefix="reopen"),
        claimant=user_labels([submission.claimed_by_id]).get(submission.claimed_by_id),
        attributes=dict(choices("period.attributes")),
        title=_("Review of submission %(no)s", no=submission.receipt_no),
    ), status


@bp.get("/moderation/submissions/<int:submission_id>")
@moderator_required
def submission(submission_id: int):
    return render_submission(load_submission(submission_id))


def _button(submission_id: int, action, success: str, form=None):
    submission = load_submission(submission_id)
    form = form or ActionForm()
    if not form.validate_on_submit():
        flash(_("The form could not be sent. Try again."), "error")
        return redirect(url_for("moderation.submission", submission_id=submission.id), code=303)
    return run_action(lambda: action(submission), done=success,
                      then=url_for("moderation.submission", submission_id=submission.id))


@bp.post("/moderation/submissions/<int:submission_id>/claim")
@moderator_required
def claim(submission_id: int):
    return _button(submission_id, lambda s: services.claim_submission(s, current_user),
                   _("You are now working on this submission."))


@bp.post("/moderation/submissions/<int:submission_id>/release")
@moderator_required
def release(submission_id: int):
    form = ReasonForm(prefix="release")
    return _button(submission_id, lambda s: services.release_submission(s, current_user, form.reason.data),
                   _("The submission has been released."), form)


@bp.post("/moderation/submissions/<int:submission_id>/split")
@moderator_required
def split(submission_id: int):
    return _button(submission_id, lambda s: services.split_by_entries(s, current_user),
                   _("One opinion per entry has been made. Write each summary next."))


@bp.post("/moderation/submissions/<int:submission_id>/complete")
@moderator_required
def complete(submission_id: int):
    return _button(submission_id, lambda s: services.complete_submission(s, current_user),
                   _("The submission is done."))


@bp.post("/moderation/submissions/<int:submission_id>/reopen")
@moderator_required
def reopen(submission_id: int):
    form = ReasonForm(prefix="reopen")
    return _button(submission_id, lambda s: services.reopen_submission(s, current_user, form.reason.data),
                   _("The submission has been reopened."), form)


@bp.post("/moderation/submissions/<int:submission_id>/opinions")
@moderator_required
def create_opinion(submission_id: int):
    submission = load_submission(submission_id)
    form = OpinionForm(submission=submission, period=submission.period, tags=period_tags(submission.period_id))
    return run_action(
        lambda: services.create_opinion(submission, current_user, entry_id=int(form.entry.data or 0) or None,
                                        **form.values()),
        form=form, error_field=form, page=lambda: render_submission(load_submission(submission_id), form, 400),
        done=_("The opinion has been added."),
        then=lambda opinion: url_for("moderation.opinion", opinion_id=opinion.id))
