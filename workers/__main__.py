"""``python -m workers [queue ...]`` runs a worker; ``python -m workers --scheduler`` the schedule."""

import argparse
import os
import time

from app import create_app
from app.core.jobs import QUEUES
from workers import build_worker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("queues", nargs="*", help=f"queues to work on (default: {' '.join(QUEUES)})")
    parser.add_argument("--scheduler", action="store_true",
                        help="run the recurring-job scheduler (one per site) instead of a worker")
    parser.add_argument("--no-fork", action="store_true",
                        help="run each job in the worker process instead of a forked work horse: much cheaper "
                             "for many short jobs (receipt emails); a job that crashes the process takes the "
                             "worker with it, so keep forking workers for long jobs such as digests")
    args = parser.parse_args(argv)
    unknown = [name for name in args.queues if name not in QUEUES]
    if unknown:
        parser.error(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    # Read by the config as the app is made: the process's connections are named for it in PostgreSQL.
    os.environ.setdefault("MEYASU_PROCESS_ROLE", "scheduler" if args.scheduler else "worker")
    app = create_app()
    if args.scheduler:
        from workers.schedule import build_scheduler

        # RQ reads crontab lines in the process's local time: make that the city's time.
        os.environ["TZ"] = app.config["BABEL_DEFAULT_TIMEZONE"]
        time.tzset()
        build_scheduler(app).start()
        return
    # with_scheduler: this worker also moves retries that wait for their backoff back onto the queue.
    build_worker(app, args.queues or list(QUEUES), fork=not args.no_fork).work(with_scheduler=True)


if __name__ == "__main__":
    main()
