"""Scale-out shown: two complete web stacks behind a load balancer, two worker groups, one database.

    python -m bench.scaleout            # the design load (20 sends/s + 200 page views/s) for 2 minutes
    python -m bench.scaleout --quick    # 20 s: a smoke run, not the figures

What it starts, on 127.0.0.1 only, each process by its own pid (``bench.stack``):

- one PostgreSQL database (``--database-url``, reseeded by ``bench.seed``), one Redis, the SMTP sink;
- web group A: gunicorn with ``--web-workers-a`` processes on the stack's web port (8100, or
  ``BENCH_PORT_BASE``); web group B: gunicorn with ``--web-workers-b`` on ``BENCH_SECOND_PORT_BASE``
  (default: A's port + 100). Each is what one machine runs: the repository's ``gunicorn.conf.py``;
- worker group A and worker group B, each as the Procfile has it on one machine: ``python -m workers
  --no-fork high default`` and a forking ``python -m workers low``; one scheduler for the site;
- Debian's nginx as the load balancer (``least_conn``, each group weighted by its worker count) on
  the web port + 4, with its own config, pid file and logs under ``BENCH_WORKDIR/nginx`` (run in the
  foreground as a child of this script, not as the system's service).

Every request of the load goes through the balancer. Afterwards it prints, per group, the requests the
balancer sent there (its access log: ``$upstream_addr``) and the requests the group's gunicorn logged
itself, the sends each stored, the jobs each worker group finished (RQ's own counters), the CPU each
group used, and the design targets with the receipts check of ``bench.load``: every receipt shown is
stored and emailed exactly once. The run fails if either group served nothing.
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench import loadgen
from bench.load import (
    TARGETS,
    check_receipts,
    ms,
    page_paths,
    print_error_times,
    print_latencies,
    print_outcomes,
    reading_phase,
    report_unseen,
    warm_up,
    web_receipts,
)
from bench.stack import REDIS_PORT, WEB_PORT, WORKDIR, Stack, wait_http

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test_scale_out"
PORT_A = WEB_PORT
PORT_B = int(os.environ.get("BENCH_SECOND_PORT_BASE", "0")) or WEB_PORT + 100
LB_PORT = WEB_PORT + 4
NGINX_DIR = WORKDIR / "nginx"
# One line per request: which group answered it (the last upstream tried), what was asked, the status.
LOG_FORMAT = '$upstream_addr "$request_method $uri" $status $request_time $upstream_response_time'
ACCESS_LINE = re.compile(r'"(?:GET|POST|HEAD|PUT|DELETE|PATCH|OPTIONS) ')


def nginx_config(groups: dict[str, tuple[int, int]], lb_port: int, workdir: Path) -> str:
    """The balancer's whole configuration: ``groups`` maps a name to (port, gunicorn workers)."""
    servers = "\n".join(f"        server 127.0.0.1:{port} weight={workers} max_fails=0;  # group {name}"
                        for name, (port, workers) in groups.items())
    return f"""# Written by bench/scaleout.py for one run; not the production proxy (deploy/nginx.conf).
daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    default_type application/octet-stream;
    log_format groups '{LOG_FORMAT}';
    access_log {workdir}/access.log groups;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    client_max_body_size 40m;
    keepalive_timeout 30s;
    keepalive_requests 100000;

    # Each group is a machine's gunicorn; a request goes to the group with the fewest open
    # requests per worker. A send (POST) is never tried on a second group (nginx's default).
    upstream meyasu {{
        least_conn;
{servers}
    }}

    server {{
        listen 127.0.0.1:{lb_port};
        location / {{
            proxy_pass http://meyasu;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 35s;
        }}
    }}
}}
"""


def start_nginx(stack: Stack, groups: dict[str, tuple[int, int]]) -> Path:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise SystemExit("nginx is needed as the load balancer: apt-get install -y nginx")
    NGINX_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("access.log", "error.log"):
        (NGINX_DIR / name).unlink(missing_ok=True)
    conf = NGINX_DIR / "nginx.conf"
    conf.write_text(nginx_config(groups, LB_PORT, NGINX_DIR))
    base = [binary, "-p", str(NGINX_DIR), "-e", str(NGINX_DIR / "error.log"), "-c", str(conf)]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise SystemExit(f"nginx refused its configuration:\n{check.stderr}")
    stack._start("nginx", base)

    wait_http(f"http://127.0.0.1:{LB_PORT}/periods")
    return NGINX_DIR / "access.log"


# --- what each group did ---


def lb_counts(log: Path, offset: int, ports: dict[int, str]) -> dict[str, Counter]:
    """Per group, from the balancer's log after ``offset``: requests, sends stored (303), statuses."""
    counts: dict[str, Counter] = defaultdict(Counter)
    with open(log, "rb") as lines:
        lines.seek(offset)
        for raw in lines:
            parts = raw.decode("utf-8", "replace").split('"')
            if len(parts) < 3:
                continue
            upstreams = parts[0].strip().split(", ")
            port = upstreams[-1].rsplit(":", 1)[-1]
            name = ports.get(int(port), "none") if port.isdigit() else "none"
            status = parts[2].split()[0]
            counts[name]["requests"] += 1
            counts[name][f"status {status}"] += 1
            if len(upstreams) > 1:
                counts[name]["tried on a second group"] += 1
            if parts[1].startswith("POST") and parts[1].endswith("/submit/send") and status == "303":
                counts[name]["sends (303)"] += 1
    return counts


def access_lines(path: Path, offset: int) -> int:
    """Requests a gunicorn group logged itself (its access log, in its log file) after ``offset``."""
    if not path.exists():
        return 0
    with open(path, "rb") as lines:
        lines.seek(offset)
        return sum(1 for raw in lines if ACCESS_LINE.search(raw.decode("utf-8", "replace")))


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live children (a gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    total = 0.0
    for each in [pid, *(int(p) for p in out.split())]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def jobs_by_group(stack: Stack, groups: dict[str, list[str]]) -> dict[str, Counter]:
    """Jobs each worker group finished, from RQ's own counters per worker (matched by pid)."""
    from redis import Redis
    from rq import Worker

    owner = {stack.pid(proc): group for group, procs in groups.items() for proc in procs if stack.alive(proc)}
    counts: dict[str, Counter] = defaultdict(Counter)
    for worker in Worker.all(connection=Redis(port=REDIS_PORT)):
        group = owner.get(worker.pid)
        if group:
            counts[group]["finished"] += worker.successful_job_count or 0
            counts[group]["failed"] += worker.failed_job_count or 0
    return counts


# --- the load ---


async def design_phase(base: str, targets: dict, seconds: float, sub_rate: float,
                       page_rate: float) -> loadgen.Recorder:
    """``bench.load``'s design phase, sent to ``base`` (the balancer)."""
    recorder = loadgen.Recorder()
    paths = page_paths(targets)
    period_id = targets["open_period"]
    async with loadgen.Http(base, recorder, connections=400) as http:
        await asyncio.gather(
            loadgen.open_loop(sub_rate, seconds, lambda n: loadgen.submission_flow(http, period_id, n),
                              recorder=recorder, drain=120),
            loadgen.open_loop(page_rate, seconds, lambda n: loadgen.page_view(http, paths, n), recorder=recorder,
                              drain=120),
        )
    return recorder


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 20 s phase: a smoke run, not the figures")
    parser.add_argument("--seconds", type=float, default=0, help="length of the phase (default 120, --quick 20)")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--web-workers-a", type=int, default=3, help="gunicorn processes of web group A")
    parser.add_argument("--web-workers-b", type=int, default=2, help="gunicorn processes of web group B")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the app processes (e.g. GUNICORN_BUSY_ACCEPT_DELAY_MS=0)")
    parser.add_argument("--sub-rate", type=float, default=20.0, help="submissions/s (form, confirm, send, receipt)")
    parser.add_argument("--page-rate", type=float, default=200.0, help="page views/s")
    args = parser.parse_args(argv)
    if not shutil.which("pgrep"):
        raise SystemExit("pgrep (procps) is needed to find the gunicorn workers")
    seconds = args.seconds or (20.0 if args.quick else 120.0)

    from bench.seed import seed

    print(f"seeding {args.database_url} ...", flush=True)
    targets = seed(args.database_url, 40)
    web = {"A": ("web-a", PORT_A, args.web_workers_a), "B": ("web-b", PORT_B, args.web_workers_b)}
    workers = {group: [f"rq-{group.lower()}-short", f"rq-{group.lower()}-long"] for group in web}
    lb = f"http://127.0.0.1:{LB_PORT}"
    ok = True
    extra_env = {"SITE_URL": lb, **dict(item.split("=", 1) for item in args.env)}
    with Stack(args.database_url, rq_workers=0, extra_env=extra_env) as stack:
        stack.start_redis()
        stack.flush_redis()
        stack.start_smtp()
        for name, port, count in web.values():
            stack.start_web(name, port, count)
        for short, long in workers.values():
            stack.start_worker(short, ["high", "default"], ["--no-fork"])
            stack.start_worker(long, ["low"], [])
        stack.start_scheduler()
        access_log = start_nginx(stack, {group: (port, count) for group, (_n, port, count) in web.items()})
        print(f"stack: nginx :{LB_PORT} (least_conn) -> web A :{PORT_A} ({args.web_workers_a} gunicorn workers) and "
              f"web B :{PORT_B} ({args.web_workers_b}); worker groups A and B (each --no-fork high default + "
              f"forking low); one scheduler; Redis :{REDIS_PORT}; PostgreSQL "
              f"{args.database_url.rsplit('@', 1)[-1]}; {os.cpu_count()} cores; load average {load_average()}",
              flush=True)

        # Warm both groups (connections, caches), then wait until the warm-up's sends are stored and
        # mailed, so that none of them counts as the run's.
        before = warm_up(stack, args.database_url, targets["open_period"], design_phase(lb, targets, 3, 5, 50))
        jobs_before = jobs_by_group(stack, workers)
        receipts_before = web_receipts(args.database_url, targets["open_period"])

        # As bench.load --design does: the wait for the warm-up's mail left every kept page past its limit,
        # so three seconds of reading first; the cold start is the warm-up's line.
        loadgen.run(reading_phase(targets, 3, args.page_rate, lb))
        offsets = {"lb": size(access_log)} | {name: size(WORKDIR / f"{name}.log") for name, _p, _c in web.values()}
        cpu_before = {proc: cpu_seconds(stack.pid(proc)) for proc in [*(n for n, _p, _c in web.values()), "nginx",
                                                                       *(p for ps in workers.values() for p in ps)]}
        print(f"\n== design load through the balancer: {args.sub_rate:g} submissions/s (form, confirm, send, "
              f"receipt) + {args.page_rate:g} page views/s for {seconds:g} s ==", flush=True)
        started, began = time.perf_counter(), time.monotonic()
        recorder = loadgen.run(design_phase(lb, targets, seconds, args.sub_rate, args.page_rate))
        elapsed = time.perf_counter() - started
        cpu = {proc: cpu_seconds(stack.pid(proc)) - before for proc, before in cpu_before.items()}
        print(f"  load average after the phase: {load_average()}")
        print_latencies(recorder)
        print_error_times(recorder, began, seconds)
        every = recorder.all_latencies()
        p95, p99 = loadgen.percentile(every, 95), loadgen.percentile(every, 99)
        flows = len(recorder.receipts)
        views = recorder.statuses["page"][200]
        print(f"  ALL requests     {len(every):7d} p95 {ms(p95)} ms  p99 {ms(p99)} ms")
        print(f"  achieved: {flows / seconds:.1f} submissions/s, {views / seconds:.1f} page views/s "
              f"(phase took {elapsed:.0f} s)")
        print_outcomes(recorder)

        figures = check_receipts(stack, args.database_url, targets["open_period"], recorder, before, 120)
        report_unseen(args.database_url, targets["open_period"], recorder, receipts_before)
        jobs_after = jobs_by_group(stack, workers)
        by_lb = lb_counts(access_log, offsets["lb"], {port: group for group, (_n, port, _c) in web.items()})
        total = sum(row["requests"] for row in by_lb.values()) or 1
        print("\n== who served it ==")
        print(f"  {'group':8} {'via nginx':>10} {'share':>6} {'own log':>8} {'sends 303':>10} {'CPU s':>7}  statuses")
        for group, (name, _port, count) in web.items():
            row = by_lb.get(group, Counter())
            statuses = {key[7:]: n for key, n in sorted(row.items()) if key.startswith("status ")}
            print(f"  web {group:4} {row['requests']:10d} {row['requests'] / total:6.2f} "
                  f"{access_lines(WORKDIR / f'{name}.log', offsets[name]):8d} {row['sends (303)']:10d} "
                  f"{cpu[name]:7.1f}  {statuses} ({count} workers)")
        if by_lb.get("none"):
            print(f"  answered by nginx itself (no group): {dict(by_lb['none'])}")
        retried = sum(row["tried on a second group"] for row in by_lb.values())
        print(f"  requests nginx tried on a second group: {retried}; nginx CPU {cpu['nginx']:.1f} s")
        for group, names in workers.items():
            finished = jobs_after.get(group, Counter())["finished"] - jobs_before.get(group, Counter())["finished"]
            failed = jobs_after.get(group, Counter())["failed"] - jobs_before.get(group, Counter())["failed"]
            print(f"  workers {group}: {finished} jobs finished, {failed} failed "
                  f"(CPU {sum(cpu[n] for n in names):.1f} s)")

        both_served = all(by_lb.get(group, Counter())["requests"] > 0 for group in web)
        both_worked = all(jobs_after.get(group, Counter())["finished"] > jobs_before.get(group, Counter())["finished"]
                          for group in workers)
        # Every receipt shown is stored and emailed once, and every row stored had its receipt shown.
        receipts_ok = (0 < figures["distinct_receipts_shown"] == figures["rows_stored"]
                       and figures["shown_and_stored"] == figures["distinct_receipts_shown"]
                       and figures["shown_and_emailed"] == figures["distinct_receipts_shown"]
                       and figures["emails_sent"] == figures["rows_stored"]
                       and figures["receipts_emailed_twice"] == 0)
        met = (p95 < TARGETS["p95"] and p99 < TARGETS["p99"] and recorder.error_count == 0 and recorder.traces == 0
               and receipts_ok)
        print(f"\n  both web groups served: {'YES' if both_served else 'NO'}; both worker groups ran jobs: "
              f"{'YES' if both_worked else 'NO'}")
        print(f"  receipts shown = stored = emailed once: {'YES' if receipts_ok else 'NO'}")
        print(f"  design targets through the balancer (p95 < {TARGETS['p95'] * 1000:.0f} ms, p99 < {TARGETS['p99'] * 1000:.0f} ms, zero errors, receipts): "
              f"{'MET' if met else 'NOT MET'}; load average {load_average()}")
        ok = met and both_served and both_worked
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
