"""A gunicorn worker that sheds overload in its own loop, before a request reaches a thread.

gthread's loop accepts a connection, waits until it is readable and hands it to the thread pool, whose
queue has no bound: under a crowd, requests waited there (and, once a worker held ``worker_connections``,
in the kernel's accept queue) for tens of seconds before the WSGI shed (``app.core.shed``) could see them.
This worker looks at each request when its connection becomes readable, by peeking at the bytes the
kernel already holds (the request line, the headers, and for a small form its body):

- it asks the app's ``shed.Gate`` what kind of request it is (a send, a page, another POST, a new
  form: ``shed.KINDS``, in the order threads take them) and how long the requests already queued ahead
  of it will take (``shed.expected_wait``, from the time each kind took lately in this worker, with the
  send and receipt that each confirmation ahead leads to);
- within the kind's limit (``SHED_*_WAIT_MS``) the request joins the worker's queue, one queue per
  kind, and a free thread takes the first waiting request of the first kind (a send before a page
  before a new confirmation); a request that waited past its limit anyway is turned away as soon as the
  loop looks again (each request that comes or finishes), busy threads or not, except the one that was
  next in line when it came (one per thread is never shed: a few clients each waiting for an answer are
  not a crowd, however slow the host); that one, once past its kind's limit, goes before the sends that
  keep arriving (``_overdue``), or it could wait for ever. The page a send led to (its receipt) is never
  turned away, here or by the WSGI shed: the send stored its opinion;
- otherwise the loop answers it at once, itself: 503 with ``Retry-After``, the bilingual busy page for a
  GET, and for a POST the page that keeps every field it carried (parsed from the body in hand, which
  is a few kilobytes). The request is read to its end first, so the connection stays open for the
  next one (closing it with unread bytes would reset it). A POST whose body has not all arrived, or
  that is not a plain url-encoded form, goes to the front of the queue marked to be shed
  (``shed.SHED_NOW``) and the WSGI shed answers it.

Which worker a request lands on matters as much: gthread's loop accepts a new connection whether its
threads are free or not, and a keep-alive connection stays with the worker that accepted it, so a page
could wait behind its worker's 300 ms confirm while three other workers stood idle. Here:

- a worker whose threads are all busy leaves a new connection in the kernel's queue: an idle worker
  takes it at once. If connections still wait at every look over ``BUSY_ACCEPT_DELAY`` (10 ms), every
  worker is busy (a crowd): this one takes what waits and its loop decides as above. Behind nginx, which
  opens a connection per request, that makes the workers one queue.
- a worker whose thread is free but that already holds as many connections as it has threads (kept
  alive, idle) leaves a new one the same way. Connections are taken one at a time (and the worker stops
  listening after each, so that the next may be another's) unless every thread is busy and they have
  waited for ``TAKE_ALL_AFTER``: otherwise the few connections of a client that keeps them (nginx's
  upstream pool, a closed loop of five or ten) landed on one to three workers, whose requests took turns
  on one thread while the others stood idle. (Closing a kept-alive connection
  whose worker has a queue, so that the client's next request comes back through the kernel's queue,
  was tried and left out: under a surge every answer then closed its connection, the clients'
  reconnecting took the CPU, and sends and receipts timed out.)

An anonymous GET of a page the app keeps (``pagecache.KeptPages``: the same bytes for every reader
without a session) that arrives while every thread is busy is answered by the loop itself, from the
answer kept in this process, before any of this: at the design load seven requests in ten are such
pages, and they no longer wait behind a send or a confirmation that holds the worker's thread. They
are not in gunicorn's access log (nor are the loop's 503s); the loop logs how many it answered, every
ten seconds, with the shed counts.

In a crowd (every thread busy and requests waiting in the worker's queues) the loop looks at its sockets at
most every ``LOOP_GATHER`` (5 ms), not as each request arrives; a thread that finishes (its wake-up pipe)
ends the wait at once, so no thread waits for it. Each look takes the GIL from the request running on the
thread: in a surge a worker's loop woke some 330 times a second, and the request slowed by a sixth (py-spy,
bench/README.md, thirty-second session). Taking what came in one look: surges on one evening accepted
0.84–0.87 of the closed loop's maximum in eight runs with it (2–10 ms), 0.79, 0.80, 0.85 and 0.82 in four
without (thirty-third session); a reader's page answered by the loop waits up to 5 ms more (the surge's
p95 12–13 ms instead of 8–9). Not when nothing waits: gathering whenever the thread was busy, a closed
loop of page views ran a sixth slower (1.32 and 1.37 of the bare template's rate against 1.60 and 1.52;
1.63 and 1.59 gathering only in a crowd).

``worker_connections`` is kept by pausing the accepts, not as gthread keeps it: at its limit gthread's
loop stops looking at its sockets and waits for a thread's request to finish, but here requests also wait
in the loop's own queues, which only that looking moves on. A worker that reached the limit with its
thread idle and its queues full waited so for ever (or until kept-alive connections timed out), every
request it held timing out: seen as a worker whose thread "answered nothing" for a whole surge. At the
limit this worker leaves new connections in the kernel's queue, for the other workers.

An app that is not Meyasu (the benchmark's bare app) has a plain gate (``shed.PlainGate``): its
connections are spread and its requests queued the same way, and none is turned away or answered by the
loop. Over TLS (gunicorn's own) the worker is gthread as it was. Settings: ``gunicorn.conf.py``
(``GUNICORN_WORKER_CLASS`` chooses the worker).
"""

import contextlib
import errno
import os
import select
import selectors
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import partial

from gunicorn.util import http_date
from gunicorn.workers.gthread import ThreadWorker

from app.core import shed

PEEK_BYTES = 65536
# A request's time per kind in ms until this worker has timed a few (a kept page is ~1 ms, a send ~15).
START_ESTIMATES = {"send": 30.0, "page": 10.0, "other": 30.0, "form": 30.0, "shed": 5.0}
SHED_LOG_SECONDS = 10.0
# How long a thread running Python may keep the GIL while the loop waits for it (CPython's default is
# 5 ms). The loop gives the GIL up at each recv and send; with 5 ms each, a busy request thread held a
# turned-away request for 10-15 ms, and the loop could answer only some 60 a second.
SWITCH_INTERVAL = float(os.environ.get("GUNICORN_SWITCH_INTERVAL_MS", "1")) / 1000
REASONS = {503: "Service Unavailable"}
# How long a worker with no free thread leaves a new connection for an idle worker to take.
BUSY_ACCEPT_DELAY = float(os.environ.get("GUNICORN_BUSY_ACCEPT_DELAY_MS", "10")) / 1000
BUSY_ACCEPT_PROBE = BUSY_ACCEPT_DELAY / 5  # how often a paused worker looks whether a connection still waits
TAKE_AT_MOST = 64  # connections a busy worker takes at once when the delay has passed
TAKE_ALL_AFTER = 5 * BUSY_ACCEPT_DELAY  # before this, a worker takes waiting connections one at a time
# While every thread is busy and requests wait in the worker's queues (a crowd), the loop looks at its
# sockets at most this often; a thread that finishes ends the wait at once (see the module's docstring).
# Under half the accept delay, so that a crowd waiting in the kernel's queue is still seen at every look
# (``accept``); 0 turns it off.
LOOP_GATHER = min(float(os.environ.get("GUNICORN_LOOP_GATHER_MS", "5")) / 1000, BUSY_ACCEPT_DELAY / 2)
# gunicorn's heartbeat (``notify``: a ``utime`` of the worker's file, which the arbiter holds against ``timeout``)
# at most this often; gthread's loop sends it at every turn.
NOTIFY_EVERY = 1.0
# While its threads are busy the loop answers a kept page up to this long past its time limit, and hands a
# request for it to a thread to have it rendered again (``Refreshes``): one at a time, the first at once, the
# next ``KEPT_REFRESH_EVERY`` seconds after the last one finished, twice as long after each that left the
# page past its limit, up to ``KEPT_REFRESH_MOST`` (a render claimed by another process lasts at most 5 s).
KEPT_STALE_SECONDS = 60.0
KEPT_REFRESH_EVERY = 1.0
KEPT_REFRESH_MOST = 4.0


class Refreshes:
    """When the loop hands a request for a kept page past its time limit to a thread, per target.

    The thread renders the page, or, when another process claimed its rendering, serves the old copy and
    the page stays past its limit here until that process shares the new one. Every page of the site
    expires in every process at the same instant; sent every second whatever happened to the last, one
    could still wait in the queue behind a crowd's sends when the next went, and a process kept sending
    them until the new copy came. (Measured in a slow hour's surge, these were the smaller part of the page
    views that reached the threads, ~40 a minute: bench/README.md, twenty-sixth session.)"""

    def __init__(self):
        self.next_at: dict[str, float] = {}  # target -> the earliest time the next one may go
        self.gap: dict[str, float] = {}  # target -> the wait after the one in flight, once it finishes
        self.in_flight: set[str] = set()

    def due(self, target: str, now: float) -> bool:
        return target not in self.in_flight and now >= self.next_at.get(target, 0.0)

    def sent(self, target: str) -> None:
        self.in_flight.add(target)
        if len(self.gap) >= 4096:  # targets are the site's pages, but anyone can make up queries
            self.gap.clear()
            self.next_at.clear()

    def finished(self, target: str, now: float) -> None:
        self.in_flight.discard(target)
        gap = self.gap.get(target, KEPT_REFRESH_EVERY)
        self.next_at[target] = now + gap
        self.gap[target] = min(gap * 2, KEPT_REFRESH_MOST)

    def fresh(self, target: str) -> None:
        """The page is within its time limit again: when it next expires, the first request goes at once."""
        if target in self.gap:
            del self.gap[target]
            self.next_at.pop(target, None)


@dataclass(frozen=True)
class Head:
    """What the loop reads of a request before deciding: its line, the headers it needs, their length."""

    method: str
    target: str
    version: str
    length: int  # bytes of the request line and headers, blank line included
    content_length: int
    content_type: str
    chunked: bool
    keep_alive: bool
    expect: bool
    fields: dict[str, str] = field(default_factory=dict, compare=False)  # every header, by lower-case name

    @property
    def path(self) -> str:
        if self.target.startswith(("http://", "https://")):
            from urllib.parse import urlsplit

            return urlsplit(self.target).path or "/"
        return self.target.split("?", 1)[0] or "/"


def parse_head(data: bytes) -> Head | None:
    """The request's head from the bytes peeked, or None while it has not all arrived (or is not HTTP/1)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    try:
        lines = data[:end].decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    if not version.startswith("HTTP/1."):
        return None
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        name, value = name.strip().lower(), value.strip()
        fields[name] = f"{fields[name]}, {value}" if name in fields else value  # a repeated header: both
    try:
        content_length = int(fields.get("content-length", "0") or 0)
    except ValueError:
        return None
    connection = fields.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return Head(method=method.upper(), target=target, version=version, length=end + 4,
                content_length=content_length, content_type=fields.get("content-type", "").lower(),
                chunked="chunked" in fields.get("transfer-encoding", "").lower(), keep_alive=keep_alive,
                expect="expect" in fields, fields=fields)


def response_bytes(status: int, headers: list[tuple[str, str]], body: bytes, *, keep_alive: bool,
                   head_only: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body)


class ShedWorker(ThreadWorker):
    """gthread with the shed in its loop (see the module's docstring)."""

    def init_process(self):
        self.gate: shed.Gate | shed.PlainGate | None = None
        self.waiting: dict[str, deque] = {kind: deque() for kind in shed.KINDS}
        self.waiting["shed"] = deque()  # turned away, for the WSGI shed to answer: first of all
        self.running: list[str] = []
        self.estimates = dict(START_ESTIMATES)
        self.finished: deque = deque()  # (kind, ms, refreshed target or None) from the threads, read by the loop
        self.shed_counts = {kind: 0 for kind in shed.KINDS}
        self.kept_answers = 0  # kept pages the loop answered itself, logged with the shed counts
        self.refreshes = Refreshes()  # requests for kept pages past their limit, handed to a thread
        self.shed_logged = time.monotonic()
        self.local = threading.local()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.listeners: list = []  # (socket, acceptor) while they are out of the poller: paused
        self.crowd_since: float | None = None  # since when a connection waited at every look while busy
        self.crowd_seen = 0.0  # the last look that found one waiting
        self.probed_at = 0.0
        self.looked_at = 0.0  # when the loop last looked at its sockets
        self.connection_limit = self.worker_connections
        self.notified_at = 0.0
        super().init_process()  # runs the worker (``run``) until it stops

    def run(self):
        self.gate = None if self.cfg.is_ssl else shed.gate(self.wsgi)
        if self.gate is not None:
            self.gate.classify("GET", "/")  # werkzeug builds its matcher on the first match: not in a request
            app = self.wsgi

            def wsgi(environ, start_response):
                conn = self.local.conn
                if not _receipt(conn.meyasu_kind, environ["REQUEST_METHOD"]):
                    environ[shed.QUEUED_AT] = conn.meyasu_queued_at  # a receipt is never shed (``enqueue_req``)
                if conn.meyasu_kind == "shed":
                    environ[shed.SHED_NOW] = True
                elif conn.meyasu_kind == "send":
                    start_response = self._following(start_response)
                return app(environ, start_response)

            self.wsgi = wsgi
            # gthread's loop never stops looking at its sockets (see the module's docstring): ``accept`` keeps
            # the limit instead.
            self.worker_connections = sys.maxsize
            self.poller.register(self.wake_r, selectors.EVENT_READ, self.on_wake)
            wait = self.poller.select
            self.poller.select = lambda timeout=None: self._select(wait, timeout)
        super().run()

    def notify(self):
        """gunicorn's heartbeat, at most every ``NOTIFY_EVERY``: gthread's loop sends it at each turn, in a crowd
        hundreds of times a second, each a system call that lets go of the GIL (the arbiter gives a worker
        ``timeout``, 30 s, before it counts it as stuck)."""
        now = time.monotonic()
        if now - self.notified_at >= NOTIFY_EVERY:
            self.notified_at = now
            super().notify()

    def _following(self, start_response):
        def following(status, headers, exc_info=None):
            if status[:1] == "3":
                location = next((value for name, value in headers if name.lower() == "location"), None)
                if location:
                    self.gate.follow(location)
            return start_response(status, headers, exc_info)
        return following

    # --- the loop's side: which worker takes a new connection ---

    def accept(self, server, listener):
        if self.gate is not None and self.nr_conns >= self.connection_limit:
            self._pause_accepting()  # resumed when a connection closes (``_probe``)
            return None
        if self.gate is None or (len(self.running) < self.cfg.threads and self.nr_conns < self.cfg.threads):
            return super().accept(server, listener)
        now = time.monotonic()
        if self.crowd_since is None or now - self.crowd_seen > BUSY_ACCEPT_DELAY:
            self.crowd_since = now  # not seen waiting at the last looks: a new connection, not a crowd
        self.crowd_seen = now
        if now - self.crowd_since >= BUSY_ACCEPT_DELAY:
            self._take(server, listener)  # connections have waited at every look: every worker is busy
        # An idle worker takes what waits; if none does, ``_probe`` takes it (and after a take, the next
        # look may be another worker's).
        self._pause_accepting()
        return None

    def _take(self, server, listener) -> None:
        """Accept what waits (at most ``TAKE_AT_MOST``, and within the connection limit), for the loop to
        queue or turn away."""
        # One at a time, and the next may go to another worker, while the wait is young (a client opening
        # a few connections at once) or this worker has a free thread (it holds kept-alive connections);
        # a crowd that lasts, every thread busy: what waits.
        young = self.crowd_since is not None and time.monotonic() - self.crowd_since < TAKE_ALL_AFTER
        most = 1 if young or len(self.running) < self.cfg.threads else TAKE_AT_MOST
        for _ in range(min(most, self.connection_limit - self.nr_conns)):
            before = self.nr_conns
            ThreadWorker.accept(self, server, listener)
            if self.nr_conns == before:  # nothing left (EAGAIN, ignored there)
                self.crowd_since = None
                return

    def _pause_accepting(self) -> None:
        with self._lock:
            for sock in self.sockets:
                self.listeners.append((sock, self.poller.get_key(sock).data))
                self.poller.unregister(sock)
        self.probed_at = time.monotonic()

    def _resume_accepting(self, *, take: bool) -> None:
        """Listen again: a thread is free, or (``take``) connections waited at every look for the delay. Not
        while this worker holds its limit of connections."""
        if not self.listeners or self.nr_conns >= self.connection_limit:
            return
        with self._lock:
            for sock, acceptor in self.listeners:
                self.poller.register(sock, selectors.EVENT_READ, acceptor)
        listeners, self.listeners = self.listeners, []
        for sock, acceptor in listeners if take else ():
            self._take(acceptor.args[0], sock)

    def _connections_wait(self) -> bool:
        ready, _w, _x = select.select(self.sockets, [], [], 0)
        return bool(ready)

    def _select(self, wait, timeout):
        if self.listeners:
            timeout = BUSY_ACCEPT_PROBE if timeout is None else min(timeout, BUSY_ACCEPT_PROBE)
        if LOOP_GATHER and len(self.running) >= self.cfg.threads and not self.finished and any(self.waiting.values()):
            rest = self.looked_at + LOOP_GATHER - time.monotonic()
            if rest > 0:
                select.select([self.wake_r], [], [], rest)
        events = wait(timeout)
        self.looked_at = time.monotonic()
        if self.listeners:
            self._probe()
        return events

    def _probe(self) -> None:
        """While paused, look at the listening sockets now and then: nothing waits there any more (an idle
        worker took it) -> listen again, and the next connection pauses this worker afresh; connections
        have waited at every look since ``crowd_since`` for ``BUSY_ACCEPT_DELAY`` -> every worker is busy,
        take them. The time counts across this worker's own requests: under a crowd it finishes one,
        takes one connection, and is busy again, and the kernel's queue, which no loop can shed, grew."""
        now = time.monotonic()
        if now - self.probed_at < BUSY_ACCEPT_PROBE:
            return
        self.probed_at = now
        if not self._connections_wait():
            self.crowd_since = None
            self._resume_accepting(take=False)
            return
        self.crowd_seen = now
        if self.crowd_since is None:
            self.crowd_since = now  # the last take emptied the queue: these came since
        if now - self.crowd_since >= BUSY_ACCEPT_DELAY:
            self._resume_accepting(take=True)

    # --- the loop's side: a connection is readable ---

    def on_client_socket_readable(self, conn, client):
        """gthread's, but the connection stays in the poller while the loop reads its request: one the loop
        answers itself (a busy page, a kept page) stays there for its next request, and only one handed to a
        thread, or closed, is taken out (``_queue``, ``_send``). gthread took each out and ``_send`` put it
        back: two ``epoll_ctl`` calls for every request the loop answered, each letting go of the GIL, which the
        loop then had to take back from the busy request thread."""
        if self.gate is None:
            return super().on_client_socket_readable(conn, client)
        conn.meyasu_watched = True  # in the poller, which called this (gthread's accept or a thread put it there)
        if conn.initialized:
            with self._lock:
                try:
                    self._keep.remove(conn)
                except ValueError:  # no longer kept (gthread's race): as gthread, leave it
                    self._unwatch(conn)
                    return None
        return self.enqueue_req(conn)

    def enqueue_req(self, conn):
        if self.gate is None:
            return super().enqueue_req(conn)
        now = time.monotonic()
        parser = conn.parser
        if parser is not None and parser.unreader.buf.seek(0, os.SEEK_END):
            return self._queue(conn, "other", None, b"", now)  # bytes already read from the socket: gthread's way
        try:
            # Read, not peeked: one call that lets go of the GIL instead of two. What a thread will parse
            # is handed to gunicorn's parser before it runs (``_start``).
            data = conn.sock.recv(PEEK_BYTES)
        except (BlockingIOError, InterruptedError):
            return self._queue(conn, "other", None, b"", now)
        except OSError:
            data = b""
        if not data:  # the client closed its (kept-alive) connection
            self._unwatch(conn)
            self.nr_conns -= 1
            conn.close()
            return None
        head = parse_head(data)
        if head is None:
            return self._queue(conn, "other", None, data, now)
        # A kept page waits for nothing: while the threads are busy the loop answers it. (Not while one is
        # free: then the thread takes it, and the worker's busy time keeps spreading new connections over
        # the workers. Answered by the loop always, pages kept no worker busy, the idle ones took every
        # new connection, and two workers carried most of the forms of a design run.)
        if head.method == "GET" and len(self.running) >= self.cfg.threads and len(data) == head.length \
                and self._answer_kept(conn, head, data, now):
            return None
        kind = self.gate.classify(head.method, head.path)
        if _receipt(kind, head.method):
            # The page a send led to (its receipt): the opinion is stored, so it is never turned away, here or
            # by the WSGI shed. Turned away after the send's limit like the send itself, a crowd left stored
            # opinions whose receipt numbers nobody saw (39 and 129 in two surges). It is one cheap page per send
            # accepted, so the sends' own admission bounds how many wait.
            return self._queue(conn, kind, None, data, now)
        waiting = {name: len(queue) for name, queue in self.waiting.items()}
        if shed.admit(kind, waiting, self.running, self.estimates, self.gate.limits, self.cfg.threads):
            # Taken next: not turned away when its turn comes, however long the running request took.
            sure = shed.first_in_line(kind, waiting, self.cfg.threads)
            return self._queue(conn, kind, None if sure else head, data, now)
        self._turn_away(conn, kind, head, data, now)
        return None

    def _queue(self, conn, kind: str, head: Head | None, data: bytes, now: float) -> None:
        self._unwatch(conn)  # a thread will read it, blocking: the loop must not see it readable meanwhile
        conn.meyasu_kind, conn.meyasu_head, conn.meyasu_data, conn.meyasu_queued_at = kind, head, data, now
        self.waiting[kind].append(conn)
        self._dispatch(fresh=conn)

    def _dispatch(self, fresh=None) -> None:
        """What waited past its limit is turned away (``_expire``); then free threads take the first request
        of the first kind."""
        self._expire(fresh)
        while len(self.running) < self.cfg.threads:
            kind = "shed" if self.waiting["shed"] else self._overdue() or shed.next_kind(
                {name: len(queue) for name, queue in self.waiting.items()})
            if kind is None:
                return
            self._start(self.waiting[kind].popleft(), kind)

    def _expire(self, fresh=None) -> None:
        """Turn away now what has waited past its kind's limit, busy threads or not. Turned away only when a
        thread took it from its queue, a confirmation or a page waited behind the sends (and pages) that
        kept coming before it for as long as the crowd lasted: up to 25 s for its busy page in a surge, and
        pages 16 s. The oldest of a kind are first in its queue; one that was first in line when it came is
        never turned away (``_overdue`` takes it next), nor ``fresh``, just admitted (its wait so far was this
        loop reading it)."""
        now = time.monotonic()
        for kind in shed.KINDS:
            queue, limit = self.waiting[kind], self.gate.limits.get(kind)
            past = 0
            while limit and past < len(queue) and (now - queue[past].meyasu_queued_at) * 1000 > limit:
                past += 1
            if not past:
                continue
            expired = [queue.popleft() for _ in range(past)]
            kept = [conn for conn in expired if conn.meyasu_head is None or conn is fresh]
            queue.extendleft(reversed(kept))
            for conn in expired:
                if conn not in kept:
                    self._turn_away(conn, kind, conn.meyasu_head, conn.meyasu_data, conn.meyasu_queued_at)

    def _overdue(self) -> str | None:
        """A kind whose first waiting request was first in line when it came (so it is never turned away)
        and has waited past its kind's limit: it goes next. Otherwise sends, taken first, arriving one
        after another under a crowd held such a confirmation or page until its client gave up (30 s)."""
        now = time.monotonic()
        for kind in shed.KINDS[1:]:
            queue = self.waiting[kind]
            limit = self.gate.limits.get(kind)
            if queue and queue[0].meyasu_head is None and limit and (now - queue[0].meyasu_queued_at) * 1000 > limit:
                return kind
        return None

    def _start(self, conn, kind: str) -> None:
        self.running.append(kind)
        conn.init()
        if conn.meyasu_data:
            conn.parser.unreader.unread(conn.meyasu_data)
            conn.meyasu_data = b""
        super().enqueue_req(conn)
        future = self.futures[-1]
        # On the future, not read back from the connection: gthread's own callback (the first) puts a
        # kept-alive connection back in the loop, which may read its next request and give it another
        # kind before ``_finished`` runs (a worker died of it: "list.remove(x): x not in list").
        future.meyasu_kind = kind
        future.meyasu_refresh, conn.meyasu_refresh = getattr(conn, "meyasu_refresh", None), None
        future.add_done_callback(self._finished)

    def _answer_kept(self, conn, head: Head, data: bytes, now: float) -> bool:
        """Answer an anonymous GET of a page the app keeps (``pagecache.KeptPages``) from the loop, without a
        thread: a reader of a kept page never waits behind the send or the page a thread is busy with.
        Only a plain GET with nothing after its head, an origin-form target without escapes (so that it is
        the path the app sees) and a scheme told as gunicorn would tell it; anything else goes the usual way.

        A page past its time limit is answered from the copy in hand (``KEPT_STALE_SECONDS`` at most) while
        one request for it goes to a thread, promised like the first in line, to render it again (or take
        another process's new copy). Answered only while fresh, a page that expired while sends kept the
        thread busy went to the queue, every request for it was turned away before a thread took one, and
        so it never came back: workers "answered 0 kept pages" and turned half the readers away in a surge."""
        kept = self.gate.kept_pages
        target = head.target
        if kept is None or not target.startswith("/") or "%" in target or "#" in target:
            return False
        scheme = self._scheme(conn, head)
        path, _sep, query = target.partition("?")
        ready, stale = kept.ready(scheme, path, query, head.fields.get("cookie", ""), "authorization" in head.fields,
                                  stale_for=KEPT_STALE_SECONDS) if scheme else (None, False)
        if not ready:
            return False
        if not stale:
            self.refreshes.fresh(target)
        elif self.refreshes.due(target, now):
            self.refreshes.sent(target)
            conn.meyasu_refresh = target
            self._queue(conn, "page", None, data, now)
            return True
        keep = head.keep_alive and self.alive and len(self._keep) < self.max_keepalived
        lines = [f"HTTP/1.1 {ready.status}", f"Date: {http_date()}",
                 *(f"{name}: {value}" for name, value in ready.headers),
                 "Connection: keep-alive" if keep else "Connection: close"]
        self._send(conn, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + ready.body, keep)
        self.kept_answers += 1
        self._log_loop()
        return True

    def _scheme(self, conn, head: Head) -> str | None:
        """http or https as gunicorn tells it (``secure_scheme_headers``, trusted from ``forwarded_allow_ips``);
        None when the headers disagree (gunicorn refuses the request)."""
        allowed = self.cfg.forwarded_allow_ips
        peer = conn.client
        if not ("*" in allowed or not isinstance(peer, tuple) or peer[0] in allowed):
            return "http"
        schemes = {"https" if head.fields[name.lower()] == value else "http"
                   for name, value in self.cfg.secure_scheme_headers.items() if name.lower() in head.fields}
        return "http" if not schemes else (schemes.pop() if len(schemes) == 1 else None)

    def _send(self, conn, out: bytes, keep: bool) -> None:
        """Write a whole answer from the loop; keep the connection for its next request, or close it.

        The socket is non-blocking here (gthread makes it so when it accepts a connection and when a thread has
        answered on it; only ``_start`` makes it blocking, for the thread), and a connection read by the loop is
        still in the poller (``on_client_socket_readable``): kept, it stays there. So an answer from the loop
        is one ``send``: no ``ioctl`` to make the socket non-blocking again and no ``epoll_ctl`` to take it out
        of the poller and put it back, each of which let go of the GIL."""
        try:
            if conn.sock.gettimeout() != 0.0:
                conn.sock.setblocking(False)
            sent = conn.sock.send(out)
            if sent < len(out):
                conn.sock.settimeout(5.0)
                conn.sock.sendall(out[sent:])
                conn.sock.setblocking(False)
        except OSError:
            keep = False
        if keep:
            # Kept like a connection a thread answered: taken from ``_keep`` when it is readable again. Its parser
            # is made when a thread first takes it (``_start``).
            conn.initialized = True
            conn.set_timeout()
            with self._lock:
                self._keep.append(conn)
                # Out of the poller only if it waited in a queue and is turned away now (``_expire``).
                if not getattr(conn, "meyasu_watched", False):
                    self.poller.register(conn.sock, selectors.EVENT_READ,
                                         partial(self.on_client_socket_readable, conn))
                    conn.meyasu_watched = True
        else:
            self._unwatch(conn)
            self.nr_conns -= 1
            conn.close()

    def _unwatch(self, conn) -> None:
        """Take the connection out of the poller, if it is there. Told by its own mark, not by asking the poller:
        the selector's "is not registered" error writes the socket's ``repr``, two more system calls."""
        if getattr(conn, "meyasu_watched", False):
            conn.meyasu_watched = False
            with self._lock, contextlib.suppress(KeyError, ValueError):
                self.poller.unregister(conn.sock)

    def _turn_away(self, conn, kind: str, head: Head, data: bytes, since: float) -> bool:
        """Answer 503 from the loop; a POST this loop cannot read whole goes to the WSGI shed, first in line."""
        whole = head.length + head.content_length
        if head.chunked or head.expect or whole > len(data) or (
                head.content_length and head.method not in ("GET", "HEAD")
                and not head.content_type.startswith("application/x-www-form-urlencoded")):
            if kind == "shed":
                return False
            self._unwatch(conn)
            conn.meyasu_kind, conn.meyasu_head, conn.meyasu_data, conn.meyasu_queued_at = "shed", head, data, since
            self.waiting["shed"].append(conn)
            self.shed_counts[kind] += 1
            return True
        if head.method in ("GET", "HEAD"):
            body = self.gate.page()
        else:
            body = self.gate.form(head.path, data[head.length:whole], _charset(head.content_type))
        # Bytes past this request (a client that sends the next one before the answer) close the connection.
        keep = head.keep_alive and self.alive and len(self._keep) < self.max_keepalived and len(data) == whole
        out = response_bytes(503, self.gate.headers(body), body, keep_alive=keep, head_only=head.method == "HEAD")
        self.shed_counts[kind] += 1
        self._send(conn, out, keep)
        self._log_loop()
        return True

    def _log_loop(self) -> None:
        now = time.monotonic()
        if now - self.shed_logged >= SHED_LOG_SECONDS:
            self.shed_logged = now
            self.log.info("in the last %.0f s the loop answered %d kept pages and shed %s", SHED_LOG_SECONDS,
                          self.kept_answers, self.shed_counts)
            self.shed_counts = {kind: 0 for kind in shed.KINDS}
            self.kept_answers = 0

    def murder_keepalived(self):
        super().murder_keepalived()
        if not self.alive:
            self._hand_over()

    def _hand_over(self) -> None:
        """The worker is stopping (max_requests, a signal): what waits goes to the pool, which finishes its
        queue within graceful_timeout, rather than being dropped with the process."""
        if self.gate is None:
            return
        for kind in ("shed", *shed.KINDS):
            while self.waiting[kind]:
                self._start(self.waiting[kind].popleft(), kind)

    def on_wake(self, _fileobj) -> None:
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        while self.finished:
            kind, took_ms, refreshed = self.finished.popleft()
            self.running.remove(kind)
            if refreshed is not None:
                self.refreshes.finished(refreshed, time.monotonic())
            if kind in self.estimates:
                self.estimates[kind] = shed.learn(self.estimates[kind], took_ms)
        if not self.alive:
            self._hand_over()
            return
        self._dispatch()
        if len(self.running) < self.cfg.threads:
            self._resume_accepting(take=False)
            if self.crowd_since is not None:
                if self._connections_wait():
                    self.crowd_seen = time.monotonic()
                else:
                    self.crowd_since = None

    # --- the threads' side ---

    def handle(self, conn):
        self.local.conn = conn
        started = time.monotonic()
        try:
            return super().handle(conn)
        finally:
            conn.meyasu_took_ms = (time.monotonic() - started) * 1000
            if self.gate is not None and self.gate.kept_pages is not None:
                self.gate.kept_pages.refresh()  # so that the loop may go on answering kept pages

    def _finished(self, fs) -> None:
        conn = fs.conn
        self.finished.append((fs.meyasu_kind, getattr(conn, "meyasu_took_ms", 0.0), fs.meyasu_refresh))
        try:
            os.write(self.wake_w, b".")
        except BlockingIOError:
            pass  # the loop has wake-ups pending already
        except OSError as exc:
            if exc.errno != errno.EBADF:
                raise


def _receipt(kind: str, method: str) -> bool:
    """Whether a request is the page a send led to: the sends the app declares are POSTs, and a GET of the
    send kind is a redirect's target the gate learnt (``shed.Gate.follow``)."""
    return kind == "send" and method == "GET"


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"
