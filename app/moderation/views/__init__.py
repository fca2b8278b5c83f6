"""Moderation pages. Every /moderation URL is for moderators (and admins), and each object's page
for the moderators of its period's department; tag lists are for the period's staff. Each view
loads its object, checks it, calls one service, commits once, redirects."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import User
from app.core.auth import roles_required
from app.extensions import db
from app.moderation import labels
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.services.redaction import public_text
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

bp = Blueprint("moderation", __name__)
moderator_required = roles_required("moderator", "admin")


@bp.context_processor
def moderation_globals():
    return {"labels": labels, "public_text": public_text}


def load_period(period_id: int) -> CommentPeriod:
    period = db.session.get(CommentPeriod, period_id) or abort(404)
    if not period.can_moderate(current_user):
        abort(403)
    return period


def load_submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id) or abort(404)
    load_period(submission.period_id)
    return submission


def load_opinion(opinion_id: int) -> Opinion:
    opinion = db.session.get(Opinion, opinion_id) or abort(404)
    load_period(opinion.period_id)
    return opinion


def load_group(group_id: int) -> OpinionGroup:
    group = db.session.get(OpinionGroup, group_id) or abort(404)
    load_period(group.period_id)
    return group


def user_labels(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {user.id: user.label for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def refuse(error, endpoint: str, **values):
    """A refused button press: nothing changed; say why on the page it came from."""
    db.session.rollback()
    flash(labels.error_message(error), "error")
    return redirect(url_for(endpoint, **values), code=303)


from app.moderation.views import opinions, periods, queue, submissions, tags  # noqa: E402,F401  (routes)
