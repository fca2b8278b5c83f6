"""Personal data is deleted once the city's retention period is over; what is published or counted stays."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import retention, uploads
from app.core.models import AuditEntry, JobRun, MailDelivery, OutboxJob
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses.results import STAFF_EXPORT_KIND
from app.submissions.models import Attachment, Submission, SubmissionEntry
from app.workshops.models import Registration, Workshop

DAYS = 365


@pytest.fixture
def old_and_new(ctx, make_plan):
    """Two published periods (one past the retention period, one not), one closed and unanswered long
    ago, and two workshops that ended long ago and last week; each with someone's personal data."""
    now = utcnow()
    plan_id = make_plan()

    def period(title, *, published_days_ago=None, closed_days_ago):
        period = CommentPeriod(plan_id=plan_id, title=title, opens_at=now - timedelta(days=closed_days_ago + 30),
                               closes_at=now - timedelta(days=closed_days_ago), status="scheduled",
                               results_published_at=None if published_days_ago is None
                               else now - timedelta(days=published_days_ago))
        db.session.add(period)
        db.session.flush()
        stored = uploads.store(uploads.CheckedFile(filename="scan.pdf", content_type="application/pdf",
                                                   data=b"%PDF-1.4 scan"), "submissions")
        submission = Submission(period_id=period.id, receipt_no=f"{period.id}-00001", channel="post",
                                received_at=period.closes_at, name="下関 花子", address="下関市南部町1-1",
                                attribute="resident", email="hanako@example.jp", phone="083-000-0000",
                                lookup_token_hash="0" * 64,
                                entries=[SubmissionEntry(position=1, body="バスの便を増やしてください。")],
                                attachments=[Attachment(filename="scan.pdf", stored_name=stored,
                                                        content_type="application/pdf", size=13, sha256="0" * 64)])
        db.session.add(submission)
        db.session.flush()
        return submission

    def workshop(title, ended_days_ago):
        ends = now - timedelta(days=ended_days_ago)
        workshop = Workshop(plan_id=plan_id, title=title, starts_at=ends - timedelta(hours=2), ends_at=ends,
                            signup_opens_at=ends - timedelta(days=30), signup_closes_at=ends - timedelta(days=1),
                            status="published")
        db.session.add(workshop)
        db.session.flush()
        registration = Registration(workshop_id=workshop.id, status="confirmed", name="長府 太郎",
                                    email="taro@example.jp", phone="090-0000-0000", attribute="resident",
                                    answer_1="車いすで参加します", token_salt="s" * 32, token_hash=f"{workshop.id:064d}",
                                    checkin_code="ABCD1234", attended_at=ends - timedelta(hours=1))
        db.session.add(registration)
        db.session.flush()
        return registration

    return {
        "old": period("古い結果", published_days_ago=DAYS + 10, closed_days_ago=DAYS + 60),
        "recent": period("新しい結果", published_days_ago=DAYS - 10, closed_days_ago=DAYS + 20),
        "unanswered": period("結果未公表", closed_days_ago=DAYS + 100),
        "old_workshop": workshop("昔のワークショップ", DAYS + 1),
        "recent_workshop": workshop("先週のワークショップ", 7),
    }


def personal(submission: Submission) -> tuple:
    db.session.refresh(submission)
    return submission.name, submission.address, submission.email, submission.phone


def test_submitters_details_and_files_go_once_the_result_is_old_enough(old_and_new):
    old, recent, unanswered = old_and_new["old"], old_and_new["recent"], old_and_new["unanswered"]
    old_file = uploads.upload_root("submissions") / old.attachments[0].stored_name
    assert old_file.exists()

    counts = retention.purge_personal_data()

    assert personal(old) == ("", "", "", "")
    assert old.attribute == "resident" and old.receipt_no.endswith("-00001")  # counts and numbers stay
    assert [entry.body for entry in old.entries] == ["バスの便を増やしてください。"]  # the opinion stays
    assert not old_file.exists() and old.attachments == []
    # Not yet: a result published less than the retention period ago, and a period still unanswered.
    assert personal(recent)[0] == "下関 花子" and recent.attachments
    assert personal(unanswered)[0] == "下関 花子"
    assert counts["submissions"] == 2  # one submission cleared, one file deleted
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).one()
    assert entry.details["submissions"] == 2 and entry.actor_id is None


def test_workshop_sign_ups_keep_their_counts_but_not_who_signed_up(old_and_new):
    retention.purge_personal_data()
    old, recent = old_and_new["old_workshop"], old_and_new["recent_workshop"]
    db.session.refresh(old)
    db.session.refresh(recent)
    assert (old.name, old.email, old.phone, old.answer_1) == ("", "", "", "")
    assert old.status == "confirmed" and old.attended_at is not None and old.party_size == 1
    assert recent.name == "長府 太郎" and recent.email == "taro@example.jp"


def test_a_second_run_finds_nothing_left(old_and_new):
    retention.purge_personal_data()
    assert set(retention.purge_personal_data().values()) == {0}
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).all().__len__() == 1


def test_the_mail_log_and_finished_jobs_go_but_waiting_jobs_stay(ctx):
    old = utcnow() - timedelta(days=DAYS + 1)
    db.session.add_all([
        MailDelivery(job_id="old-mail", recipient="hanako@example.jp", subject="受付", template="t", created_at=old),
        MailDelivery(job_id="new-mail", recipient="taro@example.jp", subject="受付", template="t"),
        OutboxJob(id="old-done", func="app.core.mail.send_email", args=["hanako@example.jp"], queue="high",
                  state="done", created_at=old, finished_at=old),
        OutboxJob(id="old-pending", func="app.core.mail.send_email", args=["jiro@example.jp"], queue="high",
                  state="pending", created_at=old),
    ])
    db.session.flush()
    retention.purge_personal_data()
    assert db.session.scalars(select(MailDelivery.job_id)).all() == ["new-mail"]
    assert db.session.scalars(select(OutboxJob.id)).all() == ["old-pending"]  # not sent yet: never dropped


def test_staff_exports_with_names_are_deleted_when_old(app, ctx):
    old_run = JobRun(kind=STAFF_EXPORT_KIND, state="done", created_at=utcnow() - timedelta(days=DAYS + 1))
    new_run = JobRun(kind=STAFF_EXPORT_KIND, state="done")
    db.session.add_all([old_run, new_run])
    db.session.flush()
    folders = []
    for run in (old_run, new_run):
        folder = Path(app.config["EXPORT_FOLDER"]) / str(run.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "submissions.csv").write_text("受付番号,氏名\n1-00001,下関 花子\n", encoding="utf-8")
        folders.append(folder)
    assert retention.purge_personal_data()["staff exports"] == 1
    assert not folders[0].exists() and folders[1].exists()


def test_the_command_purges_and_says_what_it_did(app, committing_db, make_plan):
    with app.app_context():
        plan_id = make_plan()
        now = utcnow()
        period = CommentPeriod(plan_id=plan_id, title="古い結果", opens_at=now - timedelta(days=DAYS + 90),
                               closes_at=now - timedelta(days=DAYS + 60), status="scheduled",
                               results_published_at=now - timedelta(days=DAYS + 10))
        db.session.add(period)
        db.session.flush()
        db.session.add(Submission(period_id=period.id, receipt_no="X-00001", channel="web", received_at=now,
                                  name="下関 花子", email="hanako@example.jp", lookup_token_hash="1" * 64))
        db.session.commit()
        period_id = period.id
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "submissions: 1" in result.output and f"({DAYS} days)" in result.output
    with app.app_context():
        submission = db.session.scalars(select(Submission).where(Submission.period_id == period_id)).one()
        assert (submission.name, submission.email) == ("", "")
