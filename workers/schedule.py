"""The recurring jobs, gathered in one list and run by RQ's own cron scheduler.

Each feature declares its recurring work as data, ``SCHEDULE = [Recurring(job_function, cron=...)]``
at the bottom of its tasks module, and connects it to ``signals.recurring_jobs`` in its ``init_app``
(the core does the same for the outbox drain and the nightly purge). This module asks the features
for those lists and hands them to ``rq.cron.CronScheduler``: a feature added to ``create_app`` is
scheduled without a change here. Start it with ``python -m workers --scheduler``: one scheduler
process for the whole site, beside as many workers as needed.
"""

import time

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, cron_job_registry
from rq.cron import CronJob, CronScheduler
from rq.defaults import DEFAULT_CRON_JOB_HISTORY_LIMIT, DEFAULT_CRON_JOB_HISTORY_TTL
from rq.exceptions import StopRequested
from rq.job import Job
from rq.serializers import JSONSerializer

from app.core import signals
from app.core.jobs import Recurring, dispatch, redis_connection, resolve
from app.extensions import db

# How often a scheduler that lost Redis asks whether it answers again.
REDIS_RETRY_SECONDS = 2
# What a Redis that is gone (stopped, restarting, unreachable) raises; other errors are not waited out.
REDIS_GONE = (RedisConnectionError, RedisTimeoutError)


def collect(app: Flask) -> list[Recurring]:
    """Every recurring job the app's features declare, in the order ``create_app`` set them up."""
    entries: list[Recurring] = []
    for receiver, schedule in signals.recurring_jobs.send(app):
        for entry in schedule:
            if not isinstance(entry, Recurring):
                raise TypeError(f"{receiver.__module__}: a schedule lists Recurring entries, not {entry!r}")
            entries.append(entry)
    names = [entry.name for entry in entries]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"recurring jobs declared twice: {', '.join(sorted(duplicates))}")
    return entries


def run_recurring(func: str, *args) -> None:
    """What the cron scheduler enqueues: run one recurring job (named by its path, as the tick is
    stored in Redis as JSON) and commit what it changed."""
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
    stopping = False  # a SIGTERM came (``_request_stop``)

    def start(self) -> None:
        """RQ's loop, kept through a Redis outage. RQ's scheduler exits on the first failed call, so a
        Redis restart made it crash and be started again by systemd every few seconds until Redis
        answered (five times in the 30 s of ``bench.faults``). Now it waits for Redis, then registers again and
        enqueues what fell due meanwhile, once. SIGTERM still stops it, also while it waits."""
        while True:
            try:
                super().start()
                return  # asked to stop
            except REDIS_GONE as exc:
                if self.stopping:  # stopped, and then its goodbye to Redis failed: nothing to wait for
                    return
                self.log.warning("the scheduler lost Redis (%s); it waits for Redis and goes on", exc)
            try:
                self._wait_for_redis()
            except StopRequested:
                self.log.info("the scheduler stopped while waiting for Redis")
                return

    def _request_stop(self, signum, frame):
        self.stopping = True
        super()._request_stop(signum, frame)

    def _wait_for_redis(self) -> None:
        while True:
            time.sleep(REDIS_RETRY_SECONDS)
            try:
                self.connection.ping()
            except REDIS_GONE:
                continue
            self.log.warning("Redis answers again; the scheduler goes on")
            return

    def add(self, entry: Recurring) -> CronJob:
        cron_job = JSONCronJob(
            queue_name=entry.queue,
            func=run_recurring,
            args=(entry.func.path, *entry.args),
            interval=entry.interval,
            cron=entry.cron,
            name=entry.name,
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
    for entry in collect(app):
        scheduler.add(entry)
    return scheduler
