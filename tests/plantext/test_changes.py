"""The result's 修正内容 from the plan's text: exactly the changed sections between the version put to
comment and the next, each linked by staff to the opinions behind it; typed pairs stay for other periods."""

from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plantext.change_models import ChangeOpinion
from app.plantext.changes import text_changes
from app.responses import services
from app.responses.models import DraftChange
from app.responses.report import public_result
from tests.conftest import csrf_token
from tests.plantext.test_diff import two_versions


def changes_page(period_id: int) -> str:
    return f"/staff/periods/{period_id}/text-changes"


def put_to_comment(client, period_id, version_id):
    return client.post(changes_page(period_id), data={"csrf_token": csrf_token(client, changes_page(period_id)),
                                                      "version": version_id})


def link(client, period_id, anchor, opinion_ids):
    page = f"{changes_page(period_id)}/{anchor}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "opinions": opinion_ids})


def test_the_result_shows_exactly_the_changed_sections_linked_to_their_opinions(
        app, login_as, make_plan, make_period, make_opinion, answered):
    client, _staff = login_as("staff")
    plan_id = make_plan()
    soan_id, _an_id = two_versions(app, plan_id)
    period_id = make_period(plan_id=plan_id, state="closed")
    about_background = make_opinion(period_id, excerpt="担い手の減少をもっと強く書いてください。", state="accepted")
    other = make_opinion(period_id, excerpt="期間は長すぎませんか。", state="accepted")
    answered(period_id)

    assert put_to_comment(client, period_id, soan_id).status_code == 303
    page = client.get(changes_page(period_id)).get_data(as_text=True)
    assert page.count("意見を選ぶ") == 3  # changed, added, removed
    assert link(client, period_id, "ch1-s1", [about_background]).status_code == 303
    assert link(client, period_id, "ch1-s3", [about_background, other]).status_code == 303

    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        diff = text_changes(period)
        report = public_result(period)
        # diff and 修正内容 agree: one row per changed section, in the same order, with the diff's text
        assert [c.section for c in report.changes] == [d.display for d in diff.sections]
        assert [c.section for c in report.changes] == ["１ 計画の背景", "（１） 用語", "３ 計画の期間"]
        background = report.changes[0]
        assert background.before == "人口減少が進み、地域の担い手が不足しています。"
        assert background.after == "人口減少が進み、地域活動の担い手が大きく減少しています。"
        rows = {row.opinion: row.number for row in report.rows}
        assert background.numbers == [rows["担い手の減少をもっと強く書いてください。"]]
        assert report.changes[1].numbers == [] and report.changes[1].before == ""
        assert sorted(report.changes[2].numbers) == sorted(rows.values())
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "plantext.change_opinions")) == 2

    html = client.get(f"/staff/periods/{period_id}/result/preview").get_data(as_text=True)
    number = rows["担い手の減少をもっと強く書いてください。"]
    assert f'<tr id="result-row-{number}">' in html
    assert f'<a href="#result-row-{number}"><span class="visually-hidden">意見番号</span>{number}</a>' in html
    assert '<del><span class="visually-hidden">削除：</span>不足' in html
    assert "<ins><span class=\"visually-hidden\">追加：</span>大きく減少" in html


def test_the_rows_wait_for_the_next_version_to_be_published(app, login_as, make_plan, make_period):
    client, _staff = login_as("staff")
    plan_id = make_plan()
    soan_id, _draft = two_versions(app, plan_id, publish_second=False)
    period_id = make_period(plan_id=plan_id, state="closed")
    put_to_comment(client, period_id, soan_id)
    assert "次の版はまだ公開されていません" in client.get(changes_page(period_id)).get_data(as_text=True)
    with app.test_request_context():
        assert public_result(db.session.get(CommentPeriod, period_id)).changes == []


def test_links_are_refused_for_another_period_or_an_unchanged_section(app, login_as, make_plan, make_period,
                                                                        make_opinion, answered):
    client, _staff = login_as("staff")
    plan_id = make_plan()
    soan_id, _an_id = two_versions(app, plan_id)
    period_id = make_period(plan_id=plan_id, state="closed")
    mine = make_opinion(period_id, state="accepted")
    elsewhere = make_opinion(make_period(state="closed"), state="accepted")
    answered(period_id)
    put_to_comment(client, period_id, soan_id)
    assert client.get(f"{changes_page(period_id)}/ch1-s2").status_code == 404  # unchanged
    refused = link(client, period_id, "ch1-s1", [mine, elsewhere])
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChangeOpinion)) == 0
    foreign_version = put_to_comment(client, period_id, 10_000)
    assert foreign_version.status_code == 422


def test_a_period_without_plan_text_keeps_its_typed_changes(app, login_as, make_plan, make_period, make_opinion,
                                                            answered):
    plan_id = make_plan()
    two_versions(app, plan_id)  # the plan has text, but this period was not linked to a version
    period_id = make_period(plan_id=plan_id, state="closed")
    make_opinion(period_id, state="accepted", section=1)
    answered(period_id)
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        response = services.period_targets(period)[0].response
        db.session.add(response)
        response.changes.clear()
        response.changes.append(DraftChange(section_id=period.sections[0].id, before="旧", after="新"))
        db.session.commit()
        report = public_result(period)
        assert [(c.before, c.after, c.lines) for c in report.changes] == [("旧", "新", [])]


def test_once_the_result_is_published_its_changes_are_fixed(app, login_as, make_plan, make_period, make_opinion,
                                                            answered):
    client, _staff = login_as("staff")
    plan_id = make_plan()
    soan_id, _an_id = two_versions(app, plan_id)
    period_id = make_period(plan_id=plan_id, state="closed")
    opinion = make_opinion(period_id, state="accepted")
    answered(period_id)
    put_to_comment(client, period_id, soan_id)
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        period.results_published_at = period.closes_at
        db.session.commit()
    refused = link(client, period_id, "ch1-s1", [opinion])
    assert refused.status_code == 422
    assert "結果を公表したため、修正内容はもう変更できません。" in refused.get_data(as_text=True)
    assert put_to_comment(client, period_id, 0).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChangeOpinion)) == 0
        assert text_changes(db.session.get(CommentPeriod, period_id)) is not None  # still linked to the 素案


def test_the_demo_puts_the_soan_to_comment_and_its_an_changes_five_places(app):
    from app.core.demodata import load_all
    from app.periods.demo import SHIMONOSEKI_TITLE

    with app.test_request_context():
        load_all()
        db.session.commit()
        period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.title == SHIMONOSEKI_TITLE))
        diff = text_changes(period)
        assert (diff.old.stage, diff.new.stage) == ("soan", "an")
        assert [d.anchor for d in diff.sections] == ["intro", "ch1-s1", "ch1-s4", "ch1-s6-4"]
        assert [c.section for c in public_result(period).changes] == [d.display for d in diff.sections]
