"""The city's layout read as headings, paragraphs, tables and ※ notes; anchors from the numbering."""

from pathlib import Path

import pytest

from app.plantext.parser import ParseError, parse, to_int

DEMO = Path(__file__).resolve().parents[2] / "app" / "plantext" / "demo_chapter1.md"


def outline(text: str) -> list[tuple[int, str, str, str]]:
    return [(section.level, section.anchor, section.number, section.title) for section in parse(text)]


def test_full_and_half_width_numerals_give_the_same_anchors():
    text = "第１章　背景と趣旨\n１　計画の背景\n本文。\n（２）担い手\n本文。\n第2章 基本理念\n1 理念\n(1) 協働\n"
    assert outline(text) == [
        (1, "ch1", "第１章", "背景と趣旨"), (2, "ch1-s1", "１", "計画の背景"), (3, "ch1-s1-2", "（２）", "担い手"),
        (1, "ch2", "第2章", "基本理念"), (2, "ch2-s1", "1", "理念"), (3, "ch2-s1-1", "(1)", "協働")]


def test_kanji_chapter_numbers_and_markdown_heading_marks():
    assert outline("# 第十二章 推進体制\n## ３ 評価\n### （１０） 指標\n") == [
        (1, "ch12", "第十二章", "推進体制"), (2, "ch12-s3", "３", "評価"), (3, "ch12-s3-10", "（１０）", "指標")]
    assert to_int("二十一") == 21 and to_int("１２") == 12


def test_text_before_the_first_heading_is_an_untitled_opening():
    sections = parse("この素案について。\n\n第１章 背景\n本文。")
    assert (sections[0].level, sections[0].anchor, sections[0].title) == (0, "intro", "")
    assert sections[0].blocks[0].text == "この素案について。"


def test_blank_lines_split_paragraphs_and_japanese_lines_join_without_a_space():
    section = parse("第１章 背景\n人口が減り、\n担い手が不足しています。\n\n\n　新しい課題もあります。\nNPO and\ncity work together.")[0]
    assert [block.text for block in section.blocks] == [
        "人口が減り、担い手が不足しています。", "新しい課題もあります。NPO and city work together."]


def test_lines_that_only_look_like_headings_stay_text():
    section = parse("第１章 背景\n2025年に調査しました。\n1. 箇条書きの一つ目\n３ これは文章として書かれた長い一文で、見出しではありません。\n")[0]
    assert len(section.blocks) == 1 and "箇条書き" in section.blocks[0].text


def test_a_captioned_markdown_table_keeps_its_rows_and_cells():
    text = "第１章 背景\n【表１　調査の概要】\n\n| 項目 | 市民 | 団体 |\n|:---|---:|---|\n| 配布数 | 2,500 | 258 |\n| 回収数 | 957 |\n\n次の段落。"
    blocks = parse(text)[0].blocks
    assert blocks[0].kind == "table" and blocks[0].text == "表１　調査の概要"
    assert blocks[0].rows == [["項目", "市民", "団体"], ["配布数", "2,500", "258"], ["回収数", "957", ""]]
    assert (blocks[1].kind, blocks[1].text) == ("paragraph", "次の段落。")


def test_a_tab_separated_table_without_caption():
    blocks = parse("第１章 背景\n種類\t主な団体\n目的型\tＮＰＯ法人\n")[0].blocks
    assert blocks[0].kind == "table" and blocks[0].text == "" and blocks[0].rows[1] == ["目的型", "ＮＰＯ法人"]


def test_each_note_line_is_a_note_and_a_continuation_stays_with_it():
    blocks = parse("第１章 背景\n協働※が大切です。\n※協働：力を合わせること。\n続きの説明。\n※共助：助け合うこと。")[0].blocks
    assert [(block.kind, block.text) for block in blocks] == [
        ("paragraph", "協働※が大切です。"), ("note", "※協働：力を合わせること。続きの説明。"), ("note", "※共助：助け合うこと。")]


def test_figure_captions_stand_alone():
    blocks = parse("第１章 背景\n【図１　行政サービスと公共サービス】\n市民が必要とするサービス。")[0].blocks
    assert [block.text for block in blocks] == ["【図１　行政サービスと公共サービス】", "市民が必要とするサービス。"]


def test_windows_line_ends():
    assert outline("第１章 背景\r\n１ 計画の背景\r\n本文。\r\n")[1] == (2, "ch1-s1", "１", "計画の背景")


@pytest.mark.parametrize(("text", "code", "line"), [
    ("ただの文章です。\n見出しがありません。", "no_headings", 0),
    ("第１章 背景\n１ 計画\n本文\n1 計画の再掲\n", "duplicate_heading", 4),
    ("第１章 背景\n【表１ 空の表】\n\n本文だけです。", "empty_table", 0),
])
def test_unreadable_text_names_the_problem(text, code, line):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.code == code and caught.value.line == line


def test_the_demo_chapter_reads_into_seven_sections_three_tables_and_five_notes():
    sections = parse(DEMO.read_text(encoding="utf-8"))
    assert [section.anchor for section in sections if section.level == 2] == [f"ch1-s{n}" for n in range(1, 8)]
    blocks = [block for section in sections for block in section.blocks]
    assert [block.text[:3] for block in blocks if block.kind == "table"] == ["表１　", "表２　", "表３　"]
    assert sum(block.kind == "note" for block in blocks) == 5
    survey = next(block for block in blocks if block.text.startswith("表３"))
    assert survey.rows[4] == ["回収数（有効回収率）", "957（38.3%）", "162（62.8%）"]
