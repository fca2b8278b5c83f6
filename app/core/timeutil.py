"""Japan time and 和暦 dates. The database holds UTC; people read Asia/Tokyo."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func, literal_column

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name in Japanese, era name in romaji), newest first.
ERAS = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
    (date(1873, 1, 1), "明治", "Meiji"),
)
WEEKDAYS_JA = "月火水木金土日"


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_jst(value: datetime) -> datetime:
    return value.astimezone(JST)


def jst_end_of_day(day: date) -> datetime:
    """The last second of a day in Japan, in UTC: when a period ends by default."""
    return datetime.combine(day, time(23, 59, 59), JST).astimezone(UTC)


def jst_start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), JST).astimezone(UTC)


def jst_date_sql(column, dialect: str):
    """SQL for the Japan date of a UTC timestamp ``column`` on ``dialect``, to count by day in the database.
    Japan has kept no daylight saving time since 1951: every date a period can have is UTC+9."""
    if dialect == "postgresql":
        return cast(func.timezone(literal_column(f"'{JST.key}'"), column), Date)
    return func.date(column, literal_column("'+9 hours'"))  # SQLite keeps UTC as text without an offset


def as_date(value: date | str) -> date:
    """A date read back from ``jst_date_sql``: PostgreSQL gives a date, SQLite its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def jst_today() -> date:
    return utcnow().astimezone(JST).date()


def era_of(day: date) -> tuple[str, str, int]:
    for start, name_ja, name_en in ERAS:
        if day >= start:
            return name_ja, name_en, day.year - start.year + 1
    raise ValueError("dates before 明治6年 are not supported")


def wareki(value: date | datetime, with_weekday: bool = False) -> str:
    """令和7年10月6日 — the first year of an era is written 元年."""
    if isinstance(value, datetime):
        value = to_jst(value).date()
    name, _, year = era_of(value)
    text = f"{name}{'元' if year == 1 else year}年{value.month}月{value.day}日"
    if with_weekday:
        text += f"（{WEEKDAYS_JA[value.weekday()]}）"
    return text


def fiscal_year_label(year: int) -> str:
    """令和8年度 for fiscal 2026, which starts on 1 April.

    A year is named by the era in force when it ends, as governments do (fiscal 2019 is 令和元年度),
    unless that era began after the year did (fiscal 1988 stays 昭和63年度).
    """
    end = date(year + 1, 3, 31)
    name, _, era_year = era_of(date(year, 4, 1))
    for start, era_name, _ in ERAS:
        if end >= start:
            if year >= start.year:
                name, era_year = era_name, year - start.year + 1
            break
    return f"{name}{'元' if era_year == 1 else era_year}年度"


def days_between(start: datetime, end: datetime) -> int:
    return (to_jst(end).date() - to_jst(start).date()).days + 1


__all__ = [
    "JST",
    "UTC",
    "as_date",
    "days_between",
    "fiscal_year_label",
    "jst_date_sql",
    "jst_end_of_day",
    "jst_start_of_day",
    "jst_today",
    "timedelta",
    "to_jst",
    "utcnow",
    "wareki",
]
