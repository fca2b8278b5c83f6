"""Survey jobs. Each takes a run id, reloads what it needs and is safe to run twice: a finished run
is not redone, and codes are kept only together with the finished run that printed them."""

import secrets
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import insert, select, update

from app.core import runs
from app.core.jobs import Recurring, job
from app.core.mail import external_url
from app.core.pdf import HEADING_FONT, register_fonts
from app.extensions import db
from app.jobs.services import exports_folder
from app.surveys.answering import code_hash, new_code
from app.surveys.models import AnswerCode, Survey, SurveyGroup

CODES = "survey_codes"
PDF_MIMETYPE = "application/pdf"


@job("low")
def make_answer_codes(run_id: int) -> None:
    """Make ``params.count`` codes for a group and the PDF sheet that is their only plain copy:
    the database keeps their keyed hashes. The hashes are written in the same commit as the run's
    end, so a run that fails leaves no code nobody can print."""
    run = runs.begin(run_id)
    if run is None:
        return
    survey = db.session.get(Survey, run.subject_id) if run.subject_id is not None else None
    group = db.session.get(SurveyGroup, run.params.get("group_id", 0))
    if survey is None or group is None or group.survey_id != survey.id:
        runs.fail(run, "survey_deleted")
        return
    count = int(run.params.get("count", 0))
    codes = [new_code() for _ in range(count)]
    stored = f"{run.id}-{secrets.token_hex(8)}.pdf"
    path = exports_folder() / stored
    with runs.failing(run, cleanup=lambda: path.unlink(missing_ok=True)):
        write_code_sheet(survey, group, codes, path)
        if codes:
            db.session.execute(insert(AnswerCode), [
                {"survey_id": survey.id, "group_id": group.id, "code_hash": code_hash(code), "used": False}
                for code in codes])
    name = f"survey{survey.id}-codes-group{group.id}-run{run.id}.pdf"
    runs.finish(run, {"files": [{"name": name, "stored": stored, "type": PDF_MIMETYPE,
                                 "size": path.stat().st_size}], "codes": count})


def write_code_sheet(survey: Survey, group: SurveyGroup, codes: list[str], path: Path) -> None:
    """A4, ten labels a page: the survey, the group, the code as text and a QR code of the web form's
    address with the code in its fragment (never sent to the server, so in no log)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    register_fonts()
    form_url = external_url("surveys.answer", survey_id=survey.id)
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setTitle(f"{survey.title} {group.label}")
    width, height = A4
    label_w, label_h, qr_size = (width - 20 * mm) / 2, (height - 20 * mm) / 5, 36 * mm
    if not codes:
        sheet.setFont(HEADING_FONT, 12)
        sheet.drawString(20 * mm, height - 30 * mm, f"{survey.title} {group.label}")
    for index, code in enumerate(codes):
        slot = index % 10
        if index and slot == 0:
            sheet.showPage()
        x = 10 * mm + (slot % 2) * label_w
        y = height - 10 * mm - (slot // 2 + 1) * label_h
        sheet.setFont(HEADING_FONT, 9)
        sheet.drawString(x + 5 * mm, y + label_h - 9 * mm, survey.title[:30])
        sheet.drawString(x + 5 * mm, y + label_h - 14 * mm, group.label[:30])
        sheet.setFont(HEADING_FONT, 8)
        sheet.drawString(x + 5 * mm, y + 16 * mm, "回答コード")
        sheet.setFont("Courier-Bold", 14)
        sheet.drawString(x + 5 * mm, y + 9 * mm, code)
        widget = QrCodeWidget(f"{form_url}#code={code}", barLevel="M")
        left, bottom, right, top = widget.getBounds()
        drawing = Drawing(qr_size, qr_size, transform=[qr_size / (right - left), 0, 0, qr_size / (top - bottom), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, sheet, x + label_w - qr_size - 4 * mm, y + (label_h - qr_size) / 2)
    sheet.showPage()
    sheet.save()


# --- export ---

EXPORT = "survey_export"
EXPORT_HEADER = ["question", "text", "row", "answer", "count", "percent", "valid_answers"]
KEYWORD_HEADER = ["question", "text", "of", "word", "answers"]


@job("low")
def export_results(run_id: int) -> None:
    """表1 and every question's counts, as CSV (UTF-8 with BOM) and XLSX, for staff: counts only,
    never an answer row, so the files can go to the report's writers as they are. The XLSX adds the
    free texts' keyword digest as the public report shows it."""
    from openpyxl import Workbook

    from app.core import spreadsheet
    from app.surveys import results, screening

    run = runs.begin(run_id)
    if run is None:
        return
    survey = db.session.get(Survey, run.subject_id) if run.subject_id is not None else None
    if survey is None:
        runs.fail(run, "survey_deleted")
        return
    table1 = results.table1(survey)
    rows = []
    with force_locale("ja"):  # the city's files, whoever asked for them: no request here to take a language from
        tables = results.question_tables(survey, public=False)
    for table in tables:
        question = table.question
        if table.lines:
            rows.extend([f"Q{question.number}", question.text, table.row_label, line.label, line.count, line.percent,
                         table.base] for line in table.lines)
        else:
            rows.append([f"Q{question.number}", question.text, "", "", table.summary.get("count", ""), "", table.base])
    token = secrets.token_hex(8)
    csv_name, xlsx_name = f"{run.id}-{token}.csv", f"{run.id}-{token}.xlsx"
    spreadsheet.write_csv(exports_folder() / csv_name, EXPORT_HEADER, rows)
    workbook = Workbook()
    spreadsheet.add_sheet(workbook, "表1", ["", *[column["label"] for column in table1["columns"]]],
                          [[label, *[column["cells"][index] for column in table1["columns"]]]
                           for index, label in enumerate(table1["rows"])], [22] + [36] * len(table1["columns"]),
                          first=True)
    spreadsheet.add_sheet(workbook, "設問別集計", EXPORT_HEADER, rows, [8, 40, 20, 24, 10, 10, 12])
    # The free texts' keywords as the report shows them: screened texts only, words below k left out.
    keywords = [[f"Q{digest.question.number}", digest.question.text, "その他" if digest.question.kind != "text" else "",
                 word, count] for digest in screening.digests(survey, public=True).values()
                for word, count in digest.words]
    spreadsheet.add_sheet(workbook, "自由記述キーワード", KEYWORD_HEADER, keywords, [8, 40, 10, 24, 10])
    workbook.save(exports_folder() / xlsx_name)
    base = f"survey{survey.id}-results"
    runs.finish(run, {"files": [
        {"name": f"{base}.csv", "stored": csv_name, "type": spreadsheet.CSV_MIMETYPE,
         "size": (exports_folder() / csv_name).stat().st_size},
        {"name": f"{base}.xlsx", "stored": xlsx_name, "type": spreadsheet.XLSX_MIMETYPE,
         "size": (exports_folder() / xlsx_name).stat().st_size}], "rows": len(rows)})


# --- unlinking ---


@job("low")
def blur_code_writes() -> int:
    """PostgreSQL stamps each row version with the transaction that wrote it (``xmin``): a code marked
    used and the answer inserted with it carry the same stamp, which would tie the answer to its
    code. Rewriting every used code of the surveys still taking answers, in one statement, gives them
    all one shared stamp: the tie lasts until the next run (five minutes), not for ever. Old row
    versions go with autovacuum. SQLite keeps no such stamp."""
    from datetime import timedelta

    from app.core.timeutil import utcnow

    if db.session.get_bind().dialect.name != "postgresql":
        return 0
    now = utcnow()
    active = select(Survey.id).where(Survey.status == "published", Survey.report_published_at.is_(None),
                                     Survey.opens_at <= now, Survey.closes_at >= now - timedelta(days=120))
    rewritten = db.session.execute(
        update(AnswerCode).where(AnswerCode.used.is_(True), AnswerCode.survey_id.in_(active)).values(used=True)
        .execution_options(synchronize_session=False))
    return rewritten.rowcount


# --- free-text screening ---


@job("low")
def screen_survey_texts(survey_id: int) -> None:
    """Screen the survey's new free-text values for personal data and rebuild its keyword digests if
    a text was screened or reviewed since they were built. Safe to run twice: a second run finds
    nothing new and leaves the digests as they are."""
    from app.surveys.screening import screen_and_digest

    survey = db.session.get(Survey, survey_id)
    if survey is not None:
        screen_and_digest(survey)


@job("low")
def screen_active_surveys() -> int:
    """Every five minutes, the surveys that may still take answers (web, paper keyed or imported):
    published, opened and with no report out. Their new texts are screened and their digests kept
    current; a review after that enqueues ``screen_survey_texts`` itself."""
    from app.core.timeutil import utcnow
    from app.surveys.screening import screen_and_digest

    surveys = db.session.scalars(select(Survey).where(
        Survey.status == "published", Survey.opens_at <= utcnow(), Survey.report_published_at.is_(None))).all()
    for survey in surveys:
        screen_and_digest(survey)
    return len(surveys)


SCHEDULE = [
    # See blur_code_writes: how long a used code and its answer share a row stamp on PostgreSQL.
    Recurring(blur_code_writes, interval=300),
    # How long a new free-text answer waits before it can count in the keyword digest.
    Recurring(screen_active_surveys, interval=300),
]
