"""A comment period's sections made from the plan's text (本文の章・節から作成): no retyping, each tied
to its heading so the reading page's link chooses it, and the opinions already filed keep theirs."""

import re

from sqlalchemy import select

from app.core.models import AuditEntry
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from app.plantext.models import PlanVersion
from app.plantext.period_sections import SectionSource
from tests.conftest import csrf_token
from tests.plantext.test_editing import start_next
from tests.plantext.test_plantext import TEXT, post_text, publish


def from_text_url(period_id) -> str:
    return f"/staff/periods/{period_id}/sections/from-text"


def make_sections(client, period_id, version_id, depth):
    return client.post(from_text_url(period_id), data={"csrf_token": csrf_token(client, from_text_url(period_id)),
                                                       "version": version_id, "depth": depth})


def period_rows(period_id) -> list[tuple[int, str, str]]:
    return [(s.id, s.label, s.title) for s in db.session.get(CommentPeriod, period_id).sections]


def test_sections_come_from_the_headings_and_opinions_keep_theirs(app, login_as, make_period, make_opinion):
    period_id = make_period(state="open")  # typed sections: 第1章 1 計画の背景, 第1章 2 計画の趣旨, 第1章 3 計画の期間
    background = make_opinion(period_id, section=1)
    period_of_plan = make_opinion(period_id, section=3)  # 計画の期間: not in the text, but an opinion points at it
    with app.app_context():
        plan_id = db.session.get(CommentPeriod, period_id).plan_id
        before = period_rows(period_id)
    client, _staff = login_as("staff", department="まちづくり政策課")
    sections_page = client.get(f"/staff/periods/{period_id}/sections").get_data(as_text=True)
    assert from_text_url(period_id) in sections_page and "本文の章・節から作成" in sections_page
    post_text(client, plan_id, TEXT)
    version_id = publish(client, app, plan_id)
    page = client.get(from_text_url(period_id)).get_data(as_text=True)
    assert "第１章 ２（１） 用語" in page  # the headings each choice would use

    response = make_sections(client, period_id, version_id, 3)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/periods/{period_id}/sections")
    assert "1件は、どの見出しにも当たらないため、末尾に残しました。" in client.get(
        f"/staff/periods/{period_id}/sections").get_data(as_text=True)
    with app.app_context():
        rows = period_rows(period_id)
        assert [(label, title) for _id, label, title in rows] == [
            ("第１章", "計画策定の背景と趣旨"), ("第１章 １", "計画の背景"), ("第１章 ２", "計画の趣旨"),
            ("第１章 ２（１）", "用語"), ("第1章 3", "計画の期間")]
        assert rows[1][0] == before[0][0] and rows[2][0] == before[1][0] and rows[4][0] == before[2][0]
        assert db.session.get(Opinion, background).section_id == before[0][0]
        assert db.session.get(Opinion, period_of_plan).section_id == before[2][0]
        sources = dict(db.session.execute(select(SectionSource.anchor, SectionSource.section_id)).all())
        assert sources == {"ch1": rows[0][0], "ch1-s1": rows[1][0], "ch1-s2": rows[2][0], "ch1-s2-1": rows[3][0]}
        assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "plantext.period_sections"))[
            "kept"] == 1

    html = app.test_client().get(f"/plans/{plan_id}/text/{version_id}").get_data(as_text=True)
    links = re.findall(r'<a href="/periods/\d+/submit\?section=(\d+)">この箇所について意見を書く', html)
    assert [int(link) for link in links] == [row[0] for row in rows[:4]]  # each heading its own section
    form = app.test_client().get(f"/periods/{period_id}/submit?section={rows[3][0]}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{rows[3][0]}">|<option value="{rows[3][0]}" selected>', form)


def test_made_again_from_the_next_version_the_same_sections_stay(app, login_as, make_period):
    period_id = make_period(state="open", sections=())
    with app.app_context():
        plan_id = db.session.get(CommentPeriod, period_id).plan_id
    client, _staff = login_as("staff", department="まちづくり政策課")
    post_text(client, plan_id, TEXT)
    soan_id = publish(client, app, plan_id)
    make_sections(client, period_id, soan_id, 2)
    with app.app_context():
        first = period_rows(period_id)
    start_next(client, plan_id)
    post_text(client, plan_id, TEXT.replace("１　計画の背景", "１　計画の背景と課題"))
    with app.app_context():
        an_id = db.session.scalar(select(PlanVersion.id).where(PlanVersion.plan_id == plan_id,
                                                               PlanVersion.stage == "an"))
    assert make_sections(client, period_id, an_id, 2).status_code == 303
    with app.app_context():
        again = period_rows(period_id)
        assert [row[0] for row in again] == [row[0] for row in first]  # the same rows, found by their anchors
        assert again[1][2] == "計画の背景と課題"
        assert set(db.session.scalars(select(SectionSource.version_id))) == {an_id}


def test_nothing_changes_without_text_and_only_staff_of_the_plan_may(app, login_as, client_as, make_period):
    period_id = make_period(state="open")
    with app.app_context():
        before = period_rows(period_id)
    client, _staff = login_as("staff", department="まちづくり政策課")
    page = client.get(from_text_url(period_id)).get_data(as_text=True)
    assert "この計画にはまだ本文がありません。" in page
    assert make_sections(client, period_id, 999, 2).status_code == 422
    with app.app_context():
        assert period_rows(period_id) == before
        assert db.session.scalar(select(Section.id).join(SectionSource, SectionSource.section_id == Section.id)) is None
    assert client_as("staff", department="財政課").get(from_text_url(period_id)).status_code == 403
    assert client_as("moderator").get(from_text_url(period_id)).status_code == 403
