"""An answer's plain text for the files (``report.markdown_text``): an answer with none of Markdown's marks is
read as it is, not rendered; it must come out as rendering it would give, whatever it holds."""

import random

import pytest

from app.core.sanitize import MARKUP
from app.responses import report
from app.responses.report import markdown_text


def _rendered(body: str) -> str:
    """What ``markdown_text`` gave before it read plain answers as they are: always rendered."""
    parser = report._TextOnly()
    parser.feed(str(report.render_markdown(body)))
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


PLAIN = [
    "ご意見ありがとうございます。いただいたご意見は、計画の推進にあたっての参考とさせていただきます。",
    "ご意見を踏まえ、素案の該当箇所に「市民活動団体との協働」を明記しました。\n今後も多様な主体との連携を進めてまいります。",
    "　字下げした段落です。\r\n\r\n二つ目の段落（令和8年度から）。\n\n\n  前後に空白  \n",
    "第3章 2(1) の記述は、100% 見直します; 詳細は市HP: https で公開予定 ~ 以上",
    "絵文字😀と結合文字が\u3099と全角記号＃＊＿＞",
    "行区切り\u2028と段落区切り\u2029も改行",
    "",
]
MARKED = [
    "ご指摘の点は、\n\n- 令和8年度に検討会を設置します。\n- 進捗は毎年度公表します。",
    "**重要**な点です", "1. 一つ目\n2. 二つ目", "# 見出し", "> 引用", "a | b\n--- | ---\n1 | 2",
    "[リンク](https://example.jp)", "<script>x</script>本文", "A&amp;B と A&B", "下線_強調_", "`コード`",
    "見出し\n===", "区切り\n\n---\n\nあと", "エスケープ\\*です", "タブ\tあり", "制御\x0bあり", "C1\x85あり",
]


@pytest.mark.parametrize("body", PLAIN + MARKED)
def test_the_text_is_what_rendering_gives(app, body):
    with app.app_context():
        assert markdown_text(body) == _rendered(body)


def test_random_texts_come_out_as_rendered(app):
    """Texts drawn from Japanese, ASCII marks, spaces and line breaks of every kind: the quick reading
    gives what rendering gives for every one, and is taken for a good share of them."""
    alphabet = list("市民の意見です。、「」（）０１２ａｂ　 \n\n\r\u2028ab12():;,'\"?%$@/~{}") + list("*_-#.<>&|=`[]!+\\")
    chooser = random.Random(20261207)
    quick = 0
    with app.app_context():
        for _ in range(3000):
            body = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 40)))
            quick += not MARKUP.search(body)
            assert markdown_text(body) == _rendered(body), repr(body)
    assert quick > 100


def test_a_plain_answer_is_not_rendered(app, monkeypatch):
    calls = []
    monkeypatch.setattr(report, "render_markdown", lambda body: calls.append(body) or "")
    with app.app_context():
        assert markdown_text(PLAIN[1]) == PLAIN[1]
        assert markdown_text(None) == ""
        markdown_text(MARKED[0])
    assert calls == [MARKED[0]]
