"""Files of a result: CSV (UTF-8 with BOM, as Excel in Japan expects), XLSX, a printable HTML report
and a PDF, all made from ``report.streamed_result``; and the staff list with submitter details.

The public files are streamed (issue 20): rows are read from the database a chunk at a time and
written as they come (CSV line by line, XLSX through openpyxl's write-only mode, the HTML report
through Jinja's stream, the PDF as a table per chunk fed to ReportLab as it asks), so a result of
20,000 opinions takes no more memory than one of 200.

Column titles are Japanese whatever the reader's language: these files go to the city's records.
"""

import io
import shutil
from itertools import islice
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app, stream_template
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.formatting import format_date, format_datetime
from app.core.pdf import BODY_FONT, HEADING_FONT, register_fonts, table_paragraph
from app.core.spreadsheet import (
    BOM,
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    CsvWriter,
    add_sheet,
    open_csv,
    stream_sheet,
    write_csv,
)
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.labels import attribute_label, channel_label
from app.periods.models import CommentPeriod
from app.responses.models import Response
from app.responses.report import PublicResult, Row, iter_rows, markdown_text, streamed_result, withhold_label
from app.responses.services import category_labels
from app.submissions.models import Submission

# Bare media types: the response adds ``charset=utf-8`` to text types itself, and a second one
# would make the header ambiguous.
PUBLIC_FORMATS = {
    "csv": ("result.csv", CSV_MIMETYPE),
    "xlsx": ("result.xlsx", XLSX_MIMETYPE),
    "html": ("result.html", "text/html"),
    "pdf": ("result.pdf", "application/pdf"),
}
STAFF_FORMATS = {
    "csv": ("submissions.csv", CSV_MIMETYPE),
    "xlsx": ("submissions.xlsx", XLSX_MIMETYPE),
}
# CID fonts every PDF reader knows, so no font file is needed here. An official notice is set in
# Mincho at normal weight; only the title and headings are in the heavier Gothic.
PDF_ROWS_PER_TABLE = 12  # a table is re-measured at every page it splits; 12 was fastest of 6, 12, 18 and 40 (bench.results)


def export_folder(run_id: int) -> Path:
    folder = Path(current_app.config["EXPORT_FOLDER"]) / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _headers() -> list[str]:
    return [_("No."), _("Part of the draft"), _("Summary of the opinion"), _("Similar opinions"),
            _("The city's view"), _("Reflection category")]


def _values(row: Row) -> list:
    return [row.number, row.section or _("The draft as a whole"), row.opinion, row.similar,
            markdown_text(row.answer), f"{row.category} {row.category_label}".strip()]


def _row_values(report: PublicResult) -> list[list]:
    """Every row of an in-memory result (``report.public_result``) as the files hold it."""
    return [_values(row) for row in report.rows]


def public_csv(period: CommentPeriod) -> str:
    """The result's CSV, the same as the downloadable file, made on the spot (the open data API serves it)."""
    buffer = io.StringIO()
    with force_locale("ja"):
        _write_csv_rows(buffer, period)
    return BOM + buffer.getvalue()


def _write_csv_rows(handle, period: CommentPeriod) -> None:
    writer = CsvWriter(handle)
    writer.writerow(_headers())
    for row in iter_rows(period):
        writer.writerow(_values(row))


def write_public_csv(period: CommentPeriod, path: Path) -> None:
    with force_locale("ja"), open_csv(path) as handle:
        _write_csv_rows(handle, period)


def write_public_xlsx(period: CommentPeriod, path: Path) -> None:
    with force_locale("ja"):
        report = streamed_result(period)
        workbook = Workbook(write_only=True)
        stream_sheet(workbook, _("Opinions and answers"), _headers(), (_values(row) for row in iter_rows(period)),
                     [6, 24, 50, 10, 60, 18])
        stream_sheet(workbook, _("Changes to the draft"), [_("No."), _("Part of the draft"), _("Before"), _("After")],
                     [[c.number, c.section, c.before, c.after] for c in report.changes], [6, 24, 50, 50])
        stream_sheet(workbook, _("Counts"), [_("Item"), _("Submitters"), _("Opinions")], _count_rows(report),
                     [30, 12, 12])
        workbook.save(path)


def write_public_html(period: CommentPeriod, path: Path) -> None:
    with force_locale("ja"), path.open("w", encoding="utf-8") as handle:
        for piece in stream_template("responses/report.html", report=streamed_result(period), css=_print_css(),
                                     standalone=True, result_endpoint=None):
            handle.write(piece)


WRITERS = {"csv": write_public_csv, "xlsx": write_public_xlsx, "html": write_public_html}


def write_public(period: CommentPeriod, folder: Path, progress=None) -> dict[str, str]:
    """Every public file of one result; returns format -> file name inside ``folder``. ``progress``, if
    given, is told each format before it is written."""
    for fmt, (name, _type) in PUBLIC_FORMATS.items():
        if progress is not None:
            progress(fmt)
        (WRITERS.get(fmt) or write_pdf)(period, folder / name)
    return {fmt: name for fmt, (name, _type) in PUBLIC_FORMATS.items()}


def _count_rows(report: PublicResult) -> list[list]:
    counts = report.counts
    rows = [[_("Total"), counts["submitters"], counts["opinions"]]]
    rows += [[channel_label(code), c["submitters"], c["opinions"]] for code, c in report.by_channel]
    rows += [[attribute_label(code), c["submitters"], c["opinions"]] for code, c in report.by_attribute]
    rows += [[_("Withheld: %(reason)s", reason=withhold_label(code)), "", n]
             for code, n in counts["withheld_by_reason"].items()]
    return rows


def _print_css() -> str:
    return (Path(current_app.static_folder) / "css" / "responses-report.css").read_text(encoding="utf-8")


class _Flowables(list):
    """The story of a PDF whose tail is made on demand: ReportLab's ``build`` takes flowables from the
    front of a list (and puts split halves back there), so only the ones on the current page and the
    next chunk of rows are ever in memory."""

    def __init__(self, head, tail):
        super().__init__(head)
        self._tail = iter(tail)

    def _fill(self) -> None:
        while self._tail is not None and super().__len__() < 2:
            try:
                self.append(next(self._tail))
            except StopIteration:
                self._tail = None

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __getitem__(self, index):
        self._fill()
        return super().__getitem__(index)


def write_pdf(period: CommentPeriod, path: Path) -> None:
    """A4 portrait, Japanese through a CID font, the same table as the page (in tables of
    ``PDF_ROWS_PER_TABLE`` rows, each with the column titles)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    paragraph = table_paragraph()
    body = ParagraphStyle("body", fontName=BODY_FONT, fontSize=9, leading=13, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontName=HEADING_FONT, fontSize=12, leading=18,
                             spaceBefore=6, spaceAfter=4)
    title = ParagraphStyle("title", parent=heading, fontSize=15, leading=22, spaceBefore=0, spaceAfter=8)

    def para(text, style=body):
        return paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(data, widths):
        # A number is drawn as it is: a Paragraph per cell was most of the PDF's time (bench.results).
        grid = Table([[cell if isinstance(cell, int) else para(cell) for cell in row] for row in data],
                     colWidths=[w * mm for w in widths], repeatRows=1)
        grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), BODY_FONT, 9, 13),
                                  ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    with force_locale("ja"):
        report = streamed_result(period)
        story = [para(report.title, title)]
        facts = [(_("Comment period"), period.title), (_("Plan"), period.plan.title),
                 (_("Comment dates"), f"{format_date(period.opens_at)} – {format_date(period.closes_at)}")]
        if report.result and report.result.draft_published_on:
            facts.append((_("Draft published on"), format_date(report.result.draft_published_on)))
        if report.result and report.result.published_at:
            facts.append((_("Result published on"), format_date(report.result.published_at)))
        facts.append((_("Submitters and opinions"), _("%(submitters)d submitters, %(opinions)d opinions",
                                                       submitters=report.counts["submitters"],
                                                       opinions=report.counts["opinions"])))
        story += [para(f"{label}：{value}") for label, value in facts]
        if report.result and report.result.full_text_note:
            story.append(para(report.result.full_text_note))
        story += [Spacer(1, 4 * mm), para(_("Counts"), heading),
                  table([[_("Item"), _("Submitters"), _("Opinions")], *_count_rows(report)], [80, 30, 30])]
        story.append(para(_("Opinions and the city's view"), heading))
        headers = _headers()
        tail = []
        if not report.row_count:
            story.append(para(_("No opinions were received.")))
        if report.changes:
            tail += [para(_("Changes to the draft"), heading),
                     table([[_("No."), _("Part of the draft"), _("Before"), _("After")],
                            *[[c.number, c.section, c.before, c.after] for c in report.changes]], [10, 30, 70, 70])]
        if report.errata:
            tail += [para(_("Corrections"), heading),
                     table([[_("Where"), _("Before"), _("After"), _("Reason")],
                            *[[e.location, e.before, e.after, e.reason] for e in report.errata]], [30, 50, 50, 50])]

        def flowables():
            rows = iter_rows(period)
            while chunk := list(islice(rows, PDF_ROWS_PER_TABLE)):
                yield table([headers, *(_values(row) for row in chunk)], [10, 25, 50, 14, 60, 21])
            yield from tail

        document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm,
                                     topMargin=14 * mm, bottomMargin=14 * mm, title=report.title)
        document.build(_Flowables(story, flowables()))


# --- the staff list: personal data, never linked from a public page ---


def staff_rows(period: CommentPeriod) -> tuple[list[str], list[list]]:
    """Every submission and each of its opinions, with who sent it, its state and its answer."""
    submissions = db.session.scalars(
        select(Submission).where(Submission.period_id == period.id).order_by(Submission.received_at, Submission.id)
        .options(selectinload(Submission.entries))
    ).all()
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.period_id == period.id).order_by(Opinion.submission_id, Opinion.position,
                                                                       Opinion.id)
        .options(selectinload(Opinion.section))
    ).all()
    responses = db.session.scalars(select(Response).where(Response.period_id == period.id)).all()
    by_opinion = {r.opinion_id: r for r in responses if r.opinion_id}
    by_group = {r.group_id: r for r in responses if r.group_id}
    labels = category_labels()
    of_submission: dict[int, list[Opinion]] = {}
    for opinion in opinions:
        of_submission.setdefault(opinion.submission_id, []).append(opinion)
    headers = [_("Receipt number"), _("Received"), _("Channel"), _("Name"), _("Address"), _("Attribute"),
               _("Email address"), _("Phone"), _("Opinion"), _("Part of the draft"), _("State"),
               _("Reason withheld"), _("The city's view"), _("Reflection category"), _("Answer state")]
    rows = []
    for submission in submissions:
        base = [submission.receipt_no, format_datetime(submission.received_at),
                channel_label(submission.channel), submission.name, submission.address,
                attribute_label(submission.attribute), submission.email, submission.phone]
        for opinion in of_submission.get(submission.id, []) or [None]:
            if opinion is None:
                rows.append([*base, submission.full_text, "", "", "", "", "", ""])
                continue
            response = by_group.get(opinion.group_id) if opinion.group_id else by_opinion.get(opinion.id)
            rows.append([*base, opinion.summary or opinion.excerpt,
                         opinion.section.display if opinion.section else "", opinion.state,
                         withhold_label(opinion.withhold_reason) if opinion.state == "withheld" else "",
                         markdown_text(response.body) if response else "",
                         labels.get(response.category, response.category) if response else "",
                         response.state if response else ""])
    return headers, rows


def write_staff(period: CommentPeriod, folder: Path) -> dict[str, str]:
    with force_locale("ja"):
        headers, rows = staff_rows(period)
        write_csv(folder / STAFF_FORMATS["csv"][0], headers, rows)
        workbook = Workbook()
        add_sheet(workbook, _("Submissions"), headers, rows, [16, 16, 10, 16, 30, 10, 24, 14, 50, 20, 10, 20, 50, 16, 10],
               first=True)
        workbook.save(folder / STAFF_FORMATS["xlsx"][0])
    return {fmt: name for fmt, (name, _type) in STAFF_FORMATS.items()}


def purge_staff_exports(cutoff) -> tuple[str, int]:
    """Delete the files of staff exports (they list submitters' names and addresses) made before
    ``cutoff`` (app.core.retention); the run stays, its download answers 404. Returns how many
    exports were deleted."""
    from app.core.models import JobRun
    from app.responses.results import STAFF_EXPORT_KIND

    runs = db.session.scalars(select(JobRun.id).where(JobRun.kind == STAFF_EXPORT_KIND, JobRun.created_at < cutoff))
    deleted = 0
    for run_id in runs:
        folder = Path(current_app.config["EXPORT_FOLDER"]) / str(run_id)
        if folder.is_dir():
            shutil.rmtree(folder)
            deleted += 1
    return "staff exports", deleted
