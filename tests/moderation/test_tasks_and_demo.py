"""The daily digest, the submitter's outcome notice, and the demo's work through the sample submissions."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core.jobs import dispatch, request_job
from app.core.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation import demo, tasks
from app.moderation.models import Opinion, OpinionGroup, Redaction
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.submissions.models import Submission, SubmissionEntry
from tests.moderation.conftest import get


def run(run_jobs, func, *args):
    request_job(func, *args)
    db.session.commit()
    dispatch()
    run_jobs()


def test_submitter_is_told_how_many_opinions_were_answered_and_why_others_were_withheld(
        ctx, make_period, make_submission, make_opinion, mailbox, run_jobs):
    period_id = make_period(published=True)
    sub_id = make_submission(period_id, "意見です。", email="citizen@example.jp")
    make_opinion(submission_id=sub_id, state="accepted")
    make_opinion(submission_id=sub_id, state="accepted")
    withheld = make_opinion(submission_id=sub_id, state="withheld")
    get(Opinion, withheld).withhold_reason = "third_party"
    db.session.commit()
    run(run_jobs, "app.moderation.tasks.notify_submitter_outcome", sub_id)
    run(run_jobs, "app.moderation.tasks.notify_submitter_outcome", sub_id)  # twice: one mail
    assert len(mailbox) == 1
    message = mailbox[0]
    body = message.get_content()
    receipt = get(Submission, sub_id).receipt_no
    assert message["To"] == "citizen@example.jp" and receipt in message["Subject"]
    assert "3件の意見として" in body and "市の考え方をお示しした意見：2件" in body
    assert "第三者の個人情報を含む: 1" in body


def test_no_outcome_mail_without_an_email_or_before_publication(ctx, make_period, make_submission, mailbox):
    unpublished = make_submission(make_period(), email="a@example.jp")
    anonymous = make_submission(make_period(published=True), email="")
    assert tasks.notify_submitter_outcome(unpublished) == "not published"
    assert tasks.notify_submitter_outcome(anonymous) == "no recipient"


def test_daily_digest_goes_to_each_moderator_once_a_day(ctx, make_period, make_submission, make_user, mailbox,
                                                       run_jobs):
    period_id = make_period()
    make_submission(period_id)
    make_submission(period_id)
    make_user("moderator", email="mod1@example.jp")
    make_user("moderator", email="mod2@example.jp")
    make_user("staff", email="staff@example.jp")
    now = (utcnow() + timedelta(minutes=1)).isoformat()
    run(run_jobs, "app.moderation.tasks.send_daily_digest", now)
    run(run_jobs, "app.moderation.tasks.send_daily_digest", now)
    assert sorted(m["To"] for m in mailbox) == ["mod1@example.jp", "mod2@example.jp"]
    body = mailbox[0].get_content()
    assert "過去24時間の新しい提出：2件" in body and "新規 2件、未完了 2件" in body
    # The next day only what still waits is reported, to each moderator again.
    mailbox.clear()
    assert tasks.send_daily_digest((utcnow() + timedelta(days=2)).isoformat()) == 2


def test_schedule_declares_the_digest_every_morning():
    assert tasks.SCHEDULE == [{"func": "app.moderation.tasks.send_daily_digest", "cron": "0 8 * * *"}]


SAMPLES = [
    ("市民活動センターの開館時間を夜まで延ばしてほしい。仕事帰りに寄れないためです。",),
    ("市民活動センターの開館時間を夜まで延長してほしい。平日の夜に使いたいです。",),
    ("自治会の鈴木一郎さんが会議を独占していて困ります。まちづくり協議会の運営を見直してほしい。",),
    ("当店では浄水器を特別価格で販売中です。今なら2割引でお得です。",),
    ("情報発信をSNSでも行ってほしい。", "計画の期間は5年で良いと思います。"),
    ("若い担い手を育てる講座を増やしてほしい。",),
    ("ワークショップを土日にも開いてほしい。",),
]


def _demo_world():
    from app.accounts import demo as accounts_demo
    from app.plans import demo as plans_demo

    accounts_demo.load()
    plans_demo.load()
    plan = plans_demo.demo_plan()
    period = CommentPeriod(plan_id=plan.id, title="第5次下関市市民活動促進基本計画（案）",
                           opens_at=utcnow() - timedelta(days=30), closes_at=utcnow() + timedelta(days=1),
                           status="scheduled")
    db.session.add(period)
    db.session.flush()
    return period


def test_demo_does_nothing_without_submissions(ctx):
    assert demo.load() == ["moderation: no demo comment period; nothing to moderate"]
    _demo_world()
    assert demo.load() == ["moderation: no demo submissions yet; nothing to moderate"]


def test_demo_splits_summarises_withholds_redacts_and_groups_leaving_some_for_a_person(ctx):
    period = _demo_world()
    for number, bodies in enumerate(SAMPLES, start=1):
        submission = Submission(period_id=period.id, receipt_no=f"D-{number}", channel="web",
                                received_at=utcnow() - timedelta(days=10 - number), lookup_token_hash="x" * 64,
                                entries=[SubmissionEntry(position=i, body=b) for i, b in enumerate(bodies)])
        db.session.add(submission)
    db.session.flush()
    lines = demo.load()
    assert "5 submission(s) split into 6 opinion(s), 1 withheld as advertising, 1 name(s) redacted, 2 left" in lines[0]
    assert "grouped two similar opinions" in lines[1]
    opinions = db.session.scalars(select(Opinion).order_by(Opinion.id)).all()
    advert = next(o for o in opinions if "浄水器" in o.excerpt)
    assert (advert.state, advert.withhold_reason) == ("withheld", "advertising")
    named = next(o for o in opinions if "鈴木" in o.excerpt)
    assert "鈴木一郎" not in public_text(named) and "鈴木一郎" in named.excerpt
    assert db.session.scalar(select(func.count()).select_from(Redaction)) == 1
    group = db.session.scalars(select(OpinionGroup)).one()
    assert sorted(o.submission.receipt_no for o in group.opinions) == ["D-1", "D-2"]
    states = dict(db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all())
    assert states == {"done": 5, "new": 2}
    for action in ("opinion.create", "opinion.update", "opinion.withhold", "opinion.redact", "opinion.accept",
                   "opinion.group", "group.create", "submission.complete", "tag.create"):
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
    assert demo.load() == ["moderation: demo submissions already moderated"]
