"""The fonts of every PDF the city hands out: Mincho for body text, Gothic for titles and headings,
as official notices are set. Both are CID fonts every PDF reader carries, so nothing is embedded and
Japanese always shows."""

BODY_FONT = "HeiseiMin-W3"
HEADING_FONT = "HeiseiKakuGo-W5"


def register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for font in (BODY_FONT, HEADING_FONT):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
