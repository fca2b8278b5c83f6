from datetime import UTC, date, datetime

from app.core.sanitize import render_markdown, sanitize_html
from app.core.timeutil import fiscal_year_label, jst_end_of_day, wareki


def test_wareki_dates_use_the_era_in_force():
    assert wareki(date(2025, 10, 6)) == "令和7年10月6日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki(date(2005, 4, 1), with_weekday=True) == "平成17年4月1日（金）"


def test_wareki_of_a_utc_time_uses_the_japanese_date():
    # 2025-10-05 16:00 UTC is already 6 October in Japan.
    assert wareki(datetime(2025, 10, 5, 16, 0, tzinfo=UTC)) == "令和7年10月6日"


def test_fiscal_year_labels():
    assert fiscal_year_label(2026) == "令和8年度"
    assert fiscal_year_label(2019) == "令和元年度"


def test_period_ends_at_the_last_second_of_the_day_in_japan():
    assert jst_end_of_day(date(2025, 11, 6)) == datetime(2025, 11, 6, 14, 59, 59, tzinfo=UTC)


def test_sanitiser_removes_script_and_event_handlers():
    html = sanitize_html('<p onclick="x()">ok</p><script>alert(1)</script><a href="javascript:alert(1)">l</a>')
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<p>ok</p>" in html


def test_markdown_renders_and_strips_raw_html():
    html = render_markdown("## 見出し\n\n- 一\n- 二\n\n<img src=x onerror=alert(1)>")
    assert "<h2>見出し</h2>" in html and "<li>一</li>" in html
    assert "<img" not in html and "onerror" not in html
