"""The PDF fonts measure text exactly as ReportLab's own CID fonts do (only faster): a line broken at a
different place would move every page of a printed result."""

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from app.core.pdf import BODY_FONT, HEADING_FONT, register_fonts

TEXTS = ["", "市", "第2次下関市総合計画（素案）に対する意見", "abc 123", "ｱｲｳ　全角スペース", "😀絵文字", "改行\nあり",
         "①②③", "〒750-8521 下関市南部町1-1"]


def test_widths_are_reportlabs_own():
    register_fonts()
    for name in (BODY_FONT, HEADING_FONT):
        ours, theirs = pdfmetrics.getFont(name), UnicodeCIDFont(name)
        assert type(ours) is not UnicodeCIDFont  # the registered font is ours
        for text in TEXTS:
            for size in (9, 12, 15.5):
                assert ours.stringWidth(text, size) == theirs.stringWidth(text, size), (name, text, size)
                assert ours.stringWidth(text.encode(), size) == theirs.stringWidth(text.encode(), size)
            for char in text:
                assert pdfmetrics.stringWidth(char, name, 9) == theirs.stringWidth(char, 9)
