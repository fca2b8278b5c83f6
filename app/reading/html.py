"""ふりがな on a rendered page: only text nodes in Japanese get readings.

The page is our own rendered HTML (Jinja escapes ``<`` and ``>`` inside attributes), so it is cut
into tags and text with one pattern rather than parsed into a tree and written back, which would
change what the templates wrote. Text is left alone inside elements whose content is not prose or
cannot hold markup (script, style, code, title, textarea, option …) and inside existing ``<ruby>``;
the language is followed from ``lang`` attributes, so an English page's Japanese quotes get readings
and an English passage on a Japanese page does not.
"""

import re
from collections.abc import Callable

from app.reading.ruby import EMPTY, CityDictionary, annotate_text

_MARKUP = re.compile(r"<!--.*?-->|<![^>]*>|<\?[^>]*>|<[^>]*>", re.S)
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z][\w:-]*)")
LANG = re.compile(r"""\slang\s*=\s*["']?([\w-]*)""", re.I)
# Elements whose text gets no ruby: raw text, code, text that cannot hold elements, and ruby itself.
UNTOUCHED = frozenset({"script", "style", "code", "kbd", "samp", "pre", "textarea", "option", "optgroup",
                       "select", "title", "head", "ruby", "rt", "rp", "svg", "math", "template", "noscript"})
_RAW = frozenset({"script", "style", "textarea", "title"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})


def _is_japanese(lang: str) -> bool:
    return lang.split("-")[0].lower() == "ja"


def annotate_html(html: str, city: CityDictionary = EMPTY, lang: str = "") -> str:
    """``html`` with ruby on its Japanese text nodes; ``lang`` is the language outside any element."""
    return rewrite_text(html, lambda text: annotate_text(text, city), lang=lang)


def rewrite_text(html: str, change: Callable[[str], str], *, lang: str = "", skip: frozenset[str] = UNTOUCHED,
                 inside: str | None = None) -> str:
    """``html`` with ``change`` applied to each Japanese text node outside the elements named in ``skip``
    (and, when ``inside`` names an element, only within it: the glossary looks at ``<main>`` only)."""
    out: list[str] = []
    stack: list[tuple[str, str, bool]] = []  # open elements: name, language, untouched
    outside = inside is not None  # the state of text outside any element
    position = 0
    length = len(html)
    while position < length:
        match = _MARKUP.search(html, position)
        end = match.start() if match else length
        if end > position:
            text = html[position:end]
            current_lang, untouched = (stack[-1][1], stack[-1][2]) if stack else (lang, outside)
            out.append(text if untouched or not _is_japanese(current_lang) else change(text))
        if match is None:
            break
        tag = match.group()
        out.append(tag)
        position = match.end()
        name_match = _TAG.match(tag)
        if name_match is None:
            continue
        closing, name = name_match.group(1), name_match.group(2).lower()
        if closing:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    del stack[depth:]
                    break
            continue
        if name in VOID or tag.endswith("/>"):
            continue
        if name in _RAW:
            # Their content is text even when it looks like markup: copied up to the closing tag.
            close = re.compile(rf"</\s*{name}\s*>", re.I).search(html, position)
            stop = close.start() if close else length
            out.append(html[position:stop])
            position = stop
            continue
        parent_lang, parent_untouched = (stack[-1][1], stack[-1][2]) if stack else (lang, outside)
        own = LANG.search(tag)
        untouched = (parent_untouched and name != inside) or name in skip
        stack.append((name, own.group(1) if own else parent_lang, untouched))
    return "".join(out)
