"""Background jobs through an outbox.

A service calls ``request_job`` inside its transaction: that writes an ``OutboxJob`` row and nothing
else. Only when the transaction commits are the new rows handed to RQ (``dispatch``), so a rolled-back
change enqueues nothing, and when Redis is down the rows stay ``pending`` for ``drain_outbox``.
With no ``REDIS_URL`` the same path runs the job inline through RQ's synchronous mode.
"""

import logging
from contextvars import ContextVar
from datetime import timedelta
from importlib import import_module
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.serializers import JSONSerializer
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.core.models import OutboxJob
from app.core.timeutil import utcnow
from app.extensions import db

log = logging.getLogger(__name__)
QUEUES = ("high", "default", "low")
RETRY_INTERVALS = [10, 60, 300]
_current_job_id: ContextVar[str | None] = ContextVar("current_job_id", default=None)


def request_job(func: str, *args: Any, queue: str = "default") -> OutboxJob:
    """Ask for ``func(*args)`` to run once the current transaction commits. Args must be JSON."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    job = OutboxJob(func=func, args=list(args), queue=queue)
    db.session.add(job)
    db.session.flush()
    return job


def current_job_id() -> str | None:
    """The outbox id of the job now running, for jobs that must act at most once."""
    return _current_job_id.get()


# --- the session hooks: remember which rows a transaction created, release them on commit ---


@event.listens_for(Session, "after_flush")
def _collect_new_jobs(session: Session, flush_context) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxJob)]
    if new:
        session.info.setdefault("outbox_new", []).extend(new)


@event.listens_for(Session, "after_commit")
def _release_on_commit(session: Session) -> None:
    new = session.info.pop("outbox_new", None)
    if new:
        session.info.setdefault("outbox_ready", []).extend(new)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("outbox_new", None)


# --- handing jobs to RQ ---


def redis_connection() -> Redis:
    """The app's Redis, or an in-process stand-in when none is configured (inline mode)."""
    app = current_app._get_current_object()
    conn = app.extensions.get("meyasu_redis")
    if conn is None:
        url = app.config.get("REDIS_URL")
        if url:
            conn = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        else:
            import fakeredis

            conn = fakeredis.FakeRedis()
        app.extensions["meyasu_redis"] = conn
    return conn


def get_queue(name: str = "default") -> Queue:
    inline = not current_app.config.get("REDIS_URL")
    return Queue(name, connection=redis_connection(), serializer=JSONSerializer, is_async=not inline)


def dispatch() -> int:
    """Enqueue the jobs whose transaction has committed. Returns how many reached the queue."""
    ids = db.session.info.pop("outbox_ready", None)
    if not ids:
        return 0
    rows = db.session.scalars(select(OutboxJob).where(OutboxJob.id.in_(ids))).all()
    return enqueue_rows([(row.id, row.queue) for row in rows])


def enqueue_rows(rows: list[tuple[str, str]]) -> int:
    sent: list[str] = []
    for job_id, queue in rows:
        try:
            get_queue(queue).enqueue_call(
                func=run_outbox_job,
                args=[job_id],
                job_id=job_id,
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as exc:
            # The row stays pending; drain_outbox will hand it over when Redis is back.
            log.warning("could not enqueue job %s: %s", job_id, exc)
            break
        sent.append(job_id)
    if sent and current_app.config.get("REDIS_URL"):
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(sent), OutboxJob.state == "pending")
            .values(state="enqueued", enqueued_at=utcnow())
        )
        db.session.commit()
    return len(sent)


def drain_outbox(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Hand over jobs left pending (Redis was down, or the process died between commit and enqueue)."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        select(OutboxJob.id, OutboxJob.queue)
        .where(OutboxJob.state == "pending", OutboxJob.created_at <= cutoff)
        .order_by(OutboxJob.created_at)
        .limit(1000)
    ).all()
    return enqueue_rows([(row.id, row.queue) for row in rows])


def resolve(dotted: str):
    module_name, _, attr = dotted.rpartition(".")
    return getattr(import_module(module_name), attr)


def run_outbox_job(job_id: str) -> str:
    """What the worker runs: the outbox row's function, once. Safe to run twice."""
    job = db.session.get(OutboxJob, job_id)
    if job is None:
        return "missing"
    if job.state == "done":
        return "already done"
    job.state = "running"
    job.attempts += 1
    db.session.commit()
    token = _current_job_id.set(job_id)
    try:
        resolve(job.func)(*job.args)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(OutboxJob, job_id)
        job.state = "failed"
        job.error = f"{type(exc).__name__}: {exc}"[:4000]
        db.session.commit()
        raise
    finally:
        _current_job_id.reset(token)
    job.state = "done"
    job.error = ""
    job.finished_at = utcnow()
    db.session.commit()
    dispatch()
    return "done"
