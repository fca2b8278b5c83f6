"""The daily digest and the demo's work through the sample submissions. (The submitter's outcome notice
is a job of results: tests/responses/test_outcome_notice.py.)"""

from datetime import timedelta

from sqlalchemy import func, select

from app.core.jobs import dispatch
from app.core.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation import demo, tasks
from app.moderation.models import Opinion, OpinionGroup, Redaction
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.submissions.models import Submission, SubmissionEntry


def run(run_jobs, job_function, *args):
    job_function.delay(*args)
    db.session.commit()
    dispatch()
    run_jobs()


def test_daily_digest_goes_to_each_moderator_once_a_day(ctx, make_period, make_submission, make_user, mailbox,
                                                       run_jobs):
    period_id = make_period()
    make_submission(period_id)
    make_submission(period_id)
    make_user("moderator", email="mod1@example.jp")
    make_user("moderator", email="mod2@example.jp")
    make_user("staff", email="staff@example.jp")
    now = (utcnow() + timedelta(minutes=1)).isoformat()
    run(run_jobs, tasks.send_daily_digest, now)
    run(run_jobs, tasks.send_daily_digest, now)
    assert sorted(m["To"] for m in mailbox) == ["mod1@example.jp", "mod2@example.jp"]
    body = mailbox[0].get_content()
    assert "過去24時間の新しい提出：2件" in body and "新規 2件、未完了 2件" in body
    # The next day only what still waits is reported, to each moderator again.
    mailbox.clear()
    assert tasks.send_daily_digest((utcnow() + timedelta(days=2)).isoformat()) == 2


def test_schedule_declares_the_search_index_every_few_seconds_and_the_digest_every_morning():
    assert [(entry.func, entry.cron, entry.interval) for entry in tasks.SCHEDULE] == [
        (tasks.index_new, None, tasks.INDEX_INTERVAL), (tasks.send_daily_digest, "0 8 * * *", None)]
    assert tasks.SCHEDULE[1].name == "app.moderation.tasks.send_daily_digest"  # the scheduler's id, as before


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
