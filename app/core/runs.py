"""Visible background work: a ``JobRun`` row per digest, import or export, with progress.

The view calls ``start_run`` with the job (a ``@job`` function taking the run's id) inside its
transaction: the row and its outbox job commit together, and the job runs on its own queue. The job
reports with ``progress`` and ends with ``finish`` or ``fail``. Staff pages poll the row.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zlib import crc32

from sqlalchemy import func as sql
from sqlalchemy import select

from app.core.jobs import JobFunction
from app.core.models import JobRun
from app.core.timeutil import utcnow
from app.extensions import db

ACTIVE = ("queued", "running")
# The one name runs about each kind of thing are stored under, whichever feature starts them: which
# run is active and who may follow it (signals.job_run_access) are decided by it.
SUBJECT_TYPES = {"CommentPeriod": "period", "Survey": "survey"}


def subject_type(model: type) -> str:
    return SUBJECT_TYPES[model.__name__]


def run_subject(subject) -> dict[str, Any]:
    """``start_run``'s subject arguments for a run about ``subject`` (a CommentPeriod or a Survey)."""
    return {"subject_type": subject_type(type(subject)), "subject_id": subject.id}


def active_run(kind: str, subject_type: str, subject_id: int | None) -> JobRun | None:
    return db.session.scalar(
        select(JobRun).where(JobRun.kind == kind, JobRun.subject_type == subject_type,
                             JobRun.subject_id == subject_id, JobRun.state.in_(ACTIVE))
        .order_by(JobRun.id.desc()).limit(1)
    )


def latest_run(kind: str, subject, *, done: bool = False) -> JobRun | None:
    """The newest run of ``kind`` about ``subject`` (a CommentPeriod); with ``done``, the newest finished one."""
    query = select(JobRun).where(JobRun.kind == kind, JobRun.subject_type == subject_type(type(subject)),
                                 JobRun.subject_id == subject.id)
    if done:
        query = query.where(JobRun.state == "done")
    return db.session.scalar(query.order_by(JobRun.id.desc()).limit(1))


def start_run(kind: str, func: JobFunction, *, subject_type: str = "", subject_id: int | None = None,
              params: dict[str, Any] | None = None, actor=None) -> JobRun:
    """Create the run and ask for ``func(run_id)``. Asking again while one is active returns that one,
    even when two requests ask at the same instant (the second waits for the first to commit)."""
    if not isinstance(func, JobFunction):
        raise TypeError(f"start_run takes a function declared with @job, not {func!r}")
    _lock_subject(kind, subject_type, subject_id)
    existing = active_run(kind, subject_type, subject_id)
    if existing is not None:
        return existing
    run = JobRun(kind=kind, func=func.path, subject_type=subject_type, subject_id=subject_id, params=params or {},
                 created_by_id=getattr(actor, "id", None))
    db.session.add(run)
    db.session.flush()
    func.delay(run.id)
    return run


def _lock_subject(kind: str, subject_type: str, subject_id: int | None) -> None:
    """Serialise start_run per (kind, subject) until the transaction ends. PostgreSQL takes an
    advisory lock; SQLite needs none, as its transactions already write one at a time."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = crc32(f"{kind}:{subject_type}:{subject_id}".encode()) - 2**31
    db.session.execute(select(sql.pg_advisory_xact_lock(key)))


def begin(run_id: int) -> JobRun | None:
    """Mark the run as running and commit, so the progress bar moves. None if it is gone, or if it
    already finished (a job run twice must not redo finished work)."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.state == "done":
        return None
    run.state = "running"
    run.started_at = run.started_at or utcnow()
    run.progress = 0
    run.error = ""
    db.session.commit()
    return run


def progress(run: JobRun, percent: int, step: str = "") -> None:
    run.progress = max(0, min(100, int(percent)))
    run.step = step[:200]
    db.session.commit()


def finish(run: JobRun, result: dict[str, Any] | None = None) -> None:
    run.state = "done"
    run.progress = 100
    run.result = result or {}
    run.finished_at = utcnow()
    db.session.commit()


def fail(run: JobRun, error: str) -> None:
    """End the run as failed. ``error`` is shown to staff: a short code the feature translates
    (see ``app.jobs.services.ERRORS``) or an exception's text."""
    run.state = "failed"
    run.error = error[:4000]
    run.finished_at = utcnow()
    db.session.commit()


@contextmanager
def failing(run: JobRun, cleanup: Callable[[], None] | None = None) -> Iterator[None]:
    """The work of a run: an exception rolls back what the work wrote, runs ``cleanup`` (a file half
    written), ends the run as failed with the exception's text, and is raised again so the queue
    records it too."""
    try:
        yield
    except Exception as exc:
        db.session.rollback()
        if cleanup is not None:
            cleanup()
        fail(run, f"{type(exc).__name__}: {exc}")
        raise
