"""Moderation pages. Every /moderation URL is for moderators (and admins); tag lists are for the
period's staff. Each view loads its object, checks it, calls one service, commits once, redirects."""

from flask import Blueprint, abort, flash, redirect, url_for
from sqlalchemy import select

from app.accounts.models import User
from app.core.auth import roles_required
from app.extensions import db
from app.moderation import labels
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.services.redaction import public_text
from app.submissions.models import Submission

bp = Blueprint("moderation", __name__)
moderator_required = roles_required("moderator", "admin")


@bp.context_processor
def moderation_globals():
    return {"labels": labels, "public_text": public_text}


def load_submission(submission_id: int) -> Submission:
    return db.session.get(Submission, submission_id) or abort(404)


def load_opinion(opinion_id: int) -> Opinion:
    return db.session.get(Opinion, opinion_id) or abort(404)


def load_group(group_id: int) -> OpinionGroup:
    return db.session.get(OpinionGroup, group_id) or abort(404)


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
