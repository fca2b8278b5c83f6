"""Faults during a load run: Redis stopped for 30 s, the RQ worker killed in the middle of a digest, a
gunicorn worker killed, PostgreSQL restarted. Then the counts.

    python -m bench.faults [--quick]

It runs on a throwaway PostgreSQL cluster of its own (initdb in /tmp/pgload, port 5440), which it
restarts, and its own Redis (6390), which it stops: never the machine's shared servers. Like systemd
(deploy/systemd: Restart=always) it starts an RQ worker or the scheduler again when one exits.
While the load runs (10 submissions/s + 50 page views/s, open loop):

    t=10 s  a digest of 20,000 opinions is asked for; once it is running its work horse gets SIGKILL
            (receipt emails run on one RQ worker, digests on another: see WORKER_QUEUES)
    t=35 s  Redis stopped (SIGTERM) for 30 s, then started again
    t=75 s  one gunicorn worker gets SIGKILL
    t=95 s  PostgreSQL restarted (pg_ctl restart -m fast)

Afterwards it prints: acknowledged submissions (303 to a receipt) and how many are stored; receipt
emails per receipt (none missing, none twice); the digest's state and attempts; every 5xx by status,
and whether any response showed a stack trace instead of the error page.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench import loadgen
from bench.stack import WEB_PORT, Stack

PGDATA = Path("/tmp/pgload")
PGPORT = 5440
PGBIN = Path("/usr/lib/postgresql/15/bin")
URL = f"postgresql://postgres@127.0.0.1:{PGPORT}/meyasu_faults"
DIGEST_OPINIONS = 20_000


def as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    # No pipes: the server started by pg_ctl would hold them open.
    return subprocess.run(as_postgres([str(PGBIN / "pg_ctl"), "-D", str(PGDATA), *args]), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)


def start_postgres() -> None:
    if not (PGDATA / "PG_VERSION").exists():
        PGDATA.mkdir(mode=0o700, exist_ok=True)
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


def request_digest(stack: Stack, period_id: int) -> int:
    """Ask for the digest the way staff do (a JobRun and an outbox row), and hand it to RQ."""
    from app import create_app
    from app.core.jobs import dispatch
    from app.digests.services import request_digest as ask
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from config import Config

    env = stack.env()

    class StackConfig(Config):
        SECRET_KEY = env["SECRET_KEY"]
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        REDIS_URL = env["REDIS_URL"]
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(StackConfig)
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


# Receipt emails on one worker, digests on another: with one worker for all queues a steady stream
# of receipt emails (high) keeps a digest (low) waiting for as long as the submissions go on.
WORKER_QUEUES = {"rq0": ["high", "default"], "rq1": ["low"]}


class Supervisor(threading.Thread):
    """Restart an RQ worker or the scheduler that exited, after 2 s, as systemd's Restart=always does."""

    def __init__(self, stack: Stack, until: float):
        super().__init__(daemon=True)
        self.stack, self.until = stack, until
        self.restarts = Counter()

    def run(self):
        while time.monotonic() < self.until:
            for name in [*WORKER_QUEUES, "scheduler"]:
                if not self.stack.alive(name):
                    time.sleep(2)
                    if name in WORKER_QUEUES:
                        self.stack.start_worker(name, WORKER_QUEUES[name])
                    else:
                        self.stack.start_scheduler()
                    self.restarts[name] += 1
            time.sleep(0.5)


def work_horse(stack: Stack, worker: str) -> int | None:
    """The worker's youngest child: the work horse forked for the job now running (the worker's
    scheduler is a child too, but started with the worker)."""
    out = subprocess.run(["pgrep", "-P", str(stack.pid(worker))], capture_output=True, text=True, check=False).stdout
    started = {}
    for pid in (int(p) for p in out.split()):
        try:
            started[pid] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        except (OSError, IndexError, ValueError):
            continue
    return max(started, key=started.get) if len(started) > 1 else None


class Faults(threading.Thread):
    def __init__(self, stack: Stack, digest_period: int, scale: float):
        super().__init__(daemon=True)
        self.stack, self.digest_period, self.scale = stack, digest_period, scale
        self.run_id: int | None = None
        self.digest_killed = False
        self.events: list[str] = []
        self.start_time = time.monotonic()

    def at(self, second: float) -> None:
        delay = self.start_time + second * self.scale - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def note(self, text: str) -> None:
        line = f"t={time.monotonic() - self.start_time:5.1f}s {text}"
        self.events.append(line)
        print("  " + line, flush=True)

    def run(self):
        digest = threading.Thread(target=self.kill_digest, daemon=True)
        digest.start()
        self.at(35)
        self.note("Redis stopped")
        self.stack.stop("redis")
        self.at(65)
        self.stack.start_redis()
        self.note("Redis started again")
        self.at(75)
        pids = self.stack.web_worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            self.note(f"SIGKILL to gunicorn worker {pids[0]}")
        self.at(95)
        started = time.monotonic()
        pg("restart", "-m", "fast", "-w", "-l", str(PGDATA / "log"), "-o",
           f"-p {PGPORT} -k /tmp -c listen_addresses=127.0.0.1")
        self.note(f"PostgreSQL restarted ({time.monotonic() - started:.1f} s)")
        digest.join(timeout=30)

    def kill_digest(self):
        """Ask for the digest; once it has run a second, SIGKILL the work horse running it."""
        self.at(10)
        self.run_id = request_digest(self.stack, self.digest_period)
        self.note(f"digest asked for (run {self.run_id}); waiting for it to run")
        deadline = time.monotonic() + 40 * self.scale
        while time.monotonic() < deadline:
            state = query("SELECT state, progress FROM job_runs WHERE id = %s", self.run_id)[0]
            horse = work_horse(self.stack, "rq1") if self.stack.alive("rq1") else None
            if state[0] == "running" and horse:
                time.sleep(1)
                progress = query("SELECT progress FROM job_runs WHERE id = %s", self.run_id)[0][0]
                os.kill(horse, signal.SIGKILL)
                self.note(f"SIGKILL to the RQ work horse {horse} running the digest (progress {progress} %)")
                self.digest_killed = True
                return
            time.sleep(0.3)
        self.note("the digest never ran while watched: nothing killed")


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
    args = parser.parse_args(argv)
    if not shutil.which("pgrep"):
        raise SystemExit("pgrep (procps) is needed to find worker processes")
    scale = 0.5 if args.quick else 1.0
    seconds = 130 * scale

    start_postgres()
    from bench.seed import seed

    print(f"seeding {URL} ...", flush=True)
    targets = seed(URL, 10)
    digest_period = load_digest_period(DIGEST_OPINIONS)
    with Stack(URL, rq_queues=list(WORKER_QUEUES.values())) as stack:
        stack.start_all(ceiling=False, scheduler=True)
        baseline = query("SELECT count(*) FROM submissions WHERE channel = 'web' AND period_id = %s",
                         targets["open_period"])[0][0]
        supervisor = Supervisor(stack, time.monotonic() + seconds + 400)
        supervisor.start()
        faults = Faults(stack, digest_period, scale)
        print(f"\n== faults under load: 10 submissions/s + 50 page views/s for {seconds:.0f} s ==", flush=True)
        faults.start()
        locations: list[str] = []
        recorder = loadgen.run(run_load(targets, seconds, locations))
        faults.join(timeout=60)
        run_id = faults.run_id

        print("\n== afterwards ==", flush=True)
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
        retried = faults.digest_killed and bool(digest_job) and digest_job[0][1] >= 2
        ok = (not (acked - stored) and not any(c > 1 for c in mails.values()) and not (with_email - set(mails))
              and run is not None and run[0] == "done" and retried and recorder.traces == 0
              and "timeout" not in failures)
        print(f"  fault targets (no acknowledged submission lost, no email twice or missing, digest killed and "
              f"done after retry, no stack trace, no timeout): {'MET' if ok else 'NOT MET'}")
    pg("stop", "-m", "fast", check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
