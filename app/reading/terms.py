"""The glossary on a rendered page: the first use of each term in ``<main>`` links to its entry.

Without JavaScript the term is a link to ``/glossary#term-…`` whose description (``aria-describedby``)
is the explanation, so a screen reader reads it on the link; ``static/js/glossary.js`` turns each link
into a disclosure button (``aria-expanded``/``aria-controls``) that shows the explanation under the
word, by keyboard or touch alike. Terms are not marked where a link or control cannot go (links,
buttons, labels, headings, forms, code, script and style) nor inside ``<dfn>``/``<abbr>``
already there. The page is marked before ふりがな are added, so the readings go inside the term, and
before the page cache keeps it, so a cached page carries its terms.
"""

import re
from functools import lru_cache

from flask import Response, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from app.reading import glossary
from app.reading.html import LANG, UNTOUCHED, rewrite_text
from app.reading.models import has_kanji

# Forms too: a link among the fields would be one more stop for the keyboard between two of them.
SKIP = UNTOUCHED | frozenset({"a", "button", "label", "summary", "legend", "dfn", "abbr", "h1", "h2", "h3", "h4",
                              "h5", "h6", "input", "nav", "form"})
# Work pages: staff read them all day and know the words.
STAFF_PATHS = ("/staff/", "/admin/", "/moderation", "/facilitate", "/jobs")
_HTML_TAG = re.compile(r"<html\b[^>]*>", re.I)


@lru_cache(maxsize=32)
def _pattern(entries: tuple[glossary.Term, ...]) -> re.Pattern | None:
    words = sorted((entry.term for entry in entries), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def _markup(term: glossary.Term, text: str, href: str) -> str:
    note = f"glossary-note-{term.id}"
    reading = f"（{escape(term.reading)}）" if has_kanji(term.term) else ""
    return (f'<dfn class="glossary-term"><a class="glossary-link" href="{escape(href)}#{term.anchor}" '
            f'aria-describedby="{note}">{text}</a></dfn>'
            f'<span class="glossary-note" id="{note}" lang="ja" hidden>{escape(term.term)}{reading}：'
            f'{escape(term.explanation)}</span>')


def mark_terms(html: str, entries: tuple[glossary.Term, ...], *, href: str, script: str, more: str,
               lang: str = "") -> str:
    """``html`` with the first use of each term in ``<main>`` marked, and the script that opens them.

    One pass over ``<main>`` alone, and none when no term occurs in it: what comes before and after is
    copied. The language ``<main>`` inherits is the page's (``<html lang>``, else ``lang``): the templates
    put no other element with a language around it."""
    pattern = _pattern(entries)
    if pattern is None:
        return html
    start = html.find("<main")
    if start < 0:
        return html
    end = html.rfind("</main")
    end = len(html) if end < start else end
    if pattern.search(html, start, end) is None:
        return html
    page = _HTML_TAG.search(html, 0, start)
    own = LANG.search(page.group()) if page else None
    terms = glossary.by_text(entries)
    used: set[int] = set()

    def replace(match: re.Match) -> str:
        term = terms[match.group()]
        if term.id in used:
            return match.group()
        used.add(term.id)
        return _markup(term, match.group(), href)

    marked = rewrite_text(html[start:end], lambda text: pattern.sub(replace, text), lang=own.group(1) if own else lang,
                          skip=SKIP, inside="main")
    if not used:
        return html
    tag = f'<script src="{escape(script)}" data-more="{escape(more)}" defer></script>'
    rest = html[end:]
    body_end = rest.lower().rfind("</body")
    rest = rest[:body_end] + tag + rest[body_end:] if body_end >= 0 else rest + tag
    return html[:start] + marked + rest


def wanted(response: Response) -> bool:
    """Pages read (GET), not the answers to a form, which show the sender's own words back to them, nor
    error pages (the database may be what is missing)."""
    return (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
            and response.headers.get("X-Page-Cache") != "hit" and request.blueprint != "reading"
            and not request.path.startswith(STAFF_PATHS))


def add_terms(response: Response) -> Response:
    """After the view: the page's glossary terms (before ふりがな and before the page cache keeps it); the
    terms are read once per version of the site's content (``glossary.kept``)."""
    if not wanted(response) or b"<main" not in response.get_data():
        return response  # terms are marked in <main> only: a page without it costs no lookup
    entries = glossary.kept()
    if entries:
        response.set_data(mark_terms(response.get_data(as_text=True), entries,
                                     href=url_for("reading.glossary_page"),
                                     script=url_for("static", filename="js/glossary.js"),
                                     more=_("Open the glossary")))
    return response
