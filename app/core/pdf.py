"""The fonts of every PDF the city hands out: Mincho for body text, Gothic for titles and headings,
as official notices are set. Both are CID fonts every PDF reader carries, so nothing is embedded and
Japanese always shows."""

from functools import cache

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


@cache
def table_paragraph():
    """The ``Paragraph`` class for the cells of long tables: it breaks its lines once for a width.

    A table measures each of its cells when a page takes it, again when it splits across pages (every
    part re-measured) and again when it draws them, each time at the column's width: ReportLab's
    ``Paragraph.wrap`` breaks the lines anew each time, and in a big result's PDF those three passes of
    Japanese line breaking were two fifths of the whole file's time (bench/README.md, thirty-ninth
    session). The lines depend on the width alone, so a second ``wrap`` at the same width keeps them."""
    from reportlab.platypus import Paragraph

    class TableParagraph(Paragraph):
        _wrapped_at = None

        def wrap(self, availWidth, availHeight):
            if self._wrapped_at != availWidth:
                self._wrapped_size = super().wrap(availWidth, availHeight)
                self._wrapped_at = availWidth
            return self._wrapped_size

    return TableParagraph
