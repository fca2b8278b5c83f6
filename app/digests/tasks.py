"""Digest jobs. Each takes a run id, reloads what it needs and is safe to run twice: a rebuild
replaces the digest whole, an export writes a new file, and a finished run is not redone."""

import secrets

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from app.core import runs, spreadsheet
from app.core.jobs import Recurring, job
from app.core.models import JobRun
from app.core.statements import streamed
from app.core.timeutil import to_jst, utcnow
from app.digests import live
from app.digests.builder import compile_digest
from app.digests.models import Digest, DigestCluster, DigestClusterMember, LiveDigest
from app.extensions import db
from app.jobs.services import exports_folder
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from app.submissions.models import Submission

DIGEST = "period_digest"
LIVE_INTERVAL = 300  # seconds between two live updates of the open periods' digests
EXPORT = "digest_export"


def _period_of(run: JobRun) -> CommentPeriod | None:
    return db.session.get(CommentPeriod, run.subject_id) if run.subject_id is not None else None


@job("low")
def build_period_digest(run_id: int) -> None:
    """Compile the period's digest. A period deleted meanwhile ends the run as failed, cleanly."""
    run = runs.begin(run_id)
    if run is None:
        return
    period = _period_of(run)
    if period is None:
        runs.fail(run, "period_deleted")
        return
    with runs.failing(run):
        digest = compile_digest(period, run)
    runs.finish(run, {"digest_id": digest.id, "opinions": digest.opinion_count,
                      "clusters": sum(digest.counts.get("clusters", {}).values())})


@job("low")
def request_digests_of_closed_periods() -> int:
    """Ask once for the digest of each period that has closed: a period counts as handled once any
    digest run for it was requested after its closing time (a staff rebuild counts too)."""
    from app.digests.services import request_digest

    now = utcnow()
    later_run = aliased(JobRun)
    due = db.session.scalars(
        select(CommentPeriod)
        .where(CommentPeriod.status == "scheduled", CommentPeriod.closes_at <= now,
               CommentPeriod.results_published_at.is_(None),
               ~exists().where(later_run.kind == DIGEST, later_run.subject_type == runs.subject_type(CommentPeriod),
                               later_run.subject_id == CommentPeriod.id,
                               later_run.created_at >= CommentPeriod.closes_at))
        .order_by(CommentPeriod.closes_at)
    ).all()
    for period in due:
        request_digest(period, actor=None)
    return len(due)


# --- export ---------------------------------------------------------------------------------

EXPORT_HEADER = ["group", "kind", "group_size", "opinion_id", "receipt_no", "section", "state", "text",
                 "own_addition", "accepted_group_id"]


@job("low")
def export_digest_csv(run_id: int) -> None:
    """The digest's groups of similar opinions as CSV (UTF-8 with BOM, so Excel reads it), one
    row per opinion, for staff to work through offline. Written under instance/exports/."""
    run = runs.begin(run_id)
    if run is None:
        return
    period = _period_of(run)
    if period is None:
        runs.fail(run, "period_deleted")
        return
    digest = db.session.scalar(select(Digest).where(Digest.period_id == period.id))
    if digest is None:
        runs.fail(run, "digest_missing")
        return
    runs.progress(run, 10, "export.writing")
    stored = f"{run.id}-{secrets.token_hex(8)}.csv"
    path = exports_folder() / stored
    rows = streamed(
        select(DigestCluster.position, DigestCluster.kind, DigestCluster.size, Opinion.id, Submission.receipt_no,
               Section.label, Section.title, Opinion.state, Opinion.excerpt, DigestClusterMember.addition,
               DigestCluster.accepted_group_id)
        .join(DigestClusterMember, DigestClusterMember.cluster_id == DigestCluster.id)
        .join(Opinion, Opinion.id == DigestClusterMember.opinion_id)
        .join(Submission, Submission.id == Opinion.submission_id)
        .outerjoin(Section, Section.id == Opinion.section_id)
        .where(DigestCluster.digest_id == digest.id)
        .order_by(DigestCluster.position, Opinion.id),
        5000,
    )
    count = 0
    with spreadsheet.open_csv(path) as handle:
        writer = spreadsheet.CsvWriter(handle)
        writer.writerow(EXPORT_HEADER)
        for position, kind, size, opinion_id, receipt, label, title, state, excerpt, addition, group_id in rows:
            section = f"{label or ''} {title or ''}".strip()
            writer.writerow([position + 1, kind, size, opinion_id, receipt, section, state, excerpt, addition,
                             group_id or ""])
            count += 1
    built = to_jst(digest.built_at).strftime("%Y%m%d-%H%M")
    runs.finish(run, {"files": [{"name": f"digest-period{period.id}-{built}.csv", "stored": stored,
                                 "type": spreadsheet.CSV_MIMETYPE, "size": path.stat().st_size}], "rows": count})


@job("low")
def update_live_digests() -> int:
    """Bring the digest of every open period up to date with the opinions added since the last time
    (``live``), each period in its own transaction; a period whose full rebuild is under way waits
    for the next tick. The live state of periods no longer open is dropped (their digests stay)."""
    now = utcnow()
    open_ids = db.session.scalars(
        select(CommentPeriod.id)
        .where(CommentPeriod.status == "scheduled", CommentPeriod.opens_at <= now, CommentPeriod.closes_at > now,
               CommentPeriod.results_published_at.is_(None))
        .order_by(CommentPeriod.id)
    ).all()
    for period_id in db.session.scalars(select(LiveDigest.period_id).where(LiveDigest.period_id.not_in(open_ids))):
        live.forget(period_id)
    db.session.commit()
    updated = 0
    for period_id in open_ids:
        if runs.active_run(DIGEST, runs.subject_type(CommentPeriod), period_id) is not None:
            continue
        live.update_live_digest(db.session.get(CommentPeriod, period_id))
        db.session.commit()
        updated += 1
    return updated


SCHEDULE = [
    # A period closes at its closing second; its digest is asked for within the minute after.
    Recurring(request_digests_of_closed_periods, interval=60),
    # While it is open, its digest follows the new opinions every five minutes.
    Recurring(update_live_digests, interval=LIVE_INTERVAL),
]
