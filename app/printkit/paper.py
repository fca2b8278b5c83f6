"""The 意見提出用紙 (two A4 pages) and the poster (one A4 page), drawn from a ``KitContent``."""

from pathlib import Path

from flask_babel import gettext as _

from app.printkit.content import KitContent, required_mark
from app.printkit.drawing import (
    BODY_FONT,
    HEADING_FONT,
    bar_code,
    qr_code,
    register_fonts,
    text_block,
    text_height,
    tick_box,
)

LINE_GAP_MM = 9


def _form_id_corner(sheet, kit: KitContent, width: float, top: float, mm: float) -> None:
    """用紙番号 as text and as a bar code at the top right of every page of the form."""
    sheet.setFont(HEADING_FONT, 10)
    label = _("Form No. %(id)s", id=kit.form_id)
    sheet.drawRightString(width - 15 * mm, top, label)
    bar_code(sheet, kit.form_id, width - 15 * mm, top - 10 * mm, 7 * mm)


def _ruled_lines(sheet, x: float, top: float, width: float, bottom: float, gap: float) -> None:
    sheet.setLineWidth(0.4)
    y = top - gap
    while y >= bottom:
        sheet.line(x, y, x + width, y)
        y -= gap


def write_opinion_form(kit: KitContent, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    register_fonts()
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setTitle(f"{_('Opinion form')} {kit.title}")
    width, height = A4
    left, inner = 15 * mm, width - 30 * mm

    # Page 1: what the form is for, the deadline, the sections to tick, the opinion.
    _form_id_corner(sheet, kit, width, height - 14 * mm, mm)
    sheet.setFont(HEADING_FONT, 20)
    sheet.drawString(left, height - 22 * mm, _("Opinion form"))
    y = text_block(sheet, kit.plan_title, left, height - 28 * mm, inner - 60 * mm, size=10)
    y = text_block(sheet, kit.title, left, y - 1 * mm, inner - 45 * mm, size=14, font=HEADING_FONT)
    sheet.setFillColor(colors.Color(0.93, 0.93, 0.93))
    sheet.rect(left, y - 13 * mm, inner, 10 * mm, stroke=0, fill=1)
    sheet.setFillColor(colors.black)
    sheet.setFont(HEADING_FONT, 13)
    sheet.drawString(left + 3 * mm, y - 9.5 * mm, _("Deadline: %(day)s", day=kit.deadline))
    sheet.setFont(BODY_FONT, 9)
    sheet.drawRightString(left + inner - 3 * mm, y - 9.5 * mm, _("By post: postmarked by that day"))
    y -= 20 * mm
    sheet.setFont(HEADING_FONT, 11)
    sheet.drawString(left, y, _("Which part of the draft is your opinion about? Tick all that apply."))
    options = [*kit.sections, _("The draft as a whole / other")]
    columns = 2 if len(options) <= 16 else 3
    column, row_gap, rows = inner / columns, 7 * mm, -(-len(options) // columns)
    for index, label in enumerate(options):
        x = left + (index // rows) * column
        row_y = y - 8 * mm - (index % rows) * row_gap
        tick_box(sheet, x, row_y - 0.5 * mm, 4 * mm)
        text_block(sheet, label, x + 6 * mm, row_y + 3.8 * mm, column - 8 * mm, size=10, leading=12)
    y -= 8 * mm + rows * row_gap + 4 * mm
    sheet.setFont(HEADING_FONT, 11)
    sheet.drawString(left, y, _("Your opinion"))
    sheet.setFont(BODY_FONT, 8.5)
    sheet.drawRightString(left + inner, y, _("If you need more room, use the back or add sheets."))
    _ruled_lines(sheet, left, y - 2 * mm, inner, 20 * mm, LINE_GAP_MM * mm)
    sheet.setFont(BODY_FONT, 8)
    sheet.drawCentredString(width / 2, 10 * mm, "1 / 2")
    sheet.showPage()

    # Page 2: more room, who sends it (as the period's rules ask), where to send it.
    _form_id_corner(sheet, kit, width, height - 14 * mm, mm)
    sheet.setFont(HEADING_FONT, 11)
    sheet.drawString(left, height - 22 * mm, _("Your opinion (continued)"))
    lines_bottom = 18 * mm + _lower_part_height(kit, mm)
    _ruled_lines(sheet, left, height - 24 * mm, inner, lines_bottom, LINE_GAP_MM * mm)
    y = lines_bottom - 8 * mm
    if kit.fields:
        y = _submitter_boxes(sheet, kit, left, y, inner, mm)
    y = _send_to(sheet, kit, left, y - 4 * mm, inner, mm)
    sheet.setFont(BODY_FONT, 8)
    sheet.drawCentredString(width / 2, 10 * mm, "2 / 2")
    sheet.showPage()
    sheet.save()


def _lower_part_height(kit: KitContent, mm: float) -> float:
    """Room the boxes and the addresses under the continued opinion take; the lines get the rest."""
    boxes = sum(16 if item.name == "address" else 10 for item in kit.fields) + 20 if kit.fields else 0
    addresses = 12 + 6 * len(kit.send_to) + (12 if kit.viewing_places else 0) + 10 + (6 if kit.contact else 0)
    return (boxes + max(addresses, 36) + 8) * mm


def _submitter_boxes(sheet, kit: KitContent, left: float, top: float, inner: float, mm: float) -> float:
    sheet.setFont(HEADING_FONT, 11)
    sheet.drawString(left, top, _("About you"))
    y = top - 3 * mm
    label_w = 38 * mm
    sheet.setLineWidth(0.6)
    for item in kit.fields:
        box_h = 16 * mm if item.name == "address" else 10 * mm
        sheet.rect(left, y - box_h, inner, box_h, stroke=1, fill=0)
        sheet.line(left + label_w, y, left + label_w, y - box_h)
        sheet.setFont(BODY_FONT, 10)
        sheet.drawString(left + 2 * mm, y - 6 * mm, item.label)
        sheet.setFont(HEADING_FONT, 8)
        sheet.drawRightString(left + label_w - 2 * mm, y - 6 * mm, f"［{required_mark(item.required)}］")
        if item.options:
            x = left + label_w + 3 * mm
            for option in item.options:
                tick_box(sheet, x, y - 7 * mm, 3.5 * mm)
                sheet.setFont(BODY_FONT, 10)
                sheet.drawString(x + 5 * mm, y - 6.5 * mm, option)
                x += 9 * mm + sheet.stringWidth(option, BODY_FONT, 10)
        if item.name == "address":
            sheet.setFont(BODY_FONT, 9)
            sheet.drawString(left + label_w + 2 * mm, y - 5 * mm, "〒")
        y -= box_h
    return text_block(sheet, _("Fill in the boxes marked Required. Your name, address and other personal details "
                               "are used only for this call for comments and are never published."),
                      left, y - 1.5 * mm, inner, size=8.5)


def _send_to(sheet, kit: KitContent, left: float, top: float, inner: float, mm: float) -> float:
    qr = 30 * mm
    sheet.setFont(HEADING_FONT, 11)
    sheet.drawString(left, top, _("Where to send this form"))
    y = top - 2 * mm
    text_w = inner - qr - 6 * mm
    for label, value in kit.send_to:
        y = text_block(sheet, f"{label}：{value}", left, y, text_w, size=10) - 1 * mm
    if kit.viewing_places:
        y = text_block(sheet, _("Or hand it in where the draft can be read: %(places)s",
                                places="、".join(kit.viewing_places)), left, y, text_w, size=10) - 1 * mm
    web = _("You can also send your opinion on the web form:") if kit.web_form else _("The call for comments "
                                                                                          "on the city's web site:")
    y = text_block(sheet, f"{web}\n{kit.web_url}", left, y, text_w, size=9) - 1 * mm
    if kit.contact:
        y = text_block(sheet, _("Contact: %(contact)s", contact=kit.contact.replace("\n", "　")), left, y - 1 * mm,
                       text_w, size=9)
    qr_code(sheet, kit.web_url, left + inner - qr, top - qr - 2 * mm, qr)
    return min(y, top - qr - 2 * mm)


def write_poster(kit: KitContent, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    register_fonts()
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setTitle(f"{_('Poster')} {kit.title}")
    width, height = A4
    left, inner = 18 * mm, width - 36 * mm
    navy = colors.Color(0.08, 0.2, 0.4)
    sheet.setFillColor(navy)
    sheet.rect(0, height - 32 * mm, width, 32 * mm, stroke=0, fill=1)
    sheet.setFillColor(colors.white)
    sheet.setFont(HEADING_FONT, 14)
    sheet.drawString(left, height - 13 * mm, _("%(city)s public comment", city=kit.city))
    sheet.setFont(HEADING_FONT, 26)
    sheet.drawString(left, height - 26 * mm, _("We want to hear your opinion"))
    sheet.setFillColor(colors.black)
    y = text_block(sheet, kit.plan_title, left, height - 40 * mm, inner, size=13)
    y = text_block(sheet, kit.title, left, y - 2 * mm, inner, size=22, font=HEADING_FONT, leading=30)
    y = text_block(sheet, _("Comments accepted: %(opens)s to %(closes)s", opens=kit.opens, closes=kit.deadline),
                   left, y - 6 * mm, inner, size=13)
    sheet.setStrokeColor(navy)
    sheet.setLineWidth(2)
    sheet.rect(left, y - 20 * mm, inner, 16 * mm, stroke=1, fill=0)
    sheet.setFont(HEADING_FONT, 22)
    sheet.drawCentredString(width / 2, y - 14.5 * mm, _("Deadline: %(day)s", day=kit.deadline))
    y -= 28 * mm
    qr = 62 * mm
    qr_code(sheet, kit.web_url, left + inner - qr, y - qr, qr)
    text_block(sheet, _("Scan with a smartphone to open the web form.") if kit.web_form
               else _("Scan with a smartphone to open the call for comments."),
               left + inner - qr, y - qr - 1 * mm, qr, size=9)
    steps_w = inner - qr - 8 * mm
    sheet.setFont(HEADING_FONT, 15)
    sheet.drawString(left, y - 6 * mm, _("How to take part"))
    y -= 10 * mm
    channels = "、".join(label for label, _value in kit.send_to)
    steps = [
        (_("Read the draft"), _("At %(places)s.", places="、".join(kit.viewing_places)) if kit.viewing_places
         else _("On the city's web site.")),
        (_("Write your opinion"), _("On the opinion form at the places above, or on the web form.")),
        (_("Send it"), _("By %(channels)s, or on the web form, by %(day)s.", channels=channels or "—",
                          day=kit.deadline)),
    ]
    for number, (heading, text) in enumerate(steps, start=1):
        sheet.setFillColor(navy)
        sheet.circle(left + 5 * mm, y - 5 * mm, 5 * mm, stroke=0, fill=1)
        sheet.setFillColor(colors.white)
        sheet.setFont(HEADING_FONT, 14)
        sheet.drawCentredString(left + 5 * mm, y - 7 * mm, str(number))
        sheet.setFillColor(colors.black)
        sheet.setFont(HEADING_FONT, 13)
        sheet.drawString(left + 13 * mm, y - 7 * mm, heading)
        y = text_block(sheet, text, left + 13 * mm, y - 9 * mm, steps_w - 13 * mm, size=12) - 5 * mm
    # The addresses and the contact share what is left down to the bottom margin: a city whose
    # addresses are long gets them in smaller type rather than running over the contact.
    contact = _("Contact: %(contact)s", contact=kit.contact) if kit.contact else ""
    note = _("Your name and other personal details are never published.")
    contact_top = 15 * mm + (text_height(contact, inner, size=11) + 4 * mm if contact else 0)
    y = min(y, height - 190 * mm)
    lines = [f"{label}：{value}" for label, value in kit.send_to]
    for size in (13, 12, 11, 10, None):
        if size is None:  # no room for them all at a size read from a step away: the form has them
            size, lines = 11, [_("Where to send it is written on the opinion form.")]
            break
        needed = sum(text_height(line, inner, size=size) + 1.5 * mm for line in lines)
        if y - needed - text_height(note, inner, size=size) - 3 * mm >= contact_top:
            break
    for line in lines:
        y = text_block(sheet, line, left, y, inner, size=size) - 1.5 * mm
    text_block(sheet, note, left, y - 1.5 * mm, inner, size=size)
    if contact:
        sheet.setStrokeColor(colors.grey)
        sheet.setLineWidth(0.5)
        sheet.line(left, contact_top, left + inner, contact_top)
        text_block(sheet, contact, left, contact_top - 2 * mm, inner, size=11)
    sheet.showPage()
    sheet.save()
