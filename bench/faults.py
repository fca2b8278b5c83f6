"""Faults during a load run: Redis stopped for 30 s, the RQ worker killed in the middle of a digest, a
gunicorn worker killed, PostgreSQL restarted. Then the counts.

    python -m bench.faults [--quick]

It runs on a throwaway PostgreSQL cluster of its own (initdb in /tmp/pgload, port 5440; with
``BENCH_WORKDIR`` and ``BENCH_PORT_BASE`` in ``$BENCH_WORKDIR/pgdata`` on port base + 5), which it
restarts, and its own Redis (6390), which it stops: never the machine's shared servers. Like systemd
(deploy/systemd: Restart=always) it starts an RQ worker or the scheduler again when one exits.
While the load runs (10 submissions/s + 50 page views/s, open loop):

    t=10 s  a digest of 20,000 opinions is asked for; once its run reports its first step (5 %) the
            work horse running it gets SIGKILL (receipt emails run on one RQ worker, digests on
            another, as the Procfile has them: see WORKERS); Redis is not stopped before that kill is done or given up
    t=35 s  Redis stopped (SIGTERM) for 30 s, then started again
    t=75 s  one gunicorn worker gets SIGKILL
    t=95 s  PostgreSQL restarted (pg_ctl restart -m fast)

Afterwards it prints: acknowledged submissions (303 to a receipt) and how many are stored; receipt
emails per receipt (none missing, none twice); the digest's state and attempts; every 5xx by status,
and whether any response showed a stack trace instead of the error page.

Each fault is checked as it is applied (the work horse was alive at the progress point and is gone
after the signal, Redis no longer answers, the gunicorn worker is gone, the postmaster's pid changed).
A fault that could not be applied is printed as FAULT NOT APPLIED with its reason, apart from the
targets, and the exit status is 2; a missed target exits 1, all met 0.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench import loadgen
from bench.stack import REDIS_PORT, WEB_PORT, WORKDIR, Stack

_BASE = int(os.environ.get("BENCH_PORT_BASE", "0"))
PGDATA = WORKDIR / "pgdata" if os.environ.get("BENCH_WORKDIR") else Path("/tmp/pgload")
PGPORT = _BASE + 5 if _BASE else 5440
PGBIN = Path("/usr/lib/postgresql/15/bin")
URL = f"postgresql://postgres@127.0.0.1:{PGPORT}/meyasu_faults"
DIGEST_OPINIONS = 20_000
# The progress point at which the digest's work horse is killed: the run's first report (5 %, reading
# the opinions), committed by the horse once it runs this digest, with all of the work still ahead
# (20 % counting, 35 % grouping, 55 % keywords, 85 % saving). A kill one second after "running" was
# seen once found the horse gone (ProcessLookupError, no fault); waiting for 35 % once let the Redis
# stop come first (the worker died, its horse lived on outside the watched worker).
KILL_AT = 5
FAULTS = ("digest work horse killed", "Redis stopped for 30 s", "gunicorn worker killed", "PostgreSQL restarted")


class FaultNotApplied(Exception):
    """A fault the run meant to apply and could not: the run cannot say how the site survived it."""


def as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    # No pipes: the server started by pg_ctl would hold them open.
    return subprocess.run(as_postgres([str(PGBIN / "pg_ctl"), "-D", str(PGDATA), *args]), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)


def start_postgres() -> None:
    if not (PGDATA / "PG_VERSION").exists():
        PGDATA.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(PGDATA, "postgres", "postgres")
        subprocess.run(as_postgres([str(PGBIN / "initdb"), "-D", str(PGDATA), "-U", "postgres", "--auth=trust"]),
                       check=True, capture_output=True)
    if pg("status", check=False).returncode != 0:
        pg("-o", f"-p {PGPORT} -k /tmp -c listen_addresses=127.0.0.1", "-l", str(PGDATA / "log"), "-w", "start")
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-p", str(PGPORT), "-U", "postgres", "--if-exists",
                    "meyasu_faults"], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(PGPORT), "-U", "postgres", "meyasu_faults"], check=True)


def load_digest_period(n: int) -> int:
    """A closed period with n opinions (COPY, as bench.digest_db does), for a digest that takes a while."""
    import psycopg

    from bench.digest_synthetic import SECTIONS, generate

    items, truth = generate(n)
    now = datetime.now(UTC)
    opens = now - timedelta(days=40)
    rng = random.Random(1)
    with psycopg.connect(URL) as conn, conn.cursor() as cur:
        plan_id = cur.execute("INSERT INTO plans (title, summary, department, contact, status, created_at, updated_at)"
                              " VALUES ('障害試験の計画', '', 'まちづくり政策課', '', 'published', %s, %s) RETURNING id",
                              (now, now)).fetchone()[0]
        period_id = cur.execute(
            "INSERT INTO comment_periods (plan_id, title, description, opens_at, closes_at, short_period_reason,"
            " viewing_places, eligibility, channels, field_rules, contact_department, contact, body_max_length,"
            " max_attachments, max_attachment_bytes, status, receipt_prefix, receipt_counter, created_at, updated_at)"
            " VALUES (%s, '障害試験の意見募集', '', %s, %s, '', '[]', '[]', '{}', '{}', '', '', 4000, 3, 1, 'scheduled',"
            " 'FLT', 0, %s, %s) RETURNING id", (plan_id, opens, now - timedelta(days=8), now, now)).fetchone()[0]
        section_ids = {}
        for section in SECTIONS:
            section_ids[section] = cur.execute(
                "INSERT INTO sections (period_id, position, label, title, body) VALUES (%s, %s, %s, %s, '')"
                " RETURNING id", (period_id, section, f"第{section}章", f"第{section}章の施策")).fetchone()[0]
        base = cur.execute("SELECT coalesce(max(id), 0) + 1000 FROM submissions").fetchone()[0]
        with cur.copy("COPY submissions (id, period_id, receipt_no, channel, received_at, created_at, name, address,"
                      " attribute, email, phone, lookup_token_hash, state) FROM STDIN") as copy:
            for opinion_id, _ in items:
                received = opens + timedelta(seconds=rng.random() * 32 * 86400)
                copy.write_row((base + opinion_id, period_id, f"FLT-{opinion_id:06d}", "web", received, received,
                                "", "", "resident", "", "", "0" * 64, "done"))
        obase = cur.execute("SELECT coalesce(max(id), 0) + 1000 FROM opinions").fetchone()[0]
        with cur.copy("COPY opinions (id, period_id, submission_id, position, excerpt, section_id, summary, state,"
                      " withhold_reason, withhold_note, created_at) FROM STDIN") as copy:
            for opinion_id, text in items:
                copy.write_row((obase + opinion_id, period_id, base + opinion_id, 0, text,
                                section_ids.get(truth.section[opinion_id]), "", "accepted", "", "", now))
        for table in ("submissions", "opinions"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        cur.execute("ANALYZE")
    return period_id


def staff_app(stack: Stack):
    """The app as the stack's processes see it, to ask for the digest from here (built before the
    load: creating it on the loaded machine took seconds)."""
    from app import create_app
    from config import Config

    env = stack.env()

    class StackConfig(Config):
        SECRET_KEY = env["SECRET_KEY"]
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        REDIS_URL = env["REDIS_URL"]
        RATELIMIT_STORAGE_URI = "memory://"

    return create_app(StackConfig)


def request_digest(app, period_id: int) -> int:
    """Ask for the digest the way staff do (a JobRun and an outbox row), and hand it to RQ."""
    from app.core.jobs import dispatch
    from app.digests.services import request_digest as ask
    from app.extensions import db
    from app.periods.models import CommentPeriod

    with app.app_context():
        run = ask(db.session.get(CommentPeriod, period_id), actor=None)
        db.session.commit()
        dispatch()
        return run.id


def query(sql: str, *params):
    import psycopg

    for _ in range(30):
        try:
            with psycopg.connect(URL, connect_timeout=3) as conn:
                return conn.execute(sql, params).fetchall()
        except psycopg.OperationalError:
            time.sleep(1)
    raise RuntimeError("PostgreSQL did not come back")


# The Procfile's two workers, each as its arguments after `python -m workers`. Receipt emails on one,
# digests on the other: with one worker for all queues a steady stream of receipt emails (high) keeps a
# digest (low) waiting for as long as the submissions go on. The first runs its jobs itself
# (`--no-fork`), and so runs the outbox drainer that hands new rows to RQ (OUTBOX_DRAINER, on by
# default); the second forks a work horse per job, the one killed. With both forking, nothing drained
# the outbox but the scheduler's `drain_outbox` each minute: the digest stayed "queued" past the
# watch's 60 s and its fault was never applied (twelfth session).
WORKERS = {"rq0": ["--no-fork", "high", "default"], "rq1": ["low"]}


class Supervisor(threading.Thread):
    """Restart an RQ worker or the scheduler that exited, after 2 s, as systemd's Restart=always does."""

    def __init__(self, stack: Stack, until: float):
        super().__init__(daemon=True)
        self.stack, self.until = stack, until
        self.restarts = Counter()

    def run(self):
        while time.monotonic() < self.until:
            for name in [*WORKERS, "scheduler"]:
                if not self.stack.alive(name):
                    time.sleep(2)
                    if name in WORKERS:
                        self.stack.start_worker(name, WORKERS[name])
                    else:
                        self.stack.start_scheduler()
                    self.restarts[name] += 1
            time.sleep(0.5)


def work_horse(stack: Stack, worker: str) -> int | None:
    """The work horse the worker has forked for the job it runs now: RQ's horse puts itself in a
    process group of its own (``os.setpgrp``), which the worker's other child, its scheduler, does not
    (the youngest child, taken before, could be that scheduler)."""
    out = subprocess.run(["pgrep", "-P", str(stack.pid(worker))], capture_output=True, text=True, check=False).stdout
    for pid in (int(p) for p in out.split()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # pgrp
            return pid
    return None


def gone(pid: int, timeout: float = 10.0) -> bool:
    """True once the process has exited (or is a zombie its parent has not reaped yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def postmaster_pid() -> int | None:
    try:
        return int((PGDATA / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


class Faults(threading.Thread):
    def __init__(self, stack: Stack, digest_period: int, scale: float):
        super().__init__(daemon=True)
        self.stack, self.digest_period, self.scale = stack, digest_period, scale
        self.app = None  # set before the run starts (staff_app)
        self.run_id: int | None = None
        self.applied: dict[str, str] = {}
        self.not_applied: dict[str, str] = {}
        self.events: list[str] = []
        self.start_time = time.monotonic()

    @property
    def digest_killed(self) -> bool:
        return FAULTS[0] in self.applied

    def at(self, second: float) -> None:
        delay = self.start_time + second * self.scale - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def note(self, text: str) -> None:
        line = f"t={time.monotonic() - self.start_time:5.1f}s {text}"
        self.events.append(line)
        print("  " + line, flush=True)

    def apply(self, name: str, action) -> None:
        """Run one fault; whatever keeps it from happening is recorded and printed, never swallowed."""
        try:
            self.applied[name] = action()
            self.note(self.applied[name])
        except Exception as exc:  # noqa: BLE001  (any failure to apply a fault is reported as such)
            self.not_applied[name] = str(exc) if isinstance(exc, FaultNotApplied) else f"{type(exc).__name__}: {exc}"
            self.note(f"FAULT NOT APPLIED: {name}: {self.not_applied[name]}")

    def run(self):
        self.start_time = time.monotonic()
        digest = threading.Thread(target=self.apply, args=(FAULTS[0], self.kill_digest), daemon=True)
        digest.start()
        self.at(35)
        # With Redis gone the digest's worker dies and its horse runs on outside it: the kill comes first.
        if digest.is_alive():
            self.note("Redis waits until the digest's work horse is killed (or the watch gives up)")
            digest.join(timeout=90)
        self.apply(FAULTS[1], self.stop_redis)
        self.at(75)
        self.apply(FAULTS[2], self.kill_web_worker)
        self.at(95)
        self.apply(FAULTS[3], self.restart_postgres)
        digest.join(timeout=60)

    def stop_redis(self) -> str:
        if not self.stack.alive("redis"):
            raise FaultNotApplied("Redis was not running")
        self.stack.stop("redis")
        if answers(REDIS_PORT):
            raise FaultNotApplied(f"something still answers on :{REDIS_PORT} after Redis was stopped")
        self.note("Redis stopped")
        self.at(65)
        self.stack.start_redis()
        return "Redis started again"

    def kill_web_worker(self) -> str:
        pids = self.stack.web_worker_pids()
        if not pids:
            raise FaultNotApplied("gunicorn has no worker process to kill")
        try:
            os.kill(pids[0], signal.SIGKILL)
        except ProcessLookupError:
            raise FaultNotApplied(f"gunicorn worker {pids[0]} had exited before the signal") from None
        if not gone(pids[0]):
            raise FaultNotApplied(f"gunicorn worker {pids[0]} still runs 10 s after SIGKILL")
        return f"SIGKILL to gunicorn worker {pids[0]}"

    def restart_postgres(self) -> str:
        before = postmaster_pid()
        started = time.monotonic()
        pg("restart", "-m", "fast", "-w", "-l", str(PGDATA / "log"), "-o",
           f"-p {PGPORT} -k /tmp -c listen_addresses=127.0.0.1")
        after = postmaster_pid()
        if before is None or after is None or after == before:
            raise FaultNotApplied(f"the postmaster's pid did not change ({before} -> {after})")
        return f"PostgreSQL restarted ({time.monotonic() - started:.1f} s, postmaster {before} -> {after})"

    def kill_digest(self) -> str:
        """Ask for the digest; once its run reports ``KILL_AT`` %, SIGKILL the work horse running it.

        Tied to that progress point, not to a time: the run is read every 0.1 s on one connection,
        and the horse is looked for only while the run is in the middle of its work. The digest
        ending before that point was seen, or no horse to kill, is a fault not applied."""
        import psycopg

        self.at(10)
        self.run_id = request_digest(self.app, self.digest_period)
        self.note(f"digest asked for (run {self.run_id}); waiting for it to report {KILL_AT} %")
        deadline = time.monotonic() + 60
        seen: list[str] = []
        with psycopg.connect(URL, autocommit=True) as conn:
            while time.monotonic() < deadline:
                state, progress, step = conn.execute("SELECT state, progress, step FROM job_runs WHERE id = %s",
                                                     (self.run_id,)).fetchone()
                progress = progress or 0
                if f"{state} {progress}" not in seen:
                    seen.append(f"{state} {progress}")
                if state in ("done", "failed"):
                    raise FaultNotApplied(f"the digest ended ({state}) before its work horse was seen at {KILL_AT} % "
                                          f"(states seen: {', '.join(seen)}); make it bigger (--digest-opinions)")
                if state == "running" and progress >= KILL_AT and self.stack.alive("rq1"):
                    horse = work_horse(self.stack, "rq1")
                    if horse is not None:
                        try:
                            os.kill(horse, signal.SIGKILL)
                        except ProcessLookupError:
                            time.sleep(0.1)  # it ended between the look and the signal: the run says how
                            continue
                        if not gone(horse):
                            raise FaultNotApplied(f"work horse {horse} still runs 10 s after SIGKILL")
                        return (f"SIGKILL to the RQ work horse {horse} running the digest at {progress} % ({step}); "
                                f"states seen: {', '.join(seen)}")
                time.sleep(0.1)
            outbox = conn.execute("SELECT state FROM outbox_jobs WHERE func = 'app.digests.tasks.build_period_digest'"
                                  " AND args::text = %s", (f"[{self.run_id}]",)).fetchone()
        raise FaultNotApplied(f"the digest did not reach {KILL_AT} % with a work horse within 60 s "
                              f"(states seen: {', '.join(seen)}; its outbox row: {outbox[0] if outbox else 'none'})")


def acknowledged(locations: list[str]) -> set[str]:
    return {parse_qs(urlsplit(loc).query).get("receipt", [""])[0] for loc in locations} - {""}


async def run_load(targets: dict, seconds: float, locations: list[str]) -> loadgen.Recorder:
    recorder = loadgen.Recorder()
    paths = [f"/periods/{p}" for p in targets["period_pages"][:10]] + ["/periods", "/results", "/"] + \
            [f"/periods/{p}/result" for p in targets["result_pages"]]
    period_id = targets["open_period"]

    async def flow(n):
        citizen = loadgen.Citizen(http)
        token = await loadgen.open_form(citizen, period_id)
        if token is None:
            return
        fields = loadgen.opinion(n) | {"csrf_token": token, "confirm": "y"}
        got = await citizen.request("submit.confirm", "POST", f"/periods/{period_id}/submit/confirm", data=fields)
        if got is None:
            return
        hidden = loadgen.hidden_fields(got[2])
        got = await citizen.request("submit.send", "POST", f"/periods/{period_id}/submit/send",
                                    data=hidden | {"send": "y"}, expect=(303,))
        if got is None:
            return
        locations.append(got[1].get("Location", ""))
        path = urlsplit(got[1]["Location"])._replace(scheme="", netloc="").geturl()
        page = await citizen.request("submit.receipt", "GET", path)
        if page:
            found = loadgen.RECEIPT_NO.search(page[2])
            if found:
                recorder.receipts.append((found.group(1), fields["email"]))

    async with loadgen.Http(f"http://127.0.0.1:{WEB_PORT}", recorder, connections=200, timeout=30) as http:
        await asyncio.gather(loadgen.open_loop(10, seconds, flow, recorder=recorder),
                             loadgen.open_loop(50, seconds, lambda n: loadgen.page_view(http, paths, n),
                                               recorder=recorder))
    return recorder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the same faults, squeezed into about a minute")
    parser.add_argument("--digest-opinions", type=int, default=DIGEST_OPINIONS,
                        help="opinions in the period whose digest is killed (it must still be running at "
                             f"{KILL_AT} %% when the watcher looks)")
    args = parser.parse_args(argv)
    if not shutil.which("pgrep"):
        raise SystemExit("pgrep (procps) is needed to find worker processes")
    scale = 0.5 if args.quick else 1.0
    seconds = 130 * scale

    start_postgres()
    from bench.seed import seed

    print(f"seeding {URL} ...", flush=True)
    targets = seed(URL, 10)
    digest_period = load_digest_period(args.digest_opinions)
    with Stack(URL, rq_queues=list(WORKERS.values())) as stack:
        stack.start_all(ceiling=False, scheduler=True)
        baseline = query("SELECT count(*) FROM submissions WHERE channel = 'web' AND period_id = %s",
                         targets["open_period"])[0][0]
        supervisor = Supervisor(stack, time.monotonic() + seconds + 400)
        supervisor.start()
        faults = Faults(stack, digest_period, scale)
        faults.app = staff_app(stack)
        print(f"\n== faults under load: 10 submissions/s + 50 page views/s for {seconds:.0f} s; load average "
              f"{os.getloadavg()[0]:.2f} ==", flush=True)
        faults.start()
        locations: list[str] = []
        recorder = loadgen.run(run_load(targets, seconds, locations))
        faults.join(timeout=60)
        for name in FAULTS:
            if name not in faults.applied and name not in faults.not_applied:
                faults.not_applied[name] = "not done by the end of the load (the fault thread was still waiting)"
        run_id = faults.run_id

        print(f"\n== afterwards (load average {os.getloadavg()[0]:.2f}) ==", flush=True)
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            state = query("SELECT state FROM job_runs WHERE id = %s", run_id)[0][0] if run_id else "none"
            pending = query("SELECT count(*) FROM outbox_jobs WHERE state <> 'done'")[0][0]
            if state in ("done", "failed") and pending == 0:
                break
            time.sleep(3)
        run = query("SELECT state, progress, error FROM job_runs WHERE id = %s", run_id)[0] if run_id else None
        outbox = dict(query("SELECT state, count(*) FROM outbox_jobs GROUP BY state"))
        digest_job = query("SELECT state, attempts FROM outbox_jobs WHERE func = 'app.digests.tasks.build_period_digest'"
                           " AND args::text = %s", f"[{run_id}]")
        acked = acknowledged(locations)
        stored = {row[0] for row in query("SELECT receipt_no FROM submissions WHERE receipt_no = ANY(%s)",
                                          list(acked))}
        new_rows = query("SELECT count(*) FROM submissions WHERE channel = 'web' AND period_id = %s",
                         targets["open_period"])[0][0] - baseline
        mails = Counter(m["receipt"] for m in stack.mails() if m["receipt"])
        with_email = {row[0] for row in query("SELECT receipt_no FROM submissions WHERE channel = 'web' AND "
                                              "period_id = %s AND email <> ''", targets["open_period"])}
        statuses = Counter()
        for counter in recorder.statuses.values():
            statuses.update(counter)
        failures = Counter()
        for key, count in recorder.errors.items():
            failures[key.split(": ", 1)[1]] += count

        print(f"  requests: {sum(statuses.values())} answered {dict(sorted(statuses.items()))}; not answered "
              f"normally: {dict(failures)}")
        print(f"  stack traces in responses: {recorder.traces}")
        for example in recorder.error_examples[:8]:
            print(f"    e.g. {example}")
        print(f"  acknowledged submissions (303 to a receipt): {len(acked)}; stored: {len(acked & stored)}; "
              f"lost: {len(acked - stored)}; web rows written in the run: {new_rows}")
        print(f"  receipt emails: {sum(mails.values())} for {len(mails)} receipts; stored submissions with an "
              f"email and no receipt email: {len(with_email - set(mails))}; sent twice: "
              f"{sum(1 for c in mails.values() if c > 1)}")
        print(f"  digest run: {run[0] if run else 'none'} (progress {run[1] if run else '-'}%) "
              f"{('error: ' + run[2]) if run and run[2] else ''}; its job: "
              f"{digest_job[0][0] if digest_job else '-'} after {digest_job[0][1] if digest_job else '-'} attempt(s)")
        print(f"  outbox: {outbox}; worker/scheduler restarts by the supervisor: {dict(supervisor.restarts)}")
        print("  events:\n    " + "\n    ".join(faults.events))
        # The digest's target is judged only if its fault was applied: done after a retry.
        retried = bool(digest_job) and digest_job[0][1] >= 2
        digest_ok = run is not None and run[0] == "done" and (retried or not faults.digest_killed)
        ok = (not (acked - stored) and not any(c > 1 for c in mails.values()) and not (with_email - set(mails))
              and digest_ok and recorder.traces == 0 and "timeout" not in failures)
        print(f"  faults applied: {len(faults.applied)} of {len(FAULTS)}"
              + "".join(f"\n    {name}: {detail}" for name, detail in faults.applied.items()))
        print(f"  fault targets (no acknowledged submission lost, no email twice or missing, digest "
              f"{'killed and done after retry' if faults.digest_killed else 'done'}, no stack trace, no timeout): "
              f"{'MET' if ok else 'NOT MET'}{' for the faults applied' if faults.not_applied else ''}")
        for name, why in faults.not_applied.items():
            print(f"  FAULT NOT APPLIED: {name}: {why}")
    pg("stop", "-m", "fast", check=False)
    if faults.not_applied:
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
