"""Overload shed: answer 503 with Retry-After at once, rather than let requests queue into a timeout.

gunicorn.conf.py stamps each request with the instant its worker queued it (``QUEUED_AT``). A request
that waited longer than ``SHED_FORM_WAIT_MS`` for an endpoint features name as a crowd's form
(``signals.shed_forms``: confirm, send), ``SHED_SEND_WAIT_MS`` for one that finishes a confirmed form
(``signals.shed_sends``: the send, whose key the confirm page issued; it goes through first, since
the person has done the work and the send is what the crowd came for), or longer than
``SHED_ANY_WAIT_MS`` for anything else, is answered by this WSGI
middleware before Flask does any work (no session, CSRF check, template or query): a POST gets a
page with everything it carried kept and a button that sends it again (nothing was sent; the CSRF
token it carried stays valid for the session), a GET a short "busy" page; both with
``Retry-After: SHED_RETRY_AFTER``, in Japanese and English. It has to be this cheap: at a deadline
surge the shed answers are most of the traffic, and answering fast is what empties the queue.
Without gunicorn (tests, ``flask run``) there is no stamp and nothing is shed.

That is the second line. The first is in gunicorn's own loop (``app.core.gworker``), before a request
reaches a worker thread: it asks the ``Gate`` here what kind a request is (``kind_of``), decides by the
work already queued ahead of it (``admit``) and answers a request it turns away with the same pages,
built here (``Gate.page``, ``Gate.form``), without a thread, a session or the app.
"""

import os
import re
import time
from collections.abc import Mapping
from html import escape
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import parse_form_data

from app.core import signals
from app.core.security import CSP

QUEUED_AT = "meyasu.queued_at"
# Set by app.core.gworker on a request it turned away but could not answer itself (its body had not all
# arrived, or it is not a plain form): the middleware sheds it without waiting.
SHED_NOW = "meyasu.shed_now"
# How long a request may wait: a send of a confirmed form, a new form, anything else.
LIMITS = ("SHED_SEND_WAIT_MS", "SHED_FORM_WAIT_MS", "SHED_ANY_WAIT_MS")


# Fields never written back into a page: the token goes in its own hidden input, and passwords (the
# login form's ``password``, the password change form's ``current``/``new``/``confirm``) stay with
# the person who typed them.
NOT_KEPT = ("csrf_token", "password", "current", "new", "confirm")


def collect(app: Flask) -> None:
    """What features declare for the shed, gathered once: a shed request must stay cheap.

    How a kept field is labelled here and on the CSRF page: features give (pattern, label) for their
    forms' fields (``signals.shed_fields``; the first feature to give a pattern wins). A label may hold
    %(n)d, the number in the field's name plus one ("entries-0-body" is opinion 1). A label of None
    keeps the field as a hidden input: keys, honeypots, buttons and choices already made. A field that
    no pattern matches is shown under its own name.
    """
    fields: dict[str, object] = {}
    for _receiver, found in signals.shed_fields.send(app):
        for pattern, label in found:
            fields.setdefault(pattern, label)
    forms = frozenset(endpoint for _receiver, endpoints in signals.shed_forms.send(app) for endpoint in endpoints)
    sends = frozenset(endpoint for _receiver, endpoints in signals.shed_sends.send(app) for endpoint in endpoints)
    app.extensions["meyasu_shed"] = {"forms": forms, "sends": sends, "fields": tuple(fields.items())}


def kept_labels() -> "KeptLabels":
    """The labels of the kept fields in the current language."""
    return KeptLabels([(re.compile(pattern), None if label is None else str(label))
                       for pattern, label in current_app.extensions["meyasu_shed"]["fields"]])


class KeptLabels:
    """The labels of the kept fields in one language, each field name's found once: a crowd's busy pages keep
    the same few fields hundreds of times a second, and trying every pattern on each was a quarter of the
    time gunicorn's loop took to build one (bench/README.md, twentieth session)."""

    REMEMBERED = 256  # names a client makes up are looked up, not remembered, past this many

    def __init__(self, patterns: list[tuple[re.Pattern, str | None]]):
        self.patterns = patterns
        self.found: dict[str, str | None] = {}

    def of(self, name: str) -> str | None:
        """The label to show a kept field under; None for a field kept hidden."""
        try:
            return self.found[name]
        except KeyError:
            label = kept_label(self.patterns, name)
            if len(self.found) < self.REMEMBERED:
                self.found[name] = label
            return label


def kept_label(labels: list[tuple[re.Pattern, str | None]], name: str) -> str | None:
    """The label of the first pattern ``name`` matches; its own name when none does."""
    for pattern, label in labels:
        found = pattern.fullmatch(name)
        if found:
            if label is None or "%(n)" not in label:
                return label
            return label % {"n": int(found.group(1)) + 1}
    return name


def kept_fields(form) -> list[tuple[str, str]]:
    """(name, value) of every field a POST carried that may be written back into a page."""
    return [(name, value) for name, values in form.lists() if name not in NOT_KEPT for value in values]


def busy_texts(seconds: int) -> dict:
    return {
        "title": _("The service is busy"),
        "form": _("Many people are sending forms right now, and yours could not be handled yet. Nothing has been "
                  "sent. Your text is kept below: wait about %(seconds)d seconds, then press “Send again”.",
                  seconds=seconds),
        "page": _("Many people are using the service right now. Wait about %(seconds)d seconds and reload the page.",
                  seconds=seconds),
        "button": _("Send again"),
        "labels": kept_labels(),
    }


def unavailable_texts(seconds: int) -> dict:
    return {
        "title": _("The service is temporarily unavailable"),
        "form": _("Part of the service is temporarily unavailable, so your form could not be handled. Your text "
                  "is kept below: wait about %(seconds)d seconds, then press “Send again”.", seconds=seconds),
        "page": _("Part of the service is temporarily unavailable. Wait about %(seconds)d seconds and reload "
                  "the page.", seconds=seconds),
        "button": _("Send again"),
        "labels": kept_labels(),
    }


def both_languages(texts) -> dict[str, dict]:
    """``texts()`` in Japanese and in English; needs an app context."""
    result = {}
    for locale in ("ja", "en"):
        with force_locale(locale):
            result[locale] = texts()
    return result


class ShedMiddleware:
    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._pages: dict[int, BusyPage] = {}

    def busy_page(self, seconds: int) -> "BusyPage":
        """The busy page in both languages, translated on first use (the catalogues are compiled by then)."""
        if seconds not in self._pages:
            with self.app.app_context():
                self._pages[seconds] = BusyPage(both_languages(lambda: busy_texts(seconds)))
        return self._pages[seconds]

    def __call__(self, environ, start_response):
        if environ.get(SHED_NOW):
            return self.shed(environ, start_response, self.app.config["SHED_RETRY_AFTER"])
        queued_at = environ.get(QUEUED_AT)
        if queued_at:
            wait_ms = (time.monotonic() - queued_at) * 1000
            config = self.app.config
            limits = [config[name] for name in LIMITS if config[name]]
            # Only a request that waited past the shortest limit costs a URL match.
            if limits and wait_ms > min(limits):
                limit = config[self.limit_name(self.endpoint(environ))]
                if limit and wait_ms > limit:
                    return self.shed(environ, start_response, config["SHED_RETRY_AFTER"])
        return self.wsgi_app(environ, start_response)

    def limit_name(self, endpoint: str | None) -> str:
        declared = self.app.extensions["meyasu_shed"]
        if endpoint in declared["sends"]:
            return "SHED_SEND_WAIT_MS"
        return "SHED_FORM_WAIT_MS" if endpoint in declared["forms"] else "SHED_ANY_WAIT_MS"

    def endpoint(self, environ) -> str | None:
        try:
            return self.app.url_map.bind_to_environ(environ).match(method=environ.get("REQUEST_METHOD"))[0]
        except HTTPException:
            return None

    def shed(self, environ, start_response, retry_after: int):
        kind = "form" if environ.get("REQUEST_METHOD") == "POST" else "page"
        fields = list(parse_form_data(environ)[1].lists()) if kind == "form" else None
        data = self.busy_page(retry_after).render(fields, environ.get("PATH_INFO", "/"))
        start_response("503 SERVICE UNAVAILABLE", standalone_headers(data, retry_after))
        return [data]


def standalone_page(texts: dict[str, dict], form, action: str) -> bytes:
    """A page in Japanese and English that needs nothing but its texts: no session, query or template.

    With ``form`` (the fields a POST carried) every field is kept in a form that sends it again to
    ``action`` with the CSRF token it carried, so nothing the person wrote is lost.
    """
    return BusyPage(texts).render(None if form is None else list(form.lists()), action)


class BusyPage:
    """``standalone_page`` for one set of texts, its fixed parts escaped once: the titles, the messages, the button
    and each field's label. Gunicorn's loop builds hundreds of these pages a second in a crowd (``Gate.form``),
    and escaping the same texts again for each was most of the time a page took (bench/README.md, twenty-seventh
    session)."""

    REMEMBERED = 256  # field names whose markup is kept; names a client makes up are built, not kept, past this

    def __init__(self, texts: dict[str, dict]):
        ja, en = texts["ja"], texts["en"]
        self.labels = (ja.get("labels"), en.get("labels"))  # for a page that keeps a form
        head = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{escape(ja["title"])} / {escape(en["title"])}</title>'
                f'<link rel="stylesheet" href="/static/css/site.css"></head><body><main id="main" class="wrap">'
                f'<h1>{escape(ja["title"])} <span lang="en">/ {escape(en["title"])}</span></h1>')
        self.starts = {kind: head + "".join(f'<p role="alert" lang="{locale}">{escape(texts[locale][kind])}</p>'
                                            for locale in ("ja", "en"))
                       for kind in ("page", "form") if kind in ja and kind in en}  # a refusal has no form
        self.button = (f'<button type="submit" class="button">{escape(ja.get("button", ""))} / '
                       f'<span lang="en">{escape(en.get("button", ""))}</span></button></form>')
        self.fields: dict[str, tuple[str, str | None]] = {}  # name -> (its escaped name, its label's markup)

    def render(self, fields: list[tuple[str, list[str]]] | None, action: str) -> bytes:
        """The page; with ``fields`` (each name with its values, in the order the POST carried them, as
        ``MultiDict.lists`` gives them) the form that keeps them."""
        if fields is None:
            return (self.starts["page"] + "</main></body></html>").encode()
        token = next((values[0] for name, values in fields if name == "csrf_token" and values), "")
        body = [self.starts["form"], f'<form method="post" action="{escape(action)}">'
                                     f'<input type="hidden" name="csrf_token" value="{escape(token)}">']
        n = 0
        for name, values in fields:
            if name in NOT_KEPT:
                continue
            escaped_name, label = self._field(name)
            for value in values:
                if label is None:
                    body.append(f'<input type="hidden" name="{escaped_name}" value="{escape(value)}">')
                else:
                    rows = 6 if len(value) > 80 else 1
                    body.append(f'<div class="field"><label for="kept-{n}">{label}</label><textarea id="kept-{n}" '
                                f'name="{escaped_name}" rows="{rows}">{escape(value)}</textarea></div>')
                n += 1
        body.append(self.button)
        body.append("</main></body></html>")
        return "".join(body).encode()

    def _field(self, name: str) -> tuple[str, str | None]:
        """The field's escaped name and its label's markup (None: kept hidden)."""
        found = self.fields.get(name)
        if found is None:
            label_ja, label_en = (labels.of(name) for labels in self.labels)
            if label_ja is None:
                label = None
            elif label_ja == label_en:
                label = escape(label_ja)
            else:
                label = f'{escape(label_ja)} <span lang="en">/ {escape(label_en or name)}</span>'
            found = (escape(name), label)
            if len(self.fields) < self.REMEMBERED:
                self.fields[name] = found
        return found


def standalone_headers(data: bytes, retry_after: int) -> list[tuple[str, str]]:
    return [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
            ("Retry-After", str(retry_after)), ("Cache-Control", "no-store"),
            ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"), ("Referrer-Policy", "strict-origin-when-cross-origin")]


# --- the first line: what gunicorn's loop asks before a request reaches a thread (app.core.gworker) ---

# The kinds of request, in the order a worker's threads take them from its queue: a send (it carries the
# key its confirm page issued, so the person has done the work) and the page it redirects to (the
# receipt), then pages people read, then other POSTs, then new forms (a confirm), which are what a crowd
# brings most of and what is turned away first.
KINDS = ("send", "page", "other", "form")
LIMIT_OF = {"send": "SHED_SEND_WAIT_MS", "page": "SHED_PAGE_WAIT_MS", "other": "SHED_ANY_WAIT_MS",
            "form": "SHED_FORM_WAIT_MS"}
# What a request of a kind brings after it: a confirmation answered leads to its send and the send's receipt
# (both of the send kind), which the threads take before any confirmation still waiting.
LEADS_TO = {"form": ("send", "send")}


def kind_of(endpoint: str | None, method: str, sends: frozenset | set, forms: frozenset | set) -> str:
    if endpoint in sends:
        return "send"
    if method in ("GET", "HEAD"):
        return "page"
    return "form" if endpoint in forms else "other"


def expected_wait(kind: str, waiting: Mapping[str, int], running: list[str], estimates: Mapping[str, float],
                  threads: int) -> float:
    """Milliseconds a request of ``kind`` arriving now would wait for a thread: the queued requests taken
    before it (its own kind and those before it in ``KINDS``) and half of what is running, shared by
    ``threads``. ``estimates`` is the time one request of each kind takes.

    Each of them counts with what it leads to (``LEADS_TO``) that will go before ``kind``: a confirmation waits
    behind the send and receipt of every confirmation taken before it, which arrive while it waits. Counted
    without them, the queue of confirmations in a surge held nearly three times what a thread could take
    within their limit, and half of the confirmations turned away waited that second for their busy page
    instead of having it at once (bench/README.md, thirty-eighth session)."""
    rank = KINDS.index(kind)
    if len(running) < threads and not any(waiting.get(k) for k in KINDS[:rank + 1]):
        return 0.0
    ahead = sum(waiting.get(k, 0) * (estimates[k] + _what_follows(k, rank, estimates)) for k in KINDS[:rank + 1])
    ahead += sum(estimates[k] / 2 + _what_follows(k, rank, estimates) for k in running)
    return ahead / max(threads, 1)


def _what_follows(kind: str, rank: int, estimates: Mapping[str, float]) -> float:
    """The time the requests a request of ``kind`` leads to take, of those that go before one ranked ``rank``."""
    return sum(estimates[after] for after in LEADS_TO.get(kind, ()) if KINDS.index(after) < rank)


# How a worker learns the time a request of a kind takes (``learn``): a weighted mean of what it took, each
# sample counted at most ``LEARN_CAP`` times the estimate. Public pages are mostly answered in a
# millisecond, and now and then one is built afresh in a few hundred (a result page, a worker's first
# pages): with the plain mean of the last few, one such page made the next few hundred look as if they
# would wait half a second each, and the loop turned readers away at the design load.
LEARN_WEIGHT = 0.2
LEARN_CAP = 4.0


def learn(estimate: float, took_ms: float) -> float:
    """The estimate after one more request that took ``took_ms``: a lasting change (a host twenty times
    slower) is mostly learnt within some ten requests; one outlier moves it by at most 60 %."""
    return estimate + (min(took_ms, LEARN_CAP * estimate) - estimate) * LEARN_WEIGHT


def first_in_line(kind: str, waiting: Mapping[str, int], threads: int) -> bool:
    """Whether fewer requests than threads wait ahead of one of ``kind``: it will be taken next."""
    return sum(waiting.get(k, 0) for k in KINDS[:KINDS.index(kind) + 1]) < threads


def admit(kind: str, waiting: Mapping[str, int], running: list[str], estimates: Mapping[str, float],
          limits: Mapping[str, float], threads: int) -> bool:
    """Whether a request joins the queue (or is turned away at once): a limit of 0 turns shedding off.
    One request per thread may always wait ahead of it, however slow the machine: a few clients that
    each wait for their answer (a closed loop, a quiet day on a loaded host) are never shed; a crowd is."""
    limit = limits.get(kind) or 0
    if not limit or first_in_line(kind, waiting, threads):
        return True
    return expected_wait(kind, waiting, running, estimates, threads) <= limit


def next_kind(waiting: Mapping[str, int]) -> str | None:
    """The kind a free thread takes next."""
    return next((kind for kind in KINDS if waiting.get(kind)), None)


class Gate:
    """What the worker's loop needs from the app, built once per process; used by that loop's thread only,
    except ``follow`` (from request threads, rarely)."""

    def __init__(self, app: Flask, middleware: "ShedMiddleware"):
        self.app = app
        self.middleware = middleware
        declared = app.extensions["meyasu_shed"]
        self.sends, self.forms = set(declared["sends"]), declared["forms"]
        self.adapter = app.url_map.bind("localhost")
        self.kinds: dict[tuple[str, str], str] = {}
        self.limits = {kind: float(app.config[name] or 0) for kind, name in LIMIT_OF.items()}
        self.retry_after = int(app.config["SHED_RETRY_AFTER"])
        self._page: bytes | None = None
        self.kept_pages = app.extensions.get("meyasu_kept_pages")  # kept answers the loop gives itself

    def endpoint(self, method: str, path: str, adapter=None) -> str | None:
        try:
            return (adapter or self.adapter).match(unquote(path), method=method)[0]
        except HTTPException:  # a redirect too (RequestRedirect)
            return None

    def classify(self, method: str, path: str) -> str:
        key = (method, path)
        kind = self.kinds.get(key)
        if kind is None:
            kind = kind_of(self.endpoint(method, path), method, self.sends, self.forms)
            if len(self.kinds) >= 4096:
                self.kinds.clear()
            self.kinds[key] = kind
        return kind

    def follow(self, location: str) -> None:
        """A send answered with a redirect: the page it leads to (the receipt) finishes the send, and is
        taken with it, before pages and new forms; a receipt turned away would leave a stored opinion
        whose number nobody saw."""
        endpoint = self.endpoint("GET", urlsplit(location).path or "/", self.app.url_map.bind("localhost"))
        if endpoint and endpoint not in self.sends:
            self.sends.add(endpoint)
            self.kinds = {}

    def page(self) -> bytes:
        """The busy page as a whole HTTP body, built once."""
        if self._page is None:
            self._page = self.middleware.busy_page(self.retry_after).render(None, "/")
        return self._page

    def form(self, path: str, body: bytes, charset: str = "utf-8") -> bytes:
        """The busy page that keeps every field an url-encoded POST carried, sending them again to ``path``."""
        try:
            text = body.decode(charset, "replace")
        except (LookupError, ValueError):  # a charset Python does not know, or not a text encoding: as UTF-8
            text = body.decode("utf-8", "replace")
        fields: dict[str, list[str]] = {}  # by name, in the order first seen, as ``MultiDict.lists`` gives them
        for name, value in _pairs(text):
            fields.setdefault(name, []).append(value)
        return self.middleware.busy_page(self.retry_after).render(list(fields.items()), path)

    def headers(self, data: bytes) -> list[tuple[str, str]]:
        return standalone_headers(data, self.retry_after)


MAX_KEPT_FIELDS = 1000


def _pairs(body: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of an url-encoded body, as ``parse_qsl(keep_blank_values=True)`` gives them, but
    only the first ``MAX_KEPT_FIELDS`` (``parse_qsl``'s own limit raised ValueError in gunicorn's loop, and a
    worker died of a POST of a thousand and one fields while busy)."""
    pairs = []
    for field in body.split("&", MAX_KEPT_FIELDS)[:MAX_KEPT_FIELDS]:
        if field:
            name, _, value = field.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus``, each run of %XX escapes decoded in one call (``bytes.fromhex``): a Japanese
    text is one long run, which urllib decodes an escape at a time: a busy page that keeps a confirm form's
    fields, as gunicorn's loop gives hundreds a second in a crowd, 77 → 57 µs (bench/README.md, seventeenth
    session)."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    return _ESCAPES.sub(lambda run: bytes.fromhex(run.group().replace("%", "")).decode("utf-8", "replace"), text)


class PlainGate:
    """The gate of a WSGI app that is not Meyasu (the benchmark's bare app): nothing is a send, nothing is
    kept, and no kind has a limit, so nothing is turned away; its connections are spread over the workers
    and its requests queued as Meyasu's are. Without a gate the worker was gthread as it was, and the bare
    app's few kept-alive connections landed on one worker: in seven closed loops of eight its three
    connections took turns on one thread, the machine half idle (bench/README.md, thirty-first session)."""

    kept_pages = None
    limits = dict.fromkeys(KINDS, 0.0)

    def classify(self, method: str, path: str) -> str:
        return kind_of(None, method, frozenset(), frozenset())

    def follow(self, location: str) -> None:
        """No send leads anywhere."""


def gate(app) -> Gate | PlainGate:
    """The gate of a Meyasu app; a plain one for another WSGI app, such as the benchmark's bare one."""
    middleware = getattr(app, "extensions", {}).get("meyasu_shed_middleware")
    if middleware is None or "meyasu_shed" not in app.extensions:
        return PlainGate()
    return Gate(app, middleware)


def init_app(app: Flask) -> None:
    for name, default in (("SHED_FORM_WAIT_MS", 1000), ("SHED_SEND_WAIT_MS", 2500), ("SHED_ANY_WAIT_MS", 3000),
                          ("SHED_RETRY_AFTER", 10)):
        app.config.setdefault(name, default)
    # Pages wait at most this long in gunicorn's queue before the loop turns them away (app.core.gworker);
    # readers should see a page, or the busy page, within a second.
    app.config.setdefault("SHED_PAGE_WAIT_MS", int(os.environ.get("SHED_PAGE_WAIT_MS", "500")))
    middleware = ShedMiddleware(app)
    app.extensions["meyasu_shed_middleware"] = middleware
    app.wsgi_app = middleware
