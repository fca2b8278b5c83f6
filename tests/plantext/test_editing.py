"""Staff start the next version as a copy of the published one and edit it a section at a time; the
published version never changes."""

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.plantext import editing
from app.plantext.models import PlanVersion, TextSection
from app.plantext.parser import parse
from tests.conftest import csrf_token
from tests.factories import user
from tests.plantext.test_plantext import TEXT, post_text, publish, staff_page


def versions(plan_id) -> list[PlanVersion]:
    return list(db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                                   .order_by(PlanVersion.id)))


def start_next(client, plan_id):
    return client.post(f"/staff/plans/{plan_id}/text/next", data={"csrf_token": csrf_token(client, staff_page(plan_id))})


def section_url(app, plan_id, anchor, stage="an") -> str:
    with app.app_context():
        version = next(v for v in versions(plan_id) if v.stage == stage)
        section = next(s for s in version.sections if s.anchor == anchor)
        return f"/staff/plans/{plan_id}/text/{version.id}/sections/{section.id}"


def edit(client, url, text):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "text": text})


@pytest.fixture
def published(app, login_as, make_plan):
    """A plan whose 素案 holds TEXT and is published; the staff client."""
    plan_id = make_plan()
    client, staff_id = login_as("staff")
    post_text(client, plan_id, TEXT)
    publish(client, app, plan_id)
    return plan_id, client, staff_id


def test_the_next_version_copies_every_section_and_block_with_the_same_anchors(app, published):
    plan_id, client, _staff = published
    response = start_next(client, plan_id)
    assert response.status_code == 303
    assert "案を、前の版の本文の写しとして作りました。" in client.get(staff_page(plan_id)).get_data(as_text=True)
    with app.app_context():
        soan, an = versions(plan_id)
        assert (soan.stage, soan.is_published, an.stage, an.is_published) == ("soan", True, "an", False)
        assert [(s.anchor, s.number, s.title) for s in an.sections] == [
            (s.anchor, s.number, s.title) for s in soan.sections]
        assert [[(b.kind, b.text, b.rows) for b in s.blocks] for s in an.sections] == [
            [(b.kind, b.text, b.rows) for b in s.blocks] for s in soan.sections]
        assert {s.id for s in an.sections}.isdisjoint({s.id for s in soan.sections})
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plantext.version_create")
                                  .order_by(AuditEntry.id.desc()))
        assert entry.details["stage"] == "an" and entry.details["from"] == "soan"


def test_the_next_version_waits_for_the_one_before_to_be_published(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    post_text(client, plan_id, TEXT)
    response = start_next(client, plan_id)
    assert response.status_code == 303
    assert "素案を公開してから、次の版を始めてください。" in client.get(staff_page(plan_id)).get_data(as_text=True)
    with app.app_context():
        assert [v.stage for v in versions(plan_id)] == ["soan"]


def test_after_the_adopted_plan_there_is_no_next_version(app, published):
    plan_id, client, staff_id = published
    with app.app_context():
        for _stage in ("an", "saishuan", "keikaku"):
            version = editing.create_next_version(versions(plan_id)[0].plan, actor=user(staff_id))
            version.status = "published"
        db.session.commit()
        with pytest.raises(editing.EditError) as refused:
            editing.create_next_version(versions(plan_id)[0].plan, actor=user(staff_id))
        assert refused.value.code == "last_stage"


def test_a_section_of_the_draft_is_edited_and_the_published_one_keeps_its_text(app, published):
    plan_id, client, _staff = published
    start_next(client, plan_id)
    url = section_url(app, plan_id, "ch1-s1")
    form = client.get(url).get_data(as_text=True)
    assert "１　計画の背景" in form and "【表１　調査の概要】" in form and "| 配布数 | 2,500 |" in form
    text = ("１　計画の背景と課題\n\n人口減少が進み、**地域の担い手**が不足しています。\n\n"
            "【表１　調査の概要】\n| 項目 | 市民 | 団体 |\n|---|---|---|\n| 配布数 | 2,500 | 300 |\n\n※共助：助け合うこと。\n")
    response = edit(client, url, text)
    assert response.status_code == 303 and response.headers["Location"].endswith("#edit-ch1-s1")
    with app.app_context():
        soan, an = versions(plan_id)
        changed = next(s for s in an.sections if s.anchor == "ch1-s1")
        assert changed.title == "計画の背景と課題"
        assert [b.kind for b in changed.blocks] == ["paragraph", "table", "note"]
        assert changed.blocks[1].rows == [["項目", "市民", "団体"], ["配布数", "2,500", "300"]]
        kept = next(s for s in soan.sections if s.anchor == "ch1-s1")
        assert kept.title == "計画の背景" and kept.blocks[1].rows[0] == ["項目", "市民"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "plantext.section_edit")) == 1
        an_id = an.id
    html = client.get(f"/plans/{plan_id}/text/{an_id}").get_data(as_text=True)
    assert "<strong>地域の担い手</strong>" in html and "１ 計画の背景と課題" in html


def test_a_published_section_cannot_be_edited(app, published):
    plan_id, client, staff_id = published
    url = section_url(app, plan_id, "ch1-s1", stage="soan")
    page = client.get(url).get_data(as_text=True)
    assert "この版は公開済みのため、変更できません。" in page and "<textarea" not in page
    response = edit(client, url, "１　別の題\n")
    assert response.status_code == 422
    assert "この版は公開済みのため、変更できません。" in response.get_data(as_text=True)
    with app.app_context():
        section = db.session.scalar(select(TextSection).where(TextSection.anchor == "ch1-s1"))
        assert section.title == "計画の背景"
        with pytest.raises(editing.EditError):
            editing.edit_section(section, "１　別の題\n", actor=user(staff_id))


@pytest.mark.parametrize(("text", "message", "english"), [
    ("人口減少が進んでいます。\n", "1行目に、この節の見出し「１　計画の背景」を書いてください。",
     "on the first line"),
    ("２　計画の背景\n本文。\n", "見出しの番号「１」は変えないでください。", "import the whole text again"),
    ("１　計画の背景\n本文。\n（１）新しい項\n本文。\n", "「（１） 新しい項」は別の節の始まりになります。",
     "would start another section"),
    ("１　計画の背景\n<b>強調</b>します。\n", "HTMLまたはリンクが含まれています", "holds HTML or a link"),
    ("１　計画の背景\n[市のページ](javascript:alert(1))\n", "HTMLまたはリンクが含まれています", "holds HTML or a link"),
    ("１　計画の背景\n【表２　空の表】\n", "表「表２　空の表」に行がありません", "has no rows"),
])
def test_a_bad_section_text_is_refused_in_japanese_and_english_and_nothing_changes(app, published, text, message,
                                                                                    english):
    plan_id, client, _staff = published
    start_next(client, plan_id)
    url = section_url(app, plan_id, "ch1-s1")
    response = edit(client, url, text)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    client.get("/language?lang=en")
    assert english in edit(client, url, text).get_data(as_text=True)
    with app.app_context():
        an = versions(plan_id)[1]
        section = next(s for s in an.sections if s.anchor == "ch1-s1")
        assert section.title == "計画の背景" and [b.kind for b in section.blocks] == ["paragraph", "table", "note"]


def test_the_opening_text_and_a_sub_section_are_edited_in_place(app, published):
    plan_id, client, _staff = published
    start_next(client, plan_id)
    assert edit(client, section_url(app, plan_id, "intro"), "はじめに、改めて。\n").status_code == 303
    assert edit(client, section_url(app, plan_id, "ch1-s2-1"), "（１）用語の定義\n用語を定めます。\n").status_code == 303
    with app.app_context():
        an = versions(plan_id)[1]
        assert an.sections[0].blocks[0].text == "はじめに、改めて。"
        assert (an.sections[4].number, an.sections[4].title, an.sections[4].anchor) == ("（１）", "用語の定義", "ch1-s2-1")
        assert [s.anchor for s in an.sections] == ["intro", "ch1", "ch1-s1", "ch1-s2", "ch1-s2-1"]


def test_each_section_written_out_reads_back_the_same(app):
    """What the edit box starts with is the section itself: the demo chapter, section by section."""
    from app.plantext.demo import CHAPTER_1
    from app.plantext.models import TextBlock

    parsed = parse(CHAPTER_1.read_text(encoding="utf-8"))
    version = PlanVersion(stage="an")
    version.sections = [TextSection(position=i, level=p.level, number=p.number, title=p.title, anchor=p.anchor,
                                    blocks=[TextBlock(position=j, kind=b.kind, text=b.text, rows=b.rows)
                                            for j, b in enumerate(p.blocks)])
                        for i, p in enumerate(parsed)]
    again = parse(editing.whole_source(version))
    assert [(p.anchor, p.number, p.title, p.blocks) for p in again] == [
        (p.anchor, p.number, p.title, p.blocks) for p in parsed]
    for section, original in zip(version.sections, parsed, strict=True):
        if section.level:
            assert editing._read(section, editing.section_source(section)).blocks == original.blocks


def test_the_staff_page_works_on_the_newest_version_and_starts_its_box_with_the_text(app, published):
    plan_id, client, _staff = published
    page = client.get(staff_page(plan_id)).get_data(as_text=True)
    assert "案を始める" in page and "<textarea" not in page  # the 素案 is frozen
    start_next(client, plan_id)
    page = client.get(staff_page(plan_id)).get_data(as_text=True)
    assert "案を始める" not in page and "１　計画の背景" in page.split("<textarea")[1]
    assert section_url(app, plan_id, "ch1-s2") in page
    assert post_text(client, plan_id, "第１章　組み直した章\n１　新しい節\n本文。\n").status_code == 303
    with app.app_context():
        soan, an = versions(plan_id)
        assert [s.anchor for s in an.sections] == ["ch1", "ch1-s1"] and len(soan.sections) == 5
