"""Staff import the plan's text, publish a version (then it is frozen), the public reads it."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.periods.models import Section
from app.plantext import services
from app.plantext.models import PlanVersion, TextBlock, TextSection
from app.plantext.services import TextError
from tests.conftest import csrf_token
from tests.factories import user

TEXT = """はじめに。

第１章　計画策定の背景と趣旨
１　計画の背景
人口減少が進み、地域の担い手が不足しています。<script>alert(1)</script>[リンク](javascript:alert(1))

【表１　調査の概要】
| 項目 | 市民 |
|---|---|
| 配布数 | 2,500 |

※共助：お互いに助け合うこと。
２　計画の趣旨
二つの計画をひとつにまとめます。
（１）用語
用語の説明。
"""


def staff_page(plan_id: int) -> str:
    return f"/staff/plans/{plan_id}/text"


def post_text(client, plan_id, text="", file=None):
    data = {"csrf_token": csrf_token(client, staff_page(plan_id)), "text": text}
    if file is not None:
        data["file"] = file
    return client.post(staff_page(plan_id), data=data, content_type="multipart/form-data")


def version_of(app, plan_id) -> PlanVersion:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id))


def section_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TextSection))


def publish(client, app, plan_id):
    with app.app_context():
        version_id = version_of(app, plan_id).id
    response = client.post(f"/staff/plans/{plan_id}/text/{version_id}/publish",
                           data={"csrf_token": csrf_token(client, staff_page(plan_id))})
    assert response.status_code == 303
    return version_id


def test_staff_import_then_publish_and_the_public_reads_contents_anchors_table_and_note(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    response = post_text(client, plan_id, TEXT)
    assert response.status_code == 303
    with app.app_context():
        version = version_of(app, plan_id)
        assert [s.anchor for s in version.sections] == ["intro", "ch1", "ch1-s1", "ch1-s2", "ch1-s2-1"]
        assert version.status == "draft"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "plantext.import")) == 1
        version_id = version.id
    public = app.test_client()
    assert public.get(f"/plans/{plan_id}/text/{version_id}").status_code == 404  # not published yet
    assert f"/plans/{plan_id}/text/{version_id}" not in public.get(f"/plans/{plan_id}").get_data(as_text=True)

    publish(client, app, plan_id)
    html = public.get(f"/plans/{plan_id}/text/{version_id}").get_data(as_text=True)
    assert '<a href="#ch1-s1">１ 計画の背景</a>' in html  # the table of contents
    assert 'id="ch1-s1"' in html and '<h3 id="ch1-s1-h">１ 計画の背景</h3>' in html
    assert '<h2 id="ch1-h">第１章 計画策定の背景と趣旨</h2>' in html and '<h4 id="ch1-s2-1-h">' in html
    assert "<caption>【表１　調査の概要】</caption>" in html and '<th scope="col">市民</th>' in html
    assert "<td>2,500</td>" in html and 'class="plan-note"' in html
    assert "<script>" not in html and "javascript:" not in html  # through the one sanitiser
    assert "この箇所について意見を書く" not in html  # no period open
    assert f"/plans/{plan_id}/text/{version_id}" in public.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_a_published_version_cannot_change(app, login_as, make_plan):
    plan_id = make_plan()
    client, staff_id = login_as("staff")
    post_text(client, plan_id, TEXT)
    publish(client, app, plan_id)
    response = post_text(client, plan_id, "第１章 別の本文\n")
    assert response.status_code == 422
    assert "この版は公開済みのため、変更できません。" in response.get_data(as_text=True)
    with app.app_context():
        version = version_of(app, plan_id)
        assert version.sections[1].title == "計画策定の背景と趣旨"
        with pytest.raises(TextError) as refused:
            services.import_text(version, "第１章 別の本文\n", actor=user(staff_id))
        assert refused.value.code == "frozen"
        with pytest.raises(TextError):
            services.publish_version(version, actor=user(staff_id))


@pytest.mark.parametrize(("text", "message"), [
    ("見出しのない文章です。", "見出しが見つかりません。"),
    ("第１章 背景\n１ 計画\n１ 計画の再掲\n", "3行目：見出し「１ 計画の再掲」の番号は、すでに使われています。"),
    ("", "計画の本文を貼り付けるか、ファイルを選んでください。"),
])
def test_unreadable_text_is_refused_with_a_message_and_the_previous_text_kept(app, login_as, make_plan, text,
                                                                                 message):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    post_text(client, plan_id, TEXT)
    before = section_count(app)
    response = post_text(client, plan_id, text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert section_count(app) == before == 5


def test_an_unreadable_text_gets_its_message_in_english(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    client.get("/language?lang=en")
    html = post_text(client, plan_id, "見出しのない文章です。").get_data(as_text=True)
    assert "No headings were found." in html and "見出しが見つかりません。" not in html


@pytest.mark.parametrize(("name", "data", "message"), [
    ("plan.pdf", b"%PDF-1.4", ".docx、.md または .txt のファイルを選んでください。"),
    ("plan.md", "第１章 背景\n".encode("shift_jis") + "本文".encode("shift_jis"), "UTF-8のテキストとして保存し"),
    ("plan.md", "第１章 背景\n".encode() + b"a" * 1_000_001, "ファイルが1MBを超えています。"),
])
def test_a_bad_file_is_refused_and_nothing_is_imported(app, login_as, make_plan, name, data, message):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    response = post_text(client, plan_id, file=(io.BytesIO(data), name))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert section_count(app) == 0


def test_a_utf8_file_is_imported_instead_of_the_pasted_text(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    data = "\ufeff第１章 ファイルの章\n本文。\n".encode()
    assert post_text(client, plan_id, "第１章 貼り付けた章\n", file=(io.BytesIO(data), "plan.md")).status_code == 303
    with app.app_context():
        assert [s.title for s in version_of(app, plan_id).sections] == ["ファイルの章"]


def test_only_staff_of_the_plan_may_import(app, client_as, make_plan):
    plan_id = make_plan()
    assert client_as("moderator").get(staff_page(plan_id)).status_code == 403
    assert client_as("staff", department="財政課").get(staff_page(plan_id)).status_code == 403
    assert app.test_client().get(staff_page(plan_id)).status_code in (302, 303)


def test_while_a_period_is_open_each_section_links_to_the_form_with_its_section_chosen(app, login_as, make_period):
    period_id = make_period(state="open")
    with app.app_context():
        from app.periods.models import CommentPeriod

        plan_id = db.session.get(CommentPeriod, period_id).plan_id
        chosen = db.session.scalar(select(Section.id).where(Section.period_id == period_id,
                                                            Section.title == "計画の背景"))
        purpose = db.session.scalar(select(Section.id).where(Section.period_id == period_id,
                                                             Section.title == "計画の趣旨"))
    client, _staff = login_as("staff", department="まちづくり政策課")
    post_text(client, plan_id, TEXT)
    version_id = publish(client, app, plan_id)
    html = app.test_client().get(f"/plans/{plan_id}/text/{version_id}").get_data(as_text=True)
    links = re.findall(r'<a href="(/periods/\d+/submit[^"]*)">この箇所について意見を書く', html)
    # 第１章 (no section of its own), １ 計画の背景, ２ 計画の趣旨, （１） under ２
    assert links == [f"/periods/{period_id}/submit", f"/periods/{period_id}/submit?section={chosen}",
                     f"/periods/{period_id}/submit?section={purpose}", f"/periods/{period_id}/submit?section={purpose}"]
    form = app.test_client().get(links[1]).get_data(as_text=True)
    assert re.search(rf'<option selected value="{chosen}">|<option value="{chosen}" selected>', form)
    # Anything but one of this period's sections chooses nothing.
    assert " selected" not in app.test_client().get(f"/periods/{period_id}/submit?section=999999").get_data(
        as_text=True).split('name="entries-0-section"')[1].split("</select>")[0]


def test_the_demo_chapter_is_loaded_through_the_parser(app):
    from app.core.demodata import load_all

    with app.app_context():
        load_all()
        db.session.commit()
        version = db.session.scalar(select(PlanVersion).order_by(PlanVersion.id))
        assert version.is_published and version.stage == "soan"
        assert [s.title for s in version.sections if s.level == 2][:2] == ["計画の背景", "計画の趣旨"]
        assert db.session.scalar(select(func.count()).select_from(TextBlock).join(TextSection)
                                 .where(TextBlock.kind == "table", TextSection.version_id == version.id)) == 3


def test_headings_go_one_level_deeper_at_most():
    version = PlanVersion(stage="soan")
    version.sections = [TextSection(position=i, level=level, anchor=anchor) for i, (level, anchor) in enumerate(
        [(0, "intro"), (2, "s1"), (1, "ch1"), (3, "ch1-1"), (2, "ch1-s1"), (3, "ch1-s1-1"), (1, "ch2")])]
    assert services.heading_levels(version) == {"s1": 3, "ch1": 2, "ch1-1": 3, "ch1-s1": 3, "ch1-s1-1": 4, "ch2": 2}


def test_the_staff_plan_page_links_to_the_text_page(app, login_as, make_plan):
    plan_id = make_plan()
    client, _staff = login_as("staff")
    assert staff_page(plan_id) in client.get(f"/staff/plans/{plan_id}/edit").get_data(as_text=True)
    public = app.test_client().get(f"/plans/{plan_id}").get_data(as_text=True)
    assert staff_page(plan_id) not in public and "plan-text-heading" not in public  # nothing published yet
