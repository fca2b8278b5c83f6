"""Background jobs through an outbox.

A job is a module-level function declared with its queue, ``@job("high")``, taking ids and plain
values. Tests and the worker call it directly; a service asks for it with ``func.delay(*args)``
inside its transaction, which writes an ``OutboxJob`` row naming the function by its dotted path
and nothing else. Only when the transaction commits are the new rows handed to RQ (``dispatch``), so
a rolled-back change enqueues nothing, and when Redis is down the rows stay ``pending`` for
``drain_outbox``. With no ``REDIS_URL`` the same path runs the job inline through RQ's synchronous
mode. Recurring work is declared as data, ``Recurring(func, cron=...)`` in a feature's
``tasks.SCHEDULE`` (see ``workers/schedule.py``).

Delivery is at least once (RQ retries with backoff, and the drain re-hands rows whose RQ job was
lost); every job is written to be safe to run twice, and mail is kept at most once by
``MailDelivery``. The outbox row is what admins see: its state, attempts and last error.
"""

import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, update_wrapper
from importlib import import_module
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus, get_current_job
from rq.serializers import JSONSerializer
from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy import func as sql
from sqlalchemy.orm import Session, make_transient_to_detached

from app.core.models import OutboxJob, new_job_id
from app.core.statements import one_of
from app.core.timeutil import utcnow
from app.extensions import db

log = logging.getLogger(__name__)
QUEUES = ("high", "default", "low")
# Seconds before the first, second and third retry; JOB_RETRY_INTERVALS in the config overrides it.
RETRY_INTERVALS = [10, 60, 300]
# A job that has not finished in this long is killed by RQ and retried (digests of 100k opinions
# take well under a minute).
JOB_TIMEOUT = 30 * 60
# RQ states in which an enqueued job will still run on its own: enqueueing it again would run it twice.
_LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# Rows handed over (or running) this long ago are checked against RQ by the drain.
STUCK_AFTER = timedelta(minutes=2)
# What the workers' drainer listens on (PostgreSQL), see ``drainer_mode``.
NOTIFY_CHANNEL = "meyasu_outbox"
_current_job_id: ContextVar[str | None] = ContextVar("current_job_id", default=None)


# Jobs that moved to another module, by the path rows written before the move still name.
MOVED = {
    "app.moderation.tasks.notify_submitter_outcome": "app.responses.tasks.notify_submitter_outcome",
}


class JobFunction:
    """A job: call it to run it here and now, ``.delay(*args)`` to run it after commit in a worker."""

    def __init__(self, func: Callable[..., Any], queue: str):
        if queue not in QUEUES:
            raise ValueError(f"{func.__qualname__}: unknown queue {queue!r}")
        if "<locals>" in func.__qualname__:
            raise ValueError(f"{func.__qualname__}: a job must be a module-level function the worker can import")
        update_wrapper(self, func)
        self.func = func
        self.queue = queue
        # What the outbox row stores and the worker imports.
        self.path = f"{func.__module__}.{func.__qualname__}"
        # How several rows of this job run at once when they come in one batch, if declared (``runs_together``).
        self.together: Callable[[list[tuple[str, list]]], dict[str, Exception]] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def runs_together(self, func: Callable[[list[tuple[str, list]]], dict[str, Exception]]):
        """Declare how rows of this job that came in one batch (``run_outbox_batch``) run together:
        ``func(calls)`` gets their (outbox id, arguments) in order, does each as the job would, and returns
        the rows that failed with what stopped them. Its writes for the others are committed by the runner
        in one transaction with their "done"; anything that must be durable before a row's work goes on
        (a mail's claim) it commits itself, as the job does."""
        self.together = func
        return func

    def delay(self, *args: Any) -> OutboxJob:
        """Ask for ``self(*args)`` to run on the job's queue once the current transaction commits."""
        return request_job(self.path, *args, queue=self.queue)

    def __repr__(self) -> str:
        return f"<job {self.path} on {self.queue!r}>"


def job(queue: str = "default") -> Callable[[Callable[..., Any]], JobFunction]:
    """Declare a background job and the queue it runs on: ``high`` for mail a person waits for,
    ``default`` for short work, ``low`` for long runs (digests, imports, exports)."""
    return lambda func: JobFunction(func, queue)


@dataclass(frozen=True)
class Recurring:
    """A job run on a schedule, declared as data in a feature's ``tasks.SCHEDULE`` list.

    ``func`` is a ``@job`` function taking JSON ``args``; it runs in the worker inside the app
    context, on the job's own queue, and its changes are committed afterwards. Give either ``cron``
    (a crontab line, read in Japan time) or ``interval`` (seconds). ``name`` (the job's path unless
    given) is its id in the scheduler.
    """

    func: JobFunction
    cron: str | None = None
    interval: int | None = None
    args: tuple = ()
    name: str = ""

    def __post_init__(self):
        if not isinstance(self.func, JobFunction):
            raise TypeError(f"{self.func!r}: a recurring job is a function declared with @job(queue)")
        if (self.cron is None) == (self.interval is None):
            raise ValueError(f"{self.func.path}: give either cron or interval")
        if not self.name:
            object.__setattr__(self, "name", self.func.path)

    @property
    def queue(self) -> str:
        return self.func.queue


def request_job(func: str, *args: Any, queue: str = "default") -> OutboxJob:
    """The outbox row for ``func`` (a dotted path) with ``args``: what ``JobFunction.delay`` writes.
    Features call ``job_function.delay(...)``, never this with a path of their own."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    _json_args(func, args)
    row = OutboxJob(id=new_job_id(), func=func, args=list(args), queue=queue, state="pending", attempts=0, error="",
                    created_at=utcnow(), enqueued_at=None, finished_at=None)
    # One Core insert, then the object joins the session as the row it now is: flushing it cost a web
    # send more CPU than the statement (bench/README.md). ``_collect_new_jobs`` does not see it, so it
    # is remembered here for the hand-over after commit.
    values = {column: getattr(row, column) for column in _OUTBOX_COLUMNS}
    if drainer_mode() and db.session.get_bind().dialect.name == "postgresql":
        # The row and the drainer's wake-up in one statement; the notice goes out at commit, if any.
        db.session.execute(_INSERT_OUTBOX_AND_NOTIFY, values)
    else:
        db.session.execute(_INSERT_OUTBOX, values)
    make_transient_to_detached(row)
    db.session.add(row)
    db.session.info.setdefault("outbox_new", []).append((row.id, queue, True))
    return row


_OUTBOX_COLUMNS = [column.key for column in OutboxJob.__table__.columns]
_INSERT_OUTBOX = insert(OutboxJob.__table__)
# The insert reads its one row from a subquery that notifies, so a row and its notice go in one statement.
# Built from the table's own column names and a constant channel name: nothing from a request.
_INSERT_OUTBOX_AND_NOTIFY = text(
    f"INSERT INTO outbox_jobs ({', '.join(_OUTBOX_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(':' + column for column in _OUTBOX_COLUMNS)} "
    f"FROM (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) AS notified"
).bindparams(*[bindparam(column, type_=OutboxJob.__table__.c[column].type) for column in _OUTBOX_COLUMNS])


def _json_args(func: str, args: tuple) -> str:
    try:
        return json.dumps(args)
    except TypeError as exc:
        raise TypeError(f"{func}: job arguments must be JSON values (ids, strings): {exc}") from None


# --- an outbox row written by a feature's own statement (PostgreSQL) ---
# A send writes its rows and the receipt mail's outbox row in one statement (app/submissions/pgsend.py):
# the row's values are bound as ``outbox_<column>``, the statement inserts it with ``outbox_insert_sql``,
# and ``outbox_written`` hands it over after commit, as ``delay`` does its own.

_OUTBOX_TABLE = OutboxJob.__table__
OUTBOX_ARGS = ":outbox_args"  # the arguments as JSON text, for a statement that fills some of them in


def outbox_row(job_function: JobFunction, *args: Any) -> dict[str, Any]:
    """The bound values of an outbox row for ``job_function(*args)``, checked as ``delay`` checks them."""
    return {"outbox_id": new_job_id(), "outbox_func": job_function.path,
            "outbox_args": _json_args(job_function.path, args), "outbox_queue": job_function.queue,
            "outbox_state": "pending", "outbox_attempts": 0, "outbox_error": "", "outbox_created_at": utcnow(),
            "outbox_enqueued_at": None, "outbox_finished_at": None, "outbox_rq_job_id": None}


def outbox_bindparams() -> list:
    """The typed bind parameters of ``outbox_row``'s values, for the caller's ``text()``."""
    return [bindparam(f"outbox_{column.key}", type_=column.type) for column in _OUTBOX_TABLE.columns
            if column.key != "args"]


def outbox_insert_sql(source: str, args_sql: str = f"CAST({OUTBOX_ARGS} AS json)", *, wake: bool) -> str:
    """An ``INSERT`` for the caller's ``WITH``: one outbox row of ``outbox_row``'s values for each row of
    ``source`` (a name in the statement, so no row when it has none), with ``args_sql`` as the arguments;
    with ``wake`` (``drainer_mode``) the drainer is notified at commit, as ``request_job`` does. Built
    from the table's own column names and the caller's constant SQL: nothing from a request."""
    values = [args_sql if column == "args" else f":outbox_{column}" for column in _OUTBOX_COLUMNS]
    woken = f", (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) AS notified" if wake else ""
    return (f"INSERT INTO outbox_jobs ({', '.join(_OUTBOX_COLUMNS)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM {source}{woken}")


def outbox_written(row: dict[str, Any], *, committed: bool = False) -> None:
    """The row ``outbox_row`` made is in the transaction: hand it over after commit (``dispatch``).
    ``committed``: the statement that wrote it was a transaction of its own (``app.core.autocommit``), so
    the row is there already and goes at the end of the request with no commit of the session."""
    entry = (row["outbox_id"], row["outbox_queue"], True)
    db.session.info.setdefault("outbox_ready" if committed else "outbox_new", []).append(entry)


def current_job_id() -> str | None:
    """The outbox id of the job now running, for jobs that must act at most once."""
    return _current_job_id.get()


# --- the session hooks: remember which rows a transaction created, release them on commit ---


@event.listens_for(Session, "after_flush")
def _collect_new_jobs(session: Session, flush_context) -> None:
    new = [(obj.id, obj.queue, True) for obj in session.new if isinstance(obj, OutboxJob)]
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


def drainer_mode() -> bool:
    """Whether new outbox rows are left to the workers' drainer (``OUTBOX_DRAINER``, with Redis): the
    request then only writes its row (and on PostgreSQL notifies the drainer in the same transaction)
    instead of two round trips to Redis after its commit. Without Redis jobs still run inline."""
    config = current_app.config
    return bool(config.get("REDIS_URL")) and bool(config.get("OUTBOX_DRAINER"))


def dispatch() -> int:
    """Enqueue the jobs whose transaction has committed. Returns how many reached the queue."""
    rows = db.session.info.pop("outbox_ready", None)
    if not rows:
        return 0
    if drainer_mode():
        # New rows are the drainer's (``drain_new``); a row sent round again by an admin goes now.
        rows = [row for row in rows if not row[2]]
    # Rows this transaction created (fresh): nobody can have handed them to RQ yet.
    fresh = [(job_id, queue) for job_id, queue, created in rows if created]
    again = [(job_id, queue) for job_id, queue, created in rows if not created]
    return (enqueue_rows(fresh, fresh=True) if fresh else 0) + (enqueue_rows(again) if again else 0)


def retry_policy() -> Retry:
    intervals = list(current_app.config.get("JOB_RETRY_INTERVALS") or RETRY_INTERVALS)
    return Retry(max=len(intervals), interval=intervals)


def enqueue_rows(rows: list[tuple[str, str]], *, fresh: bool = False, mark: bool = False) -> int:
    """Hand outbox rows (id, queue) to RQ under their own ids. A row whose RQ job is still waiting or
    running is left alone, so handing a row over twice never runs it twice; ``fresh`` rows, just
    committed, skip that look-up and keep their state (see below)."""
    sent: list[str] = []
    for job_id, queue_name in rows:
        try:
            queue = get_queue(queue_name)
            existing = queue.fetch_job(job_id) if queue.is_async and not fresh else None
            if existing is not None and existing.get_status(refresh=False) == JobStatus.FAILED:
                queue.failed_job_registry.remove(job_id)
            if existing is None or not will_run(queue, existing):
                _enqueue(queue, run_outbox_job, job_id, job_id)
        except RedisError as exc:
            # The row stays pending; drain_outbox will hand it over when Redis is back.
            log.warning("could not enqueue job %s: %s", job_id, exc)
            break
        sent.append(job_id)
    # Fresh rows stay "pending" until their worker marks them running: writing "enqueued" cost the
    # request a second transaction (bench/README.md). A pending row older than the drain's margin is
    # checked against RQ and left alone while its job waits, so nothing runs twice.
    if sent and (mark or not fresh) and current_app.config.get("REDIS_URL"):
        _mark_enqueued(sent, None)
        db.session.commit()
    return len(sent)


def _enqueue(queue: Queue, func: Callable[..., Any], argument: Any, rq_job_id: str) -> None:
    queue.enqueue_call(
        func=func,
        args=[argument],
        job_id=rq_job_id,
        retry=retry_policy(),
        timeout=current_app.config.get("JOB_TIMEOUT", JOB_TIMEOUT),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def _mark_enqueued(job_ids: list[str], rq_job_id: str | None) -> None:
    db.session.execute(_enqueued(_dialect()), {"rows": job_ids, "at": utcnow(), "rq_job_id": rq_job_id})


def _dialect() -> str:
    return db.session.get_bind().dialect.name


_OUTBOX = OutboxJob.__table__


# The outbox's statements over a list of rows, built once per dialect: each names its rows by ``one_of``.
@cache
def _enqueued(dialect: str):
    return (update(_OUTBOX).where(one_of(_OUTBOX.c.id, "rows", dialect), _OUTBOX.c.state == "pending")
            .values(state="enqueued", enqueued_at=bindparam("at"), rq_job_id=bindparam("rq_job_id")))


@cache
def _claimed(dialect: str):
    return (update(_OUTBOX).where(one_of(_OUTBOX.c.id, "rows", dialect), _OUTBOX.c.state != "done")
            .values(state="running", attempts=_OUTBOX.c.attempts + 1)
            .returning(_OUTBOX.c.id, _OUTBOX.c.func, _OUTBOX.c.args))


@cache
def _done(dialect: str):
    return (update(_OUTBOX).where(one_of(_OUTBOX.c.id, "rows", dialect))
            .values(state="done", error="", finished_at=bindparam("at")))


def will_run(queue: Queue, rq_job: Job) -> bool:
    """Whether RQ still holds this job to run: waiting in its queue, running, or waiting for a retry.

    A job that says "queued" but is not in its queue's list was taken by a worker that lost Redis
    (or died) before it could start it: nothing would ever run it.
    """
    status = rq_job.get_status(refresh=False)
    if status == JobStatus.QUEUED:
        return queue.get_job_position(rq_job.id) is not None
    return status in _LIVE


@job("high")
def drain_outbox(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Hand over jobs left pending (Redis was down, or the process died between commit and enqueue),
    and settle rows whose RQ job was lost or gave up. Returns how many rows reached the queue."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        select(OutboxJob.id, OutboxJob.queue)
        .where(OutboxJob.state == "pending", OutboxJob.created_at <= cutoff)
        .order_by(OutboxJob.created_at)
        .limit(1000)
    ).all()
    handed = enqueue_rows([(row.id, row.queue) for row in rows])
    if current_app.config.get("REDIS_URL"):
        try:
            handed += _settle_stuck(utcnow() - STUCK_AFTER)
        except RedisError as exc:
            log.warning("could not check stuck jobs: %s", exc)
    return handed


def drain_new(limit: int = 200) -> int:
    """Hand the new outbox rows to RQ: what the workers' drainer runs when it is woken (a NOTIFY on
    PostgreSQL) or every short while. Rows another drainer is handing over are skipped (SKIP LOCKED);
    a row is marked ``enqueued`` only while still ``pending``, in the transaction that held it.

    Rows that waited together for the same queue go as one RQ job of up to ``OUTBOX_BATCH`` rows
    (``run_outbox_batch``): RQ's own bookkeeping, some twenty round trips to Redis a job, cost a worker
    more than a receipt mail itself. A row alone goes as its own job, so a quiet moment adds no wait."""
    query = (select(OutboxJob.id, OutboxJob.queue).where(OutboxJob.state == "pending")
             .order_by(OutboxJob.created_at).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.execute(query).all()
    if not rows:
        db.session.rollback()
        return 0
    size = max(1, current_app.config.get("OUTBOX_BATCH", 1))
    by_queue: dict[str, list[str]] = {}
    for row in rows:
        by_queue.setdefault(row.queue, []).append(row.id)
    handed = 0
    # One commit at the end: the rows stay locked against the other drainers until all are marked.
    for queue_name, job_ids in by_queue.items():
        for start in range(0, len(job_ids), size):
            if not _hand_over(queue_name, job_ids[start:start + size]):
                db.session.commit()  # what was handed over stays marked; the rest wait for the next drain
                return handed
            handed += len(job_ids[start:start + size])
    db.session.commit()
    return handed


def _hand_over(queue_name: str, job_ids: list[str]) -> bool:
    """Fresh rows to RQ, a row alone as its own job under its own id, several as one ``run_outbox_batch``
    job that each row names; marked ``enqueued`` in the caller's transaction. False if Redis is away."""
    alone = len(job_ids) == 1
    rq_job_id = job_ids[0] if alone else new_job_id()
    try:
        _enqueue(get_queue(queue_name), run_outbox_job if alone else run_outbox_batch,
                 job_ids[0] if alone else job_ids, rq_job_id)
    except RedisError as exc:
        log.warning("could not enqueue %d job(s): %s", len(job_ids), exc)
        return False
    _mark_enqueued(job_ids, None if alone else rq_job_id)
    return True


def _settle_stuck(cutoff) -> int:
    """Rows that left the outbox a while ago but never finished. If Redis lost their job (a restart
    without persistence, or a worker that took it and lost Redis before starting it), hand them over
    again; if RQ gave up on them (retries used up, or the worker died with none left), mark them
    failed so that admins see them. A job still waiting in a long queue, running or waiting for a
    retry is left alone, so the check can come soon."""
    rows = db.session.scalars(
        select(OutboxJob)
        .where(OutboxJob.state.in_(("enqueued", "running", "retrying")),
               sql.coalesce(OutboxJob.enqueued_at, OutboxJob.created_at) <= cutoff)
        .limit(1000)
    ).all()
    lost: list[tuple[str, str]] = []
    for row in rows:
        queue = get_queue(row.queue)
        rq_job = queue.fetch_job(row.carried_by)
        status = rq_job.get_status(refresh=False) if rq_job is not None else None
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            row.state = "failed"
            row.error = row.error or _last_line(rq_job) or f"RQ job {status.value}"
        elif rq_job is None or not will_run(queue, rq_job):
            row.rq_job_id = None  # handed over again on its own, under its own id
            lost.append((row.id, row.queue))
    db.session.commit()
    return enqueue_rows(lost) if lost else 0


def _last_line(rq_job: Job) -> str:
    result = rq_job.latest_result()
    text = (getattr(result, "exc_string", "") or "").strip()
    return text.splitlines()[-1][:4000] if text else ""


def resolve(dotted: str):
    """The function an outbox row, a run or a scheduler tick names (its new home if it moved)."""
    module_name, _, attr = MOVED.get(dotted, dotted).rpartition(".")
    return getattr(import_module(module_name), attr)


def run_outbox_job(job_id: str) -> str:
    """What the worker runs: the outbox row's function, once. Safe to run twice: a row already done
    is skipped, and the functions themselves are idempotent (mail checks ``MailDelivery``)."""
    claimed = claim(job_id)
    if job_id not in claimed:
        return "missing" if db.session.get(OutboxJob, job_id) is None else "already done"
    run_claimed(job_id, *claimed[job_id])
    dispatch()
    return "done"


def claim(*job_ids: str) -> dict[str, tuple[str, list]]:
    """Mark the rows not yet done ``running``, each with one more attempt, in one statement and one commit
    (a batch's rows then show ``running`` while they wait their turn, a few milliseconds each). Their
    function and arguments, by id; a row missing or done is not there."""
    rows = db.session.execute(_claimed(_dialect()), {"rows": list(job_ids)}).all()
    db.session.commit()
    return {row.id: (row.func, row.args) for row in rows}


def run_claimed(job_id: str, func: str, args: list) -> None:
    """Run a claimed row's function; the work and the row saying it is done, in one commit."""
    token = _current_job_id.set(job_id)
    try:
        resolve(func)(*args)
        # A Core statement built once, not a reload of the row (nor an ORM update, which looks through
        # the session for the row to change it there too).
        db.session.execute(_done(_dialect()), {"rows": [job_id], "at": utcnow()})
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _mark_failed(job_id, exc)
        raise
    finally:
        _current_job_id.reset(token)


def _mark_failed(job_id: str, exc: BaseException) -> None:
    job = db.session.get(OutboxJob, job_id)
    rq_job = get_current_job()
    # While RQ still has a retry to make the row says so; "failed" is for admins to act on.
    job.state = "retrying" if rq_job is not None and (rq_job.retries_left or 0) > 0 else "failed"
    job.error = f"{type(exc).__name__}: {exc}"[:4000]
    db.session.commit()


class BatchIncomplete(Exception):
    """Some rows of a batch failed: RQ retries the batch, and the rows already done are skipped."""


def run_outbox_batch(job_ids: list[str]) -> str:
    """What the worker runs for rows the drainer handed over together: claimed together (one commit, not
    one a row: bench/README.md, eleventh session), then each row's function as ``run_outbox_job`` runs it,
    one after another, or, for a function that declares how (``JobFunction.runs_together``), its rows in
    one call and marked done in one statement and one commit. A row that fails is marked as it would be
    alone and does not stop the others; the batch then fails so that RQ retries it."""
    from rq.timeouts import JobTimeoutException

    claimed = claim(*job_ids)
    by_function: dict[str, list[tuple[str, list]]] = {}
    for job_id in job_ids:
        if job_id in claimed:
            func, args = claimed[job_id]
            by_function.setdefault(func, []).append((job_id, args))
    failed: list[str] = []
    for func, calls in by_function.items():
        together = getattr(resolve(func), "together", None)
        if together is not None and len(calls) > 1:
            failed += _run_together(together, calls)
            continue
        for job_id, args in calls:
            try:
                run_claimed(job_id, func, args)
            except JobTimeoutException:
                raise
            except Exception:
                log.exception("outbox job %s failed in a batch", job_id)
                failed.append(job_id)
                continue
            dispatch()
    if failed:
        raise BatchIncomplete(f"{len(failed)} of {len(job_ids)} jobs failed: {', '.join(failed)}")
    return "done"


def _run_together(together: Callable, calls: list[tuple[str, list]]) -> list[str]:
    """Rows of one function run by its ``together``: the done ones marked so with its writes in one commit,
    then each failed one as ``run_claimed`` marks it. The ids that failed."""
    failures = together(calls)
    done = [job_id for job_id, _args in calls if job_id not in failures]
    if done:
        db.session.execute(_done(_dialect()), {"rows": done, "at": utcnow()})
    db.session.commit()
    for job_id, exc in failures.items():
        log.error("outbox job %s failed in a batch", job_id, exc_info=exc)
        _mark_failed(job_id, exc)
    dispatch()
    return list(failures)


def retry_outbox_job(job: OutboxJob, *, actor) -> OutboxJob:
    """Send a failed job round again (an admin's Retry). A job that already succeeded is left as it
    is: retrying it must not send anything twice."""
    from app.core.audit import record_audit

    if job.state != "failed":
        return job
    job.state = "pending"
    job.error = ""
    job.rq_job_id = None
    db.session.flush()
    # Handed to RQ by ``dispatch`` once the caller commits, like a new row.
    db.session.info.setdefault("outbox_new", []).append((job.id, job.queue, False))
    record_audit("job.retry", job, actor=actor, details={"func": job.func})
    return job
