"""What a send costs the whole machine, part by part, against the bare insert.

    python -m bench.machine_cost [--rounds 2] [--sends 1200] [--profile] [--database-url ...]

Starts the stack ``bench.load`` runs (``bench.stack``: gunicorn, the ceiling app, RQ workers, the
scheduler, Redis, the SMTP sink) on a reseeded database. Each round times a closed loop of web sends
(keys from confirm pages asked for first, as the ceiling does), waits until every receipt mail went out
and every send is in the search index, then a closed loop of the bare app's insert; it reads each
process's CPU from ``/proc`` (the gunicorn workers under their master, PostgreSQL's backends, and the
exited ones through their parents' counts) and this process's own (the generator). The machine's
idle CPU, measured for a few seconds before each loop, is taken off for the time each loop and its
after-work took. Printed per send (per insert): milliseconds of CPU of each part, and the total; and
PostgreSQL's part of a send by the client of each backend, as it names itself (``application_name``:
meyasu-web, meyasu-worker, meyasu-drainer, meyasu-scheduler).

The ceiling's ratio (``bench.load --ceiling-only``) compares rates; this says where a send's CPU goes, so
a change is told by the part it moved, which the rates (±10 % from run to run here) cannot show.
"""

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path

import psycopg

from bench import loadgen
from bench.load import bare_insert, prepare_keys, send_with_key, web_receipts
from bench.stack import CEILING_PORT, DEFAULT_DB, ROOT, TICK, WEB_PORT, WEB_THREADS, WEB_WORKERS, Stack, process_stat

PARTS = ("web", "rq", "scheduler", "postgres", "redis", "sink", "generator")
IDLE_SECONDS = 4.0


def idle_rate(stack: Stack) -> dict[str, float]:
    """CPU seconds a second of each part while nothing is asked of the stack."""
    first = stack.cpu_seconds()
    time.sleep(IDLE_SECONDS)
    second = stack.cpu_seconds()
    return {name: (second[name] - first[name]) / IDLE_SECONDS for name in first}


def measured(stack: Stack, before: dict, idle: dict, began: float, count: int,
             generator_at: float | None = None) -> dict[str, float]:
    """Milliseconds of CPU an operation, by part, the idle rate taken off. ``generator_at``: this process's CPU
    when its loop ended, for a round that then waits for the jobs (its polling is no client's work)."""
    after = stack.cpu_seconds()
    if generator_at is not None:
        after["generator"] = generator_at
    spent = time.monotonic() - began
    return {name: max(0.0, after[name] - before[name] - idle[name] * spent) * 1000 / count for name in after}


def backend_seconds(database_url: str) -> dict[int, tuple[str, float]]:
    """Each live backend of the database, by pid: the name its client gave (``application_name``: the app's
    processes name theirs, ``app.core.application_name``) and its CPU seconds so far. Not this reading's own."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT pid, application_name FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    found = {}
    for pid, name in rows:
        if (stat := process_stat(pid)) is not None:
            found[pid] = (name or "unnamed", stat[2] / TICK)
    return found


def by_client(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], count: int) -> dict[str, float]:
    """Milliseconds of PostgreSQL's CPU an operation, by the client's name, over the backends that lived from
    ``before`` to ``after`` (a pooled connection does; the rest of PostgreSQL's CPU is in its total)."""
    spent: Counter = Counter()
    for pid, (name, seconds) in after.items():
        if pid in before and before[pid][0] == name:
            spent[name] += (seconds - before[pid][1]) * 1000 / count
    return dict(sorted(spent.items()))


def unindexed(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM submissions s WHERE NOT EXISTS "
                            "(SELECT 1 FROM submission_search_docs d WHERE d.submission_id = s.id)").fetchone()[0]


def settle(stack: Stack, database_url: str, period_id: int, mails_expected: int, timeout: float = 120) -> None:
    """Until every mail asked for went out and every submission is indexed (the jobs a send leaves)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(stack.mails()) >= mails_expected and stack.queue_length() == 0 and unindexed(database_url) == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"the jobs did not finish in {timeout:.0f} s: {len(stack.mails())} of {mails_expected} mails, "
                     f"{unindexed(database_url)} submissions not indexed")


async def send_loop(period_id: int, concurrency: int, count: int, on_ready) -> tuple[int, float]:
    recorder = loadgen.Recorder()
    async with loadgen.Http(f"http://127.0.0.1:{WEB_PORT}", recorder, connections=concurrency) as http:
        keys = await prepare_keys(http, period_id, count)
        # A form or confirm page a busy cold stack shed while the keys were asked for is no send: a browser
        # that did not get its page brings no key, and the round counts what was sent.
        prepared = Counter(recorder.errors)
        on_ready()
        done, elapsed = await loadgen.closed_loop(concurrency, 1e9, send_with_key(period_id, keys), max_ops=len(keys))
    failed = Counter(recorder.errors) - prepared
    if failed:
        raise SystemExit(f"sends failed: {dict(failed)}")
    return done, elapsed


async def insert_loop(concurrency: int, count: int) -> tuple[int, float]:
    recorder = loadgen.Recorder()
    async with loadgen.Http(f"http://127.0.0.1:{CEILING_PORT}", recorder, connections=concurrency) as http:
        done, elapsed = await loadgen.closed_loop(concurrency, 1e9, bare_insert(http), max_ops=count)
    if recorder.error_count:
        raise SystemExit(f"inserts failed: {dict(recorder.errors)}")
    return done, elapsed


def start_profiles(stack: Stack) -> list[tuple[subprocess.Popen, Path]]:
    """py-spy on every gunicorn worker and RQ worker until stopped: samples of threads holding the GIL only,
    so that time waiting on the database or Redis (the GIL let go) is left out."""
    spy = Path(sys.executable).parent / "py-spy"
    pids = [("web", pid) for pid in stack.web_worker_pids()]
    pids += [(name, proc.pid) for name, proc in stack.procs.items() if name.startswith("rq")]
    started = []
    for name, pid in pids:
        out = Path(stack.mail_log.parent) / f"machine-cost-{name}-{pid}.txt"
        started.append((subprocess.Popen([str(spy), "record", "--format", "raw", "--nonblocking", "--gil", "-r", "250",
                                          "-p", str(pid), "-o", str(out)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    time.sleep(1)  # py-spy attaches
    return started


def print_profiles(started: list[tuple[subprocess.Popen, Path]], top: int) -> None:
    """Per kind of process: the functions whose frames most samples pass through (inclusive) and where
    the samples end (self)."""
    for proc, _out in started:
        proc.send_signal(2)  # SIGINT: py-spy writes what it has
    for proc, _out in started:
        proc.wait(30)
    for kind in ("web", "rq"):
        inclusive, leaf, total = Counter(), Counter(), 0
        for _proc, out in started:
            if not out.name.startswith(f"machine-cost-{kind}") or not out.exists():
                continue
            for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                frames = [_short(frame) for frame in stack.split(";")]
                total += int(count)
                for frame in set(frames):
                    inclusive[frame] += int(count)
                leaf[frames[-1]] += int(count)
        print(f"  {kind}: {total} samples on CPU; inclusive / self share:")
        for frame, count in inclusive.most_common(top):
            print(f"    {100 * count / max(total, 1):5.1f} %  {frame}")
        for frame, count in leaf.most_common(top // 2):
            print(f"    self {100 * count / max(total, 1):5.1f} %  {frame}")


def _short(frame: str) -> str:
    """``func (path/to/module.py:12)`` without the line and the site-packages prefix."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/python3.11/", f"{ROOT}/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def begin(stack: Stack, database_url: str, profiling: bool, mark: dict) -> None:
    """When the keys are ready: the idle rate, the profiles if asked for, and the counts to start from."""
    mark["idle"] = idle_rate(stack)
    mark["profiles"] = start_profiles(stack) if profiling else []
    mark["backends"] = backend_seconds(database_url)
    mark["before"], mark["began"] = stack.cpu_seconds(), time.monotonic()


def print_row(label: str, per_op: dict[str, float], parts: tuple[str, ...], rate: float) -> None:
    cells = "  ".join(f"{name} {per_op[name]:5.2f}" for name in parts)
    print(f"  {label:<8} {cells}  | all {sum(per_op[name] for name in parts):6.2f} ms   ({rate:.1f}/s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.machine_cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sends", type=int, default=1200, help="sends (and inserts) a round; keys are asked for first")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on the web and RQ workers through the last round's sends and their jobs")
    parser.add_argument("--top", type=int, default=40, help="functions listed per profile")
    args = parser.parse_args(argv)

    from bench.seed import seed

    concurrency = WEB_WORKERS * WEB_THREADS
    targets = seed(args.database_url, 40)
    period_id = targets["open_period"]
    with Stack(args.database_url, rq_workers=2, rq_options=["--no-fork"]) as stack:
        stack.start_all(ceiling=True, scheduler=True)
        print(f"stack up; {os.cpu_count()} cores, {concurrency} clients; load average {os.getloadavg()[0]:.2f}",
              flush=True)
        loadgen.run(send_loop(period_id, concurrency, 200, lambda: None))  # warm every worker
        loadgen.run(insert_loop(concurrency, 400))
        settle(stack, args.database_url, period_id, 0)
        for round_no in range(1, args.rounds + 1):
            mails = len(stack.mails())
            stored = len(web_receipts(args.database_url, period_id))
            mark: dict = {}
            profiling = args.profile and round_no == args.rounds
            done, elapsed = loadgen.run(send_loop(period_id, concurrency, args.sends,
                                                  partial(begin, stack, args.database_url, profiling, mark)))
            loop_ended = stack.cpu_seconds()["generator"]
            settle(stack, args.database_url, period_id, mails + done)
            if len(web_receipts(args.database_url, period_id)) - stored != done:
                raise SystemExit("the sends stored a different number of rows than were answered")
            send = measured(stack, mark["before"], mark["idle"], mark["began"], done, generator_at=loop_ended)
            send_backends = by_client(mark["backends"], backend_seconds(args.database_url), done)
            if profiling:
                print_profiles(mark["profiles"], args.top)

            idle = idle_rate(stack)
            before, began = stack.cpu_seconds(), time.monotonic()
            inserted, insert_elapsed = loadgen.run(insert_loop(concurrency, done))
            insert = measured(stack, before, idle, began, inserted)
            insert["web"] = insert.pop("ceiling")
            send.pop("ceiling")

            print(f"round {round_no} (load average {os.getloadavg()[0]:.2f}), ms of CPU an operation:", flush=True)
            print_row("send", send, PARTS, done / elapsed)
            print_row("insert", insert, ("web", "postgres", "generator"), inserted / insert_elapsed)
            print("  PostgreSQL a send, by client (live backends; the idle rate not taken off): "
                  + ", ".join(f"{name} {value:.2f}" for name, value in send_backends.items()), flush=True)
            send_all = sum(send[name] for name in PARTS)
            insert_all = sum(insert[name] for name in ("web", "postgres", "generator"))
            print(f"  the insert's CPU over the send's: {insert_all / send_all:.2f} (rates: "
                  f"{done / elapsed / (inserted / insert_elapsed):.2f})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
