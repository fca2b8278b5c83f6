"""The email telling a submitter that the result is out: a job of results, sent at most once."""

from sqlalchemy import select

from app.core.jobs import dispatch, run_outbox_job
from app.core.models import OutboxJob
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import tasks
from app.submissions.models import Submission


def _publish(period_id: int) -> None:
    db.session.get(CommentPeriod, period_id).results_published_at = utcnow()
    db.session.commit()


def _run(run_jobs, *args) -> None:
    tasks.notify_submitter_outcome.delay(*args)
    db.session.commit()
    dispatch()
    run_jobs()


def test_submitter_is_told_how_many_opinions_were_answered_and_why_others_were_withheld(
        ctx, make_period, make_submission, make_opinion, mailbox, run_jobs):
    period_id = make_period()
    sub_id = make_submission(period_id, email="citizen@example.jp")
    make_opinion(period_id, submission_id=sub_id, state="accepted")
    make_opinion(period_id, submission_id=sub_id, state="accepted")
    make_opinion(period_id, submission_id=sub_id, state="withheld", withhold_reason="third_party")
    _publish(period_id)
    _run(run_jobs, sub_id)
    _run(run_jobs, sub_id)  # twice: one mail
    assert len(mailbox) == 1
    message = mailbox[0]
    body = message.get_content()
    receipt = db.session.get(Submission, sub_id).receipt_no
    assert message["To"] == "citizen@example.jp" and receipt in message["Subject"]
    assert "3件の意見として" in body and "市の考え方をお示しした意見：2件" in body
    assert "第三者の個人情報を含む: 1" in body


def test_no_outcome_mail_without_an_email_or_before_publication(ctx, make_period, make_submission, mailbox):
    unpublished = make_submission(make_period(), email="a@example.jp")
    published = make_period()
    anonymous = make_submission(published, email="")
    _publish(published)
    assert tasks.notify_submitter_outcome(unpublished) == "not published"
    assert tasks.notify_submitter_outcome(anonymous) == "no recipient"


def test_a_notice_asked_for_under_its_old_moderation_path_still_goes_out(
        ctx, make_period, make_submission, make_opinion, mailbox, run_jobs):
    """Rows written before the job moved to results name app.moderation.tasks: the worker still runs them."""
    period_id = make_period()
    sub_id = make_submission(period_id, email="citizen@example.jp")
    make_opinion(period_id, submission_id=sub_id)
    _publish(period_id)
    old = OutboxJob(func="app.moderation.tasks.notify_submitter_outcome", args=[sub_id], queue="default")
    db.session.add(old)
    db.session.commit()
    assert run_outbox_job(old.id) == "done"
    assert db.session.scalar(select(OutboxJob.state).where(OutboxJob.id == old.id)) == "done"
    dispatch()
    run_jobs()
    assert [message["To"] for message in mailbox] == ["citizen@example.jp"]
