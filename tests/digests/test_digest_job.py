"""The period digest job: counts, similar opinions, keywords, and the bad cases, run the way a
worker runs it (a real burst RQ worker when Redis is configured, inline otherwise)."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core.jobs import dispatch, run_outbox_job
from app.core.models import JobRun, OutboxJob
from app.core.timeutil import jst_start_of_day, utcnow
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.services import request_digest
from app.digests.tasks import request_digests_of_closed_periods
from app.extensions import db
from app.periods.models import CommentPeriod
from tests.digests.conftest import ADDITIONS, FORM_LETTER


def build(period_id: int, run_jobs) -> JobRun:
    run = request_digest(db.session.get(CommentPeriod, period_id), actor=None)
    db.session.commit()
    dispatch()
    run_jobs()
    db.session.expire_all()
    return db.session.get(JobRun, run.id)


def digest_of(period_id: int) -> Digest:
    return db.session.scalars(select(Digest).where(Digest.period_id == period_id)).one()


def rows(table: list[dict], field: str = "opinions") -> dict:
    return {row["key"]: row[field] for row in table}


def test_digest_counts_submitters_and_opinions_by_channel_attribute_section_tag_and_state(
        ctx, campaign_period, run_jobs):
    period_id, ids = campaign_period
    run = build(period_id, run_jobs)
    assert run.state == "done" and run.progress == 100 and run.started_at and run.finished_at
    digest = digest_of(period_id)
    counts = digest.counts
    assert digest.submission_count == 12 and digest.opinion_count == 12
    assert rows(counts["by_channel"], "submitters") == {"web": 8, "email": 3, "fax": 1}
    assert rows(counts["by_channel"]) == {"web": 8, "email": 3, "fax": 1}
    assert rows(counts["by_attribute"]) == {"resident": 11, "worker": 1}
    assert [row["label"] for row in counts["by_attribute"]] == ["在住", "在勤"]
    sections = {row["label"]: row["opinions"] for row in counts["by_section"]}
    assert sections == {"第1章 1 計画の背景": 3, "第1章 2 計画の趣旨": 2, "第2章 施策の展開": 6, "": 1}
    assert rows(counts["by_tag"]) == {"情報発信": 1}
    assert rows(counts["by_state"]) == {"pending": 12}
    assert rows(counts["by_category"]) == {"": 12}
    assert sum(day["submissions"] for day in counts["per_day"]) == 12
    assert counts["per_day"][-1]["submissions"] == 12  # all received today, the last day shown


def test_submissions_per_day_counts_japan_dates_and_fills_quiet_days(ctx, make_period, add_opinions, run_jobs):
    period_id = make_period(opens_at=utcnow() - timedelta(days=3))
    today = utcnow()
    # 00:30 in Japan is still the previous day in UTC: it must count on the Japanese day.
    early = jst_start_of_day((today - timedelta(days=2)).date()) + timedelta(minutes=30)
    add_opinions(period_id, [{"text": "一つ目の意見です。", "received_at": early},
                             {"text": "二つ目の意見です。", "received_at": early + timedelta(hours=1)}])
    build(period_id, run_jobs)
    per_day = digest_of(period_id).counts["per_day"]
    by_date = {day["date"]: day["submissions"] for day in per_day}
    assert by_date[(today - timedelta(days=2)).date().isoformat()] == 2
    assert 0 in by_date.values()
    assert len(per_day) == len(set(by_date))


def test_form_letter_is_shown_once_with_what_each_sender_added(ctx, campaign_period, run_jobs):
    period_id, ids = campaign_period
    build(period_id, run_jobs)
    digest = digest_of(period_id)
    clusters = db.session.scalars(select(DigestCluster).where(DigestCluster.digest_id == digest.id)
                                  .order_by(DigestCluster.position)).all()
    letter = clusters[0]
    assert letter.kind == "template" and letter.size == 6
    assert letter.template.replace("。", "") in FORM_LETTER.replace("。", "")
    additions = dict(db.session.execute(select(DigestClusterMember.opinion_id, DigestClusterMember.addition)
                                        .where(DigestClusterMember.cluster_id == letter.id)).all())
    assert [additions[i] for i in ids["letters"]] == ADDITIONS
    duplicate = clusters[1]
    assert duplicate.kind == "exact" and duplicate.size == 2 and "駐車場" in duplicate.sample
    assert digest.counts["clusters"] == {"template": 1, "exact": 1}


def test_keywords_are_given_per_section_and_overall(ctx, campaign_period, run_jobs):
    period_id, _ = campaign_period
    build(period_id, run_jobs)
    keywords = digest_of(period_id).keywords
    overall = dict(keywords["overall"])
    assert overall["公民館"] == 6  # the letter's words count once per copy
    sections = {section["label"]: dict(section["words"]) for section in keywords["sections"]}
    assert "公民館" in sections["第2章 施策の展開"]
    assert "駐車場" in sections["第1章 2 計画の趣旨"]
    assert "公民館" not in sections["第1章 2 計画の趣旨"]


def test_withheld_opinions_are_counted_but_neither_grouped_nor_mined(ctx, make_period, add_opinions, run_jobs):
    period_id = make_period()
    add_opinions(period_id, [{"text": "宣伝です。格安の不動産をご紹介します。", "state": "withheld"},
                             {"text": "宣伝です。格安の不動産をご紹介します。", "state": "withheld"},
                             {"text": "図書館の開館時間を延ばしてください。", "state": "accepted"}])
    build(period_id, run_jobs)
    digest = digest_of(period_id)
    assert rows(digest.counts["by_state"]) == {"accepted": 1, "withheld": 2}
    assert db.session.scalar(select(func.count()).select_from(DigestCluster)) == 0
    assert "不動産" not in dict(digest.keywords["overall"])


def test_a_period_without_opinions_gets_an_empty_but_valid_digest(ctx, make_period, run_jobs):
    period_id = make_period(opens_at=utcnow() - timedelta(days=20))
    run = build(period_id, run_jobs)
    assert run.state == "done"
    digest = digest_of(period_id)
    assert digest.opinion_count == 0 and digest.submission_count == 0
    assert digest.counts["by_channel"] == [] and digest.counts["clusters"] == {}
    assert digest.keywords == {"overall": [], "sections": []}
    assert len(digest.counts["per_day"]) >= 20 and all(day["submissions"] == 0 for day in digest.counts["per_day"])


def test_a_period_deleted_before_the_job_runs_ends_the_run_failed_with_a_reason(ctx, make_period):
    period_id = make_period()
    run = request_digest(db.session.get(CommentPeriod, period_id), actor=None)
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.func.like("%build_period_digest"))).one()
    db.session.delete(db.session.get(CommentPeriod, period_id))
    db.session.flush()
    assert run_outbox_job(job.id) == "done"  # ends cleanly: nothing for RQ to retry
    db.session.refresh(run)
    assert run.state == "failed" and run.error == "period_deleted" and run.finished_at is not None


def test_rebuilding_replaces_the_digest_and_running_a_finished_job_again_changes_nothing(
        ctx, campaign_period, run_jobs):
    period_id, _ = campaign_period
    first = build(period_id, run_jobs)
    first_built = digest_of(period_id).built_at
    second = build(period_id, run_jobs)
    assert second.id != first.id and second.state == "done"
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 1
    digest = digest_of(period_id)
    assert digest.job_run_id == second.id and digest.built_at >= first_built
    assert db.session.scalar(select(func.count()).select_from(DigestCluster)) == 2
    job = next(job for job in db.session.scalars(select(OutboxJob)) if job.args == [second.id])
    assert run_outbox_job(job.id) == "already done"
    job.state = "running"  # as if a worker died after finishing but before saying so
    db.session.commit()
    run_outbox_job(job.id)
    assert digest_of(period_id).id == digest.id


def test_a_closed_period_gets_its_digest_requested_once(ctx, make_period, add_opinions, run_jobs):
    closed = make_period(closes_at=utcnow() - timedelta(minutes=5))
    still_open = make_period()
    add_opinions(closed, [{"text": "閉じた期間の意見です。"}])
    assert request_digests_of_closed_periods() == 1
    db.session.commit()
    dispatch()
    run_jobs()
    assert request_digests_of_closed_periods() == 0
    runs = db.session.scalars(select(JobRun).where(JobRun.kind == "period_digest")).all()
    assert [(run.subject_id, run.state) for run in runs] == [(closed, "done")]
    assert db.session.scalar(select(Digest.id).where(Digest.period_id == still_open)) is None
