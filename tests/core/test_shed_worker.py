"""The shed in gunicorn's loop (app.core.gworker): what it reads of a request and how it chooses."""

import contextlib
import functools
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import gworker, shed
from app.core.gworker import ShedWorker, parse_head, response_bytes

ROOT = Path(__file__).resolve().parents[2]
EST = {"send": 20.0, "page": 2.0, "other": 20.0, "form": 30.0}
LIMITS = {"send": 2500.0, "page": 500.0, "other": 3000.0, "form": 1000.0}


# --- what kind a request is ---

def test_kinds_follow_the_declared_endpoints():
    sends, forms = {"submissions.send", "submissions.receipt"}, {"submissions.confirm", "submissions.send"}
    assert shed.kind_of("submissions.send", "POST", sends, forms) == "send"
    assert shed.kind_of("submissions.receipt", "GET", sends, forms) == "send"
    assert shed.kind_of("submissions.confirm", "POST", sends, forms) == "form"
    assert shed.kind_of("periods.show", "GET", sends, forms) == "page"
    assert shed.kind_of(None, "GET", sends, forms) == "page"
    assert shed.kind_of("auth.login", "POST", sends, forms) == "other"


def test_the_gate_classifies_the_apps_paths_and_learns_where_a_send_leads(app):
    gate = shed.gate(app)
    assert gate.classify("POST", "/periods/3/submit/send") == "send"
    assert gate.classify("POST", "/periods/3/submit/confirm") == "form"
    assert gate.classify("GET", "/periods/3") == "page"
    assert gate.classify("GET", "/receipt") == "page"
    gate.follow("http://localhost/receipt?receipt=R-1")  # a send answered 303 to its receipt
    assert gate.classify("GET", "/receipt") == "send"
    assert gate.classify("GET", "/periods/3") == "page"


def test_a_wsgi_app_without_the_shed_has_a_gate_that_turns_nothing_away():
    from flask import Flask

    gate = shed.gate(Flask("bare"))
    assert isinstance(gate, shed.PlainGate) and gate.kept_pages is None
    assert gate.classify("POST", "/insert") == "other" and gate.classify("GET", "/template") == "page"
    crowd = {"send": 0, "page": 50, "other": 50, "form": 0}
    assert all(shed.admit(kind, crowd, ["other"], EST, gate.limits, 1) for kind in shed.KINDS)


# --- the order and the decision ---

def test_threads_take_sends_then_pages_then_other_posts_then_new_forms():
    assert shed.next_kind({"form": 3, "page": 1, "send": 2, "other": 1}) == "send"
    assert shed.next_kind({"form": 3, "page": 1, "send": 0, "other": 1}) == "page"
    assert shed.next_kind({"form": 3, "page": 0, "other": 1}) == "other"
    assert shed.next_kind({"form": 3}) == "form"
    assert shed.next_kind({"form": 0}) is None


def test_a_free_thread_takes_anything():
    for kind in shed.KINDS:
        assert shed.admit(kind, {}, [], EST, LIMITS, threads=1)


def test_a_new_form_is_turned_away_while_a_send_behind_the_same_queue_is_taken():
    waiting = {"send": 60, "form": 0}  # 60 sends queued: 1.2 s of work, within a send's 2.5 s, not a form's 1 s
    assert shed.admit("send", waiting, ["send"], EST, LIMITS, threads=1)
    assert not shed.admit("form", waiting, ["send"], EST, LIMITS, threads=1)


def test_a_send_waits_only_behind_sends_not_behind_queued_forms():
    waiting = {"send": 1, "form": 500}  # a long line of new forms does not count against a send
    assert shed.expected_wait("send", waiting, ["form"], EST, threads=1) == 20 + 15
    assert shed.admit("send", waiting, ["form"], EST, LIMITS, threads=1)
    assert not shed.admit("form", waiting, ["form"], EST, LIMITS, threads=1)


def test_pages_are_turned_away_sooner_than_sends():
    waiting = {"send": 30}  # 600 ms of sends ahead
    assert not shed.admit("page", waiting, ["send"], EST, LIMITS, threads=1)
    assert shed.admit("send", waiting, ["send"], EST, LIMITS, threads=1)


def test_more_threads_share_the_queue():
    waiting = {"form": 40}  # 1,200 ms of forms for one thread, 300 ms for four
    assert not shed.admit("form", waiting, ["form"], EST, LIMITS, threads=1)
    assert shed.admit("form", waiting, ["form"] * 4, EST, LIMITS, threads=4)


def test_the_first_request_waiting_for_each_thread_is_never_shed_however_slow_the_machine():
    slow = {kind: 10_000.0 for kind in EST}  # a loaded host: every request takes 10 s
    assert shed.admit("page", {}, ["form"], slow, LIMITS, threads=1)
    assert shed.admit("form", {"form": 1}, ["form"] * 2, slow, LIMITS, threads=2)
    assert not shed.admit("form", {"form": 1}, ["form"], slow, LIMITS, threads=1)
    assert not shed.admit("page", {"send": 1}, ["form"], slow, LIMITS, threads=1)


def test_one_slow_page_does_not_make_the_next_ones_look_slow():
    estimate = 2.0
    estimate = shed.learn(estimate, 300.0)  # a result page built afresh
    assert estimate <= 3.2
    waiting = {"page": 9}  # nine pages queued behind it are still let wait
    assert shed.admit("page", waiting, ["page"], EST | {"page": estimate}, LIMITS, threads=1)


def test_a_lasting_slowdown_is_learnt_within_some_ten_requests():
    estimate = 2.0
    for _ in range(10):
        estimate = shed.learn(estimate, 40.0)  # the host became twenty times slower
    assert 30.0 < estimate <= 40.0
    assert not shed.admit("page", {"page": 20}, ["page"], EST | {"page": estimate}, LIMITS, threads=1)


def test_a_waiting_confirmation_counts_the_send_and_receipt_of_each_one_before_it():
    waiting = {"form": 15}  # 450 ms of confirmations alone, 1,050 ms with the sends and receipts they lead to
    assert shed.expected_wait("form", waiting, [], EST, threads=1) == 15 * (30 + 20 + 20)
    assert not shed.admit("form", waiting, ["send"], EST, LIMITS, threads=1)
    assert shed.admit("page", {"page": 15, "form": 15}, ["form"], EST, LIMITS, threads=1)
    # A page waits for the send and receipt of the confirmation running, not for those of the ones queued
    # behind it; a send waits for neither (it came first).
    assert shed.expected_wait("page", {"page": 1, "form": 15}, ["form"], EST, threads=1) == 2 + 30 / 2 + 40
    assert shed.expected_wait("send", {"send": 1, "form": 15}, ["form"], EST, threads=1) == 20 + 30 / 2


def test_in_a_crowd_of_confirmations_each_one_admitted_is_taken_within_its_limit():
    """One thread, a confirmation arriving every millisecond for six seconds, each one answered bringing its send
    at once and the send its receipt: the admission alone (nothing turned away later) keeps every admitted
    confirmation's wait within its limit, give or take the request running when it came, and lets the queue fill
    to about that limit, not less. Counted without the sends and receipts, the confirmations admitted last waited
    more than twice their limit."""
    queues = {kind: deque() for kind in shed.KINDS}  # each waiting request: what it is, when it came
    running: list[str] = []  # the kind the thread runs, as the worker keeps it
    thread = {"doing": None, "free_at": 0.0}
    waits: list[float] = []

    def take(now: float) -> bool:
        kind = shed.next_kind({name: len(queue) for name, queue in queues.items()})
        if kind is None:
            return False
        doing, since = queues[kind].popleft()
        if doing == "confirmation":
            waits.append(now - since)
        running.append(kind)
        thread.update(doing=doing, free_at=now + EST[kind])
        return True

    for arrival in map(float, range(6000)):
        while running and thread["free_at"] <= arrival:
            finished = thread["free_at"]
            running.clear()
            follows = {"confirmation": "send", "send": "receipt"}.get(thread["doing"])
            if follows:
                queues["send"].append((follows, finished))
            take(finished)
        waiting = {name: len(queue) for name, queue in queues.items()}
        if shed.admit("form", waiting, running, EST, LIMITS, threads=1):
            queues["form"].append(("confirmation", arrival))
        if not running:
            take(arrival)
    assert len(waits) > 60  # 6 s of 70 ms flows
    # Within the limit, but for the request running when it came: counted as half done, it may have begun
    # just then, and a send's receipt is not told from the send (both of the send kind).
    assert max(waits) <= LIMITS["form"] + 2 * EST["send"]
    # Nor too few: an admission that took only the first in line would make each wait some 70 ms.
    assert max(waits) >= 0.9 * LIMITS["form"]


def test_a_limit_of_zero_never_sheds():
    assert shed.admit("form", {"form": 10_000}, ["form"], EST, LIMITS | {"form": 0}, threads=1)


# --- a busy worker: leave a new connection to an idle one, or take it ---

def _busy_worker(monkeypatch, *, since: float, seen: float, now: float) -> tuple[SimpleNamespace, list]:
    """What ``ShedWorker.accept`` reads of its worker, its only thread busy, at ``now`` on its clock."""
    done: list[str] = []
    worker = SimpleNamespace(gate=object(), running=["send"], cfg=SimpleNamespace(threads=1), crowd_since=since,
                             crowd_seen=seen, nr_conns=3, connection_limit=1000, _take=lambda server, listener: done.append("take"),
                             _pause_accepting=lambda: done.append("pause"))
    monkeypatch.setattr(gworker, "time", SimpleNamespace(monotonic=lambda: now))
    return worker, done


def test_a_busy_worker_takes_connections_that_waited_at_every_look_for_the_delay(monkeypatch):
    delay = gworker.BUSY_ACCEPT_DELAY
    worker, done = _busy_worker(monkeypatch, since=100.0, seen=100.0 + delay, now=100.0 + 1.5 * delay)
    gworker.ShedWorker.accept(worker, None, None)
    assert done == ["take", "pause"]  # and listens again at its next look, or another worker takes the next


def test_a_crowd_mark_not_seen_again_within_the_delay_is_dropped(monkeypatch):
    """A connection waited once, long ago, then none: the next one is new, and an idle worker may take it."""
    delay = gworker.BUSY_ACCEPT_DELAY
    worker, done = _busy_worker(monkeypatch, since=100.0, seen=100.0, now=100.0 + 5 * delay)
    gworker.ShedWorker.accept(worker, None, None)
    assert done == ["pause"]
    assert worker.crowd_since == worker.crowd_seen == 100.0 + 5 * delay


# --- what the loop reads of a request ---

def test_the_head_of_a_form_post():
    body = b"csrf_token=t&entries-0-body=%E6%84%8F%E8%A6%8B"
    data = (b"POST /periods/3/submit/confirm?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-"
            b"urlencoded; charset=utf-8\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    head = parse_head(data)
    assert (head.method, head.path, head.content_length, head.keep_alive) == ("POST", "/periods/3/submit/confirm",
                                                                               len(body), True)
    assert data[head.length:head.length + head.content_length] == body


def test_a_head_that_has_not_all_arrived_is_not_read():
    assert parse_head(b"GET /periods HTTP/1.1\r\nHost: a\r\n") is None
    assert parse_head(b"\x16\x03\x01 tls hello\r\n\r\n") is None


def test_connection_close_and_http_1_0_are_not_kept_alive():
    assert not parse_head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive
    assert not parse_head(b"GET / HTTP/1.0\r\n\r\n").keep_alive
    assert parse_head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive
    assert parse_head(b"GET http://h/periods?q=1 HTTP/1.1\r\n\r\n").path == "/periods"


def test_the_gate_keeps_the_text_of_a_form_it_turns_away(app):
    gate = shed.gate(app)
    page = gate.form("/periods/3/submit/send", b"csrf_token=tok&entries-0-body=%E7%9F%AD%E3%81%84%E6%84%8F%E8%A6%8B"
                     b"&idempotency_key=k1").decode()
    assert "短い意見" in page and 'name="idempotency_key" value="k1"' in page
    assert 'name="csrf_token" value="tok"' in page and 'action="/periods/3/submit/send"' in page
    answer = response_bytes(503, gate.headers(page.encode()), page.encode(), keep_alive=True)
    assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert f"Retry-After: {gate.retry_after}\r\n".encode() in answer and b"Connection: keep-alive" in answer


@given(st.text(alphabet=st.sampled_from("ab+%=&Z9fF\u77ed\u00e9 -_.~"), max_size=40) | st.text(max_size=30))
def test_the_gates_unquoting_is_urllibs(text):
    from urllib.parse import quote_plus, unquote_plus

    assert shed.unquote_plus(text) == unquote_plus(text)
    assert shed.unquote_plus(quote_plus(text)) == text


def test_the_gate_keeps_fields_as_parse_qsl_reads_them_and_no_more_than_a_thousand(app):
    from urllib.parse import parse_qsl

    body = "a=1&&b&c=%E7%9F%AD+x&a=2&=v&d=%ZZ%&e=caf%C3%A9%20ok"
    assert shed._pairs(body) == parse_qsl(body, keep_blank_values=True)
    # parse_qsl's own limit raised ValueError in gunicorn's loop: the worker died (see the gunicorn test below).
    many = shed._pairs("&".join(f"f{n}=v" for n in range(5000)))
    assert len(many) == shed.MAX_KEPT_FIELDS and many[-1] == ("f999", "v")


def test_the_loops_busy_page_keeps_fields_as_the_wsgi_shed_does_and_remembers_a_bounded_number_of_names(app):
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    gate = shed.gate(app)
    # A repeated name after another, a password, a hidden key, markup in a value and in a name.
    body = ("a=1&entries-0-body=%E7%9F%AD%E3%81%84&a=2&password=secret&csrf_token=t%3C1&csrf_token=t2"
            "&idempotency_key=k%22&entries-1-body=%3Cb%3E%26&we%22ird=v")
    page = gate.form("/periods/3/submit/confirm", body.encode())
    with app.app_context():
        texts = shed.both_languages(lambda: shed.busy_texts(gate.retry_after))
    fields = MultiDict(parse_qsl(body, keep_blank_values=True))
    assert page == shed.standalone_page(texts, fields, "/periods/3/submit/confirm")
    text = page.decode()
    assert "secret" not in text and 'name="csrf_token" value="t&lt;1"' in text and "t2" not in text
    assert text.index('>1</textarea>') < text.index('>2</textarea>') < text.index("短い")  # a's values together, first
    assert 'name="idempotency_key" value="k&quot;"' in text and "&lt;b&gt;&amp;" in text
    assert 'name="we&quot;ird"' in text
    busy = gate.middleware.busy_page(gate.retry_after)
    for n in range(shed.BusyPage.REMEMBERED + 50):
        assert f"made-up-{n}" in gate.form("/x", f"made-up-{n}=v".encode()).decode()
    assert len(busy.fields) == shed.BusyPage.REMEMBERED


def test_the_gate_reads_a_form_in_a_charset_it_does_not_know_as_utf8(app):
    gate = shed.gate(app)
    body = b"entries-0-body=%E6%84%8F%E8%A6%8B&csrf_token=t"
    for charset in ("no-such-charset", "rot13", "idna", "utf-8"):
        assert "意見" in gate.form("/periods/3/submit/confirm", body, charset).decode(), charset


# --- a real gunicorn ---

def _request(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def _gunicorn(folder: Path, workers: int, **settings: str):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "GUNICORN_"))}
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), GUNICORN_THREADS="1",
               SHED_TEST_DIR=str(folder), PYTHONPATH=str(ROOT), **settings)
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115
    target = "tests.core.shed_app:bare()" if settings.get("SHED_TEST_APP") == "bare" else "tests.core.shed_app:make()"
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", target],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, (folder / "gunicorn.log").read_text()
                time.sleep(0.1)
        yield port, folder
    finally:
        (folder / "release").touch()
        proc.terminate()
        proc.wait(30)
        log.close()


@pytest.fixture
def gunicorn(tmp_path):
    with _gunicorn(tmp_path, 1) as started:
        yield started


@pytest.fixture
def two_workers(tmp_path):
    # An idle worker takes a new connection within this (a loaded test machine may not run its loop for
    # some milliseconds: the busy one must not take the connection meanwhile).
    with _gunicorn(tmp_path, 2, GUNICORN_BUSY_ACCEPT_DELAY_MS="300") as (port, folder):
        pids = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:  # both have imported the app
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall(b"GET /_test/pid HTTP/1.1\r\nHost: a\r\n\r\n")
                pids.add(_answer(sock).rsplit(b"\r\n\r\n", 1)[1])
        assert len(pids) == 2
        yield port, folder


def _hold(port: int, folder: Path) -> tuple[threading.Thread, list[bytes], str]:
    """Hold one worker's only thread (``/_test/hold``): the thread, where its answer goes, the worker's pid."""
    held: list[bytes] = []
    holder = threading.Thread(target=lambda: held.append(_request(port, b"GET /_test/hold HTTP/1.1\r\nHost: a\r\n"
                                                                        b"Connection: close\r\n\r\n")))
    holder.start()
    for _ in range(9000):  # the worker imports the app first
        if (folder / "started").exists() and (folder / "started").read_text():
            break
        time.sleep(0.01)
    assert (folder / "started").exists()
    return holder, held, (folder / "started").read_text()


def _answer(sock: socket.socket) -> bytes:
    """One whole answer read from a kept-alive connection (its Content-Length tells where it ends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_form_of_a_thousand_and_one_fields_turned_away_by_the_loop_does_not_end_the_worker(gunicorn):
    port, folder = gunicorn
    holder, held, pid = _hold(port, folder)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=20)  # first in line: it waits
    waiting.sendall(b"GET /_test/hold?second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    for body, charset in ((b"&".join([b"a=1"] * 1001) + b"&entries-0-body=%E6%84%8F", "utf-8"),
                          (b"entries-0-body=%E6%84%8F%E8%A6%8B", "rot13")):
        form = _request(port, b"POST /periods/3/submit/confirm HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                              b"Content-Type: application/x-www-form-urlencoded; charset=" + charset.encode()
                        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        # Before: parse_qsl's ValueError (and the unknown charset's LookupError) ended the worker in its loop,
        # with the connections it held.
        assert form.startswith(b"HTTP/1.1 503 "), form[:200]
    (folder / "release").touch()
    holder.join(30)
    with waiting:
        assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")
    assert held and held[0].startswith(b"HTTP/1.1 200 ")
    assert _request(port, b"GET /_test/pid HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").endswith(pid.encode())


def test_a_worker_whose_only_thread_is_busy_answers_503_from_its_loop(gunicorn):
    port, folder = gunicorn
    holder, held, _pid = _hold(port, folder)

    # One request may always wait for the thread: this one waits (it is read before the next connection
    # is even accepted, so it is first in line).
    waiting = socket.create_connection(("127.0.0.1", port), timeout=20)
    waiting.sendall(b"GET /_test/hold?second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    # The only thread is held and one waits: these are answered by the loop, or not until it is let go.
    page = _request(port, b"GET /periods HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    body = b"entries-0-body=%E6%9B%B8%E3%81%84%E3%81%9F%E6%84%8F%E8%A6%8B&csrf_token=tok&consent=y"
    form = _request(port, b"POST /periods/3/submit/confirm HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
    assert not held and not (folder / "release").exists()
    for answer in (page, form):
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
        assert b"\r\nRetry-After: " in answer
    assert "混み合って" in page.decode()
    assert "書いた意見" in form.decode() and 'value="tok"' in form.decode()

    (folder / "release").touch()
    holder.join(30)
    assert held and held[0].startswith(b"HTTP/1.1 200 ")
    with waiting:
        assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")  # the one that waited is served


def test_a_connection_the_loop_answered_stays_kept_for_the_loop_and_then_for_the_thread(gunicorn):
    """A kept-alive connection whose requests the loop answered (busy pages) is read by the loop again, and
    once the thread is free its next request goes to the thread; after the thread's answer it is kept again."""
    port, folder = gunicorn
    holder, held, pid = _hold(port, folder)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=20)  # first in line: it waits
    waiting.sendall(b"GET /_test/hold?second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    time.sleep(0.2)
    body = b"entries-0-body=%E6%84%8F%E8%A6%8B&csrf_token=tok"
    form = (b"POST /periods/3/submit/confirm HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as kept:
        for request in (form, b"GET /periods HTTP/1.1\r\nHost: a\r\n\r\n", form):
            kept.sendall(request)
            answer = _answer(kept)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"\r\nConnection: keep-alive" in answer, answer[:300]
        assert not held
        (folder / "release").touch()
        holder.join(30)
        with waiting:
            assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")
        for _ in range(2):  # the thread's now, and kept alive after its answer
            kept.sendall(b"GET /_test/pid HTTP/1.1\r\nHost: a\r\n\r\n")
            answer = _answer(kept)
            assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(pid.encode()), answer[:300]


class _CountingSelector(selectors.DefaultSelector):
    """The loop's poller, counting what goes in and out of it (each an ``epoll_ctl``)."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def register(self, fileobj, events, data=None):
        self.calls.append("register")
        return super().register(fileobj, events, data)

    def unregister(self, fileobj):
        self.calls.append("unregister")
        return super().unregister(fileobj)


class _CountingSocket(socket.socket):
    """The server's end of a connection, counting its ``setblocking`` calls (each an ``ioctl``) and the
    addresses asked of it (each a system call; its ``repr`` asks both)."""

    calls: list[bool | str]

    def setblocking(self, flag):
        type(self).calls.append(flag)
        return super().setblocking(flag)

    def getsockname(self):
        type(self).calls.append("getsockname")
        return super().getsockname()

    def getpeername(self):
        type(self).calls.append("getpeername")
        return super().getpeername()


def _looping_worker(app, poller) -> ShedWorker:
    """A shed worker as its loop sees it while its only thread is busy with a send, without gunicorn."""
    worker = ShedWorker.__new__(ShedWorker)
    worker.gate, worker.poller, worker._lock = shed.gate(app), poller, threading.RLock()
    worker.cfg = SimpleNamespace(threads=1, keepalive=5, is_ssl=False)
    worker.waiting = {kind: deque() for kind in (*shed.KINDS, "shed")}
    worker.running, worker.estimates = ["send"], dict(gworker.START_ESTIMATES)
    worker._keep, worker.max_keepalived, worker.alive, worker.nr_conns = deque(), 100, True, 1
    worker.shed_counts, worker.kept_answers, worker.shed_logged = dict.fromkeys(shed.KINDS, 0), 0, time.monotonic()
    return worker


def test_a_request_the_loop_answers_leaves_its_connection_in_the_poller_and_its_socket_as_it_was(app):
    """The loop answers a request it turns away with one ``send``. It took the connection out of the poller
    and put it back (two ``epoll_ctl``) and made its socket non-blocking again (an ``ioctl``), each call letting
    go of the GIL, so that the loop then waited for the busy request thread to give it back: in a surge,
    hundreds of times a second (bench/README.md, thirty-fifth session)."""
    from gunicorn.workers.gthread import TConn

    poller = _CountingSelector()
    worker = _looping_worker(app, poller)
    # One confirmation already waits for the thread, promised it: the next ones are turned away.
    promised = SimpleNamespace(meyasu_kind="form", meyasu_head=None, meyasu_data=b"", meyasu_queued_at=time.monotonic())
    worker.waiting["form"].append(promised)
    worker.estimates["form"] = 10 * worker.gate.limits["form"]
    client, server = socket.socketpair()
    _CountingSocket.calls = []
    conn = TConn(worker.cfg, _CountingSocket(fileno=server.detach()), ("127.0.0.1", 5000), None)
    with client, contextlib.closing(poller):
        client.settimeout(10)
        poller.register(conn.sock, selectors.EVENT_READ, functools.partial(worker.on_client_socket_readable, conn))
        poller.calls.clear()
        _CountingSocket.calls.clear()
        body = b"entries-0-body=%E6%84%8F%E8%A6%8B&csrf_token=tok"
        for _ in range(2):  # the second on the connection the first was answered on
            client.sendall(b"POST /periods/3/submit/confirm HTTP/1.1\r\nHost: a\r\nContent-Type: "
                           b"application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode()
                           + b"\r\n\r\n" + body)
            for key, _events in poller.select(5):
                key.data(key.fileobj)
            answer = _answer(client)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"\r\nConnection: keep-alive" in answer, answer[:300]
            assert "意見" in answer.decode()
            assert poller.calls == [] and _CountingSocket.calls == []
            assert list(worker._keep) == [conn] and poller.get_key(conn.sock).data.args == (conn,)
            assert conn.sock.gettimeout() == 0.0 and conn.initialized
        assert list(worker.waiting["form"]) == [promised]

        # A send is queued for the thread, which reads its socket blocking: out of the poller, once.
        body = b"entries-0-body=%E6%84%8F%E8%A6%8B&csrf_token=tok&idempotency_key=k1"
        client.sendall(b"POST /periods/3/submit/send HTTP/1.1\r\nHost: a\r\nContent-Type: "
                       b"application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode()
                       + b"\r\n\r\n" + body)
        for key, _events in poller.select(5):
            key.data(key.fileobj)
        assert poller.calls == ["unregister"] and conn.sock not in poller.get_map().values()
        assert list(worker.waiting["send"]) == [conn] and not worker._keep
        assert _CountingSocket.calls == []
        with pytest.raises(KeyError):
            poller.get_key(conn.sock)
        _CountingSocket.calls.clear()  # the selector's error named the socket (its ``repr``)

        # Answered from the queue (turned away when its turn comes): kept, and in the poller again.
        worker.waiting["send"].clear()
        worker._turn_away(conn, "send", conn.meyasu_head or parse_head(conn.meyasu_data), conn.meyasu_data,
                          conn.meyasu_queued_at)
        assert _answer(client).startswith(b"HTTP/1.1 503 ")
        assert poller.calls == ["unregister", "register"] and list(worker._keep) == [conn]
        assert _CountingSocket.calls == []  # not asked whether it is in the poller (a ``repr``)

        # The client closes: out of the poller, closed, no longer counted.
        client.shutdown(socket.SHUT_WR)
        for key, _events in poller.select(5):
            key.data(key.fileobj)
        assert poller.calls == ["unregister", "register", "unregister"] and worker.nr_conns == 0
        assert _CountingSocket.calls == []
        assert conn.sock.fileno() == -1 and not worker._keep


def test_the_workers_heartbeat_goes_at_most_once_a_second(monkeypatch):
    """gunicorn's loop sends its heartbeat to the arbiter (a ``utime`` of the worker's file) at every turn: in a
    crowd hundreds of times a second, each a system call that lets go of the GIL. The arbiter waits
    ``timeout`` (30 s) before it counts a worker as stuck."""
    worker = ShedWorker.__new__(ShedWorker)
    worker.notified_at = 0.0
    clock, beats = [100.0], []
    worker.tmp = SimpleNamespace(notify=lambda: beats.append(clock[0]))
    monkeypatch.setattr(gworker, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    for clock[0] in (100.0, 100.3, 100.999, 101.0, 101.5, 102.2, 140.0):
        worker.notify()
    assert beats == [100.0, 101.0, 102.2, 140.0]


def test_a_new_connection_goes_to_the_worker_with_a_free_thread(two_workers):
    """gthread's loop accepted connections with its only thread busy: a page waited there behind a long
    request (or was turned away) while the other worker stood idle."""
    port, folder = two_workers
    holder, held, busy = _hold(port, folder)
    for n in range(30):
        answer = _request(port, f"GET /_test/pid?{n} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 200 "), (n, answer[:200])
        assert answer.rsplit(b"\r\n\r\n", 1)[1].decode() != busy
    assert not held  # all of it while the other worker's thread was held
    (folder / "release").touch()
    holder.join(30)
    assert held and held[0].startswith(b"HTTP/1.1 200 ")


def test_a_worker_holding_a_kept_alive_connection_leaves_the_next_one_to_a_worker_with_none(two_workers):
    """A worker whose thread was free accepted every new connection, however many kept-alive ones it held
    already: the few connections of a client that keeps them (nginx's upstream pool, the benchmark's
    closed loop) landed on one or two workers and their requests took turns on one thread while the
    others stood idle (bench/README.md, fifteenth session)."""
    port, _folder = two_workers

    def pid_on(sock: socket.socket) -> bytes:
        sock.sendall(b"GET /_test/pid HTTP/1.1\r\nHost: a\r\n\r\n")
        return _answer(sock).rsplit(b"\r\n\r\n", 1)[1]

    for attempt in range(8):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as first:
            held = pid_on(first)  # kept alive: its worker's thread is free, and it holds a connection
            with socket.create_connection(("127.0.0.1", port), timeout=20) as second:
                assert pid_on(second) != held, attempt
        time.sleep(0.2)  # both closed before the next attempt: each worker holds none again


def test_the_bare_apps_kept_alive_connections_are_spread_over_the_workers_too(tmp_path):
    """The benchmark's bare app had no gate, so the worker was gthread for it: the three kept-alive
    connections of its closed loop landed on one worker in seven rounds of eight, and its inserts took
    turns on one thread while the machine stood half idle (bench/README.md, thirty-first session)."""
    with _gunicorn(tmp_path, 3, GUNICORN_BUSY_ACCEPT_DELAY_MS="300", SHED_TEST_APP="bare") as (port, _folder):
        for attempt in range(6):
            connections = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(3)]
            try:
                pids = set()
                for sock in connections:  # one after another, each kept alive: its worker holds it
                    sock.sendall(b"GET /_test/pid HTTP/1.1\r\nHost: a\r\n\r\n")
                    pids.add(_answer(sock).rsplit(b"\r\n\r\n", 1)[1])
                assert len(pids) == 3, (attempt, pids)
            finally:
                for sock in connections:
                    sock.close()
            time.sleep(0.2)


def test_waiting_connections_are_taken_one_at_a_time_unless_a_crowd_lasts_and_every_thread_is_busy(monkeypatch):
    """A client that opens ten connections at once while every worker is busy: before, the first worker to
    look took all ten (three of five workers served a closed loop of ten)."""
    taken: list[int] = []
    now = 100.0

    def worker(running: list[str], crowd_since: float) -> SimpleNamespace:
        return SimpleNamespace(running=running, cfg=SimpleNamespace(threads=1), nr_conns=1, connection_limit=1000,
                               crowd_since=crowd_since)

    def accept(self, server, listener):
        if len(taken) < 10:  # ten connections wait in the kernel's queue
            taken.append(1)
            self.nr_conns += 1

    monkeypatch.setattr(gworker.ThreadWorker, "accept", accept)
    monkeypatch.setattr(gworker, "time", SimpleNamespace(monotonic=lambda: now))
    young, lasting = now - gworker.BUSY_ACCEPT_DELAY, now - 2 * gworker.TAKE_ALL_AFTER
    gworker.ShedWorker._take(worker([], lasting), None, None)  # a free thread: it holds idle connections
    assert len(taken) == 1
    gworker.ShedWorker._take(worker(["send"], young), None, None)  # busy, but the wait has only begun
    assert len(taken) == 2
    gworker.ShedWorker._take(worker(["send"], lasting), None, None)  # a crowd
    assert len(taken) == 10


def test_a_kept_page_is_answered_by_the_loop_while_the_only_thread_is_busy(tmp_path):
    with _gunicorn(tmp_path, 1, SHED_TEST_PAGE_CACHE="1") as (port, folder):
        page = b"GET /periods HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        first, kept = _request(port, page), _request(port, page)  # rendered and kept; given from the cache
        assert first.startswith(b"HTTP/1.1 200 ") and b"X-Page-Cache: hit" in kept
        holder, held, _pid = _hold(port, folder)

        with socket.create_connection(("127.0.0.1", port), timeout=20) as reader:
            for _ in range(3):  # kept alive between them
                reader.sendall(b"GET /periods HTTP/1.1\r\nHost: a\r\n\r\n")
                answer = _answer(reader)
                assert answer.startswith(b"HTTP/1.1 200 ") and b"X-Page-Cache: hit" in answer, answer[:300]
                assert b"\r\nDate: " in answer and b"\r\nContent-Security-Policy: " in answer
                assert answer.rsplit(b"\r\n\r\n", 1)[1] == kept.rsplit(b"\r\n\r\n", 1)[1]
        # Not for a reader with a session or a query the page was not kept for: those go to the thread's
        # queue, where (one request waiting already) the loop turns them away, the thread being held.
        waiting = socket.create_connection(("127.0.0.1", port), timeout=20)
        waiting.sendall(b"GET /_test/hold?second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        time.sleep(0.2)  # read by the loop before the next ones
        for other in (b"GET /periods HTTP/1.1\r\nHost: a\r\nCookie: session=x\r\nConnection: close\r\n\r\n",
                      b"GET /periods?page=2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"):
            assert _request(port, other).startswith(b"HTTP/1.1 503 ")
        assert not held  # all of it while the thread was held
        (folder / "release").touch()
        holder.join(30)
        assert held and held[0].startswith(b"HTTP/1.1 200 ")
        with waiting:
            assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")


def test_the_loop_tells_the_scheme_as_gunicorn_does():
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("forwarded_allow_ips", "127.0.0.1")
    worker = SimpleNamespace(cfg=cfg)

    def scheme(peer, headers: str) -> str | None:
        head = parse_head(f"GET / HTTP/1.1\r\nHost: a\r\n{headers}\r\n".encode())
        return ShedWorker._scheme(worker, SimpleNamespace(client=(peer, 5000)), head)

    assert scheme("127.0.0.1", "") == "http"
    assert scheme("127.0.0.1", "X-Forwarded-Proto: https\r\n") == "https"
    assert scheme("127.0.0.1", "X-Forwarded-Proto: http\r\n") == "http"
    assert scheme("10.0.0.9", "X-Forwarded-Proto: https\r\n") == "http"  # not a proxy gunicorn trusts
    assert scheme("127.0.0.1", "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n") is None  # refused there


def test_a_worker_keeps_the_loaded_app_out_of_full_collections(gunicorn):
    # gunicorn.conf.py's post_worker_init freezes what the worker loaded: the app's modules, mappers,
    # routes and forms (some 270,000 objects) are not walked by every full garbage collection.
    port, _folder = gunicorn
    answer = _request(port, b"GET /_test/frozen HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert int(answer.rsplit(b"\r\n\r\n", 1)[1]) > 100_000


def test_a_worker_has_compiled_every_page_template_before_its_first_request(gunicorn):
    # gunicorn.conf.py's post_worker_init: the first reader of a page in a worker does not wait for its
    # templates to be compiled (10-150 ms a page).
    port, _folder = gunicorn
    answer = _request(port, b"GET /_test/templates HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    compiled, pages = map(int, answer.rsplit(b"\r\n\r\n", 1)[1].split(b"/"))
    assert pages > 100
    assert compiled == pages


def test_a_worker_at_its_connection_limit_still_serves_what_waits_in_its_queue(tmp_path):
    """gthread's loop stops looking at its sockets at ``worker_connections`` and waits for a thread's
    request to finish. Here a request waits in the loop's own queue, which only that looking moves on:
    with its thread done and a kept-alive connection still counted, the worker stood still until the
    keep-alive ran out, every request it held timing out (a surge on the real stack: the whole minute)."""
    with _gunicorn(tmp_path, 1, GUNICORN_WORKER_CONNECTIONS="2", GUNICORN_KEEPALIVE="60") as (port, folder):
        holder = socket.create_connection(("127.0.0.1", port), timeout=20)  # kept alive after its answer
        holder.sendall(b"GET /_test/hold HTTP/1.1\r\nHost: a\r\n\r\n")
        for _ in range(9000):  # the worker imports the app first
            if (folder / "started").exists() and (folder / "started").read_text():
                break
            time.sleep(0.01)
        waiting = socket.create_connection(("127.0.0.1", port), timeout=20)  # the second: the limit
        waiting.sendall(b"GET /_test/pid HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        time.sleep(0.3)  # read by the loop and queued while the thread is held
        # A third waits in the kernel's queue while the worker holds two.
        third = socket.create_connection(("127.0.0.1", port), timeout=20)
        third.sendall(b"GET /_test/pid?third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        (folder / "release").touch()
        with holder, waiting, third:
            assert _answer(holder).startswith(b"HTTP/1.1 200 ")
            waiting.settimeout(10)  # the keep-alive (60 s) would end the old stall: not waited for
            assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")
            holder.close()  # below the limit again: the third is accepted
            third.settimeout(10)
            assert third.recv(64).startswith(b"HTTP/1.1 200 ")


def test_the_app_under_gunicorn_knows_it_serves_requests_and_a_command_does_not(gunicorn):
    """gunicorn.conf.py tells the app (its PostgreSQL statements get time limits, config.py); ``flask``
    commands and workers load the same wsgi.py without it."""
    port, _folder = gunicorn
    answer = _request(port, b"GET /_test/web-process HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.rsplit(b"\r\n\r\n", 1)[1] == b"True"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "MEYASU_WEB"))}
    command = subprocess.run([sys.executable, "-c", "from wsgi import app; print(app.config['WEB_PROCESS'])"],
                             cwd=ROOT, env=env | {"MEYASU_ENV": "development"}, capture_output=True, text=True, timeout=120)
    assert command.stdout.strip().splitlines()[-1] == "False", command.stderr[-2000:]


def _queued(kind: str, waited_ms: float, now: float, *, sure: bool) -> SimpleNamespace:
    head = None if sure else parse_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    return SimpleNamespace(meyasu_kind=kind, meyasu_head=head, meyasu_data=b"", meyasu_queued_at=now - waited_ms / 1000)


def _dispatching(monkeypatch, waiting: dict[str, list]) -> tuple[SimpleNamespace, list[str]]:
    started: list[str] = []
    worker = SimpleNamespace(running=[], cfg=SimpleNamespace(threads=1), gate=SimpleNamespace(limits=LIMITS),
                             waiting={kind: deque(waiting.get(kind, [])) for kind in (*shed.KINDS, "shed")})
    worker._overdue = lambda: ShedWorker._overdue(worker)
    worker._expire = lambda fresh=None: ShedWorker._expire(worker, fresh)
    worker._turn_away = lambda *args: False

    def start(conn, kind):
        started.append(kind)
        worker.running.append(kind)
    worker._start = start
    monkeypatch.setattr(gworker, "time", SimpleNamespace(monotonic=lambda: 100.0))
    return worker, started


def test_a_confirmation_promised_the_thread_goes_before_new_sends_once_past_its_limit(monkeypatch):
    """A surge's sends, taken first, kept coming to one worker: the confirmation that was first in line
    when it came (never turned away) waited behind them until its client gave up (36 timeouts, 30 s)."""
    sends = [_queued("send", 5, 100.0, sure=False) for _ in range(3)]
    overdue = _queued("form", LIMITS["form"] + 1, 100.0, sure=True)
    worker, started = _dispatching(monkeypatch, {"send": sends, "form": [overdue]})
    ShedWorker._dispatch(worker)
    assert started == ["form"]

    # Within its limit it waits behind the sends, as before; so do requests that may still be turned away.
    for form in (_queued("form", LIMITS["form"] - 1, 100.0, sure=True), _queued("form", 5000, 100.0, sure=False)):
        worker, started = _dispatching(monkeypatch, {"send": sends, "form": [form]})
        ShedWorker._dispatch(worker)
        assert started == ["send"]


def test_what_waited_past_its_limit_is_turned_away_while_the_thread_is_busy(monkeypatch):
    """In a surge the sends taken first kept a worker's thread busy, and a confirmation or page that waited
    past its limit was turned away only when a thread took it from its queue: up to 25 s for a busy page."""
    old_page = _queued("page", LIMITS["page"] + 1, 100.0, sure=False)
    old_form, promised = (_queued("form", LIMITS["form"] + 5, 100.0, sure=False),
                          _queued("form", LIMITS["form"] + 3, 100.0, sure=True))
    young_form, send = _queued("form", LIMITS["form"] - 1, 100.0, sure=False), _queued("send", 5, 100.0, sure=False)
    worker, started = _dispatching(monkeypatch, {"page": [old_page], "form": [old_form, promised, young_form],
                                                 "send": [send]})
    worker.running = ["send"]  # the only thread is busy
    turned_away = []
    worker._turn_away = lambda conn, kind, *rest: turned_away.append((conn, kind)) or True
    ShedWorker._dispatch(worker)
    assert turned_away == [(old_page, "page"), (old_form, "form")]
    assert started == []
    assert list(worker.waiting["form"]) == [promised, young_form]  # never turned away, and not yet due
    assert list(worker.waiting["send"]) == [send]

    # Just admitted, a request is not turned away for the time this loop took to read it (limits of 1 ms).
    just_read = _queued("page", LIMITS["page"] + 1, 100.0, sure=False)
    worker.waiting["page"].append(just_read)
    ShedWorker._dispatch(worker, fresh=just_read)
    assert list(worker.waiting["page"]) == [just_read]


def test_a_kept_page_past_its_limit_is_answered_as_kept_while_one_request_goes_to_have_it_rendered(monkeypatch):
    """Answered only while fresh, a page that expired while sends kept the thread busy was turned away for
    good: each request for it went to the queue and none reached a thread to render it again."""
    copy = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], body=b"<p>kept</p>")
    asked = []

    def ready(scheme, path, query, cookie, authorized, *, stale_for=0.0):
        asked.append(stale_for)
        return copy, True  # past its limit
    worker = SimpleNamespace(gate=SimpleNamespace(kept_pages=SimpleNamespace(ready=ready)),
                             refreshes=gworker.Refreshes(), alive=True, _keep=[], max_keepalived=10, kept_answers=0)
    worker._scheme = lambda conn, head: "http"
    answered, queued = [], []
    worker._send = lambda conn, out, keep: answered.append(out)
    worker._queue = lambda conn, kind, head, data, now: queued.append((kind, head))
    worker._log_loop = lambda: None
    head = parse_head(b"GET /periods/1 HTTP/1.1\r\nHost: a\r\n\r\n")
    monkeypatch.setattr(gworker, "http_date", lambda: "Fri, 04 Dec 2026 00:00:00 GMT")
    for now in (100.0, 100.2, 100.5):
        assert ShedWorker._answer_kept(worker, SimpleNamespace(), head, b"", now)
    assert queued == [("page", None)]  # one goes to a thread, promised (never turned away)
    assert len(answered) == 2 and all(out.endswith(b"<p>kept</p>") for out in answered)
    assert set(asked) == {gworker.KEPT_STALE_SECONDS}
    ShedWorker._answer_kept(worker, SimpleNamespace(), head, b"", 100.0 + gworker.KEPT_REFRESH_EVERY)
    assert len(queued) == 1  # the one sent has not finished: no other goes
    worker.refreshes.finished("/periods/1", 100.6)
    ShedWorker._answer_kept(worker, SimpleNamespace(), head, b"", 100.6 + gworker.KEPT_REFRESH_EVERY)
    assert len(queued) == 2  # still past its limit a second after it finished: another goes


def test_requests_to_render_a_kept_page_again_go_one_at_a_time_and_less_often_while_it_stays_past_its_limit():
    """Another process holds the render: each request this process sends serves the old copy, and the page
    stays past its limit here until the new one is shared. Sent every second, they were a tenth of the
    request threads' time in a slow hour's surge."""
    refreshes, page = gworker.Refreshes(), "/periods/1"
    assert refreshes.due(page, 100.0)
    refreshes.sent(page)
    assert not refreshes.due(page, 130.0)  # one at a time, however long it waits for a thread
    sent_at, now = [100.0], 100.0
    for _ in range(5):
        refreshes.finished(page, now + 0.1)
        now = next(t / 10 for t in range(int(now * 10), 2000) if refreshes.due(page, t / 10))
        refreshes.sent(page)
        sent_at.append(now)
    gaps = [round(b - a, 1) for a, b in pairwise(sent_at)]
    assert gaps == [1.1, 2.1, 4.1, 4.1, 4.1]  # 1, 2, 4 s after the last finished, never more than 4
    refreshes.finished(page, now + 0.1)
    refreshes.fresh(page)  # rendered again: when it next expires, the first request goes at once
    assert refreshes.due(page, now + 0.2)
    refreshes.sent(page)
    refreshes.finished(page, now + 0.3)
    assert not refreshes.due(page, now + 1.0) and refreshes.due(page, now + 1.3)


def test_the_receipt_a_send_led_to_is_never_turned_away_however_long_the_queue(monkeypatch):
    """Turned away after the send's limit like the send itself, a crowd left stored opinions whose receipt
    numbers nobody saw; the send itself, not yet stored, may still be turned away (its text kept)."""
    worker, started = _dispatching(monkeypatch, {"send": [_queued("send", 5, 100.0, sure=False) for _ in range(400)]})
    worker.running = ["send"]
    worker.estimates = {kind: 30.0 for kind in shed.KINDS}
    worker.gate.kept_pages = None
    worker.gate.classify = lambda method, path: "send"  # the send's endpoint, and the receipt it redirects to
    worker._answer_kept = lambda *args: False
    queued, turned_away = [], []
    worker._queue = lambda conn, kind, head, data, now: queued.append((kind, head))
    worker._turn_away = lambda conn, kind, head, data, now: turned_away.append(head.method)

    def arriving(raw: bytes) -> SimpleNamespace:
        return SimpleNamespace(parser=None, sock=SimpleNamespace(recv=lambda size: raw))
    ShedWorker.enqueue_req(worker, arriving(b"POST /periods/1/submit/send HTTP/1.1\r\nHost: a\r\n"
                                                b"Content-Type: application/x-www-form-urlencoded\r\n"
                                                b"Content-Length: 3\r\n\r\na=b"))
    ShedWorker.enqueue_req(worker, arriving(b"GET /periods/1/submit/receipt/R-1 HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert turned_away == ["POST"]  # 400 sends ahead: the new send waits too long
    assert queued == [("send", None)]  # the receipt waits, promised (the WSGI shed lets it be: below)


def test_a_receipt_that_waited_past_the_sends_limit_is_still_answered(tmp_path):
    """The WSGI shed behind the loop turned away a receipt that had waited past the send's limit too."""
    with _gunicorn(tmp_path, 1, SHED_TEST_SEND_WAIT_MS="200") as (port, folder):
        holder, held, _pid = _hold(port, folder)
        answers: list[bytes] = []
        waiting = threading.Thread(target=lambda: answers.append(
            _request(port, b"GET /_test/receipt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")))
        waiting.start()
        time.sleep(0.6)  # three times the send's limit
        assert _request(port, b"GET /periods HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").startswith(
            b"HTTP/1.1 503 ")  # the loop looked again meanwhile: a page may not wait here
        (folder / "release").touch()
        holder.join(30)
        waiting.join(30)
    assert answers and answers[0].startswith(b"HTTP/1.1 200 "), answers[:1]
    assert answers[0].endswith(b"the receipt")


def test_the_loop_goes_on_answering_kept_pages_while_its_thread_takes_only_other_requests(tmp_path):
    """The generation a kept page is checked against was read again only by kept pages on the thread: a
    worker whose thread took nothing but sends for a second (a surge's, taken first) could answer no kept
    page from its loop, and turned its readers away for the whole surge."""
    with _gunicorn(tmp_path, 1, SHED_TEST_PAGE_CACHE="1", SHED_TEST_GENERATION_SECONDS="1") as (port, folder):
        page = b"GET /periods HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        _request(port, page)
        assert b"X-Page-Cache: hit" in _request(port, page)
        time.sleep(1.2)  # the generation read with that page is too old now
        other = _request(port, b"GET /_test/pid HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert other.startswith(b"HTTP/1.1 200 ")  # not a kept page: before, nothing read the generation
        holder, held, _pid = _hold(port, folder)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as reader:
            reader.sendall(page)
            answer = _answer(reader)  # from the loop, while the thread is held
        assert answer.startswith(b"HTTP/1.1 200 ") and b"X-Page-Cache: hit" in answer, answer[:300]
        assert not held
        (folder / "release").touch()
        holder.join(30)
        assert held and held[0].startswith(b"HTTP/1.1 200 ")


def test_a_finished_request_is_counted_as_the_kind_it_started_as_though_its_connection_moved_on(monkeypatch):
    """gthread's own done-callback puts a kept-alive connection back in the loop first, and the loop may read
    the next request on it (another kind) before the worker's callback runs: the running list lost track,
    and on_wake's ``remove`` killed the worker ("x not in list", seen in surge runs)."""
    read_end, write_end = os.pipe()
    try:
        worker = SimpleNamespace(finished=deque(), wake_w=write_end, running=["send"])
        conn = SimpleNamespace(meyasu_kind="page", meyasu_took_ms=12.0)  # its next request, read meanwhile
        gworker.ShedWorker._finished(worker, SimpleNamespace(conn=conn, meyasu_kind="send", meyasu_refresh=None))
        assert list(worker.finished) == [("send", 12.0, None)]
    finally:
        os.close(read_end)
        os.close(write_end)


def _looking(monkeypatch, *, running: list[str], finished: list, looked_ms_ago: float,
             waiting: int = 2) -> tuple[SimpleNamespace, list]:
    """What ``ShedWorker._select`` reads of its worker (one thread), with the clock at 100 s, the loop's last
    look ``looked_ms_ago`` and ``waiting`` requests in its queues; what it waited on, in order."""
    waits: list = []
    worker = SimpleNamespace(listeners=[], running=running, finished=deque(finished), cfg=SimpleNamespace(threads=1),
                             wake_r=7, looked_at=100.0 - looked_ms_ago / 1000,
                             waiting={kind: deque() for kind in (*shed.KINDS, "shed")})
    worker.waiting["form"].extend([object()] * waiting)
    monkeypatch.setattr(gworker, "time", SimpleNamespace(monotonic=lambda: 100.0))
    monkeypatch.setattr(gworker, "select", SimpleNamespace(
        select=lambda read, write, error, timeout: waits.append(("gather", read, round(timeout * 1000, 3))) or ([], [], [])))
    monkeypatch.setattr(gworker, "LOOP_GATHER", 0.005)
    return worker, waits


def _select(worker, waits):
    return ShedWorker._select(worker, lambda timeout: waits.append(("sockets", timeout)) or ["event"], None)


def test_in_a_crowd_the_loop_lets_requests_gather_before_it_looks(monkeypatch):
    """In a surge each worker's loop woke some 330 times a second, each time taking the GIL from the request
    running on its thread: that request slowed by a sixth (bench/README.md, thirty-second session). Looking at
    most every few milliseconds, the loop takes what came meanwhile in one go; a thread that finishes (its
    wake-up pipe) ends the wait at once."""
    worker, waits = _looking(monkeypatch, running=["send"], finished=[], looked_ms_ago=1.0)
    assert _select(worker, waits) == ["event"]
    assert waits == [("gather", [7], 4.0), ("sockets", None)]
    assert worker.looked_at == 100.0

    # Not when the last look was long enough ago, nor while a thread is free or has just finished, nor when
    # nothing waits in the queues (gathering whenever the thread was busy, a closed loop of page views ran a
    # sixth slower).
    for running, finished, ago, waiting in ((["send"], [], 6.0, 2), ([], [], 1.0, 2),
                                            (["send"], [("send", 3.0, None)], 1.0, 2), (["send"], [], 1.0, 0)):
        worker, waits = _looking(monkeypatch, running=running, finished=finished, looked_ms_ago=ago, waiting=waiting)
        _select(worker, waits)
        assert waits == [("sockets", None)]
