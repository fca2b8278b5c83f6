"""The public result at a size where paging matters (issue 20): a few hundred published rows in
every part of the draft, groups, a redaction, a withheld opinion and an unapproved answer.

The page, the API and the streamed files are checked against ``report.public_result``, the
in-memory reading that built all of them before: every row exactly once, in the same order, with
the same number and text."""

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from app.core.spreadsheet import BOM, add_sheet, csv_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup, Redaction
from app.periods.models import CommentPeriod
from app.responses import exports, report
from app.responses.models import DraftChange, Response, Result
from app.responses.results import compute_counts
from tests.responses.test_no_leaks import pdf_text

SECTIONS = [1, 2, None, 3, 1, 3, 2]  # interleaved, so the result's order is not the opinions' order
LONE = 230


@pytest.fixture
def big_result(app, add_opinions):
    """A published period of 230 lone opinions and 6 groups of 3 (236 rows), answered and approved,
    but for one draft answer, one withheld opinion and one redaction; one typed change of the draft
    on a row of the last page."""
    period_id = _make_period(app)
    specs = [{"text": f"意見{n:03d}、施策についての考え", "section": SECTIONS[n % len(SECTIONS)],
              "state": "accepted"} for n in range(LONE + 18 + 2)]
    ids = add_opinions(period_id, specs)
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        grouped = ids[LONE:LONE + 18]
        for g in range(6):
            group = OpinionGroup(period_id=period_id, title="同趣旨")
            db.session.add(group)
            db.session.flush()
            db.session.execute(update(Opinion).where(Opinion.id.in_(grouped[g * 3:g * 3 + 3]))
                               .values(group_id=group.id))
        withheld, draft = ids[-2], ids[-1]
        db.session.execute(update(Opinion).where(Opinion.id == withheld).values(state="withheld",
                                                                                  withhold_reason="unrelated"))
        db.session.add(Redaction(opinion_id=ids[7], field="excerpt", start=0, end=2, reason="personal"))
        db.session.execute(update(Opinion).where(Opinion.id == ids[11]).values(summary="=要約 @SUM(A1)"))
        for opinion_id in ids[:LONE] + [draft]:
            db.session.add(Response(period_id=period_id, opinion_id=opinion_id, category="AB"[opinion_id % 2],
                                    body=f"回答{opinion_id}。\n\n- 一点目\n- 二点目", state="approved"
                                    if opinion_id != draft else "draft"))
        for group_id in db.session.scalars(select(OpinionGroup.id).where(OpinionGroup.period_id == period_id)):
            db.session.add(Response(period_id=period_id, group_id=group_id, category="C",
                                    body=f"まとめて回答{group_id}", state="approved"))
        db.session.flush()
        last = db.session.scalar(select(Response).where(Response.opinion_id == ids[LONE - 1]))
        last.changes.append(DraftChange(before="旧", after="新"))
        db.session.add(Result(period_id=period_id, title="大きな結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="", introduction="", counts=compute_counts(period),
                              published_at=utcnow()))
        period.results_published_at = utcnow()
        db.session.commit()
    return period_id


def _make_period(app):
    from app.periods import services
    from app.periods.models import default_field_rules
    from app.plans.models import Plan

    with app.app_context():
        plan = Plan(title="計画", summary="", department="政策課", contact="", status="published",
                    published_at=utcnow())
        db.session.add(plan)
        db.session.flush()
        now = utcnow()
        period = CommentPeriod(plan_id=plan.id, title="大きな募集", opens_at=now - timedelta(days=40),
                               closes_at=now - timedelta(days=10), channels={"web": ""},
                               field_rules=default_field_rules(), eligibility=["resident"], viewing_places=[],
                               contact_department="政策課", status="scheduled")
        db.session.add(period)
        db.session.flush()
        services.save_sections(period, [services.SectionRow(None, f"第{n}章", f"施策{n}", "") for n in (1, 2, 3)],
                               actor=None)
        db.session.commit()
        return period.id


def _old_rows(app, period_id):
    """What the page and the files showed before paging: ``public_result``, every row in memory."""
    with app.test_request_context():
        old = report.public_result(db.session.get(CommentPeriod, period_id))
        return [(row.number, row.section, row.opinion, row.similar, row.answer, row.category) for row in old.rows]


def _page_rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="result-row-(\d+)">', html)]


def test_pages_show_every_row_exactly_once_in_the_old_order(app, client, big_result):
    old = _old_rows(app, big_result)
    assert len(old) == 236
    per_page = report.PER_PAGE
    pages = -(-236 // per_page)
    assert pages > 2
    seen, texts = [], []
    for number in range(1, pages + 1):
        html = client.get(f"/periods/{big_result}/result?page={number}").get_data(as_text=True)
        seen += _page_rows(html)
        texts += re.findall(r'<span class="opinion-text"[^>]*>([^<]*)</span>', html)
    assert seen == list(range(1, 237))
    assert texts == [row[2] for row in old]
    assert "■■" in "".join(texts)
    # Page 1 is the old address; a page past the last shows the last.
    assert _page_rows(client.get(f"/periods/{big_result}/result").get_data(as_text=True)) == \
        list(range(1, per_page + 1))
    assert _page_rows(client.get(f"/periods/{big_result}/result?page=99").get_data(as_text=True)) == \
        list(range((pages - 1) * per_page + 1, 237))


def test_a_page_reads_only_its_own_rows(app, client, big_result, monkeypatch):
    from app.responses import services

    read = []
    monkeypatch.setattr(services, "period_targets", lambda *a: pytest.fail("every target loaded"))
    monkeypatch.setattr(report, "public_text", lambda opinion: read.append(opinion.id) or opinion.excerpt)
    assert client.get(f"/periods/{big_result}/result?page=2").status_code == 200
    assert len(read) == report.PER_PAGE


def test_every_part_of_the_draft_is_linked_to_the_page_where_it_starts(app, client, big_result):
    old = _old_rows(app, big_result)
    per_page, here = report.PER_PAGE, 3
    html = client.get(f"/periods/{big_result}/result?page={here}").get_data(as_text=True)
    nav = re.search(r'<nav class="result-parts".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', nav)
    starts = {}
    for number, section, *_rest in old:
        starts.setdefault(section or "", number)
    assert [label for _href, label in links][:3] == ["第1章 施策1", "第2章 施策2", "第3章 施策3"]
    assert len(links) == 4  # and the draft as a whole, last
    for (href, _label), first in zip(links, starts.values(), strict=True):
        page = (first - 1) // per_page + 1
        path, anchor = href.split("#")
        target = client.get(path or f"/periods/{big_result}/result?page={here}").get_data(as_text=True)
        assert f'id="{anchor}"' in target and f'<tr id="result-row-{first}">' in target
        assert (path == "" and page == here) or path.endswith(f"page={page}")
    # A part that began on an earlier page says so, and its anchor is only where it starts.
    assert "(continued)" in html or "（続き）" in html


def test_changes_keep_their_row_numbers_on_every_page(app, client, big_result):
    with app.test_request_context():
        period = db.session.get(CommentPeriod, big_result)
        old = [(c.number, c.section, c.before, c.after) for c in report.public_result(period).changes]
        for number in (1, 3):
            page = report.result_page(period, number)
            assert [(c.number, c.section, c.before, c.after) for c in page.changes] == old
    assert old and old[0][0] > 200  # on the last page
    html = client.get(f"/periods/{big_result}/result").get_data(as_text=True)
    changes = html[html.index('id="changes-heading"'):]
    assert f'<th scope="row" class="col-no">{old[0][0]}</th>' in changes


def _write(app, period_id, tmp_path):
    with app.app_context():
        folder = tmp_path / "new"
        folder.mkdir()
        exports.write_public(db.session.get(CommentPeriod, period_id), folder)
        return folder


def _old_files(app, period_id, tmp_path):
    """The CSV and XLSX as the code before streaming made them (whole lists, ``add_sheet``)."""
    folder = tmp_path / "old"
    folder.mkdir()
    with app.test_request_context(), force_locale("ja"):
        old = report.public_result(db.session.get(CommentPeriod, period_id))
        headers, rows = exports._headers(), exports._row_values(old)
        (folder / "result.csv").write_text(csv_text(headers, rows), encoding="utf-8", newline="")
        workbook = Workbook()
        _ = exports._
        add_sheet(workbook, _("Opinions and answers"), headers, rows, [6, 24, 50, 10, 60, 18], first=True)
        add_sheet(workbook, _("Changes to the draft"), [_("No."), _("Part of the draft"), _("Before"), _("After")],
                  [[c.number, c.section, c.before, c.after] for c in old.changes], [6, 24, 50, 50])
        add_sheet(workbook, _("Counts"), [_("Item"), _("Submitters"), _("Opinions")], exports._count_rows(old),
                  [30, 12, 12])
        workbook.save(folder / "result.xlsx")
        return folder, rows


def test_streamed_csv_is_byte_for_byte_the_old_one(app, big_result, tmp_path):
    new = _write(app, big_result, tmp_path)
    old, _rows = _old_files(app, big_result, tmp_path)
    data = (new / "result.csv").read_bytes()
    assert data == (old / "result.csv").read_bytes()
    assert data.startswith(BOM.encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 237 and "'=要約 @SUM(A1)" in {row[2] for row in rows}


def test_streamed_xlsx_has_the_old_cells_widths_and_types(app, big_result, tmp_path):
    new = _write(app, big_result, tmp_path)
    old, _rows = _old_files(app, big_result, tmp_path)
    new_book, old_book = load_workbook(new / "result.xlsx"), load_workbook(old / "result.xlsx")
    assert new_book.sheetnames == old_book.sheetnames
    for new_sheet, old_sheet in zip(new_book.worksheets, old_book.worksheets, strict=True):
        assert [[(c.value, c.data_type) for c in row] for row in new_sheet.iter_rows()] == \
            [[(c.value, c.data_type) for c in row] for row in old_sheet.iter_rows()]
        assert new_sheet.freeze_panes == old_sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in new_sheet[1])
        assert {k: d.width for k, d in new_sheet.column_dimensions.items() if d.width} == \
            {k: d.width for k, d in old_sheet.column_dimensions.items() if d.width}
    assert new_book.worksheets[0].max_row == 237
    assert new_book.worksheets[0]["C2"].alignment.wrap_text


def test_streamed_pdf_and_printable_report_hold_every_row_in_order(app, big_result, tmp_path):
    new = _write(app, big_result, tmp_path)
    old = _old_rows(app, big_result)
    html = (new / "result.html").read_text(encoding="utf-8")
    assert _page_rows(html) == list(range(1, 237))
    assert "?page=" not in html  # one document: its links are anchors
    text = pdf_text((new / "result.pdf").read_bytes())
    position = 0
    for _number, _section, opinion, *_rest in old:
        found = text.find(opinion, position)
        assert found >= 0, opinion
        position = found
    assert "意見募集：" in text and "旧" in text


def test_the_pdf_breaks_each_cells_lines_once_and_draws_what_it_drew_before(app, big_result, tmp_path, monkeypatch):
    """A table measures a cell when a page takes it, when it splits and when it draws it: the lines are
    broken once (three times before), and the file is the same, byte for byte, as with ReportLab's own
    ``Paragraph`` (dates and ids made fixed by ReportLab's ``invariant``)."""
    from reportlab import rl_config
    from reportlab.platypus import Paragraph

    monkeypatch.setattr(rl_config, "invariant", 1)
    breaks: Counter = Counter()
    original = Paragraph.breakLinesCJK

    def counted(self, widths):
        breaks[self] += 1
        return original(self, widths)

    monkeypatch.setattr(Paragraph, "breakLinesCJK", counted)
    with app.app_context():
        period = db.session.get(CommentPeriod, big_result)
        exports.write_pdf(period, tmp_path / "new.pdf")
        assert len(breaks) > 236 * 4 and set(breaks.values()) == {1}
        monkeypatch.setattr(exports, "table_paragraph", lambda: Paragraph)
        breaks.clear()
        exports.write_pdf(period, tmp_path / "old.pdf")
        assert max(breaks.values()) > 1  # the check counts what it should
    new, old = (tmp_path / "new.pdf").read_bytes(), (tmp_path / "old.pdf").read_bytes()
    assert len(pdf_text(new)) > 236 * 20 and new == old


def test_api_pages_cover_every_row_once(app, client, big_result):
    old = _old_rows(app, big_result)
    url, seen, pages = f"/api/v1/periods/{big_result}/result?per_page=40", [], 0
    while url:
        data = client.get(url).get_json()
        pages += 1
        seen += [(row["number"], row["opinion"], row["category"]) for part in data["sections"]
                 for row in part["opinions"]]
        assert data["meta"]["total"] == 236 and data["meta"]["per_page"] == 40
        assert data["changes"] and data["counts"]["published"] == 249
        url = data["links"]["next"]
    assert pages == 6
    assert seen == [(number, opinion, category) for number, _s, opinion, _sim, _a, category in old]
    whole = client.get(f"/api/v1/periods/{big_result}/result").get_json()
    assert whole["meta"] == {"page": 1, "per_page": 100, "total": 236, "pages": 3}  # the API's own default
    assert whole["links"]["prev"] is None and whole["links"]["next"].endswith("page=2&per_page=100")


def test_api_csv_is_the_downloadable_file(app, client, big_result, tmp_path):
    new = _write(app, big_result, tmp_path)
    assert client.get(f"/api/v1/periods/{big_result}/result.csv").data == (new / "result.csv").read_bytes()
