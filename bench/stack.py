"""The stack the load benchmarks run against, started as separate processes on 127.0.0.1 only.

- Redis: its own ``redis-server`` on port 6390 (the ports move with ``BENCH_PORT_BASE``) (append-only file, so a stop/start keeps the queue),
  never the machine's shared one;
- an SMTP sink (``bench.smtp_sink``) on 8025 that writes one JSON line per message;
- Meyasu under gunicorn with the repository's ``gunicorn.conf.py`` (port 8100);
- the ceiling app (``bench.ceiling_app``) under the same gunicorn settings (port 8101);
- RQ workers (``python -m workers``) and the scheduler (for the outbox drain).

Every process is started in its own session and stopped by its own pid; logs go to ``WORKDIR``.
"""

import json
import os
import resource
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/meyasu-bench"))
PYTHON = sys.executable
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test_load_bench"
# BENCH_PORT_BASE moves all four ports (web, ceiling, SMTP, Redis = base .. base + 3), so that two
# benchmarks on one machine do not meet; unset, the ports are the ones the README names.
_BASE = int(os.environ.get("BENCH_PORT_BASE", "0"))
WEB_PORT = _BASE or 8100
CEILING_PORT = _BASE + 1 if _BASE else 8101
SMTP_PORT = _BASE + 2 if _BASE else 8025
REDIS_PORT = _BASE + 3 if _BASE else 6390
# What gunicorn.conf.py starts (its defaults, or GUNICORN_WORKERS / GUNICORN_THREADS), read from the file itself.
_GUNICORN = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
WEB_WORKERS: int = _GUNICORN["workers"]
WEB_THREADS: int = _GUNICORN["threads"]
SECRET = "bench-secret-not-for-production"  # noqa: S105  (a throwaway key for a local benchmark)


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {timeout:.0f} s")


def wait_http(url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310  (a local URL we built)
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer after {timeout:.0f} s")


class Stack:
    """Starts the parts on demand and stops exactly the processes it started."""

    def __init__(self, database_url: str = DEFAULT_DB, *, web_workers: int = WEB_WORKERS,
                 web_threads: int = WEB_THREADS, rq_workers: int = 1, rq_queues: list[list[str]] | None = None, rq_options: list[str] | None = None,
                 extra_env: dict | None = None):
        self.database_url = database_url
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.rq_workers = rq_workers
        # The queues of each worker (its arguments after `python -m workers`, options allowed); by
        # default every worker takes all three, high first.
        self.rq_queues = rq_queues or [["high", "default", "low"]] * rq_workers
        self.rq_options = rq_options or []
        self.extra_env = extra_env or {}
        self.procs: dict[str, subprocess.Popen] = {}
        WORKDIR.mkdir(parents=True, exist_ok=True)
        self.mail_log = WORKDIR / "mail.jsonl"

    # --- environment ---

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "GUNICORN_"))}
        env.update({
            "MEYASU_ENV": "production",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(SMTP_PORT),
            "MAIL_SUPPRESS_SEND": "0",
            "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
            "UPLOAD_FOLDER": str(WORKDIR / "uploads"),
            "EXPORT_FOLDER": str(WORKDIR / "exports"),
            # One address sends everything in a benchmark: the per-IP limits would refuse it at once.
            "SUBMISSION_RATE_LIMIT": "1000000 per hour",
            "SUBMISSION_RATE_LIMIT_PER_EMAIL": "1000000 per hour",
            "LOOKUP_RATE_LIMIT": "1000000 per hour",
            "GUNICORN_WORKERS": str(self.web_workers),
            "GUNICORN_THREADS": str(self.web_threads),
            "PYTHONPATH": str(ROOT),
        })
        env.update(self.extra_env)
        return env

    def _start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(WORKDIR / f"{name}.log", "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        proc = subprocess.Popen(args, cwd=ROOT, env=env or self.env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    # --- parts ---

    def start_redis(self) -> None:
        data = WORKDIR / "redis"
        data.mkdir(exist_ok=True)
        self._start("redis", [shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT),
                              "--bind", "127.0.0.1", "--dir", str(data), "--appendonly", "yes",
                              "--save", "", "--protected-mode", "yes"])
        wait_port(REDIS_PORT)

    def flush_redis(self) -> None:
        from redis import Redis

        Redis(port=REDIS_PORT).flushall()

    def start_smtp(self) -> None:
        self.mail_log.unlink(missing_ok=True)
        self._start("smtp", [PYTHON, "-m", "bench.smtp_sink", "--port", str(SMTP_PORT), "--log", str(self.mail_log)])
        wait_port(SMTP_PORT)

    def start_web(self, name: str = "web", port: int = WEB_PORT, workers: int | None = None) -> None:
        """Meyasu under gunicorn; ``name``, ``port`` and ``workers`` let a run start more than one group."""
        env = self.env() | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
        if workers is not None:
            env["GUNICORN_WORKERS"] = str(workers)
        self._start(name, [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "wsgi:app"], env)
        wait_http(f"http://127.0.0.1:{port}/periods")

    def start_ceiling(self) -> None:
        env = self.env() | {"GUNICORN_BIND": f"127.0.0.1:{CEILING_PORT}"}
        self._start("ceiling", [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "bench.ceiling_app:app"], env)
        wait_http(f"http://127.0.0.1:{CEILING_PORT}/template")

    def start_workers(self) -> None:
        for n, queues in enumerate(self.rq_queues):
            self.start_worker(f"rq{n}", queues)

    def start_worker(self, name: str, queues: list[str], options: list[str] | None = None) -> None:
        self._start(name, [PYTHON, "-m", "workers", *(self.rq_options if options is None else options), *queues])

    def start_scheduler(self) -> None:
        self._start("scheduler", [PYTHON, "-m", "workers", "--scheduler"])

    def start_all(self, *, ceiling: bool = True, scheduler: bool = False) -> None:
        self.start_redis()
        self.flush_redis()
        self.start_smtp()
        self.start_web()
        if ceiling:
            self.start_ceiling()
        self.start_workers()
        if scheduler:
            self.start_scheduler()

    # --- control ---

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def stop_all(self) -> None:
        for name in list(self.procs)[::-1]:
            self.stop(name)

    def web_worker_pids(self, name: str = "web") -> list[int]:
        """The gunicorn worker processes (children of the master we started)."""
        master = self.procs[name].pid
        try:
            out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False).stdout
        except FileNotFoundError:
            return []
        return [int(line) for line in out.split()]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of each part of the stack that runs, and of this process (the generator)."""
        processes = all_processes()
        parts = {"sink" if name == "smtp" else name: [proc.pid] for name, proc in self.procs.items()
                 if name in ("web", "ceiling", "scheduler", "redis", "smtp")}
        parts["rq"] = [proc.pid for name, proc in self.procs.items() if name.startswith("rq")]
        seconds = {name: tree_ticks(processes, roots) / TICK for name, roots in parts.items()}
        # Every PostgreSQL process (the postmaster's count holds the backends that ended).
        seconds["postgres"] = sum(ticks for command, _parent, ticks in processes.values()
                                  if command.startswith("postgres")) / TICK
        usage = resource.getrusage(resource.RUSAGE_SELF)
        seconds["generator"] = usage.ru_utime + usage.ru_stime
        return seconds

    def mails(self) -> list[dict]:
        if not self.mail_log.exists():
            return []
        return [json.loads(line) for line in self.mail_log.read_text().splitlines() if line.strip()]

    def queue_length(self) -> int:
        from redis import Redis

        conn = Redis(port=REDIS_PORT, socket_connect_timeout=1)
        return sum(conn.llen(f"rq:queue:{name}") for name in ("high", "default", "low"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


# --- CPU from /proc: by process tree, and the machine's own count ---

TICK = os.sysconf("SC_CLK_TCK")


def process_stat(pid: int) -> tuple[str, int, int] | None:
    """(command, parent, CPU ticks of the process and of its reaped children)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    command = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # After the command: state, ppid, ... utime (14th field of the line), stime, cutime, cstime.
    return command, int(fields[1]), sum(int(value) for value in fields[11:15])


def all_processes() -> dict[int, tuple[str, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := process_stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def tree_ticks(processes: dict, roots: list[int]) -> int:
    """Ticks of the roots and of every process below them."""
    children: dict[int, list[int]] = {}
    for pid, (_command, parent, _ticks) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in processes:
            total += processes[pid][2]
            todo.extend(children.get(pid, []))
    return total


MACHINE_STATES = ("busy", "idle", "iowait", "steal")


def machine_ticks() -> dict[str, int]:
    """The machine's CPU ticks so far (all cores), from /proc/stat's first line: busy (user, nice, system,
    interrupts), idle, waiting for I/O, and stolen by the host for other guests (a slow host shows here)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return {"busy": user + nice + system + irq + softirq, "idle": idle, "iowait": iowait, "steal": steal}


def machine_shares(before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    """Each state's share of the ticks between two readings of ``machine_ticks``."""
    spent = {name: after[name] - before[name] for name in MACHINE_STATES}
    total = sum(spent.values()) or 1
    return {name: value / total for name, value in spent.items()}


class CpuWatch:
    """What each part of a stack and the machine spent from its making to ``summary()``: each part in cores
    (CPU seconds a second), and the machine's busy, idle, I/O-wait and stolen shares, so that a run on a slow
    or crowded host says so beside its figures."""

    def __init__(self, stack: "Stack"):
        self.stack = stack
        self.parts, self.machine, self.began = stack.cpu_seconds(), machine_ticks(), time.monotonic()
        self.shares: dict[str, float] = {}  # the machine's, as the last ``summary()`` read them

    def summary(self) -> str:
        parts, machine, spent = self.stack.cpu_seconds(), machine_ticks(), max(time.monotonic() - self.began, 1e-9)
        cores = {name: (parts[name] - self.parts.get(name, 0.0)) / spent for name in parts}
        shares = self.shares = machine_shares(self.machine, machine)
        used = "  ".join(f"{name} {value:.2f}" for name, value in cores.items() if value >= 0.005)
        states = ", ".join(f"{name} {100 * share:.0f} %" for name, share in shares.items())
        return f"cores: {used} | machine: {states}"
