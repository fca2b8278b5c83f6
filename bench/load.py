"""Load and surge against gunicorn + PostgreSQL + Redis + an RQ worker on this machine.

    python -m bench.load --design      # 20 submissions/s + 200 page views/s for 2 minutes, then the ceiling
    python -m bench.load --surge       # 600 submissions/s (30x design) for 1 minute
    python -m bench.load --surge --surge-rounds 3   # three surges, the goodput judged on the median
    python -m bench.load --design --quick   # a 20 s smoke run
    python -m bench.load --ceiling-only     # only the closed-loop ceiling and its ratios

Each run reseeds its database (``bench.seed``), starts its own Redis (port 6390), SMTP sink (8025),
Meyasu (8100), the ceiling app (8101), RQ workers and the scheduler, whose recurring jobs (the search
index of new submissions every ten seconds among them) run as in production (``BENCH_PORT_BASE`` moves
the four ports); it prints its figures, and stops what it started. The surge measures the closed-loop maximum of its own
flow before and after it and prints its goodput as a share of their mean, and the rows stored whose receipt
nobody saw, by cause; with ``--surge-rounds`` it runs several surges, each closed loop between two of them
shared by both.
Options: --database-url, --web-workers, --web-threads, --rq-workers, --ceiling-rounds, --profile (py-spy on one web worker).
"""

import argparse
import asyncio
import bisect
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass

from bench import loadgen
from bench.stack import (
    CEILING_PORT,
    DEFAULT_DB,
    REDIS_PORT,
    WEB_PORT,
    WEB_THREADS,
    WEB_WORKERS,
    WORKDIR,
    CpuWatch,
    Stack,
)

# Issue 20: p95 < 100 ms and p99 < 300 ms at the design load (and at twice it: --sub-rate 40 --page-rate 400).
TARGETS = {"p95": 0.100, "p99": 0.300}
SUBMIT_KINDS = ["submit.form", "submit.confirm", "submit.send", "submit.receipt"]
AT_ONCE = 0.100  # a request turned away within this had its busy page at once, not after waiting in a queue


def page_paths(targets: dict) -> list[str]:
    """The public pages people read, weighted: period pages most, then results and the lists."""
    paths = []
    for period_id in targets["period_pages"][:10]:
        paths += [f"/periods/{period_id}"] * 3
    for period_id in targets["result_pages"]:
        paths += [f"/periods/{period_id}/result"] * 6
    paths += ["/periods"] * 5 + ["/results"] * 3 + ["/"] * 4
    paths += [f"/plans/{plan_id}" for plan_id in targets["plans"][:5]]
    return paths


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


def print_latencies(recorder: loadgen.Recorder, kinds: list[str] | None = None) -> None:
    print(f"  {'kind':16} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, row in recorder.summary(kinds).items():
        print(f"  {kind:16} {row['n']:7d} {ms(row['p50'])} {ms(row['p95'])} {ms(row['p99'])} {ms(row['max'])}")


def print_shed_waits(recorder: loadgen.Recorder) -> None:
    """How long the requests turned away waited for their busy page: at once, or after waiting in a queue."""
    for kind, waits in sorted(recorder.shed_seconds.items()):
        waits = sorted(waits)
        at_once = bisect.bisect_right(waits, AT_ONCE) / len(waits)
        print(f"  turned away ({kind}): the busy page after p50 {ms(loadgen.percentile(waits, 50)).strip()} ms, "
              f"p95 {ms(loadgen.percentile(waits, 95)).strip()} ms; {at_once:.0%} within {AT_ONCE * 1000:.0f} ms")


def print_error_times(recorder: loadgen.Recorder, began: float, seconds: float, step: int = 10) -> None:
    """When the errors came, by ``step`` seconds of the phase: a cold start shows in the first."""
    if not recorder.error_at:
        return
    counts = Counter(min(int((at - began) // step), int(seconds // step)) for at in recorder.error_at)
    windows = ", ".join(f"{n * step}-{(n + 1) * step} s: {counts[n]}" for n in sorted(counts))
    print(f"  errors by time in the phase: {windows}")


def print_outcomes(recorder: loadgen.Recorder) -> None:
    statuses = {kind: dict(counter) for kind, counter in recorder.statuses.items()}
    print(f"  statuses: {json.dumps(statuses)}")
    print(f"  errors: {recorder.error_count} {dict(recorder.errors) if recorder.errors else ''}")
    print(f"  stack traces seen in responses: {recorder.traces}; arrivals dropped by the generator: "
          f"{recorder.dropped}")
    for example in recorder.error_examples[:8]:
        print(f"    e.g. {example}")
    for notice, count in recorder.notices.most_common():
        print(f"    said ({count}): {notice}")


def wait_for_mail(stack: Stack, receipts: set[str], timeout: float) -> int:
    """Wait (bounded) until the SMTP sink has a receipt email for each of ``receipts`` and the queues are
    empty; the number of those receipts emailed."""
    deadline = time.monotonic() + timeout
    while True:
        got = len(receipts & {m["receipt"] for m in stack.mails() if m["receipt"]})
        if (got >= len(receipts) and stack.queue_length() == 0) or time.monotonic() >= deadline:
            return got
        time.sleep(1)


def warm_up(stack: Stack, database_url: str, period_id: int, phase) -> set[str]:
    """Run a short ``phase`` to warm every worker's caches and connections, then wait until its last
    submissions are stored and mailed and forget its mail, so that none of them counts as the run's.
    Returns the period's receipts stored by then. Prints what the cold site shed meanwhile."""
    recorder = loadgen.run(phase)
    answered = sum(sum(counts.values()) for counts in recorder.statuses.values())
    print(f"  cold start (the warm-up, every page rendered for the first time): {recorder.error_count} errors, "
          f"{answered} requests answered; {dict(recorder.errors)}", flush=True)
    stored: set[str] | None = None
    for _ in range(60):
        now = web_receipts(database_url, period_id)
        if now == stored:
            break
        stored = now
        time.sleep(2)
    wait_for_mail(stack, stored, 60)
    stack.mail_log.write_text("")
    return stored


def stored_rows(database_url: str, period_id: int, receipts: list[str]) -> int:
    """How many of the receipts shown are rows of the period."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM submissions WHERE period_id = %s AND receipt_no = ANY(%s)",
                            (period_id, receipts)).fetchone()[0]


def web_receipts(database_url: str, period_id: int) -> set[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return {row[0] for row in conn.execute(
            "SELECT receipt_no FROM submissions WHERE period_id = %s AND channel = 'web'", (period_id,))}


def report_unseen(database_url: str, period_id: int, recorder: loadgen.Recorder, before: set[str]) -> int:
    """Rows stored in the run whose receipt no citizen saw, each with its cause."""
    unseen = web_receipts(database_url, period_id) - before - {receipt for receipt, _email in recorder.receipts}
    causes = Counter(recorder.unshown.get(receipt) or (
        "the send answered 303 but no receipt page was asked for" if receipt in recorder.redirected
        else "stored, but the send's answer never reached the citizen (timeout or reset)") for receipt in unseen)
    print(f"  stored but unseen: {len(unseen)}" + "".join(f"; {n} {cause}" for cause, n in causes.most_common()))
    return len(unseen)


def check_receipts(stack: Stack, database_url: str, period_id: int, recorder: loadgen.Recorder,
                   before: set[str], mail_timeout: float) -> dict:
    """Receipts shown, rows stored and receipt emails of the rows stored since ``before`` (the period's
    receipts before the phase). A mail of an earlier row that arrives during the phase (an outbox row of
    the phase before, still waiting for the drainer) is counted apart, not as the phase's."""
    receipts = [receipt for receipt, _email in recorder.receipts]
    shown_stored = stored_rows(database_url, period_id, receipts)
    new = web_receipts(database_url, period_id) - before
    started = time.monotonic()
    mails = wait_for_mail(stack, new, mail_timeout)
    print(f"  receipt emails caught up {time.monotonic() - started:.0f} s after the load stopped"
          + ("" if mails >= len(new) else f" (not within {mail_timeout:.0f} s: {len(new) - mails} missing)"))
    by_receipt = Counter(m["receipt"] for m in stack.mails() if m["receipt"])
    twice = sum(1 for count in by_receipt.values() if count > 1)
    earlier = sum(count for receipt, count in by_receipt.items() if receipt not in new)
    shown_mailed = sum(1 for receipt in set(receipts) if by_receipt.get(receipt))
    figures = {"receipts_shown": len(receipts), "distinct_receipts_shown": len(set(receipts)),
               "shown_and_stored": shown_stored, "rows_stored": len(new), "emails_sent": mails,
               "shown_and_emailed": shown_mailed, "receipts_emailed_twice": twice, "earlier_mails": earlier}
    print("  receipts shown {receipts_shown} (distinct {distinct_receipts_shown}); of them stored "
          "{shown_and_stored}; rows stored {rows_stored}; of them emailed {emails_sent} (shown receipts emailed "
          "{shown_and_emailed}); receipts emailed twice {receipts_emailed_twice}; mails of rows stored before "
          "the phase {earlier_mails}".format(**figures))
    return figures


# --- phases ---


async def prepare_citizens(http: loadgen.Http, period_id: int, count: int) -> list[tuple[loadgen.Citizen, str]]:
    """Citizens who already have the form open (a session and its CSRF token)."""
    citizens = [loadgen.Citizen(http) for _ in range(count)]
    gate = asyncio.Semaphore(10)  # a few at a time: 300 at once would be shed as a crowd of pages

    async def open_form(citizen):
        async with gate:
            return await loadgen.open_form(citizen, period_id)

    tokens = await asyncio.gather(*(open_form(c) for c in citizens))
    ready = [(c, t) for c, t in zip(citizens, tokens, strict=True) if t]
    if not ready:
        raise SystemExit(f"no form page could be opened ({dict(http.recorder.errors)}): is the stack up?")
    return ready


# Confirm pages asked for before a timed round of sends: a session keeps 8 keys (app.core.formkeys), so
# 150 browsers hold 1,200; a round that uses them all ends early, and its rate stands.
SEND_KEYS = 1200
CORES = os.cpu_count() or 1


async def prepare_keys(http: loadgen.Http, period_id: int, count: int) -> list[tuple[loadgen.Citizen, dict]]:
    """(browser, the fields its confirm page carries) for ``count`` sends, each with its own key."""
    per_citizen = 8
    ready = await prepare_citizens(http, period_id, (count + per_citizen - 1) // per_citizen)
    keys: list[tuple[loadgen.Citizen, dict]] = []
    gate = asyncio.Semaphore(8)

    async def confirms(citizen: loadgen.Citizen, token: str, first: int) -> None:
        async with gate:
            for n in range(first, first + per_citizen):
                got = await citizen.request("submit.confirm", "POST", f"/periods/{period_id}/submit/confirm",
                                            data=loadgen.opinion(1_000_000 + n) | {"csrf_token": token, "confirm": "y"})
                hidden = loadgen.hidden_fields(got[2]) if got else {}
                if hidden.get("idempotency_key"):
                    keys.append((citizen, hidden | {"send": "y"}))

    await asyncio.gather(*(confirms(c, t, i * per_citizen) for i, (c, t) in enumerate(ready)))
    return keys


def send_with_key(period_id: int, keys: list[tuple[loadgen.Citizen, dict]]):
    """The closed loop's send: the n-th browser's confirmed fields sent, a 303 to the receipt expected."""
    async def op(n):
        citizen, fields = keys[n]
        await citizen.request("submit.send", "POST", f"/periods/{period_id}/submit/send", data=fields, expect=(303,))
    return op


def bare_insert(http: loadgen.Http):
    """The ceiling app's insert, one row a call."""
    return lambda n: loadgen.Citizen(http).request("insert", "POST", "/insert", expect=(201,),
                                                   data={"name": f"n{n}", "body": loadgen.BODIES[n % 4]})


async def design_phase(targets: dict, seconds: float, sub_rate: float, page_rate: float) -> loadgen.Recorder:
    recorder = loadgen.Recorder()
    paths = page_paths(targets)
    period_id = targets["open_period"]
    async with loadgen.Http(f"http://127.0.0.1:{WEB_PORT}", recorder, connections=400) as http:
        await asyncio.gather(
            loadgen.open_loop(sub_rate, seconds, lambda n: loadgen.submission_flow(http, period_id, n),
                              recorder=recorder, drain=120),
            loadgen.open_loop(page_rate, seconds, lambda n: loadgen.page_view(http, paths, n), recorder=recorder,
                              drain=120),
        )
    return recorder


async def reading_phase(targets: dict, seconds: float, page_rate: float, base: str = "") -> loadgen.Recorder:
    """Page views only, at ``page_rate``, to ``base`` (the web port unless given)."""
    recorder = loadgen.Recorder()
    paths = page_paths(targets)
    async with loadgen.Http(base or f"http://127.0.0.1:{WEB_PORT}", recorder, connections=400) as http:
        await loadgen.open_loop(page_rate, seconds, lambda n: loadgen.page_view(http, paths, n), recorder=recorder,
                                drain=30)
    return recorder


# A closed loop that left the machine idle longer than this measured its clients' waiting, not the stack.
MOST_IDLE = 0.2


def refusal(errors: int, done: int, idle: float) -> str | None:
    """Why a closed-loop round of the ceiling does not count, or None. A round that answered with errors
    measured how fast something fails; one that left the machine idle (``idle``: its idle and I/O-wait
    share) measured how its three clients wait: once the insert's loop ran at 277/s with the machine 43 %
    idle, and the send's ratio read 0.85 (bench/README.md, twenty-ninth session)."""
    if errors > 0.001 * max(done, 1):
        return "errors"
    if idle > MOST_IDLE:
        return f"the machine {100 * idle:.0f} % idle"
    return None


async def ceiling_phase(targets: dict, seconds: float, concurrency: int, rounds: int, stack: Stack) -> dict:
    """Closed-loop maximum throughput of four things, alternated ``rounds`` times; the best round counts, with
    what the stack and the machine spent while it ran (``CpuWatch``), and every round's rate (``per_round``,
    None for a round that does not count), for ``paired_ratios``."""
    period_id = targets["open_period"]
    paths = page_paths(targets)
    best: dict[str, dict] = {}
    per_round: dict[str, list[float | None]] = {}
    limits: dict[str, int] = {}

    async def measure(name: str, base: str, make_op, after_work: bool = False) -> None:
        recorder = loadgen.Recorder()
        async with loadgen.Http(base, recorder, connections=concurrency) as http:
            op = await make_op(http)
            watch = CpuWatch(stack)
            done, elapsed = await loadgen.closed_loop(concurrency, seconds, op, max_ops=limits.get(name, 1_000_000))
            cpu = watch.summary()
        # A send leaves jobs (its receipt mail, its search index) that the workers gather for a second and then
        # run: those of the round's last second ran after its clock stopped, and the next round paid for them.
        # The round waits for them, and its time counts their CPU as time the machine's cores would have
        # taken at full width (bench/README.md, thirty-first session).
        later = await after_work_done(stack) if after_work else 0.0
        values = recorder.all_latencies()
        why = refusal(recorder.error_count, done, watch.shares.get("idle", 0.0) + watch.shares.get("iowait", 0.0))
        row = {"per_s": rate_with_later_work(done, elapsed, later), "in_round_per_s": done / elapsed,
               "after_s": later / CORES,
               "p95": loadgen.percentile(values, 95), "errors": recorder.error_count, "cpu": cpu, "why": why}
        valid = why is None
        per_round.setdefault(name, []).append(row["per_s"] if valid else None)
        if name not in best or (valid and (not best[name]["valid"] or row["per_s"] > best[name]["per_s"])):
            best[name] = row | {"valid": valid}

    async def meyasu_pages(http):
        return lambda n: loadgen.page_view(http, paths, n)

    async def meyasu_send(http):
        # The send alone is timed: each key comes from a confirm page asked for before the clock starts
        # (the server accepts only keys it issued to the session), as a bare insert has no confirm step.
        keys = await prepare_keys(http, period_id, SEND_KEYS)
        http.recorder.latencies.clear()
        limits["meyasu_submissions"] = len(keys)
        return send_with_key(period_id, keys)

    async def ceiling_template(http):
        return lambda n: loadgen.Citizen(http).request("page", "GET", "/template")

    async def ceiling_insert(http):
        return bare_insert(http)

    web, ceiling = f"http://127.0.0.1:{WEB_PORT}", f"http://127.0.0.1:{CEILING_PORT}"
    for _ in range(rounds):
        await measure("meyasu_pages", web, meyasu_pages)
        await measure("ceiling_template", ceiling, ceiling_template)
        await measure("meyasu_submissions", web, meyasu_send, after_work=True)
        await measure("ceiling_insert", ceiling, ceiling_insert)
    for name, row in best.items():
        row["per_round"] = per_round[name]
    return best


async def after_work_done(stack: Stack, timeout: float = 120.0) -> float:
    """Until what the sends left behind is done: every outbox row (the receipt mails) done or failed, RQ's
    queues empty, every submission in the search index. The CPU seconds the stack (not this process) spent
    meanwhile: the send round's own work that ran after its clock stopped."""
    import psycopg

    before = stack.cpu_seconds()
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(stack.database_url) as conn:
            waiting = conn.execute("SELECT count(*) FROM outbox_jobs "
                                   "WHERE state IN ('pending', 'enqueued', 'running', 'retrying')").fetchone()[0]
            unindexed = None if waiting else conn.execute(
                "SELECT count(*) FROM submissions s WHERE NOT EXISTS "
                "(SELECT 1 FROM submission_search_docs d WHERE d.submission_id = s.id)").fetchone()[0]
        if waiting == 0 and unindexed == 0 and stack.queue_length() == 0:
            after = stack.cpu_seconds()
            return sum(after[name] - before[name] for name in after if name != "generator")
        if time.monotonic() >= deadline:
            raise SystemExit(f"the sends' jobs did not finish in {timeout:.0f} s: {waiting} outbox rows waiting, "
                             f"{unindexed} submissions not indexed")
        await asyncio.sleep(0.2)


def rate_with_later_work(done: int, elapsed: float, later_cpu: float, cores: int = CORES) -> float:
    """Operations a second of a round whose work went on for ``later_cpu`` CPU seconds after its clock
    stopped: that work counted as the time all the machine's cores would take to do it."""
    return done / (elapsed + later_cpu / cores)


def paired_ratios(ours: list[float | None], theirs: list[float | None]) -> list[float]:
    """Each round's rate over the rate of its reference measured right after it, for the rounds where both
    count. The best rounds can come from minutes apart, and this host's speed moves within minutes (the bare
    insert's loop ran at 456 and 705 a second within six minutes: bench/README.md, thirtieth session); a pair
    is measured within half a minute."""
    return [mine / other for mine, other in zip(ours, theirs, strict=True) if mine and other]


def bracketing_maximum(before: float, after: float) -> float:
    """The closed loop's maximum around a surge: the mean of its samples before and after (bench/README.md,
    thirty-first session). A sample that completed no flow measured a failure, not the stack: left out, it
    neither halves the maximum nor doubles the goodput; 0 when both failed."""
    samples = [sample for sample in (before, after) if sample > 0]
    return sum(samples) / len(samples) if samples else 0.0


def over(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


async def flow_ceiling(targets: dict, seconds: float, concurrency: int) -> float:
    """Closed-loop maximum of what the surge asks for (confirm, send, receipt): flows per second."""
    recorder = loadgen.Recorder()
    period_id = targets["open_period"]
    async with loadgen.Http(f"http://127.0.0.1:{WEB_PORT}", recorder, connections=concurrency) as http:
        pool = await prepare_citizens(http, period_id, concurrency)

        async def op(n):
            citizen, token = pool[n % len(pool)]
            await loadgen.confirm_and_send(citizen, period_id, 2_000_000 + n, token, shed_ok=False)

        _done, elapsed = await loadgen.closed_loop(concurrency, seconds, op)
    return len(recorder.receipts) / elapsed


SURGE_BROWSERS = 600  # browsers with the form open when the surge starts


async def surge_phase(targets: dict, seconds: float, sub_rate: float, page_rate: float,
                      pool_size: int) -> loadgen.Recorder:
    recorder = loadgen.Recorder()
    paths = page_paths(targets)
    period_id = targets["open_period"]
    async with loadgen.Http(f"http://127.0.0.1:{WEB_PORT}", recorder, connections=1500) as http:
        pool = await prepare_citizens(http, period_id, pool_size)
        recorder.latencies.clear()
        recorder.statuses.clear()
        recorder.started = time.monotonic()
        retry_deadline = recorder.started + seconds + 10
        # Browsers not in a flow now: a person sends one form at a time. Handed out in turn (arrival n took
        # browser n % 300 before), one browser ran several flows at once, and a confirmation answered while
        # another was on its way lost the other's key from the cookie: a few sends each surge came back 409.
        free = deque(pool)

        async def submit(n):
            if free:
                citizen, token = free.popleft()
            else:  # every prepared browser is in a flow: one more person, who opens the form first
                recorder.more_browsers += 1
                citizen = loadgen.Citizen(http)
                token = await loadgen.open_form(citizen, period_id, shed_ok=True)
                if token is None:  # the busy page (Retry-After): this person comes back later, or not
                    return
            try:
                await loadgen.confirm_and_send(citizen, period_id, n, token, shed_ok=True,
                                               retry_deadline=retry_deadline)
            finally:
                free.append((citizen, token))

        async def arrivals():
            await asyncio.sleep(seconds)
            recorder.arrivals_ended = time.monotonic()

        await asyncio.gather(
            loadgen.open_loop(sub_rate, seconds, submit, recorder=recorder),
            loadgen.open_loop(page_rate, seconds, lambda n: loadgen.page_view(http, paths, n, shed_ok=True),
                              recorder=recorder),
            arrivals(),
        )
    return recorder


# --- profiling ---

MARKERS = [
    ("template rendering (jinja2)", "jinja2/"), ("markdown", "markdown/"), ("bleach sanitising", "bleach/"),
    ("SQLAlchemy ORM/core", "sqlalchemy/"), ("psycopg (driver + waiting on PostgreSQL)", "psycopg/"),
    ("redis client (limiter, RQ)", "redis/"), ("flask_limiter", "flask_limiter/"), ("WTForms", "wtforms/"),
    ("flask_babel / babel", "babel/"), ("argon2", "argon2/"), ("werkzeug routing/parsing", "werkzeug/"),
    ("RQ enqueue", "rq/"), ("bigram search index", "search.py"), ("gunicorn I/O", "gunicorn/"),
]


def start_profile(stack: Stack, seconds: int) -> tuple[subprocess.Popen, str] | None:
    pids = stack.web_worker_pids()
    if not pids:
        return None
    out = str(WORKDIR / f"profile-{pids[0]}.txt")
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "py-spy"), "record",
                             "--format", "raw", "--nonblocking", "-r", "200", "-d", str(seconds), "-p",
                             str(pids[0]), "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, out


def summarise_profile(path: str) -> None:
    """Inclusive share of samples (on CPU or not) whose stack passes through each library."""
    if not os.path.exists(path):
        print("  (no profile written)")
        return
    total = 0
    hits = Counter()
    idle = 0
    with open(path, encoding="utf-8", errors="replace") as raw:
        for line in raw:
            stack, _, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            if "handle_request" not in stack:
                idle += n
                continue
            total += n
            for label, marker in MARKERS:
                if marker in stack:
                    hits[label] += n
    print(f"  samples in request handling: {total} (outside requests: {idle}); inclusive share:")
    for label, n in hits.most_common():
        print(f"    {label:44} {100 * n / max(total, 1):5.1f} %")
    print(f"  raw stacks: {path}")


def print_ceiling(targets: dict, args, stack: Stack) -> bool:
    print(f"\n== ceiling: closed loop, {args.ceiling_concurrency} clients, same gunicorn settings; "
          f"load average {os.getloadavg()[0]:.2f} ==", flush=True)
    best = loadgen.run(ceiling_phase(targets, 5.0 if args.quick else args.ceiling_seconds,
                                     args.ceiling_concurrency, 1 if args.quick else args.ceiling_rounds, stack))
    for name, row in best.items():
        later = (f"  ({row['in_round_per_s']:.1f}/s in the round, which left {row['after_s']:.2f} s of the cores' "
                 f"work to its jobs)") if row.get("after_s") else ""
        print(f"  {name:20} {row['per_s']:8.1f}/s  p95 {ms(row['p95'])} ms  errors {row['errors']}{later}"
              f"{'' if row['valid'] else '  INVALID (' + row['why'] + ')'}")
        print(f"  {'':20} {row['cpu']}")
    if not all(row["valid"] for row in best.values()):
        refused = "; ".join(f"{name}: {row['why']}" for name, row in best.items() if not row["valid"])
        print(f"  ratio to ceiling: not computed, no round of a measurement counts ({refused}; see the logs)")
        return False
    sub_ratio = best["meyasu_submissions"]["per_s"] / best["ceiling_insert"]["per_s"]
    page_ratio = best["meyasu_pages"]["per_s"] / best["ceiling_template"]["per_s"]
    print(f"  ratio to ceiling: submissions {sub_ratio:.2f}, page views {page_ratio:.2f}")
    pairs = {label: paired_ratios(best[ours]["per_round"], best[theirs]["per_round"])
             for label, ours, theirs in (("submissions", "meyasu_submissions", "ceiling_insert"),
                                         ("page views", "meyasu_pages", "ceiling_template"))}
    print("  each round over the round right after it: " + "; ".join(
        f"{label} {', '.join(f'{ratio:.2f}' for ratio in ratios) or 'none counts'}" for label, ratios in pairs.items()))
    # Each round's own rate: whether a ratio moved with the bare side (the host) or with Meyasu's (its tables
    # growing round after round) shows only here.
    print("  each round, a second: " + "; ".join(
        f"{name} {', '.join('-' if rate is None else f'{rate:.0f}' for rate in row['per_round'])}"
        for name, row in best.items()))
    return True


# --- main ---


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--design", action="store_true")
    mode.add_argument("--surge", action="store_true")
    mode.add_argument("--ceiling-only", action="store_true",
                      help="only the closed-loop ceiling (Meyasu against the bare app), about 4 minutes")
    parser.add_argument("--quick", action="store_true", help="20 s phases: a smoke run, not the figures")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--web-workers", type=int,
                        default=WEB_WORKERS)
    parser.add_argument("--web-threads", type=int, default=WEB_THREADS)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--rq-fork", action="store_true",
                        help="workers fork a work horse per job (RQ's default) instead of --no-fork")
    parser.add_argument("--sub-rate", type=float, default=20.0, help="design submissions/s")
    parser.add_argument("--page-rate", type=float, default=200.0, help="design page views/s")
    parser.add_argument("--surge-factor", type=float, default=30.0)
    parser.add_argument("--surge-rounds", type=int, default=1,
                        help="surges in a row, each between two closed loops; the goodput target on the median")
    parser.add_argument("--ceiling-seconds", type=float, default=15.0)
    parser.add_argument("--ceiling-rounds", type=int, default=2,
                        help="times each of the four closed loops runs, alternated (the best counts; each pair printed)")
    parser.add_argument("--ceiling-concurrency", type=int, default=0,
                        help="closed-loop clients (default: workers x threads, so nothing waits in a queue)")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--profile", action="store_true", help="py-spy one web worker during the load")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the app processes (e.g. PUBLIC_PAGE_CACHE_SECONDS=0)")
    args = parser.parse_args(argv)
    if args.surge_rounds < 1:
        parser.error("--surge-rounds must be 1 or more")

    from bench.seed import seed

    seconds = 20.0 if args.quick else (120.0 if args.design else 60.0)
    args.ceiling_concurrency = args.ceiling_concurrency or args.web_workers * args.web_threads
    print(f"seeding {args.database_url} ...", flush=True)
    targets = seed(args.database_url, 40)
    extra_env = dict(item.split("=", 1) for item in args.env)
    with Stack(args.database_url, web_workers=args.web_workers, web_threads=args.web_threads,
               rq_workers=args.rq_workers, rq_options=[] if args.rq_fork else ["--no-fork"],
               extra_env=extra_env) as stack:
        stack.start_all(ceiling=args.ceiling_only or (args.design and not args.no_ceiling), scheduler=True)
        print(f"stack: gunicorn {args.web_workers} workers x {args.web_threads} threads, {args.rq_workers} RQ "
              f"worker(s) ({'forking' if args.rq_fork else '--no-fork'}), Redis :{REDIS_PORT}, PostgreSQL {args.database_url.rsplit('@', 1)[-1]}, {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
        # Warm every worker's caches and connections before timing anything; then wait until the
        # warm-up's last submissions are in, so that none of them counts as the run's.
        before = warm_up(stack, args.database_url, targets["open_period"], design_phase(targets, 3, 5, 50))
        profile = start_profile(stack, int(min(seconds, 60))) if args.profile else None
        ok = True
        if args.ceiling_only:
            ok = print_ceiling(targets, args, stack)
        elif args.design:
            print(f"\n== design load: {args.sub_rate:g} submissions/s (form, confirm, send, receipt) + "
                  f"{args.page_rate:g} page views/s for {seconds:g} s ==", flush=True)
            # The wait for the warm-up's mail left the site idle for a minute, every kept page past its
            # time limit: three seconds of reading first, so that the phase measures a site in use (a cold
            # start is the warm-up's line above).
            loadgen.run(reading_phase(targets, 3, args.page_rate))
            started, began, watch = time.perf_counter(), time.monotonic(), CpuWatch(stack)
            recorder = loadgen.run(design_phase(targets, seconds, args.sub_rate, args.page_rate))
            elapsed = time.perf_counter() - started
            design_cpu = watch.summary()
            print_latencies(recorder)
            print(f"  {design_cpu}")
            print_error_times(recorder, began, seconds)
            every = recorder.all_latencies()
            p95, p99 = loadgen.percentile(every, 95), loadgen.percentile(every, 99)
            flows = len(recorder.receipts)
            views = recorder.statuses["page"][200]
            print(f"  ALL requests     {len(every):7d} p95 {ms(p95)} ms  p99 {ms(p99)} ms")
            print(f"  achieved: {flows / seconds:.1f} submissions/s, {views / seconds:.1f} page views/s "
                  f"(phase took {elapsed:.0f} s)")
            print_outcomes(recorder)
            if profile:
                profile[0].wait(90)
                summarise_profile(profile[1])
            figures = check_receipts(stack, args.database_url, targets["open_period"], recorder, before, 120)
            met = (p95 < TARGETS["p95"] and p99 < TARGETS["p99"] and recorder.error_count == 0
                   and recorder.traces == 0 and figures["shown_and_stored"] == figures["distinct_receipts_shown"]
                   and figures["receipts_emailed_twice"] == 0)
            print(f"  design targets (p95 < {TARGETS['p95'] * 1000:.0f} ms, p99 < {TARGETS['p99'] * 1000:.0f} ms, zero errors, receipts stored): "
                  f"{'MET' if met else 'NOT MET'}")
            ok = ok and met
            if not args.no_ceiling:
                ok = print_ceiling(targets, args, stack) and ok
        else:
            ok = surge_rounds(stack, args, targets, seconds)
    return 0 if ok else 1


def closed_loop_sample(stack: Stack, targets: dict, args) -> float:
    """One closed loop of whole flows (confirm, send, receipt) around a surge: its flows a second, with the cores
    each part of the stack spent meanwhile, so that a sample far from the one before shows whether the stack spent
    its time elsewhere (PostgreSQL's autovacuum after the surge's rows, the mail) or the host ran slower."""
    watch = CpuWatch(stack)
    flows = loadgen.run(flow_ceiling(targets, args.ceiling_seconds, args.ceiling_concurrency))
    print(f"  closed loop: {flows:.1f} flows/s; load average {os.getloadavg()[0]:.2f}", flush=True)
    print(f"  {watch.summary()}", flush=True)
    return flows


def goodput_verdict(goodputs: list[float], page_p95s: list[float]) -> tuple[float, bool]:
    """The surges' goodput (the median round's) and whether the targets are met: at least 0.8 of the closed-loop
    maximum, and every round's page views within a second at p95. A round with no maximum (both its loops
    failed: nan) leaves the target unmet, whatever the others read."""
    if not goodputs or any(math.isnan(goodput) for goodput in goodputs):
        return float("nan"), False
    median = statistics.median(goodputs)
    return median, median >= 0.8 and all(p95 < 1.0 for p95 in page_p95s)


@dataclass(frozen=True)
class SurgeRound:
    """One surge's figures between its two closed loops (flows a second)."""

    goodput: float
    accepted: float  # sends accepted a second
    page_p95: float  # seconds
    met: bool  # its own targets: no timeout, no 500, every receipt shown stored, no email twice
    flow_before: float
    flow_after: float


def surge_rounds(stack: Stack, args, targets: dict, seconds: float) -> bool:
    """``--surge-rounds`` surges, each between two closed loops (the one after a round is the one before the
    next), each round's goodput over the mean of its two. This host's speed moves by a quarter within minutes
    with the stack's CPU unchanged (bench/README.md, thirty-sixth session): one round's ratio moved with it, so
    the goodput target is judged on the median round, every round's figures printed."""
    print(f"\n== closed loop: {args.ceiling_concurrency} clients, confirm + send + receipt, "
          f"{args.ceiling_seconds:g} s ==", flush=True)
    flow_before = closed_loop_sample(stack, targets, args)
    rounds: list[SurgeRound] = []
    for number in range(1, args.surge_rounds + 1):
        rounds.append(surge_round(stack, args, targets, seconds, flow_before, number))
        flow_before = rounds[-1].flow_after
    goodput, met = goodput_verdict([r.goodput for r in rounds], [r.page_p95 for r in rounds])
    if len(rounds) > 1:
        print(f"\n== {len(rounds)} surges ==")
        for number, r in enumerate(rounds, 1):
            print(f"  round {number}: {r.accepted:.1f} sends/s accepted, closed loops {r.flow_before:.1f} / "
                  f"{r.flow_after:.1f} flows/s, goodput {r.goodput:.2f}, page views p95 {ms(r.page_p95)} ms")
        print(f"  goodput: median {goodput:.2f} (rounds {', '.join(f'{r.goodput:.2f}' for r in rounds)})")
    print(f"  goodput targets (>= 0.80 of the maximum{' in the median round' if len(rounds) > 1 else ''}, "
          f"page p95 < 1 s): {'MET' if met else 'NOT MET'}")
    return all(r.met for r in rounds)


def surge_round(stack: Stack, args, targets: dict, seconds: float, flow_before: float, number: int) -> SurgeRound:
    """One surge and the closed loop after it."""
    rate = args.sub_rate * args.surge_factor
    for _ in range(60):  # the closed loop's receipt emails go out before the surge's are counted
        if stack.queue_length() == 0:
            break
        time.sleep(1)
    before = web_receipts(args.database_url, targets["open_period"])
    stack.mail_log.write_text("")
    of = f" (round {number} of {args.surge_rounds})" if args.surge_rounds > 1 else ""
    print(f"\n== surge{of}: {rate:g} submissions/s (confirm, send, receipt) + {args.page_rate:g} page views/s "
          f"for {seconds:g} s ==", flush=True)
    started, watch = time.perf_counter(), CpuWatch(stack)
    recorder = loadgen.run(surge_phase(targets, seconds, rate, args.page_rate, SURGE_BROWSERS))
    elapsed = time.perf_counter() - started
    surge_cpu = watch.summary()
    print_latencies(recorder)
    print(f"  {surge_cpu}")
    print(f"  shed (429/503 with Retry-After): {dict(recorder.shed)}; without Retry-After: "
          f"{recorder.shed_without_retry_after}")
    print_shed_waits(recorder)
    print(f"  browsers: {SURGE_BROWSERS} with the form open before the surge, one flow at a time each; "
          f"{recorder.more_browsers} more opened the form during it")
    print_outcomes(recorder)
    figures = check_receipts(stack, args.database_url, targets["open_period"], recorder, before, 300)
    report_unseen(args.database_url, targets["open_period"], recorder, before)
    # The window: from the first arrival to the later of the last arrival and the last send answered
    # (a send shed and pressed again after its Retry-After counts when it is accepted). Not the
    # phase's wall time, which also holds the 300 form pages opened before and the drain after.
    window = max(recorder.arrivals_ended, max(recorder.accepted_at, default=0.0)) - recorder.started
    accepted = len(recorder.accepted_at) / window
    # The closed loop once more, right after: a sample of a quarter-minute on this host read 80.5 and 101.5
    # flows/s within minutes (bench/README.md, thirty-first session), and the goodput moved with it while
    # the sends accepted did not. The maximum is the mean of the two samples around the surge.
    print("  again after the surge:")
    flow_after = closed_loop_sample(stack, targets, args)
    print(f"  the sends accepted over each closed loop: {over(accepted, flow_before):.2f} (before), "
          f"{over(accepted, flow_after):.2f} (after)")
    flow_max = bracketing_maximum(flow_before, flow_after)
    goodput = over(accepted, flow_max)
    pages = recorder.summary(["page"])["page"]
    print(f"  goodput: {accepted:.1f} sends/s accepted over the {window:.0f} s from the first arrival to "
          f"the last send accepted ({len(recorder.redirected) / elapsed:.1f}/s over the phase's "
          f"{elapsed:.0f} s with its preparation and drain), {len(recorder.receipts) / window:.1f}/s with the "
          f"receipt shown; {goodput:.2f} of the closed-loop maximum (the mean of the two, "
          f"{flow_max:.1f} flows/s); page views p95 {ms(pages['p95'])} ms; load average {os.getloadavg()[0]:.2f}")
    bad = Counter()
    for kind, counter in recorder.statuses.items():
        bad[kind] = sum(n for status, n in counter.items() if status >= 500 and status != 503)
    timeouts = sum(n for key, n in recorder.errors.items() if "timeout" in key)
    resets = sum(n for key, n in recorder.errors.items() if "timeout" not in key and "HTTP" not in key)
    print(f"  timeouts {timeouts}; connection errors (resets, refused) {resets}")
    met = (timeouts == 0 and not sum(bad.values()) and recorder.error_count == 0 and recorder.traces == 0
           and figures["shown_and_stored"] == figures["distinct_receipts_shown"]
           and figures["receipts_emailed_twice"] == 0)
    print(f"  surge targets (shed only with 429/503 + Retry-After, no timeout, no 500, every receipt "
          f"shown stored, no email twice): {'MET' if met else 'NOT MET'}")
    return SurgeRound(goodput, accepted, pages["p95"], met, flow_before, flow_after)


if __name__ == "__main__":
    sys.exit(main())
