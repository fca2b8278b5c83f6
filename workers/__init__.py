"""The worker process: an RQ worker that runs every job inside the app's context.

Start it with ``python -m workers`` (all queues) or ``python -m workers high default``.
"""

import os

from flask import Flask
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from app.core.jobs import QUEUES, get_queue, redis_connection


class AppWorkerMixin:
    """Each job runs inside an app context; a forked work horse gets its own DB connections."""

    app: Flask
    # New outbox rows reach RQ through a worker's drainer thread when requests leave them to it
    # (OUTBOX_DRAINER) -- but only in a worker that runs its jobs itself (the Procfile's `worker`,
    # `--no-fork`). A thread in a process that forks a work horse per job may hold a lock (logging's,
    # the connection pool's) at the moment of the fork, and the horse then hangs on it for ever: seen
    # in CI, a horse that never started its job. Forking workers leave the outbox to the others (and to
    # the scheduler's `drain_outbox` every minute).
    runs_drainer = False

    def work(self, *args, **kwargs):
        from workers.drainer import start_drainer

        drainer = start_drainer(self.app) if self.runs_drainer and not kwargs.get("burst") else None
        try:
            return super().work(*args, **kwargs)
        finally:
            if drainer is not None:
                drainer.stop()

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)


class AppWorker(AppWorkerMixin, Worker):
    pass


class AppSimpleWorker(AppWorkerMixin, SimpleWorker):
    """Runs jobs in the worker process itself: for tests, and for machines where fork is costly."""

    runs_drainer = True


def build_worker(app: Flask, queue_names=QUEUES, *, fork: bool = True) -> Worker:
    if not app.config.get("REDIS_URL"):
        raise SystemExit("REDIS_URL is not set: without Redis, jobs run inline and no worker is needed")
    with app.app_context():
        queues = [get_queue(name) for name in queue_names]
        connection = redis_connection()
        engine = app.extensions["sqlalchemy"].engine

    if fork:
        # Connections made by the parent must not be shared with a forked work horse.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    worker_class = AppWorker if fork else AppSimpleWorker
    # Jobs of a worker that died (killed, or Redis went away under it) are retried by the next
    # registry maintenance; RQ's default of every 10 minutes would hold a receipt email that long.
    worker = worker_class(queues, connection=connection, serializer=JSONSerializer,
                          maintenance_interval=app.config["RQ_MAINTENANCE_INTERVAL"])
    worker.app = app
    return worker
