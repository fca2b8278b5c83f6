"""Moderation pages. Every /moderation URL is for moderators (and admins), and each object's page
for the moderators of its period's department; tag lists are for the period's staff. Each view
loads its object, checks it, calls one service, commits once, redirects."""

from flask import Blueprint

from app.core.auth import load_permitted, roles_required
from app.extensions import db
from app.moderation import services
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.pages import moderation_globals
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

bp = Blueprint("moderation", __name__)
bp.context_processor(moderation_globals)
moderator_required = roles_required("moderator", "admin")


def load_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_moderate)


def load_submission(submission_id: int) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    load_period(submission.period_id)
    return submission


def load_opinion(opinion_id: int) -> Opinion:
    opinion = db.get_or_404(Opinion, opinion_id)
    load_period(opinion.period_id)
    return opinion


def load_group(group_id: int) -> OpinionGroup:
    group = db.get_or_404(OpinionGroup, group_id)
    load_period(group.period_id)
    return group


def user_labels(ids) -> dict[int, str]:
    return services.user_labels(ids)




from app.moderation.views import opinions, periods, queue, submissions, tags  # noqa: E402,F401  (routes)
