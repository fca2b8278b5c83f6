"""An open-loop HTTP load generator (asyncio, its own HTTP/1.1 client) that drives Meyasu the way citizens do.

Open loop: arrivals are scheduled at a fixed rate from the start instant, whether or not earlier
requests have finished, so a slow server shows up as latency (no coordinated omission). Every
request is timed and counted by kind; every loop is bounded in count and in time.

Only 127.0.0.1 is ever a target (``check_local``).
"""

import asyncio
import html
import math
import re
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]*)"')
VALUE = re.compile(r'value="([^"]*)"')
RECEIPT_NO = re.compile(r'class="receipt-no">([^<]+)</')  # <dd> in the receipt box since a0134c1 (was <p>)
# What a page answered with an unexpected status says first (the notice of a refused send).
NOTICE = re.compile(r'role="alert"><p>([^<]{0,200})')
TRACE_MARKERS = ("Traceback (most recent call last)", "File \"/", "werkzeug.debug", "sqlalchemy.exc.")
BODIES = [
    "公共交通の便数を増やしてください。特に夕方の便が少なく、通学や通院に困っています。",
    "駅前の再開発では、子育て世代が集まれる広場と図書館の分館を整えてほしいと思います。",
    "高齢者が安心して歩ける歩道の段差解消を、計画の早い段階に位置づけてください。",
    "関門海峡の景観を生かした観光施策と、市民の暮らしとの両立について具体的に書いてください。",
]


def run(coro):
    """Run the generator on uvloop: the load and the site share this machine's cores, and the
    generator's own event loop is work the site does not get to do (uvloop is C)."""
    import uvloop

    return uvloop.run(coro)


def check_local(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to send load to {host}: only this machine (127.0.0.1) is a target")
    return base_url.rstrip("/")


def hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in HIDDEN.findall(page):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Recorder:
    """Latencies (seconds) and outcomes per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    notices: Counter = field(default_factory=Counter)  # what answers with an unexpected status said first
    shed: Counter = field(default_factory=Counter)
    shed_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # how long each waited
    shed_without_retry_after: int = 0
    traces: int = 0
    receipts: list[tuple[str, str]] = field(default_factory=list)  # (receipt_no, email) shown to citizens
    dropped: int = 0  # arrivals the generator itself could not start (too many outstanding)
    more_browsers: int = 0  # surge: flows that came while every prepared browser was in a flow of its own
    # Receipt numbers a send answered with (its 303), and why the receipt page of some was not shown.
    redirected: set[str] = field(default_factory=set)
    unshown: dict[str, str] = field(default_factory=dict)
    # When the surge's arrivals started and ended, and when each send was answered with its 303
    # (time.monotonic()): the goodput is counted over that window, not over the preparation or the drain.
    started: float = 0.0
    arrivals_ended: float = 0.0
    accepted_at: list[float] = field(default_factory=list)
    error_at: list[float] = field(default_factory=list)  # time.monotonic() of each error, to see when they came

    def ok(self, kind: str, seconds: float, status: int) -> None:
        self.latencies[kind].append(seconds)
        self.statuses[kind][status] += 1

    def error(self, kind: str, what: str, seconds: float | None = None) -> None:
        self.errors[f"{kind}: {what}"] += 1
        self.error_at.append(time.monotonic())
        if seconds is not None:
            self.latencies[kind].append(seconds)
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{kind}: {what}")

    def summary(self, kinds: list[str] | None = None) -> dict:
        kinds = kinds or sorted(self.latencies)
        out = {}
        for kind in kinds:
            values = sorted(self.latencies.get(kind, []))
            out[kind] = {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
                         "p99": percentile(values, 99), "max": values[-1] if values else float("nan")}
        return out

    def all_latencies(self, kinds: list[str] | None = None) -> list[float]:
        return sorted(v for kind, values in self.latencies.items() if kinds is None or kind in kinds for v in values)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


_UNSAFE = re.compile(r"[^A-Za-z0-9_.~ -]+")  # what ``quote_plus`` escapes (a space becomes "+")


def _percent(run: re.Match) -> str:
    return "%" + run.group().encode().hex("%").upper()


@lru_cache(maxsize=100_000)
def _quoted(text: str) -> str:
    """``quote_plus(text)``, each run of characters to escape in one call: a surge's name, e-mail and opinion
    are new in every confirmation, and ``quote_plus`` escapes a byte at a time (6.0 against 1.8 µs an opinion)."""
    return _UNSAFE.sub(_percent, text).replace(" ", "+")


def form_body(data: dict) -> bytes:
    """``data`` url-encoded as a browser sends a form. Each name and value is quoted once and remembered: the
    same texts come back in flow after flow, and ``urlencode`` was half of the generator's CPU a request."""
    return "&".join(f"{_quoted(str(name))}={_quoted(str(value))}" for name, value in data.items()).encode("ascii")


class Citizen:
    """One browser: its own cookies, sharing the generator's connection pool."""

    def __init__(self, http: "Http"):
        self.http = http
        self.cookies: dict[str, str] = {}

    async def request(self, kind: str, method: str, path: str, *, data: dict | None = None,
                      expect: tuple[int, ...] = (200,), shed_ok: bool = False):
        """Returns (status, headers, text) or None on an error (already recorded)."""
        rec = self.http.recorder
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        sent = None
        if data is not None:
            sent = form_body(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            status, response_headers, body = await self.http.fetch(method, path, sent, headers)
        except TimeoutError:
            rec.error(kind, "timeout", time.perf_counter() - started)
            return None
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:
            rec.error(kind, type(exc).__name__, time.perf_counter() - started)
            if len(rec.error_examples) < 20:
                rec.error_examples.append(f"{kind} {method} {path}: {exc!r}"[:300])
            return None
        elapsed = time.perf_counter() - started
        text = body.decode("utf-8", "replace")
        for cookie in response_headers.cookies:
            name, _, value = cookie.partition(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if any(marker in text for marker in TRACE_MARKERS):
            rec.traces += 1
        if status in (429, 503) and shed_ok:
            rec.ok(kind, elapsed, status)
            rec.shed[kind] += 1
            rec.shed_seconds[kind].append(elapsed)
            if not response_headers.get("Retry-After"):
                rec.shed_without_retry_after += 1
                rec.error(kind, f"{status} without Retry-After")
            return status, response_headers, text
        if status not in expect:
            rec.error(kind, f"HTTP {status}", elapsed)
            if notice := NOTICE.search(text):
                rec.notices[f"{kind} HTTP {status}: {html.unescape(notice.group(1))}"] += 1
            return None
        rec.ok(kind, elapsed, status)
        return status, response_headers, text


class Disconnected(ConnectionError):
    """The server closed the connection before its whole answer came."""

    def __init__(self, before_answer: bool, cause: BaseException | None = None):
        self.before_answer = before_answer  # not a byte of the answer had come
        where = "before answering" if before_answer else "in the middle of its answer"
        super().__init__(f"the server closed the connection {where}" + (f" ({cause!r})" if cause else ""))


class Headers(dict):
    """A response's header fields by lower-case name (the last of a repeated one), and its cookies."""

    def __init__(self):
        super().__init__()
        self.cookies: list[str] = []

    def get(self, name: str, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name: str):
        return super().__getitem__(name.lower())


class Wire(asyncio.Protocol):
    """One connection of the client: the bytes that come are kept until they make one whole answer."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.method = "GET"
        self.head: tuple[int, Headers, bool, int] | None = None  # status, headers, keep-alive, where the body starts
        self.ended = False
        self.lost: BaseException | None = None  # why the connection ended, if not closed in order
        self.used_at = 0.0

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is not None:
            self._answer()

    def eof_received(self) -> bool:
        self.ended = True
        if self.waiter is not None:
            self._answer()
        return False  # the transport closes itself

    def connection_lost(self, exc) -> None:
        self.ended, self.lost = True, exc
        if self.waiter is not None:
            self._answer()

    def ask(self, method: str, request: bytes) -> asyncio.Future:
        """Send one request; the future is (status, headers, body, keep) once the whole answer is in."""
        self.method, self.head = method, None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        if self.buffer or self.ended:
            self._answer()
        return self.waiter

    def close(self) -> None:
        self.ended = True
        if self.transport is not None:
            self.transport.close()

    def _answer(self) -> None:
        waiter = self.waiter
        if waiter.done():
            return
        try:
            answer = self._whole()
        except Exception as exc:  # cut short (Disconnected), or not HTTP (ValueError)
            self.waiter = None
            waiter.set_exception(exc)
            return
        if answer is not None:
            self.waiter = None
            waiter.set_result(answer)

    def _whole(self) -> tuple[int, "Headers", bytes, bool] | None:
        """The answer, once all of it is in (taken out of the buffer); None while more is to come."""
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return self._more(before_answer=not self.buffer)
            self.head = (*_answer_head(bytes(self.buffer[:end + 4])), end + 4)
        status, headers, keep, start = self.head
        found = self._body(status, headers, start)
        if found is None:
            return self._more(before_answer=False)
        body, end = found
        del self.buffer[:end]
        return status, headers, body, keep

    def _more(self, *, before_answer: bool) -> None:
        """More is to come, unless the connection has ended: then the answer was cut short."""
        if self.ended:
            raise Disconnected(before_answer, self.lost)

    def _body(self, status: int, headers: "Headers", start: int) -> tuple[bytes, int] | None:
        """The body from ``start`` in the buffer, and where it ends; None while it is not all in."""
        if self.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return b"", start
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return _chunks(self.buffer, start)
        length = headers.get("content-length")
        if length is not None:
            end = start + int(length)
            return (bytes(self.buffer[start:end]), end) if len(self.buffer) >= end else None
        if not self.ended:  # no length: the body ends when the server closes the connection
            return None
        headers["connection"] = "close"
        return bytes(self.buffer[start:]), len(self.buffer)


def _answer_head(head: bytes) -> tuple[int, Headers, bool]:
    """An answer's status, its header fields and whether it may keep its connection (HTTP/1.1)."""
    lines = head[:-4].decode("latin-1").split("\r\n")
    version, status, _reason = (lines[0] + " ").split(" ", 2)
    headers = Headers()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            headers.cookies.append(value)
        headers[name] = value
    return int(status), headers, version == "HTTP/1.1"


def _chunks(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """A chunked body from ``start`` and where it ends (after its trailer fields); None while it is not all in."""
    parts, at = [], start
    while (line_end := buffer.find(b"\r\n", at)) >= 0:
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        if size == 0:
            end = buffer.find(b"\r\n\r\n", line_end)  # the blank line after the trailer fields, if any
            return None if end < 0 else (b"".join(parts), end + 4)
        at = line_end + 2 + size + 2
        if len(buffer) < at:
            return None
        parts.append(bytes(buffer[line_end + 2:at - 2]))
    return None


class Http:
    """The generator's HTTP/1.1 client: kept-alive connections to one host, at most ``connections`` at once,
    each request bounded by ``timeout`` seconds (a ``TimeoutError``), redirects never followed.

    Its own, not aiohttp: in a surge aiohttp cost the generator 0.4-0.5 ms of CPU a request (its request and
    response objects, header and cookie machinery), a fifth of this machine's two cores that the site it
    measures did not get (bench/README.md, seventeenth session). On asyncio's protocols (``Wire``), not its
    streams: a request is one future resolved when its whole answer is in, and one timer, where the streams
    woke the task for the head and again for the body, under a ``Timeout`` of their own (a turned-away
    confirmation cost the generator 107-111 µs of CPU instead of 120-132: bench/README.md, thirty-seventh
    session). Like aiohttp, an idle connection is let go after ``KEEP_IDLE`` seconds (gunicorn closes them
    after 5), and a GET whose reused connection turns out closed goes once more on a new one; a POST does not."""

    KEEP_IDLE = 4.0

    def __init__(self, base: str, recorder: Recorder, *, connections: int = 200, timeout: float = 30.0):
        self.base = check_local(base)
        parts = urlsplit(self.base)
        self.host, self.port, self.netloc = parts.hostname, parts.port or 80, parts.netloc
        self.recorder = recorder
        self.connections = connections
        self.timeout = timeout
        self.idle: list[Wire] = []
        self.slots: asyncio.Semaphore | None = None

    async def __aenter__(self):
        self.slots = asyncio.Semaphore(self.connections)
        return self

    async def __aexit__(self, *exc):
        for wire in self.idle:
            wire.close()
        self.idle.clear()

    async def fetch(self, method: str, path: str, body: bytes | None = None,
                    headers: dict[str, str] | None = None) -> tuple[int, Headers, bytes]:
        """(status, headers, body) of one request; ``OSError``/``EOFError`` if the connection failed."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.netloc}",
                 *(f"{name}: {value}" for name, value in (headers or {}).items())]
        if body is not None or method == "POST":
            lines.append(f"Content-Length: {len(body or b'')}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        loop = asyncio.get_running_loop()
        async with self.slots:
            deadline = loop.time() + self.timeout
            for attempt in (1, 2):
                wire, reused = self._kept()
                if wire is None:
                    async with asyncio.timeout_at(deadline):
                        _transport, wire = await loop.create_connection(Wire, self.host, self.port)
                answer = wire.ask(method, request)
                timer = loop.call_at(deadline, _too_late, answer)
                try:
                    status, response_headers, data, keep = await answer
                except Disconnected as exc:
                    wire.close()
                    if reused and exc.before_answer and attempt == 1 and method in ("GET", "HEAD"):
                        continue
                    raise
                except BaseException:
                    wire.close()
                    raise
                finally:
                    timer.cancel()
                if keep and not (status == 101 or response_headers.get("connection", "").lower() == "close"):
                    wire.used_at = loop.time()
                    self.idle.append(wire)
                else:
                    wire.close()
                return status, response_headers, data
        raise AssertionError("unreachable")

    def _kept(self) -> tuple[Wire | None, bool]:
        """The connection freed last that has not idled too long (older ones are closed)."""
        now = asyncio.get_running_loop().time()
        while self.idle:
            wire = self.idle.pop()
            if now - wire.used_at < self.KEEP_IDLE and not wire.ended:
                return wire, True
            wire.close()
        return None, False


def _too_late(answer: asyncio.Future) -> None:
    """The request's time is up: its answer fails with ``TimeoutError``, as under ``asyncio.timeout``."""
    if not answer.done():
        answer.set_exception(TimeoutError())


# --- what citizens do ---


def opinion(n: int) -> dict:
    return {"name": f"負荷 太郎{n}", "address": "下関市南部町1-1", "attribute": "resident",
            "email": f"bench{n}-{secrets.token_hex(3)}@example.jp", "entries-0-section": "",
            "entries-0-body": BODIES[n % len(BODIES)] + f"（{n}）", "consent": "y", "homepage": ""}


async def open_form(citizen: Citizen, period_id: int, *, shed_ok: bool = False) -> str | None:
    """The form's CSRF token; None if the page did not come (an error, or with ``shed_ok`` the busy page)."""
    got = await citizen.request("submit.form", "GET", f"/periods/{period_id}/submit", shed_ok=shed_ok)
    return hidden_fields(got[2]).get("csrf_token") if got and got[0] == 200 else None


async def send_and_read_receipt(citizen: Citizen, period_id: int, fields: dict, *, shed_ok: bool,
                                retry_deadline: float | None = None) -> str | None:
    """POST send; on 303 follow to the receipt and note its number. With ``retry_deadline`` a shed send
    is pressed again once after its Retry-After (the text was kept, with the same key)."""
    rec = citizen.http.recorder
    got = await citizen.request("submit.send", "POST", f"/periods/{period_id}/submit/send", data=fields,
                                expect=(303,), shed_ok=shed_ok)
    if got is None:
        return None
    status, headers, text = got
    if status in (429, 503):
        if fields.get("entries-0-body", "") not in html.unescape(text):
            rec.error("submit.send", "shed page lost the text")
        wait = min(float(headers.get("Retry-After", "5") or 5), 10.0)
        if retry_deadline is None or time.monotonic() + wait > retry_deadline:
            return None
        await asyncio.sleep(wait)
        # "Send again" on the kept page: the same fields (same idempotency key) and the token it carries.
        token = hidden_fields(text).get("csrf_token") or fields.get("csrf_token", "")
        return await send_and_read_receipt(citizen, period_id, fields | {"csrf_token": token}, shed_ok=shed_ok,
                                           retry_deadline=None)
    location = headers.get("Location", "")
    path = urlsplit(location)._replace(scheme="", netloc="").geturl()
    given = parse_qs(urlsplit(location).query).get("receipt", [""])[0]
    rec.redirected.add(given)
    rec.accepted_at.append(time.monotonic())
    got = await citizen.request("submit.receipt", "GET", path, shed_ok=shed_ok)
    if got is None:
        rec.unshown[given] = "the receipt page failed"
        return None
    if got[0] in (429, 503):
        rec.unshown[given] = f"the receipt page was shed ({got[0]})"
        return None
    found = RECEIPT_NO.search(got[2])
    if not found:
        rec.error("submit.receipt", "no receipt number on the page")
        rec.unshown[given] = "no receipt number on the receipt page"
        return None
    receipt = html.unescape(found.group(1)).strip()
    rec.receipts.append((receipt, fields.get("email", "")))
    return receipt


async def submission_flow(http: Http, period_id: int, n: int, *, shed_ok: bool = False,
                          retry_deadline: float | None = None) -> None:
    """A citizen opens the form, confirms, sends, and reads the receipt."""
    citizen = Citizen(http)
    token = await open_form(citizen, period_id)
    if token is None:
        return
    await confirm_and_send(citizen, period_id, n, token, shed_ok=shed_ok, retry_deadline=retry_deadline)


async def confirm_and_send(citizen: Citizen, period_id: int, n: int, token: str, *, shed_ok: bool,
                           retry_deadline: float | None = None) -> None:
    fields = opinion(n) | {"csrf_token": token, "confirm": "y"}
    got = await citizen.request("submit.confirm", "POST", f"/periods/{period_id}/submit/confirm", data=fields,
                                shed_ok=shed_ok)
    if got is None:
        return
    status, _headers, text = got
    if status in (429, 503):
        if fields["entries-0-body"] not in html.unescape(text):
            citizen.http.recorder.error("submit.confirm", "shed page lost the text")
        return
    hidden = hidden_fields(text)
    if not hidden.get("idempotency_key"):
        citizen.http.recorder.error("submit.confirm", "no idempotency key on the confirm page")
        return
    await send_and_read_receipt(citizen, period_id, hidden | {"send": "y"}, shed_ok=shed_ok,
                                retry_deadline=retry_deadline)


async def direct_send(citizen: Citizen, period_id: int, n: int, token: str) -> None:
    """A send as the confirm page leaves it, without reading the receipt. The key must come from the
    confirm page: the server issues it to this citizen's session, and refuses one made up by the client
    (issue 14), so each send here carries its confirm request too."""
    got = await citizen.request("submit.confirm", "POST", f"/periods/{period_id}/submit/confirm",
                                data=opinion(n) | {"csrf_token": token, "confirm": "y"})
    if got is None:
        return
    hidden = hidden_fields(got[2])
    if not hidden.get("idempotency_key"):
        citizen.http.recorder.error("submit.confirm", "no idempotency key on the confirm page")
        return
    await citizen.request("submit.send", "POST", f"/periods/{period_id}/submit/send", data=hidden | {"send": "y"},
                          expect=(303,))


async def page_view(http: Http, paths: list[str], n: int, *, shed_ok: bool = False) -> None:
    await Citizen(http).request("page", "GET", paths[n % len(paths)], shed_ok=shed_ok)


# --- loops ---


async def open_loop(rate: float, seconds: float, make, *, max_outstanding: int = 10000,
                    recorder: Recorder | None = None, drain: float = 40.0) -> float:
    """Start ``make(n)`` at ``rate`` per second for ``seconds``; then wait (at most ``drain`` s) for the
    stragglers. Returns the wall time of the arrivals."""
    total = int(rate * seconds)
    tasks: set[asyncio.Task] = set()
    start = time.perf_counter()
    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= max_outstanding:
            if recorder is not None:
                recorder.dropped += 1
            continue
        task = asyncio.create_task(make(n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    elapsed = time.perf_counter() - start
    if tasks:
        await asyncio.wait(tasks, timeout=drain)
        for task in tasks:
            task.cancel()
    return elapsed


async def closed_loop(concurrency: int, seconds: float, op, *, max_ops: int = 1_000_000) -> tuple[int, float]:
    """``concurrency`` clients each repeat ``op(n)`` back to back for ``seconds``. Returns (ops, seconds)."""
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_ops))
    done = 0

    async def client():
        nonlocal done
        for n in counter:
            if time.perf_counter() >= deadline:
                return
            await op(n)
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done, time.perf_counter() - start
