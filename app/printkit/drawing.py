"""Drawing helpers shared by the opinion form and the poster: wrapped text, tick boxes, codes.

reportlab is imported inside the functions, as the rest of the app does, so a web process that never
builds a PDF never loads it."""

from xml.sax.saxutils import escape

from app.core.pdf import BODY_FONT, HEADING_FONT, register_fonts

__all__ = ["BODY_FONT", "HEADING_FONT", "register_fonts", "text_block", "text_height", "tick_box", "qr_code", "bar_code"]


def _paragraph(text: str, size: float, font: str, leading: float | None, color=None):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("kit", fontName=font, fontSize=size, leading=leading or size * 1.45, wordWrap="CJK",
                           textColor=color or colors.black)
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def text_height(text: str, width: float, *, size: float = 11, font: str = BODY_FONT,
                leading: float | None = None) -> float:
    """How tall ``text_block`` would draw ``text``."""
    return _paragraph(text, size, font, leading).wrap(width, 10_000)[1]


def text_block(sheet, text: str, x: float, top: float, width: float, *, size: float = 11,
               font: str = BODY_FONT, leading: float | None = None, color=None) -> float:
    """Draw ``text`` wrapped to ``width`` (Japanese breaks anywhere, as it should) with its top at
    ``top``; returns the y just under it. Line breaks in the text are kept."""
    paragraph = _paragraph(text, size, font, leading, color)
    _width, height = paragraph.wrap(width, 10_000)
    paragraph.drawOn(sheet, x, top - height)
    return top - height


def tick_box(sheet, x: float, y: float, size: float) -> None:
    """An empty square to tick, its bottom left at (x, y)."""
    sheet.setLineWidth(0.8)
    sheet.rect(x, y, size, size, stroke=1, fill=0)


def qr_code(sheet, value: str, x: float, y: float, size: float) -> None:
    """A QR code of ``value``, ``size`` square with its bottom left at (x, y); level M survives a
    photocopy of a photocopy."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(value, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, sheet, x, y)


def bar_code(sheet, value: str, right: float, y: float, height: float) -> None:
    """A Code 128 bar code of ``value`` ending at ``right`` (a desk scanner types it into the
    用紙番号 field as if typed)."""
    from reportlab.graphics.barcode.code128 import Code128

    code = Code128(value, barHeight=height, barWidth=0.9, quiet=False)
    code.drawOn(sheet, right - code.width, y)
