"""Files of a result: CSV (UTF-8 with BOM, as Excel in Japan expects), XLSX, a printable HTML report
and a PDF, all made from ``report.public_result``; and the staff list with submitter details.

Column titles are Japanese whatever the reader's language: these files go to the city's records.
"""

import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.formatting import format_date, format_datetime
from app.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, add_sheet, csv_text, write_csv
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.labels import attribute_label, channel_label
from app.periods.models import CommentPeriod
from app.responses.models import Response
from app.responses.report import PublicResult, markdown_text, withhold_label
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
PDF_FONT = "HeiseiMin-W3"
PDF_HEADING_FONT = "HeiseiKakuGo-W5"


def export_folder(run_id: int) -> Path:
    folder = Path(current_app.config["EXPORT_FOLDER"]) / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _headers() -> list[str]:
    return [_("No."), _("Part of the draft"), _("Summary of the opinion"), _("Similar opinions"),
            _("The city's view"), _("Reflection category")]


def _row_values(report: PublicResult) -> list[list]:
    return [[row.number, row.section or _("The draft as a whole"), row.opinion, row.similar,
             markdown_text(row.answer), f"{row.category} {row.category_label}".strip()] for row in report.rows]


def public_csv(report: PublicResult) -> str:
    """The result's CSV, the same as the downloadable file, made on the spot (the open data API serves it)."""
    with force_locale("ja"):
        return csv_text(_headers(), _row_values(report))


def write_public(report: PublicResult, folder: Path) -> dict[str, str]:
    """Every public file of one result; returns format -> file name inside ``folder``."""
    with force_locale("ja"):
        headers, rows = _headers(), _row_values(report)
        write_csv(folder / PUBLIC_FORMATS["csv"][0], headers, rows)

        workbook = Workbook()
        add_sheet(workbook, _("Opinions and answers"), headers, rows, [6, 24, 50, 10, 60, 18], first=True)
        add_sheet(workbook, _("Changes to the draft"), [_("No."), _("Part of the draft"), _("Before"), _("After")],
               [[c.number, c.section, c.before, c.after] for c in report.changes], [6, 24, 50, 50])
        add_sheet(workbook, _("Counts"), [_("Item"), _("Submitters"), _("Opinions")], _count_rows(report),
               [30, 12, 12])
        workbook.save(folder / PUBLIC_FORMATS["xlsx"][0])

        html = render_template("responses/report.html", report=report, css=_print_css(), standalone=True)
        (folder / PUBLIC_FORMATS["html"][0]).write_text(html, encoding="utf-8")
        write_pdf(report, folder / PUBLIC_FORMATS["pdf"][0])
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


def write_pdf(report: PublicResult, path: Path) -> None:
    """A4 portrait, Japanese through a CID font, the same table as the page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    for font in (PDF_FONT, PDF_HEADING_FONT):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=9, leading=13, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontName=PDF_HEADING_FONT, fontSize=12, leading=18,
                             spaceBefore=6, spaceAfter=4)
    title = ParagraphStyle("title", parent=heading, fontSize=15, leading=22, spaceBefore=0, spaceAfter=8)

    def para(text, style=body):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(data, widths):
        grid = Table([[para(cell) for cell in row] for row in data], colWidths=[w * mm for w in widths], repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    period = report.period
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
    story += [Spacer(1, 4 * mm), para(_("Counts"), heading), table([[_("Item"), _("Submitters"), _("Opinions")],
                                                                   *_count_rows(report)], [80, 30, 30])]
    story.append(para(_("Opinions and the city's view"), heading))
    if report.rows:
        story.append(table([_headers(), *_row_values(report)], [10, 25, 50, 14, 60, 21]))
    else:
        story.append(para(_("No opinions were received.")))
    if report.changes:
        story += [para(_("Changes to the draft"), heading),
                  table([[_("No."), _("Part of the draft"), _("Before"), _("After")],
                         *[[c.number, c.section, c.before, c.after] for c in report.changes]], [10, 30, 70, 70])]
    if report.errata:
        story += [para(_("Corrections"), heading),
                  table([[_("Where"), _("Before"), _("After"), _("Reason")],
                         *[[e.location, e.before, e.after, e.reason] for e in report.errata]], [30, 50, 50, 50])]
    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=report.title)
    document.build(story)


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
