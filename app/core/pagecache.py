"""Public pages kept for a few seconds, so that a deadline's crowd reads them without the database.

Only anonymous GETs of endpoints that a feature names (``signals.cacheable_pages``) are kept, per process, for
``PUBLIC_PAGE_CACHE_SECONDS`` (0 turns it off), keyed by path, query and language. With Redis a page
rendered by one process is also kept there, under the generation it was rendered in, for the others:
each page is rendered once per period of time by the whole site, not once by every worker process
(at the design load five processes rendering every page each was an eighth of the machine). What differs
between readers is never kept: the page's CSRF token is cut out before storing and the reader's own
is put back when serving; a reader with flashed messages, or logged in, gets a fresh page.

Freshness: every commit that changed a row outside ``UNSEEN_TABLES`` (what citizens send, and the
plumbing around it) bumps a generation kept in Redis, which each process reads at most once a second,
so a staff edit shows within a second; the time limit covers what changes with the clock alone (a
period opening or closing). While Redis is down the last generation read is used, and the time limit
still bounds how stale a page can be.

One process renders a page, the others wait for it: a page's copies in every process expire at the
same instant (each took its expiry from the shared copy), and at the design load every worker then
rendered the same result page at once, 0.1–0.8 s each on two cores, while readers queued behind them
and some were turned away. Now the first request that misses a page claims its rendering (in Redis, for
``CLAIM_SECONDS``) and renders it; meanwhile the others serve the copy they hold when its time limit
passed less than ``STALE_SECONDS`` ago (their own, or else the shared one), or else (after a change, or
with no copy anywhere) wait for the shared copy, at most ``WAIT_SECONDS``, and render it themselves only
when it does not come.
After a change (a new generation) nobody is served the old page.

A copy past its limit is served only while another request renders the page again, so for at most
``CLAIM_SECONDS`` after the first reader asks (gunicorn's loop, while every thread of its worker is busy,
answers it for at most ``gworker.KEPT_STALE_SECONDS``, sending requests to a thread one at a time to have
it rendered again, ``gworker.Refreshes``); what it may show out of date is only what the clock changes (a
period opening or closing: the send itself judges the time). ``STALE_SECONDS`` is minutes,
not seconds: after a quiet spell (a lunch hour, the minute between two bench phases) the first readers
of the site are not all held behind the one render of each page (every worker's only thread waiting
for it, and the readers behind them turned away).
"""

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app.core import signals

log = logging.getLogger(__name__)
# Writes that no cached page shows: a citizen's submission and what travels with it.
UNSEEN_TABLES = frozenset({"submissions", "submission_entries", "attachments", "submission_search_docs", "submission_search_grams",
                           "outbox_jobs", "mail_deliveries", "audit_log"})
# Columns that no cached page shows: the receipt counter moves with every submission.
UNSEEN_COLUMNS = {"comment_periods": {"receipt_counter", "updated_at"}}
GENERATION_KEY = "meyasu:pagecache:generation"
SHARED_PREFIX = "meyasu:pagecache:page:"
RENDER_PREFIX = "meyasu:pagecache:render:"
# How long a claim to render a page again lasts (the renderer's crash costs at most that: then the next
# request renders), and how long past its time limit a kept page may still be served while another
# request renders it.
CLAIM_SECONDS = 5.0
STALE_SECONDS = 300.0
WAIT_SECONDS = 1.0  # a request without a copy waits this long for the one another process renders
WAIT_STEP = 0.01
GENERATION_CHECK_SECONDS = 1.0
CSRF_MARK = "\x00csrf-token\x00"
READY_ENVIRON = "meyasu.page_cache.entry"  # the kept page serve_cached answered with, for KeptPages


@dataclass
class Entry:
    body: str
    content_type: str
    generation: str
    expires: float
    ready: "Ready | None" = None  # the whole answer to a reader without a session (KeptPages)


class PageCache:
    def __init__(self):
        self.entries: dict[tuple[str, str], Entry] = {}
        self.lock = threading.Lock()
        self.shared = "0"  # the generation last read from Redis
        self.local = 0  # bumps made by this process since
        self.checked = 0.0
        self.endpoints: frozenset[str] = frozenset()  # whose anonymous GET pages may be kept
        self.rendering: dict[tuple[str, str], float] = {}  # pages this process renders again, until when

    def generation(self, older_than: float = GENERATION_CHECK_SECONDS) -> str:
        """The generation, read from Redis again when this process read it ``older_than`` seconds ago or more."""
        now = time.monotonic()
        if now - self.checked >= older_than:
            self.checked = now
            try:
                from app.core.jobs import redis_connection

                value = redis_connection().get(GENERATION_KEY)
                shared = value.decode() if isinstance(value, bytes) else str(value or "0")
                if shared != self.shared:
                    self.shared, self.local = shared, 0
            except RedisError as exc:
                log.warning("page cache: cannot read the generation (%s); pages stay at most %s s old",
                            exc, current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS"))
        return self.last_read()

    def last_read(self) -> str:
        """The generation as this process last read it, without asking Redis."""
        return f"{self.shared}.{self.local}"

    def bump(self) -> None:
        with self.lock:
            self.local += 1
            self.entries.clear()
        try:
            from app.core.jobs import redis_connection

            redis_connection().incr(GENERATION_KEY)
        except RedisError as exc:
            log.warning("page cache: cannot bump the generation (%s)", exc)

    def get(self, key, generation: str) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or entry.generation != generation or entry.expires < time.monotonic():
            return None
        return entry

    def stale(self, key, generation: str) -> Entry | None:
        """The page of this generation kept here whose time limit passed less than ``STALE_SECONDS`` ago."""
        entry = self.entries.get(key)
        if entry is None or entry.generation != generation or entry.expires + STALE_SECONDS < time.monotonic():
            return None
        return entry

    def claim(self, key, generation: str, shared: bool) -> bool:
        """Whether this request is the one to render the page again (the first to ask, in this process and,
        when ``shared``, in every process): True also when Redis cannot say."""
        now = time.monotonic()
        with self.lock:
            if self.rendering.get(key, 0.0) > now:
                return False
            self.rendering[key] = now + CLAIM_SECONDS
        if not shared:
            return True
        from app.core.jobs import redis_connection

        try:
            claimed = redis_connection().set(self._render_key(key, generation), b"1", nx=True,
                                             px=int(CLAIM_SECONDS * 1000))
        except RedisError:
            return True
        if not claimed:
            with self.lock:
                self.rendering.pop(key, None)
        return bool(claimed)

    def release(self, key, generation: str, shared: bool) -> None:
        """The claimed page was not kept after all (an error, a page with flashed messages): let the next
        request render it instead of waiting for it."""
        with self.lock:
            self.rendering.pop(key, None)
        if shared:
            from app.core.jobs import redis_connection

            try:
                redis_connection().delete(self._render_key(key, generation))
            except RedisError:
                pass

    def wait_shared(self, key, generation: str) -> Entry | None:
        """The page another process is rendering, once it is shared; None after ``WAIT_SECONDS``."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(WAIT_STEP)
            entry = self.get_shared(key, generation)
            if entry is not None:
                return entry
        return None

    def put(self, key, entry: Entry, *, rendered: bool = True) -> None:
        """Keep a page; ``rendered``: a new copy, so this process's claim to render it is over."""
        with self.lock:
            if len(self.entries) >= 2000:
                self.entries.clear()
            self.entries[key] = entry
            if rendered:
                self.rendering.pop(key, None)

    # --- the copy other processes read (Redis) ---

    @staticmethod
    def _shared_key(key: tuple[str, str]) -> str:
        """One copy of a page for the whole site, whatever its generation (told inside): kept past its
        time limit for the processes that have none of their own, and never more than one per page."""
        path, locale = key
        return f"{SHARED_PREFIX}{locale}:{path}"

    @staticmethod
    def _render_key(key: tuple[str, str], generation: str) -> str:
        path, locale = key
        return f"{RENDER_PREFIX}{generation}:{locale}:{path}"

    def get_shared(self, key: tuple[str, str], generation: str, *, stale: bool = False) -> Entry | None:
        """A page another process kept in this generation, within its time limit (or, ``stale``, less than
        ``STALE_SECONDS`` past it); kept here too, with the same limit."""
        from app.core.jobs import redis_connection

        try:
            value = redis_connection().get(self._shared_key(key))
        except RedisError:
            return None
        if not value:
            return None
        kept_generation, expires_at, content_type, body = value.decode().split("\n", 3)
        left = float(expires_at) - time.time()
        if kept_generation != generation or left <= (-STALE_SECONDS if stale else 0):
            return None
        entry = Entry(body, content_type, generation, time.monotonic() + left)
        self.put(key, entry, rendered=left > 0)
        return entry

    def put_shared(self, key: tuple[str, str], entry: Entry, ttl: int, *, past_limit: bool) -> None:
        """Share a page; ``past_limit``: keep it ``STALE_SECONDS`` past its limit too. Only for a page
        without a query string: their number is the site's, whereas anyone can make up queries, and each
        would hold Redis memory for minutes instead of seconds."""
        from app.core.jobs import redis_connection

        value = f"{entry.generation}\n{time.time() + ttl}\n{entry.content_type}\n{entry.body}"
        try:
            redis_connection().set(self._shared_key(key), value.encode(),
                                   ex=ttl + (int(STALE_SECONDS) if past_limit else 0))
        except RedisError as exc:
            log.warning("page cache: cannot share a page (%s)", exc)


def _cache() -> PageCache | None:
    return current_app.extensions.get("meyasu_page_cache")


def generation() -> str | None:
    """The version of what public pages show, for what is kept alongside them (the glossary's terms):
    it moves with every commit that changed a row pages show, in this process at once and in the
    others within a second (Redis). None while the page cache is off: then nothing may be kept."""
    cache = _cache()
    if cache is None or current_app.config["PUBLIC_PAGE_CACHE_SECONDS"] <= 0:
        return None
    return cache.generation()


def _key() -> tuple[str, str]:
    from app.core import current_locale

    return request.full_path, current_locale()


def _wanted(cache: PageCache) -> bool:
    return (request.method == "GET" and request.endpoint in cache.endpoints and "_flashes" not in session
            and not current_user.is_authenticated)


def _shareable(generation: str) -> bool:
    """Whether pages of this generation may go to and come from the other processes: with Redis, and
    only while this process has no change of its own that the others have not counted yet (its own
    bumps are numbered from 1 in every process, so "5.1" here is not "5.1" there)."""
    return bool(current_app.config.get("REDIS_URL")) and generation.endswith(".0")


def serve_cached():
    cache = _cache()
    if cache is None or current_app.config["PUBLIC_PAGE_CACHE_SECONDS"] <= 0 or not _wanted(cache):
        return None
    generation = cache.generation()
    key = _key()
    entry = cache.get(key, generation)
    where = "hit"
    shareable = _shareable(generation)
    if entry is None and shareable:
        entry, where = cache.get_shared(key, generation), "shared"
    if entry is None:
        if cache.claim(key, generation, shareable):
            g.page_cache_claimed = key
        else:  # another request renders it
            entry, where = cache.stale(key, generation), "stale"
            if entry is None and shareable:
                entry = cache.get_shared(key, generation, stale=True)
            if entry is None and shareable:
                entry, where = cache.wait_shared(key, generation), "waited"
    if entry is None:
        g.page_cache_store = generation
        return None
    # Only a page with a form needs the reader's token (and so a session): the others are served as kept.
    if CSRF_MARK in entry.body:
        body = entry.body.replace(CSRF_MARK, generate_csrf())
    else:
        body = entry.body
        request.environ[READY_ENVIRON] = (key, entry)  # the same answer for every reader without a session
    response = current_app.response_class(body,
                                          content_type=entry.content_type)
    response.headers["X-Page-Cache"] = where
    return response


def store(response):
    generation = g.pop("page_cache_store", None)
    claimed = g.pop("page_cache_claimed", None)
    if generation is None:
        return response
    if response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough:
        if claimed is not None:
            _cache().release(claimed, generation, _shareable(generation))
        return response
    body = response.get_data(as_text=True)
    token = g.get("csrf_token")
    if token:
        body = body.replace(token, CSRF_MARK)
    ttl = current_app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    entry = Entry(body, response.content_type, generation, time.monotonic() + ttl)
    cache = _cache()
    cache.put(_key(), entry)
    if not token:
        # The same answer for every reader without a session, kept whole from this render: until a thread
        # had served it once more, gunicorn's loop sent every reader of a page just rendered to a thread.
        request.environ[READY_ENVIRON] = (_key(), entry)
    if _shareable(generation):
        cache.put_shared(_key(), entry, ttl, past_limit=not request.query_string)
    return response


# --- invalidation: a commit that changed what pages show ---


def _seen(obj, *, changed: bool) -> bool:
    """Whether a page may show this row; for a changed row, whether it changed more than unseen columns."""
    table = getattr(obj, "__tablename__", None)
    if table in UNSEEN_TABLES:
        return False
    unseen = UNSEEN_COLUMNS.get(table)
    if changed and unseen:
        modified = {attr.key for attr in sa_inspect(obj).attrs if attr.history.has_changes()}
        return bool(modified - unseen)
    return True


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, flush_context, instances) -> None:
    if session.info.get("pagecache_dirty"):
        return
    if any(_seen(obj, changed=False) for obj in (*session.new, *session.deleted)) or \
            any(_seen(obj, changed=True) for obj in session.dirty):
        session.info["pagecache_dirty"] = True


@event.listens_for(Session, "after_commit")
def _bump_on_commit(session: Session) -> None:
    if session.info.pop("pagecache_dirty", False):
        try:
            cache = _cache()
        except RuntimeError:  # outside an app context nothing is cached
            return
        if cache is not None:
            cache.bump()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("pagecache_dirty", None)


def collect(app: Flask) -> None:
    """The endpoints features name, gathered once: the cache asks on every request."""
    app.extensions["meyasu_page_cache"].endpoints = frozenset(
        endpoint for _receiver, endpoints in signals.cacheable_pages.send(app) for endpoint in endpoints)


# --- kept answers, served before Flask ---


@dataclass
class Ready:
    """A kept page's whole answer to a reader without a session, as Flask gave it (every after-request
    hook applied)."""

    scheme: str  # http or https: the HSTS header differs
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class KeptPages:
    """WSGI middleware: the answer Flask gave a reader without a session for a kept page (``serve_cached``
    found it), given again to the next such reader of the same URL without Flask: no request context,
    session, login, limits or hooks, which cost a kept page nine tenths of its CPU in process. Only a
    GET without a session or remember cookie and without credentials; only an answer Flask served from
    the cache (200, no cookie set, no token in the page). The answer is kept on the page's entry, so it
    lives exactly as long as the page does (its generation, its expiry, a bump that clears the entries).
    The URL as it arrives (scheme, for the HSTS header; path; query) is mapped to the entry's key."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.keys: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.cookies = (app.config["SESSION_COOKIE_NAME"] + "=",
                        app.config.get("REMEMBER_COOKIE_NAME", "remember_token") + "=")

    def _anonymous_get(self, environ) -> bool:
        return environ["REQUEST_METHOD"] == "GET" and self._anonymous(environ.get("HTTP_COOKIE", ""),
                                                                      "HTTP_AUTHORIZATION" in environ)

    def _anonymous(self, cookie: str, authorized: bool) -> bool:
        return not authorized and not any(name in cookie for name in self.cookies)

    def ready(self, scheme: str, path: str, query: str, cookie: str, authorized: bool, *,
              stale_for: float = 0.0) -> tuple[Ready | None, bool]:
        """The kept answer to an anonymous GET of this URL, for gunicorn's loop (``app.core.gworker``), which
        answers it without a thread, and whether it is past its time limit: with ``stale_for``, a copy whose
        limit passed less than that long ago comes too (the loop has it rendered again meanwhile). The
        loop may not wait for Redis: only while this process read the generation less than
        ``GENERATION_CHECK_SECONDS`` ago (a request thread reads it again); a copy of an older generation
        never comes."""
        if self.app.config["PUBLIC_PAGE_CACHE_SECONDS"] <= 0 or not self._anonymous(cookie, authorized):
            return None, False
        cache: PageCache = self.app.extensions["meyasu_page_cache"]
        key = self.keys.get((scheme, path, query))
        now = time.monotonic()
        if key is None or now - cache.checked >= GENERATION_CHECK_SECONDS:
            return None, False
        entry = cache.get(key, cache.last_read())
        stale = entry is None and stale_for > 0
        if stale:
            entry = cache.stale(key, cache.last_read())
            entry = entry if entry is not None and now - entry.expires < stale_for else None
        ready = entry.ready if entry is not None else None
        return (ready, stale) if ready is not None and ready.scheme == scheme else (None, False)

    def refresh(self) -> None:
        """Read the generation again when it is older than half ``GENERATION_CHECK_SECONDS``: for gunicorn's
        request thread after each request, whatever its kind. Only kept pages read it otherwise, and a
        thread that took nothing but sends (taken first under a crowd) left it unread: the loop could
        then answer no kept page and turned them all away (seen as a worker that "answered 0 kept pages"
        for a whole surge). Half, so that the loop, which answers only while the generation is younger than
        the whole, is not left without one each second until the thread's request in hand ends: in a slow
        hour's surge that sent some eight pages a second to the threads (bench/README.md, twenty-sixth
        session)."""
        if self.app.config["PUBLIC_PAGE_CACHE_SECONDS"] > 0:
            self._generation(self.app.extensions["meyasu_page_cache"], GENERATION_CHECK_SECONDS / 2)

    def _generation(self, cache: PageCache, older_than: float = GENERATION_CHECK_SECONDS) -> str:
        if time.monotonic() - cache.checked < older_than:
            return cache.last_read()
        with self.app.app_context():  # the check may read Redis through the app's connection
            return cache.generation(older_than)

    def __call__(self, environ, start_response):
        if self.app.config["PUBLIC_PAGE_CACHE_SECONDS"] <= 0 or not self._anonymous_get(environ):
            return self.wsgi_app(environ, start_response)
        cache: PageCache = self.app.extensions["meyasu_page_cache"]
        url = (environ.get("wsgi.url_scheme", "http"), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        key = self.keys.get(url)
        entry = cache.get(key, self._generation(cache)) if key is not None else None
        ready = entry.ready if entry is not None else None
        if ready is not None and ready.scheme == url[0]:
            start_response(ready.status, list(ready.headers))
            return [ready.body]
        answered = {}

        def keep_status(status, headers, exc_info=None):
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, keep_status)
        served = environ.get(READY_ENVIRON)
        if served is None or not answered.get("status", "").startswith("200 ") or \
                any(name.lower() == "set-cookie" for name, _value in answered["headers"]):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        key, entry = served
        # Given again from here, it is a hit of this process, whatever it was the first time ("shared", or
        # rendered and so without the header).
        headers = [(name, value) for name, value in answered["headers"] if name != "X-Page-Cache"]
        headers.append(("X-Page-Cache", "hit"))
        entry.ready = Ready(url[0], answered["status"], headers, data)
        with cache.lock:
            if len(self.keys) >= 2000:
                self.keys.clear()
            self.keys[url] = key
        return [data]


def init_app(app: Flask) -> None:
    app.config.setdefault("PUBLIC_PAGE_CACHE_SECONDS", 0)
    app.extensions["meyasu_page_cache"] = PageCache()
    app.before_request(serve_cached)
    app.after_request(store)
    app.wsgi_app = app.extensions["meyasu_kept_pages"] = KeptPages(app, app.wsgi_app)
