"""What one web send costs, in process: SQL statements, transactions, Redis round trips, CPU.

    python -m bench.send_cost [--database-url postgresql://postgres@127.0.0.1:5432/test_send_cost]
                              [--redis-url redis://127.0.0.1:6379/7] [--sends 200] [--show] [--cprofile]
                              [--outbox-drainer] [--jobs]

Reseeds the database (``bench.seed``, no extra periods), then through ``app.test_client()`` (no HTTP
server, no other process) opens the form once, asks for a confirm page per send outside the count, and
counts over the sends alone: statements and commits seen by the engine, round trips to Redis (a
pipeline is one), CPU and wall time of this process, and the CPU of this machine's PostgreSQL processes
(from /proc, in clock ticks: read it as an average over many sends). ``--show`` prints the statements of
one send in order; ``--cprofile`` prints where the sends' CPU goes and keeps the profile in
/tmp/send_cost.prof for pstats. The Redis database given is flushed.

``--jobs`` then runs the jobs those sends asked for (the receipt mails) in an RQ worker of this
process, as ``python -m workers --no-fork`` runs them, against ``bench.smtp_sink`` in a process of its
own, and prints the same counts per outbox row (one receipt mail each), with the CPU of PostgreSQL and of
the sink: what each send costs the machine after its answer. Rows that waited together go as one RQ job of up to ``OUTBOX_BATCH`` rows.
"""

import argparse
import cProfile
import functools
import os
import pstats
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter

from bench.seed import seed
from bench.stack import TICK, all_processes, process_stat

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_send_cost"


def make_app(url: str, redis_url: str, drainer: bool = False, smtp_port: int | None = None):
    from app import create_app
    from config import DevelopmentConfig

    class CostConfig(DevelopmentConfig):
        DEBUG = False
        SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
        REDIS_URL = redis_url
        RATELIMIT_STORAGE_URI = redis_url
        MAIL_SUPPRESS_SEND = smtp_port is None
        MAIL_SERVER = "127.0.0.1"
        MAIL_PORT = smtp_port or 25
        SUBMISSION_RATE_LIMIT = "1000000 per hour"
        SUBMISSION_RATE_LIMIT_PER_EMAIL = "1000000 per hour"
        OUTBOX_DRAINER = drainer  # new outbox rows left to the workers' drainer (none runs here)

    return create_app(CostConfig)


class Counts:
    """Statements and commits on the engine, round trips to Redis, while ``on``."""

    def __init__(self, engine):
        from redis.connection import Connection
        from sqlalchemy import event

        self.on = False
        self.statements: list[str] = []
        self.commits = 0
        self.redis = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        original = Connection.send_packed_command
        counts = self

        def send_packed_command(conn, command, check_health=True):
            if counts.on:
                counts.redis += 1
            return original(conn, command, check_health)

        Connection.send_packed_command = send_packed_command

        # A statement run on the driver in autocommit (app.core.autocommit) passes no engine event: one
        # statement and its commit.
        from app.core import autocommit

        run_alone = autocommit.run
        shown = functools.cache(lambda statement: "(autocommit) " + " ".join(str(statement).split()))

        def run(statement, params):
            if counts.on:
                counts.statements.append(shown(statement))
                counts.commits += 1
            return run_alone(statement, params)

        autocommit.run = run

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append(("executemany " if executemany else "") + " ".join(statement.split()))

    def _commit(self, conn):
        if self.on:
            self.commits += 1


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (the backends, the WAL writer, and through
    the postmaster's count the backends that ended): what the database spends on a send, when it runs here."""
    return sum(ticks for command, _parent, ticks in all_processes().values() if command.startswith("postgres")) / TICK


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by one process (the mail sink), 0 once it is gone."""
    stat = process_stat(pid)
    return stat[2] / TICK if stat else 0.0


def confirm(client, period_id: int, token: str, n: int) -> dict:
    from bench.loadgen import hidden_fields, opinion

    page = client.post(f"/periods/{period_id}/submit/confirm",
                       data=opinion(n) | {"csrf_token": token, "confirm": "y"}).get_data(as_text=True)
    fields = hidden_fields(page)
    if not fields.get("idempotency_key"):
        raise SystemExit("the confirm page carried no key: " + page[:500])
    return fields | {"send": "y"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.send_cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--show", action="store_true", help="print the statements of one send")
    parser.add_argument("--outbox-drainer", action="store_true",
                        help="leave new outbox rows to the workers' drainer (OUTBOX_DRAINER) instead of RQ after commit")
    parser.add_argument("--cprofile", action="store_true", help="print the top functions by CPU")
    parser.add_argument("--jobs", action="store_true",
                        help="then run the jobs the sends asked for (receipt mails) in an RQ worker, to an SMTP sink")
    args = parser.parse_args(argv)
    sink = start_sink() if args.jobs else None
    try:
        return run(args, sink)
    finally:
        if sink:
            sink[0].terminate()
            sink[0].wait(timeout=10)


def start_sink() -> tuple[subprocess.Popen, int]:
    """``bench.smtp_sink`` on a free port, in its own process (its CPU is not this process's)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handle, log = tempfile.mkstemp(prefix="send-cost-mail-", suffix=".jsonl")
    os.close(handle)
    process = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", "--port", str(port), "--log", log])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("the SMTP sink did not start")


def run(args, sink: tuple[subprocess.Popen, int] | None) -> int:

    from redis import Redis

    Redis.from_url(args.redis_url).flushdb()
    targets = seed(args.database_url, 0)
    period_id = targets["open_period"]
    app = make_app(args.database_url, args.redis_url, args.outbox_drainer, sink[1] if sink else None)
    from app.extensions import db
    from bench.loadgen import hidden_fields

    with app.app_context():
        counts = Counts(db.engine)
    client = app.test_client()
    token = hidden_fields(client.get(f"/periods/{period_id}/submit").get_data(as_text=True))["csrf_token"]
    # Warm up: the first sends fill the caches a long-running worker has.
    for n in range(10):
        client.post(f"/periods/{period_id}/submit/send", data=confirm(client, period_id, token, n))
    per_send: list[tuple[int, int, int]] = []
    cpu = wall = database = 0.0
    profile = cProfile.Profile(time.process_time) if args.cprofile else None
    statuses = Counter()
    shown: list[str] = []
    for n in range(args.sends):
        fields = confirm(client, period_id, token, 100 + n)
        # The session keeps 8 keys; reusing one would time the cheap idempotent repeat, not a send.
        before = (len(counts.statements), counts.commits, counts.redis)
        counts.on = True
        database -= postgres_cpu()
        started_cpu, started = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        response = client.post(f"/periods/{period_id}/submit/send", data=fields)
        if profile:
            profile.disable()
        cpu += time.process_time() - started_cpu
        wall += time.perf_counter() - started
        database += postgres_cpu()
        counts.on = False
        statuses[response.status_code] += 1
        per_send.append((len(counts.statements) - before[0], counts.commits - before[1], counts.redis - before[2]))
        if n == 0:
            shown = counts.statements[before[0]:]
    sends = len(per_send)
    statements = sum(row[0] for row in per_send) / sends
    commits = sum(row[1] for row in per_send) / sends
    redis_trips = sum(row[2] for row in per_send) / sends
    print(f"{sends} sends, statuses {dict(statuses)}; per send: {statements:.1f} SQL statements, {commits:.1f} "
          f"commits, {redis_trips:.1f} Redis round trips, {1000 * cpu / sends:.2f} ms CPU, "
          f"{1000 * wall / sends:.2f} ms wall, {1000 * database / sends:.2f} ms CPU of PostgreSQL")
    if args.show:
        for statement in shown:
            print("  ", re.sub(r"\s+", " ", statement)[:160])
    if profile and not args.jobs:
        profile.dump_stats("/tmp/send_cost.prof")  # for pstats' callers and callees
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    sent_ok = statuses == Counter({303: sends})
    if args.jobs:
        return 0 if run_jobs(app, counts, sends, args.cprofile, sink[0].pid) and sent_ok else 1
    return 0 if sent_ok else 1


def run_jobs(app, counts: "Counts", sends: int, cprofile: bool, sink_pid: int) -> bool:
    """Hand every outbox row to RQ (not counted), then run them in a burst of one no-fork worker (counted)."""
    from sqlalchemy import func, select

    from app.core.jobs import drain_new, get_queue
    from app.core.models import MailDelivery, OutboxJob
    from app.extensions import db
    from workers import build_worker

    def done_and_mailed() -> tuple[int, int]:
        with app.app_context():
            done = db.session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.state == "done"))
            mailed = db.session.scalar(select(func.count()).select_from(MailDelivery)
                                       .where(MailDelivery.state == "sent"))
            db.session.rollback()
            return done, mailed

    with app.app_context():
        while drain_new(limit=1000):  # rows left to the drainer (--outbox-drainer); none otherwise
            pass
        waiting = sum(get_queue(name).count for name in ("high", "default", "low"))
    done_before, mailed_before = done_and_mailed()
    worker = build_worker(app, ["high", "default", "low"], fork=False)
    profile = cProfile.Profile(time.process_time) if cprofile else None
    before = (len(counts.statements), counts.commits, counts.redis)
    counts.on = True
    database, sink = -postgres_cpu(), -process_cpu(sink_pid)
    started_cpu, started = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    worker.work(burst=True, logging_level="WARNING")
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    time.sleep(0.2)  # the sink's last message
    database, sink = database + postgres_cpu(), sink + process_cpu(sink_pid)
    counts.on = False
    done_after, mailed_after = done_and_mailed()
    rows, mailed = done_after - done_before, mailed_after - mailed_before
    per = max(rows, 1)
    print(f"{waiting} RQ jobs (OUTBOX_BATCH {app.config['OUTBOX_BATCH']}) run by one RQ worker (--no-fork): {rows} "
          f"outbox rows done, {mailed} mails sent; per outbox row: {(len(counts.statements) - before[0]) / per:.1f} "
          f"SQL statements, {(counts.commits - before[1]) / per:.1f} commits, {(counts.redis - before[2]) / per:.1f} "
          f"Redis round trips, {1000 * cpu / per:.2f} ms CPU, {1000 * wall / per:.2f} ms wall, "
          f"{1000 * database / per:.2f} ms CPU of PostgreSQL, {1000 * sink / per:.2f} ms CPU of the mail sink")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    return rows >= sends and mailed == rows


if __name__ == "__main__":
    raise SystemExit(main())
