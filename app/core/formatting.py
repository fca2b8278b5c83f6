"""Template filters: dates in Japan time, 和暦, and staff Markdown."""

from datetime import date, datetime

from flask_babel import get_locale

from app.core.sanitize import render_markdown
from app.core.timeutil import era_of, to_jst, wareki

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_JA = "月火水木金土日"


def _is_ja() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "ja"


def _as_date(value: date | datetime) -> date:
    return to_jst(value).date() if isinstance(value, datetime) else value


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = _as_date(value)
    if _is_ja():
        return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_jst(value)
    return f"{format_date(local)} {local:%H:%M}"


def format_wareki(value: date | datetime | None) -> str:
    """和暦 for Japanese readers; the era year beside the Western date for others."""
    if value is None:
        return ""
    day = _as_date(value)
    if _is_ja():
        return wareki(day)
    _, era_en, year = era_of(day)
    return f"{format_date(day)} ({era_en} {year})"


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_wareki, "wareki")
    app.add_template_filter(render_markdown, "markdown")
