"""One date rule everywhere (issue 17, item 10): 和暦 with the weekday on Japanese pages, an ISO-like
day with the weekday on English ones, never both at once in nested brackets; and no template or
module formatting a date by hand."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.core.demodata import load_all
from app.core.formatting import format_date, format_datetime, format_month_day, format_wareki
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.workshops.models import Workshop

ROOT = Path(__file__).resolve().parents[2]
WAREKI = re.compile(r"(令和|平成)(\d+|元)年\d{1,2}月\d{1,2}日（[月火水木金土日]）")
SEIREKI = re.compile(r"\b(19|20)\d{2}年\d{1,2}月\d{1,2}日|\b(19|20)\d{2}-\d{2}-\d{2}\b|\b(19|20)\d{2}/\d{1,2}/\d{1,2}\b")
ISO_LIKE = re.compile(r"\b20\d{2}-\d{2}-\d{2} \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)[,)]")


def test_the_one_rule_in_each_language(app):
    moment = datetime(2026, 11, 22, 5, 30, tzinfo=UTC)  # 14:30 in Japan
    with app.test_request_context():
        with force_locale("ja"):
            assert format_date(date(2026, 11, 22)) == "令和8年11月22日（日）"
            assert format_datetime(moment) == "令和8年11月22日（日） 14:30"
            assert format_wareki(moment) == "令和8年11月22日（日）"
            assert format_date(date(2019, 5, 1)) == "令和元年5月1日（水）"
        with force_locale("en"):
            assert format_date(date(2026, 11, 22)) == "2026-11-22 (Sun)"
            assert format_datetime(moment) == "2026-11-22 (Sun) 14:30"
            assert format_wareki(moment) == "2026-11-22 (Sun, Reiwa 8)"
        assert format_month_day(moment) == "11/22"


def _text(html: str) -> str:
    """What a reader sees: no tags (a <time datetime> attribute is for machines)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_pages_named_in_the_issue_show_wareki_in_japanese_and_never_doubled(app, client, run_jobs, own_folders):
    with app.app_context():
        load_all()
    run_jobs()
    with app.app_context():
        published = db.session.scalar(select(CommentPeriod.id).where(CommentPeriod.results_published_at.is_not(None)))
        period = db.session.scalar(select(CommentPeriod.id).where(CommentPeriod.results_published_at.is_(None)))
        plan = db.session.scalar(select(Plan.id).where(Plan.status == "published"))
        workshop = db.session.scalar(select(Workshop.id).where(Workshop.status == "published")
                                     .order_by(Workshop.starts_at.desc()))
    pages = ["/", "/results", f"/periods/{published}/result", f"/periods/{period}", f"/plans/{plan}",
             f"/workshops/{workshop}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _text(response.get_data(as_text=True))
        assert WAREKI.search(text), f"{path}: no 和暦 date"
        assert not SEIREKI.search(text), f"{path}: 西暦 {SEIREKI.search(text).group(0)!r}"
        assert "（2" not in text and "）（" not in text and "日（令和" not in text, f"{path}: doubled date"
    client.get("/language", query_string={"lang": "en"})
    for path in pages:
        text = _text(client.get(path).get_data(as_text=True))
        assert ISO_LIKE.search(text), f"{path}: no dated day in English"
        assert not WAREKI.search(text), f"{path}: a Japanese date on an English page"


FORBIDDEN_IN_TEMPLATES = re.compile(
    r"strftime|isoformat|%Y|%m/%d|月火水木金土日|\.(year|month|weekday)\b|\.day\s*}}|年\s*{{|}}\s*[年月日]")
# Where a date is written for a machine or an operator, not read on a page: iCalendar, a file name,
# an <input type="datetime-local"> format, the CLI (UTC), and the rule itself.
ALLOWED_MODULES = {"app/core/formatting.py", "app/core/timeutil.py",
                   "app/digests/tasks.py", "app/workshops/forms.py", "app/core/__init__.py"}
FORBIDDEN_IN_CODE = re.compile(r"strftime\(|:%Y|:%H:%M|\.isoformat\(\)[^,\n]*\b(flash|_\()")


@pytest.mark.parametrize("folder", ["templates"])
def test_templates_do_not_format_dates_by_hand(folder):
    found = []
    for path in sorted((ROOT / folder).rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORBIDDEN_IN_TEMPLATES.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "use the date, datetime, wareki, time, month_day or iso filters:\n" + "\n".join(found)


def test_modules_do_not_format_dates_by_hand():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in ALLOWED_MODULES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORBIDDEN_IN_CODE.search(line):
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    assert not found, "use app.core.formatting (format_date, format_datetime, format_time):\n" + "\n".join(found)
