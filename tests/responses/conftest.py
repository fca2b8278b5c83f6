"""Factories for responses and results. Periods, sections, submissions, opinions and groups are made
straight through the models: their own features' services live on other branches."""

import hashlib
from datetime import timedelta
from itertools import count

import pytest

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup, Redaction
from app.periods.models import CommentPeriod, Section
from app.submissions.models import Submission, SubmissionEntry

_seq = count(1)
SECTION_TITLES = ("計画の背景", "計画の趣旨", "計画の期間")


@pytest.fixture(autouse=True)
def _export_folder(app, tmp_path):
    saved = app.config["EXPORT_FOLDER"]
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    yield
    app.config["EXPORT_FOLDER"] = saved


@pytest.fixture
def make_period(app, make_plan):
    """A comment period of a published plan of まちづくり政策課, closed unless ``state="open"``."""

    def make(state="closed", *, title="第5次下関市市民活動促進基本計画（案）", plan_id=None,
             department="まちづくり政策課", sections=SECTION_TITLES):
        plan_id = plan_id or make_plan(department=department)
        now = utcnow()
        opens, closes = (now - timedelta(days=40), now - timedelta(days=5)) if state == "closed" else \
            (now - timedelta(days=5), now + timedelta(days=25))
        with app.app_context():
            period = CommentPeriod(plan_id=plan_id, title=title, opens_at=opens, closes_at=closes,
                                   status="scheduled", contact_department=department,
                                   receipt_prefix=f"P{next(_seq)}")
            period.sections = [Section(position=i, label=f"第1章 {i}", title=t, body=f"{t}の本文です。")
                               for i, t in enumerate(sections, start=1)]
            db.session.add(period)
            db.session.commit()
            return period.id

    return make


@pytest.fixture
def make_submission(app):
    def make(period_id, *, name="下関 太郎", email="", channel="web", attribute="resident", address="下関市南部町1-1",
             phone="", body="計画についての意見です。"):
        with app.app_context():
            n = next(_seq)
            submission = Submission(period_id=period_id, receipt_no=f"R-{n:05d}", channel=channel,
                                    received_at=utcnow() - timedelta(days=10), name=name, address=address,
                                    attribute=attribute, email=email, phone=phone,
                                    lookup_token_hash=hashlib.sha256(f"t{n}".encode()).hexdigest(),
                                    entries=[SubmissionEntry(position=0, body=body)])
            db.session.add(submission)
            db.session.commit()
            return submission.id

    return make


@pytest.fixture
def make_opinion(app, make_submission):
    """An opinion; ``section`` is a position (1…) in its period, ``group`` a group id."""

    def make(period_id, *, submission_id=None, excerpt="市民活動センターの開館時間を延ばしてほしい。", summary="",
             state="accepted", section=1, group=None, withhold_reason="", withhold_note="", redactions=()):
        submission_id = submission_id or make_submission(period_id, body=excerpt)
        with app.app_context():
            section_id = None
            if section:
                section_id = db.session.scalar(db.select(Section.id).where(Section.period_id == period_id,
                                                                           Section.position == section))
            opinion = Opinion(period_id=period_id, submission_id=submission_id, excerpt=excerpt, summary=summary,
                              state=state, section_id=section_id, group_id=group, withhold_reason=withhold_reason,
                              withhold_note=withhold_note, position=next(_seq))
            opinion.redactions = [Redaction(field=f, start=s, end=e, reason="個人名") for f, s, e in redactions]
            db.session.add(opinion)
            db.session.commit()
            return opinion.id

    return make


@pytest.fixture
def make_group(app):
    def make(period_id, title="同じ趣旨の意見"):
        with app.app_context():
            group = OpinionGroup(period_id=period_id, title=title)
            db.session.add(group)
            db.session.commit()
            return group.id

    return make


@pytest.fixture
def staff_pair(app, make_user):
    """Two staff of まちづくり政策課: an author and an approver."""

    def make(department="まちづくり政策課"):
        return make_user("staff", department=department), make_user("staff", department=department)

    return make


def user(user_id) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def answered(app, staff_pair):
    """Write, submit and approve an answer for every accepted target of a period through the services."""
    from app.responses import services

    def answer(period_id, *, category="C", body="ご意見ありがとうございます。今後の参考とさせていただきます。"):
        author_id, approver_id = staff_pair()
        with app.test_request_context():
            period = db.session.get(CommentPeriod, period_id)
            for target in services.period_targets(period):
                response = services.save_response(period, target, body=body, category=category,
                                                  actor=user(author_id))
                services.submit_response(response, actor=user(author_id))
                services.approve_response(response, actor=user(approver_id))
            db.session.commit()
        return author_id, approver_id

    return answer
