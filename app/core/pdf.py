"""The fonts of every PDF the city hands out: Mincho for body text, Gothic for titles and headings,
as official notices are set. Both are CID fonts every PDF reader carries, so nothing is embedded and
Japanese always shows."""

BODY_FONT = "HeiseiMin-W3"
HEADING_FONT = "HeiseiKakuGo-W5"


def register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    class CIDFont(UnicodeCIDFont):
        """ReportLab's font with its width sum made plainly: Japanese lines are broken by measuring each
        character on its own, a million times in a big result's PDF, and the check for bytes and the
        list built per call were a fifth of the whole file's time. The widths are the same."""

        def stringWidth(self, text, size, encoding=None):
            if not isinstance(text, str):
                text = text.decode("utf8")
            get = self.unicodeWidths.get
            if len(text) == 1:
                return size * 0.001 * get(text, 1000)
            return size * 0.001 * sum(get(char, 1000) for char in text)

    for font in (BODY_FONT, HEADING_FONT):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(CIDFont(font))
