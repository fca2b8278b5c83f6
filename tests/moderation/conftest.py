"""Factories for moderation tests. The periods and submissions features are built elsewhere, so
their rows are made here directly through the models."""

import hashlib
from datetime import timedelta
from itertools import count

import pytest

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, Tag
from app.periods.models import CommentPeriod, Section
from app.submissions.models import Submission, SubmissionEntry

_seq = count(1)

SECTIONS = (("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨"), ("第1章 4", "計画の期間"))


@pytest.fixture
def make_period(app, make_plan):
    def make(title="第5次下関市市民活動促進基本計画（案）", *, department="まちづくり政策課", published=False):
        with app.app_context():
            plan_id = make_plan(department=department)
            now = utcnow()
            period = CommentPeriod(plan_id=plan_id, title=title, opens_at=now - timedelta(days=40),
                                   closes_at=now - timedelta(days=5), status="scheduled",
                                   channels={"web": "", "email": "iken@example.jp"},
                                   results_published_at=now if published else None)
            period.sections = [Section(position=i, label=label, title=name)
                               for i, (label, name) in enumerate(SECTIONS, start=1)]
            db.session.add(period)
            db.session.commit()
            return period.id

    return make


@pytest.fixture
def make_submission(app):
    def make(period_id, *bodies, channel="web", email="", name="山田 太郎", received_days_ago=3,
             section_index=None):
        with app.app_context():
            period = db.session.get(CommentPeriod, period_id)
            number = next(_seq)
            section = period.sections[section_index] if section_index is not None else None
            submission = Submission(
                period_id=period_id, receipt_no=f"R-{number:05d}", channel=channel,
                received_at=utcnow() - timedelta(days=received_days_ago, minutes=number),
                name=name, attribute="resident", email=email,
                lookup_token_hash=hashlib.sha256(f"token{number}".encode()).hexdigest(),
            )
            submission.entries = [SubmissionEntry(position=i, body=body, section=section)
                                  for i, body in enumerate(bodies or ("市民活動センターの開館時間を延ばしてほしい。",))]
            db.session.add(submission)
            db.session.commit()
            return submission.id

    return make


@pytest.fixture
def make_tag(app):
    def make(period_id, name="市民活動センター"):
        with app.app_context():
            tag = Tag(period_id=period_id, name=name)
            db.session.add(tag)
            db.session.commit()
            return tag.id

    return make


@pytest.fixture
def make_opinion(app):
    """An opinion cut from the whole first entry, optionally decided."""

    def make(submission_id, *, state="pending", summary="", decided_by=None, group_id=None):
        with app.app_context():
            submission = db.session.get(Submission, submission_id)
            entry = submission.entries[0]
            opinion = Opinion(period_id=submission.period_id, submission_id=submission_id, entry_id=entry.id,
                              excerpt=entry.body, summary=summary, state=state, group_id=group_id,
                              section_id=entry.section_id,
                              decided_by_id=decided_by, decided_at=utcnow() if decided_by else None)
            db.session.add(opinion)
            db.session.commit()
            return opinion.id

    return make


@pytest.fixture
def moderator(app, make_user):
    """A moderator user object, reloaded in the caller's context by id."""
    def make(name="審査 一郎"):
        return make_user("moderator", name=name)

    return make


def get(model, ident):
    return db.session.get(model, ident)


def user(ident) -> User:
    return db.session.get(User, ident)
