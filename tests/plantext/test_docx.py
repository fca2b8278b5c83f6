"""A Word file of the plan imported into the same chapters, sections, tables and notes as Markdown,
built here with python-docx; files that are not DOCX, or carry macros, are refused with a message."""

import io
import zipfile

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from sqlalchemy import select

from app.extensions import db
from app.plantext.docx import DocxError, docx_text
from app.plantext.models import PlanVersion
from app.plantext.parser import parse
from tests.plantext.test_plantext import TEXT, post_text, section_count


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def styled_document() -> bytes:
    """Headings by style with the numbers Word would draw (not in the text), as most offices write."""
    document = Document()
    document.add_paragraph("この計画は、市民活動の促進のために定めます。")
    document.add_heading("計画策定の背景と趣旨", level=1)
    document.add_heading("計画の背景", level=2)
    document.add_paragraph("人口減少が進み、\t地域の担い手が不足しています。")
    document.add_paragraph("表1　調査の概要", style="Caption")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["項目", "市民", "配布数", "2,500"], strict=True):
        cell.text = text
    document.add_paragraph("※共助：お互いに助け合うこと。")
    document.add_heading("計画の趣旨", level=2)
    document.add_paragraph("二つの計画をひとつにまとめます。")
    document.add_heading("用語", level=3)
    document.add_paragraph("用語の説明。")
    document.add_heading("計画の位置づけ", level=1)
    return saved(document)


def test_styled_headings_tables_and_notes_become_the_same_sections_as_markdown():
    text = docx_text(styled_document())
    sections = parse(text)
    assert [(s.anchor, s.number, s.title) for s in sections] == [
        ("intro", "", ""), ("ch1", "第１章", "計画策定の背景と趣旨"), ("ch1-s1", "１", "計画の背景"),
        ("ch1-s2", "２", "計画の趣旨"), ("ch1-s2-1", "（１）", "用語"), ("ch2", "第２章", "計画の位置づけ")]
    background = sections[2].blocks
    assert [b.kind for b in background] == ["paragraph", "table", "note"]
    assert background[0].text == "人口減少が進み、　地域の担い手が不足しています。"
    assert background[1].text == "表1　調査の概要" and background[1].rows == [["項目", "市民"], ["配布数", "2,500"]]
    markdown = {s.anchor: [(b.kind, b.rows) for b in s.blocks] for s in parse(TEXT)}
    assert [(b.kind, b.rows) for b in background] == markdown["ch1-s1"]


def test_japanese_style_names_and_the_citys_numbering_in_plain_paragraphs():
    document = Document()
    document.styles.add_style("見出し 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("第３章　施策の展開", style="見出し 1")
    document.add_paragraph("１　協働の推進")  # a plain paragraph numbered by hand
    document.add_paragraph("市と市民が協働します。")
    document.add_paragraph("（１）　担い手の育成")
    document.add_paragraph("| で始まる段落")
    document.add_heading("交流の場", level=2)  # after 1 by hand, Word's own numbering goes on from it
    sections = parse(docx_text(saved(document)))
    assert [(s.anchor, s.number, s.title) for s in sections] == [
        ("ch3", "第３章", "施策の展開"), ("ch3-s1", "１", "協働の推進"), ("ch3-s1-1", "（１）", "担い手の育成"),
        ("ch3-s2", "２", "交流の場")]
    assert sections[2].blocks[0].text == "｜ で始まる段落"


def test_staff_import_a_word_file_through_the_page(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    response = post_text(client, plan_id, file=(io.BytesIO(styled_document()), "素案.docx"))
    assert response.status_code == 303
    with app.app_context():
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id))
        assert [s.anchor for s in version.sections] == ["intro", "ch1", "ch1-s1", "ch1-s2", "ch1-s2-1", "ch2"]
        assert version.sections[2].blocks[1].rows[1] == ["配布数", "2,500"]


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_macros() -> bytes:
    """A real document with a VBA project added, as a .docm saved under a .docx name would be."""
    with zipfile.ZipFile(io.BytesIO(styled_document())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really"
    return zip_of(parts)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("plan.docm", b"PK\x03\x04", "このWordファイルにはマクロが含まれています。"),
    ("plan.docx", with_macros(), "このWordファイルにはマクロが含まれています。"),
    ("plan.docx", b"%PDF-1.4 not a Word file", "Word文書（.docx）を選んでください。"),
    ("plan.docx", zip_of({"mimetype": b"application/vnd.oasis.opendocument.text"}), "Word文書（.docx）を選んでください。"),
    ("plan.docx", zip_of({"[Content_Types].xml": b"<broken", "word/document.xml": b"<broken"}),
     "Wordファイルを読み取れませんでした。"),
    ("plan.doc", b"\xd0\xcf\x11\xe0", ".docx、.md または .txt のファイルを選んでください。"),
])
def test_a_file_that_is_not_a_plain_word_document_is_refused(app, login_as, make_plan, name, data, message):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    response = post_text(client, plan_id, file=(io.BytesIO(data), name))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert section_count(app) == 0


def test_a_refusal_in_english(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    client.get("/language?lang=en")
    html = post_text(client, plan_id, file=(io.BytesIO(with_macros()), "plan.docx")).get_data(as_text=True)
    assert "This Word file contains macros." in html


def test_a_file_that_unpacks_to_too_much_is_refused_before_it_is_read():
    bomb = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * 50_000_001})
    with pytest.raises(DocxError) as refused:
        docx_text(bomb)
    assert refused.value.code == "too_large"


def test_a_heading_error_names_the_line_of_the_converted_text_shown_in_the_box(app, login_as, make_plan):
    document = Document()
    document.add_paragraph("第１章　総則")
    document.add_paragraph("１　目的")
    document.add_paragraph("１　目的の再掲")
    plan_id = make_plan()
    client, _staff = login_as("staff")
    html = post_text(client, plan_id, file=(io.BytesIO(saved(document)), "plan.docx")).get_data(as_text=True)
    assert "5行目：見出し「１ 目的の再掲」の番号は、すでに使われています。" in html
    box = html.split("<textarea")[1].split("</textarea>")[0]
    assert box.split(">", 1)[1].strip().split("\n")[4] == "１　目的の再掲"


def test_the_demo_chapter_as_a_word_file_reads_the_same_as_its_markdown():
    from app.plantext.demo import CHAPTER_1

    markdown = parse(CHAPTER_1.read_text(encoding="utf-8"))
    document = Document()
    for section in markdown:
        if section.level:
            document.add_heading(f"{section.number}　{section.title}", level=section.level)
        for block in section.blocks:
            if block.kind != "table":
                document.add_paragraph(block.text)
                continue
            document.add_paragraph(f"【{block.text}】")
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            for row, cells in zip(table.rows, block.rows, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
    word = parse(docx_text(saved(document)))
    assert [(s.anchor, s.number, s.title, s.blocks) for s in word] == [
        (s.anchor, s.number, s.title, s.blocks) for s in markdown]
