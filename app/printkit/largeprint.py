"""The draft's text in large print (body 14 pt, headings larger) for the viewing places: every
chapter, section, paragraph, ※ note and table of one plan text version, tables kept as tables."""

import re
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from app.core.pdf import BODY_FONT, HEADING_FONT, register_fonts
from app.plantext.models import PlanVersion
from app.printkit.content import KitContent

BODY_SIZE = 14
HEADING_SIZES = {0: 16, 1: 24, 2: 20, 3: 17}
# Markdown a paragraph may carry that paper cannot: emphasis marks go, a link keeps its words and address.
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def plain(text: str) -> str:
    """A block's Markdown as the words a reader sees; lines of one paragraph run on (Japanese needs
    no space between them)."""
    text = LINK.sub(r"\1（\2）", text or "")
    text = EMPHASIS.sub("", text)
    return "".join(line.strip() for line in text.splitlines())


def write_large_print(kit: KitContent, version: PlanVersion, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    register_fonts()
    body = ParagraphStyle("body", fontName=BODY_FONT, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.7, wordWrap="CJK",
                          spaceAfter=3 * mm)
    note = ParagraphStyle("note", parent=body, leftIndent=BODY_SIZE, firstLineIndent=-BODY_SIZE)
    cell = ParagraphStyle("cell", parent=body, spaceAfter=0, leading=BODY_SIZE * 1.45)
    headings = {level: ParagraphStyle(f"h{level}", parent=body, fontName=HEADING_FONT, fontSize=size,
                                      leading=size * 1.45, spaceBefore=size * 0.8, spaceAfter=size * 0.5,
                                      keepWithNext=True)
                for level, size in HEADING_SIZES.items()}
    title = ParagraphStyle("title", parent=headings[1], fontSize=28, leading=40, spaceBefore=0)

    def para(text: str, style=body):
        return Paragraph(escape(text), style)

    story = [para(_("Large print edition"), headings[0]), para(kit.plan_title, title),
             para(f"{version.stage_label}", headings[2]), Spacer(1, 8 * mm),
             para(_("Call for comments: %(title)s", title=kit.title)),
             para(_("Deadline: %(day)s", day=kit.deadline)),
             PageBreak()]
    for section in version.sections:
        if section.display:
            story.append(para(section.display, headings[min(section.level, 3)]))
        for block in section.blocks:
            if block.kind == "table":
                story.extend(_table(block, para, cell, body))
            elif block.kind == "note":
                story.append(para(plain(block.text), note))
            else:
                story.append(para(plain(block.text)))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(BODY_FONT, BODY_SIZE)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm,
                                 title=f"{kit.plan_title} {_('Large print edition')}")
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def _table(block, para, cell, body) -> list:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    header = ParagraphStyle("header", parent=cell, fontName=HEADING_FONT)
    rows = [[para(str(value), header if index == 0 else cell) for value in row]
            for index, row in enumerate(row for row in block.rows if row)]
    width = max((len(row) for row in rows), default=1)
    rows = [row + [""] * (width - len(row)) for row in rows]
    grid = Table(rows, colWidths=[170 * mm / width] * width, repeatRows=1)
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    parts = [para(f"【{block.text}】", body)] if block.text else []
    # A short table stays with its caption on one page; a long one runs on with its header repeated.
    return [KeepTogether([*parts, grid]), Spacer(1, 4 * mm)] if len(rows) <= 12 else [*parts, grid, Spacer(1, 4 * mm)]
