"""The recurring jobs, gathered in one list and run by RQ's own cron scheduler.

Each feature declares its recurring work as data, ``SCHEDULE = [Recurring(...)]`` in its tasks
module; this module collects those lists (plus the outbox drain, which belongs to no feature) and
hands them to ``rq.cron.CronScheduler``. Start it with ``python -m workers --scheduler``: one
scheduler process for the whole site, beside as many workers as needed.
"""

from importlib import import_module

from flask import Flask
from rq import Queue, cron_job_registry
from rq.cron import CronJob, CronScheduler
from rq.defaults import DEFAULT_CRON_JOB_HISTORY_LIMIT, DEFAULT_CRON_JOB_HISTORY_TTL
from rq.job import Job
from rq.serializers import JSONSerializer

from app.core.jobs import Recurring, dispatch, redis_connection, resolve
from app.extensions import db

# Feature modules that may declare a SCHEDULE. A module of a feature not built yet is skipped.
FEATURE_MODULES = ("app.digests.tasks", "app.moderation.tasks", "app.workshops.tasks", "app.surveys.tasks")

CORE_SCHEDULE = [
    # Jobs whose enqueue failed (Redis down) or whose RQ job was lost go out within a minute.
    Recurring("app.core.jobs.drain_outbox", interval=60, queue="high"),
    # Personal data past the city's retention period (app.core.retention), every night.
    Recurring("app.core.retention.run_purge", cron="15 3 * * *", queue="low"),
]


def _missing(exc: ModuleNotFoundError, name: str) -> bool:
    """True when the module itself (or its package) does not exist, not when it fails to import."""
    return exc.name is not None and (name == exc.name or name.startswith(exc.name + "."))


def collect() -> list[Recurring]:
    """Every recurring job: the core ones, then each feature's ``SCHEDULE`` in FEATURE_MODULES order."""
    entries = list(CORE_SCHEDULE)
    for name in FEATURE_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if not _missing(exc, name):
                raise
            continue
        for entry in getattr(module, "SCHEDULE", []):
            entries.append(entry if isinstance(entry, Recurring) else Recurring(**entry))
    names = [entry.name or entry.func for entry in entries]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"recurring jobs declared twice: {', '.join(sorted(duplicates))}")
    return entries


def run_recurring(func: str, *args) -> None:
    """What the cron scheduler enqueues: run one recurring job and commit what it changed."""
    try:
        resolve(func)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    dispatch()


class JSONCronJob(CronJob):
    """A cron job enqueued with the JSON serializer our workers read (RQ's CronJob uses pickle)."""

    def enqueue(self, connection) -> Job:
        queue = Queue(self.queue_name, connection=connection, serializer=JSONSerializer)
        with connection.pipeline() as pipeline:
            job = queue.enqueue(self.func, args=self.args, kwargs=self.kwargs, **self.job_options, pipeline=pipeline)
            pipeline.zadd(self.job_history_key, {job.id: job.enqueued_at.timestamp()})
            pipeline.zremrangebyrank(self.job_history_key, 0, -(DEFAULT_CRON_JOB_HISTORY_LIMIT + 1))
            pipeline.expire(self.job_history_key, DEFAULT_CRON_JOB_HISTORY_TTL)
            cron_job_registry.add(self.name, pipeline, enqueue_timestamp=job.enqueued_at.timestamp())
            pipeline.execute()
        return job


class AppCronScheduler(CronScheduler):
    def add(self, entry: Recurring) -> CronJob:
        cron_job = JSONCronJob(
            queue_name=entry.queue,
            func=run_recurring,
            args=(entry.func, *entry.args),
            interval=entry.interval,
            cron=entry.cron,
            name=entry.name or entry.func,
            # A tick that no worker picked up within its own interval is stale: the next one replaces it.
            ttl=entry.interval or 3600,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
        self._cron_jobs.append(cron_job)
        return cron_job


def build_scheduler(app: Flask) -> AppCronScheduler:
    """The cron scheduler with every recurring job registered."""
    if not app.config.get("REDIS_URL"):
        raise SystemExit("REDIS_URL is not set: the schedule needs Redis and a worker")
    with app.app_context():
        scheduler = AppCronScheduler(connection=redis_connection())
    for entry in collect():
        scheduler.add(entry)
    return scheduler
