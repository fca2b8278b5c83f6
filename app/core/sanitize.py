"""The one sanitiser. Every piece of staff-written HTML passes here; nothing else calls bleach."""

import re
import threading

import bleach
import markdown as md
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
     "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["scope"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


# A Markdown converter and a bleach cleaner are built once per thread (neither may be shared between
# threads): building them was half the cost of rendering a short answer, which a result page does 50
# times and a result's files 20,000 times.
_local = threading.local()


def _tools() -> tuple[md.Markdown, bleach.Cleaner]:
    tools = getattr(_local, "tools", None)
    if tools is None:
        tools = _local.tools = (
            md.Markdown(extensions=["tables", "sane_lists"], output_format="html"),
            bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
                           strip_comments=True),
        )
    return tools


def sanitize_html(html: str) -> Markup:
    cleaned = _tools()[1].clean(html)
    return Markup(cleaned)  # noqa: S704  (this is the one place that may: bleach just cleaned it)


def _markdown_html(text: str) -> str:
    return _tools()[0].reset().convert(text)


def keeps_whole(text: str) -> bool:
    """True when the sanitiser keeps every tag and link that ``text``'s Markdown makes: no raw HTML,
    no ``javascript:`` link. Staff forms refuse text it would cut, rather than save what would not show."""
    html = _markdown_html(text)
    return str(sanitize_html(html)) == html


# A character that Markdown, the sanitiser or an HTML reader could read as more than itself: emphasis, code,
# links, headings, lists, quotes, rules, tables, escapes, entities and raw HTML, and control characters.
MARKUP = re.compile(r"[\\`*_\[\]#+\-.!<>&|=\x00-\x09\x0b-\x1f\x7f-\x9f]")


def render_markdown(text: str | None) -> Markup:
    """Markdown written by staff, rendered then cleaned: raw HTML inside it is stripped."""
    if not text:
        return Markup("")
    plain = _plain_html(text)
    if plain is not None:
        return Markup(plain)  # noqa: S704  (no character of it can open a tag or an entity: see MARKUP)
    return sanitize_html(_markdown_html(text))


def _plain_html(text: str) -> str | None:
    """Prose with none of Markdown's marks, no line with spaces around it: its paragraphs, as rendering and
    cleaning it would make them (tests/core/test_plain_markdown.py holds the two to the same HTML). Most
    answers of the city are such prose, and a result's API page of 100 rendered them in half its time
    (bench/README.md, thirty-ninth session). None for anything else."""
    if MARKUP.search(text):
        return None
    paragraphs, lines = [], []
    for line in text.split("\n"):
        if line != line.strip():
            return None
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append(lines)
            lines = []
    if lines:
        paragraphs.append(lines)
    return "\n".join("<p>" + "\n".join(lines) + "</p>" for lines in paragraphs)
