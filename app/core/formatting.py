"""Template filters: dates in Japan time, 和暦, staff Markdown, and the language of the city's texts."""

import re
from datetime import date, datetime

from flask_babel import get_locale
from markupsafe import Markup, escape
from wtforms.widgets import Select

from app.core.sanitize import render_markdown
from app.core.timeutil import era_of, to_jst, wareki

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The one date rule (issue 17): every page, mail, PDF and export writes a day through ``format_date``.
# Japanese readers get 和暦 with the weekday, 令和8年11月22日（日）; others an ISO-like day with the
# weekday, 2026-11-22 (Sun), and the era only where ``format_wareki`` asks for it. Templates use the
# filters ``date``, ``datetime``, ``wareki``, ``time``, ``month_day`` and ``iso``; none formats by hand.


def is_ja() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "ja"


def _as_date(value: date | datetime) -> date:
    return to_jst(value).date() if isinstance(value, datetime) else value


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = _as_date(value)
    if is_ja():
        return wareki(day, with_weekday=True)
    return f"{day:%Y-%m-%d} ({WEEKDAYS_EN[day.weekday()]})"


def format_time(value: datetime | None) -> str:
    """Hours and minutes in Japan time, 09:05, in both languages."""
    if value is None:
        return ""
    return f"{to_jst(value):%H:%M}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{format_date(value)} {format_time(value)}"


def format_wareki(value: date | datetime | None) -> str:
    """The day with its era named in every language: 令和8年11月22日（日）, or 2026-11-22 (Sun, Reiwa 8)."""
    if value is None:
        return ""
    day = _as_date(value)
    if is_ja():
        return format_date(day)
    _, era_en, year = era_of(day)
    return f"{day:%Y-%m-%d} ({WEEKDAYS_EN[day.weekday()]}, {era_en} {year})"


def format_month_day(value: date | datetime | None) -> str:
    """A chart's tick: 11/22 (Japanese and English readers both write the month first)."""
    if value is None:
        return ""
    day = _as_date(value)
    return f"{day.month}/{day.day}"


def format_iso(value: date | datetime | None) -> str:
    """For machines only (``<time datetime>``, feeds): ISO 8601, in Japan time for a moment."""
    if value is None:
        return ""
    return to_jst(value).isoformat(timespec="minutes") if isinstance(value, datetime) else value.isoformat()


# Kana and kanji: a text that has them is Japanese (the city writes its plans, titles and answers in
# Japanese; the English pages translate only the site around them).
JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
LATIN = re.compile(r"(?<![&#\w])[A-Za-z]+(?!\w*;)")  # English letters, not an entity like &amp;
# In a text that mixes the two: whitespace, tags, and the words between them.
WORDS = re.compile(r"(<[^>]*>|\s+)")


def needs_ja(text) -> bool:
    """Whether this text, shown on this page, must say it is Japanese (WCAG 3.1.2, Language of Parts):
    it is Japanese and the page is not."""
    return bool(text) and not is_ja() and JAPANESE.search(str(text)) is not None


def mark_ja(text) -> Markup:
    """Filter ``ja``: the text, escaped, inside ``<span lang="ja">`` when a screen reader needs to know
    it is Japanese. Use it in element content only, never inside an attribute."""
    if text is None:
        return Markup("")
    if not needs_ja(text):
        return escape(text)
    return Markup('<span lang="ja">%s</span>') % text


def lang_ja(text) -> Markup:
    """Global ``lang_ja(text)``: `` lang="ja"`` for an element whose content is that text (a heading, a
    cell, a block of Markdown), or nothing."""
    return Markup(' lang="ja"') if needs_ja(text) else Markup("")


def mark_ja_words(text, in_english: bool = False) -> Markup:
    """Filter ``ja_words``: for a text that mixes English and Japanese ("Digest: 下関市総合計画", or a
    message with a Japanese term in brackets), each run of Japanese words inside ``<span lang="ja">``.
    A run starts and ends with a word that has kana or kanji and takes in the numbers and signs
    between ("第1章 1 計画の背景" stays one run). Markup keeps its tags; plain text is escaped first.
    ``in_english``: the text sits in an element marked English whatever the page's language (the API's
    reference), so its Japanese words are marked on the Japanese page too."""
    html = text if isinstance(text, Markup) else escape(text if text is not None else "")
    if not (needs_ja(html) or (in_english and JAPANESE.search(html))):
        return html
    parts, out, run = WORDS.split(str(html)), [], []

    def close_run() -> None:
        end = max(i for i, part in enumerate(run) if JAPANESE.search(part))
        out.append(f'<span lang="ja">{"".join(run[:end + 1])}</span>')
        out.extend(run[end + 1:])
        run.clear()

    for part in parts:
        tag = part.startswith("<")
        if run and (tag or LATIN.search(part)):
            close_run()
        if not tag and (JAPANESE.search(part) or (run and not LATIN.search(part))):
            run.append(part)
        else:
            out.append(part)
    if run:
        close_run()
    return Markup("".join(out))  # noqa: S704  (every part came from escaped or given Markup)


class LanguageAwareSelect(Select):
    """A select whose Japanese options say so (``<option lang="ja">``) on pages in another language."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if needs_ja(choice.label):
            kwargs.setdefault("lang", "ja")
        return super().render_option(choice, **kwargs)


def field_language(field, attributes: dict) -> dict:
    """Global ``field_language(field, attributes)``, for the ``field`` macro: the attributes to render the
    field with, plus its language. A select marks its Japanese options; a text box that holds Japanese
    (the city's own text, opened to be edited) gets ``lang="ja"``."""
    if type(field.widget) is Select:
        field.widget = LanguageAwareSelect(multiple=field.widget.multiple)
    elif isinstance(field.data, str) and needs_ja(field.data):
        return {"lang": "ja", **attributes}
    return attributes


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_wareki, "wareki")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_month_day, "month_day")
    app.add_template_filter(format_iso, "iso")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(mark_ja, "ja")
    app.add_template_filter(mark_ja_words, "ja_words")
    app.add_template_global(lang_ja, "lang_ja")
    app.add_template_global(field_language, "field_language")


def compile_page_templates(app) -> int:
    """Compile every page template (``*.html``) into the app's Jinja cache now; how many there are.

    Gunicorn's ``post_worker_init`` calls it, before it freezes the loaded app. Otherwise a worker compiled a
    page's templates the first time it served that page, 10–150 ms (the home page is ten templates) while
    that reader and every request queued behind waited; in a crowd minutes after a start, a quarter of one
    worker's request-thread samples over 25 s (bench/README.md, twenty-seventh session). Mail templates are
    left to the RQ workers that render them. ``create_app`` keeps them in a dict, where a lookup does not scan.
    """
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)
