"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Values come from the environment so one file serves every machine size.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from app.core.logsafe import loggable_path

# The app learns that it serves requests here (config.py, WEB_PROCESS: its statements get time limits);
# commands (flask db upgrade, …) and workers load the same app without it. gunicorn puts it in the
# environment before any worker imports the app.
raw_env = ["MEYASU_WEB_PROCESS=1"]

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes, one request at a time each: cores + 1. A request here is CPU work for the most part (the
# database and Redis answer in a fraction of a millisecond), so processes beyond the cores only take
# turns on them. In surges on the 2-core benchmark machine readers' pages kept a p95 of 10-12 ms with 3
# processes against 29-42 with 5 (2 x cores + 1, the default until 2026-12-05; 38-48 against 68-80 on
# a slower hour), and 3 accepted 13 % more sends on the fast hour, as many on the slow one (bench/README.md,
# twenty-third session). Where PostgreSQL is on another machine a request waits longer for it, and more
# processes can use that time: raise GUNICORN_WORKERS there.
#
# Threads were the default (2 x 6) until a worker kept dying of SIGSEGV under concurrent ORM loads:
# about once in 35,000 uncached page views with 6 threads a process, in pure-Python code each time
# (heap corruption found later by the garbage collector), and not once in 77,000 with one thread
# (bench/README.md). A crash then takes one request with it, not six.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# gthread with the overload shed in its loop (app/core/gworker.py): under a crowd a request is answered
# 503 + Retry-After there, before it reaches a thread, instead of waiting in an unbounded queue.
# "gthread" gives gunicorn's own (then only the WSGI shed in app/core/shed.py acts, on the stamp below).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "app.core.gworker.ShedWorker")
# Connections a worker holds (kept alive, queued or running). Past it the worker stops accepting and the
# kernel queues the rest, where nothing can shed them: keep it above what a crowd's clients open.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
# The kernel's accept queue. Bounded, so that a connection cannot wait there for tens of seconds: the
# workers' loops accept as fast as they can answer, and what they cannot take is refused at connect.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "512"))
# A request that takes longer than this is a bug or an attack; the citizen gets an error page.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow without bound. Rarely: a new worker imports
# the whole app again (about 2 s of CPU) and drops its keep-alive connections, and a client that
# reuses one of them sees the connection reset. At 20000, both workers recycled in the middle of the
# bench's 1-minute surge (about 25,000 requests each) and 634 requests were reset.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# Behind the reverse proxy: trust its X-Forwarded-* headers only from localhost.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


class _SafeLogger(Logger):
    """The access log without the secret of a workshop guest's private link (app.core.logsafe)."""

    def atoms(self, resp, req, environ, request_time):
        # Every atom, not only the request line: a format may name the raw URI or the Referer too.
        return {key: loggable_path(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


logger_class = _SafeLogger


def post_worker_init(worker):
    """Stamp each request with the instant it entered this worker's queue, for app.core.shed.

    A gthread worker hands readable connections to its thread pool; under overload they wait there.
    The stamp travels to the WSGI environ as ``meyasu.queued_at`` (time.monotonic()).

    The app's page templates are compiled, and the loaded app is frozen out of the garbage collector's full
    collections.

    Also: a worker that crashes in C (one SIGSEGV inside libpython was seen in a 2026-11-29 load run)
    writes every thread's Python stack to the error log first, so that the next one can be traced.
    """
    import faulthandler
    import gc
    import threading
    import time

    faulthandler.enable()
    if hasattr(worker.wsgi, "jinja_env"):  # a Flask app: its pages compiled now, not by the first readers
        from app.core.formatting import compile_page_templates

        compile_page_templates(worker.wsgi)
    # The app as loaded (about 270,000 objects: modules, mappers, forms, routes) lives as long as the
    # worker: out of the collector's sight, a full collection no longer walks it. One took 170–200 ms
    # in process every few hundred sends (bench/README.md, tenth session), a stall for
    # every request of the worker and, when it fell inside a send, for every send waiting on the period.
    gc.collect()
    gc.freeze()

    # The shed worker stamps requests itself (app.core.gworker); this is for gunicorn's own gthread.
    if not hasattr(worker, "tpool") or hasattr(worker, "gate"):
        return
    local = threading.local()
    enqueue, handle, wsgi = worker.enqueue_req, worker.handle, worker.wsgi

    def enqueue_req(conn):
        conn.meyasu_queued_at = time.monotonic()
        enqueue(conn)

    def handle_conn(conn):
        local.queued_at = getattr(conn, "meyasu_queued_at", None)
        return handle(conn)

    def app(environ, start_response):
        queued_at = getattr(local, "queued_at", None)
        if queued_at is not None:
            environ["meyasu.queued_at"] = queued_at
        return wsgi(environ, start_response)

    worker.enqueue_req, worker.handle, worker.wsgi = enqueue_req, handle_conn, app
