"""``render_markdown`` writes the paragraphs of plain prose itself, without Markdown and the sanitiser: the HTML
must be what they would make of it, whatever the text holds, and anything else still goes through them."""

import random

import pytest

from app.core import sanitize
from app.core.sanitize import render_markdown


def _through_both(text: str) -> str:
    return str(sanitize.sanitize_html(sanitize._markdown_html(text)))


TEXTS = [
    "ご意見ありがとうございます。", "一段落目\n二行目\n\n二段落目", "あ\n\n\nい\n", "\n\nあ\n\n", "\n", "\n\n\n",
    "　字下げの段落\n二行目", "行末に空白 \n次", "a  \nb", " a\nb ", "a\n \nb", "x\"y'z (1) 50% ~ {} ; : / ? @ $",
    "é\u3099😀\u2028z", "あ\ufeffい\ufffeう", "行区切り\u2029段落", "改行\r\nCRLF", "タブ\tあり", "<b>太字</b>", "A&B",
    "- 箇条", "1. 番号", "**強調**", "[リンク](https://example.jp)", "<script>alert(1)</script>", "見出し\n---",
    "javascript:alert(1)", "https://example.jp/a?b=c",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_html_is_what_markdown_and_the_sanitiser_make(text):
    assert str(render_markdown(text)) == _through_both(text)


def test_random_texts_give_the_same_html():
    alphabet = list("市民の意見です。、「」（）０１２ａｂ　 \n\n\n\r\u2028\u3000ab12():;,'\"?%$@/~{}\t") + list("*_-#.<>&|=`[]!+\\")
    chooser = random.Random(20261207)
    plain = 0
    for _ in range(3000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 30)))
        plain += sanitize._plain_html(text) is not None
        assert str(render_markdown(text)) == _through_both(text), repr(text)
    assert plain > 100


def test_plain_prose_is_not_rendered_and_marked_text_is(monkeypatch):
    rendered = []
    original = sanitize._markdown_html
    monkeypatch.setattr(sanitize, "_markdown_html", lambda text: rendered.append(text) or original(text))
    assert str(render_markdown("一段落目\n\n二段落目")) == "<p>一段落目</p>\n<p>二段落目</p>"
    assert rendered == []
    assert str(render_markdown("<img src=x onerror=alert(1)>本文")) == "<p>本文</p>"
    assert str(render_markdown("- 箇条")) == "<ul>\n<li>箇条</li>\n</ul>"
    assert len(rendered) == 2


def test_characters_across_unicode_give_the_same_html():
    """Every 61st code point of the Basic Multilingual Plane and some beyond it (spaces, format characters,
    non-characters, emoji), inside a line and at a paragraph's start: the same HTML both ways. (A sweep of every
    code point, run once, found no difference.)"""
    points = [*range(0x20, 0x7F), *range(0xA0, 0xD800, 61), *range(0xE000, 0x10000, 61),
              0x3000, 0x200B, 0x200D, 0x2028, 0x2029, 0x202E, 0xFEFF, 0xFFFE, 0xFFFF, 0x1F600, 0x20000, 0xE0001]
    plain = 0
    for point in points:
        text = f"あ{chr(point)}い\n\n{chr(point)}う"
        plain += sanitize._plain_html(text) is not None
        assert str(render_markdown(text)) == _through_both(text), hex(point)
    assert plain > 1000
