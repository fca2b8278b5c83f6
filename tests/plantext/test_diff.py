"""Two versions of the plan's text compared by section, word by word; the public sees published versions only."""

import re

from app.extensions import db
from app.plans.models import Plan
from app.plantext import services
from app.plantext.diff import compare, line_runs, plain
from app.plantext.models import PlanVersion
from tests.factories import get

SOAN = """はじめに。

第１章　計画策定の背景と趣旨
１　計画の背景
人口減少が進み、地域の担い手が不足しています。
２　計画の趣旨
二つの計画をひとつにまとめます。
３　計画の期間
計画期間は５年間です。
"""

AN = """はじめに。

第１章　計画策定の背景と趣旨
１　計画の背景
人口減少が進み、地域活動の担い手が大きく減少しています。
２　計画の趣旨
二つの計画をひとつにまとめます。
（１）用語
用語の説明。
"""


def two_versions(app, plan_id, *, publish_second=True, old=SOAN, new=AN) -> tuple[int, int]:
    """素案 and 案 of the plan, imported through the service staff use; the 素案 published."""
    with app.app_context():
        plan = get(Plan, plan_id)
        staff = None  # a seeding step, as the demo's; the pages' actions are tested through the views
        first = services.draft_version(plan, actor=staff)
        services.import_text(first, old, actor=staff)
        services.publish_version(first, actor=staff)
        second = PlanVersion(plan=plan, stage="an")
        db.session.add(second)
        db.session.flush()
        services.import_text(second, new, actor=staff)
        if publish_second:
            services.publish_version(second, actor=staff)
        db.session.commit()
        return first.id, second.id


def test_sections_are_matched_by_number_and_marked_added_removed_changed_or_unchanged(app, make_plan):
    first_id, second_id = two_versions(app, make_plan())
    with app.app_context():
        diffs = compare(db.session.get(PlanVersion, first_id), db.session.get(PlanVersion, second_id))
        assert [(d.anchor, d.status) for d in diffs] == [
            ("intro", "unchanged"), ("ch1", "unchanged"), ("ch1-s1", "changed"), ("ch1-s2", "unchanged"),
            ("ch1-s2-1", "added"), ("ch1-s3", "removed")]
        changed = diffs[2].changed_lines
        assert len(changed) == 1 and changed[0].kind == "replace"
        assert [(r.kind, r.text) for r in changed[0].runs] == [
            ("equal", "人口減少が進み、地域"), ("insert", "活動"), ("equal", "の担い手が"), ("delete", "不足"),
            ("insert", "大きく減少"), ("equal", "しています。")]
        assert plain(changed[0].old) == "人口減少が進み、地域の担い手が不足しています。"
        assert plain(changed[0].new) == "人口減少が進み、地域活動の担い手が大きく減少しています。"
        assert plain(diffs[5].lines[0].runs) == "３ 計画の期間"  # the heading goes with its section


def test_a_line_rewritten_whole_reads_as_one_removal_and_one_addition():
    runs = line_runs("計画期間は５年間です。", "市民の参画を進めるため、審議会を設けます。")
    assert [r.kind for r in runs] == ["delete", "insert"]
    short_scrap = line_runs("担い手が不足", "人材が減少")  # が between two changes is folded in
    assert [r.kind for r in short_scrap] == ["delete", "insert"]


def test_the_public_compares_published_versions_marked_for_screen_readers(app, make_plan, login_as):
    plan_id = make_plan()
    first_id, second_id = two_versions(app, plan_id)
    public = app.test_client()
    response = public.get(f"/plans/{plan_id}/text/compare")  # the last two versions by default
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<ins><span class="visually-hidden">追加：</span>活動<span class="visually-hidden">'
                     r'（追加ここまで）</span></ins>', html)
    assert '<del><span class="visually-hidden">削除：</span>不足' in html
    assert 'id="diff-ch1-s2-1"' in html and "追加" in html and "削除" in html and "変更なし" in html
    assert f'<option value="{first_id}" selected>' in html and f'<option value="{second_id}" selected>' in html
    same = public.get(f"/plans/{plan_id}/text/compare?from={first_id}&to={first_id}").get_data(as_text=True)
    assert "異なる二つの版を選んでください。" in same
    assert public.get(f"/plans/{plan_id}/text/compare?from=abc&to={second_id}").status_code == 404


def test_a_draft_version_is_compared_for_staff_only(app, make_plan, login_as):
    client, _staff = login_as("staff")
    plan_id = make_plan()
    first_id, draft_id = two_versions(app, plan_id, publish_second=False)
    public = app.test_client()
    assert public.get(f"/plans/{plan_id}/text/compare?from={first_id}&to={draft_id}").status_code == 404
    only_one = public.get(f"/plans/{plan_id}/text/compare").get_data(as_text=True)
    assert "比較できる版はまだありません" in only_one and str(draft_id) not in only_one
    seen = client.get(f"/plans/{plan_id}/text/compare?from={first_id}&to={draft_id}")
    assert seen.status_code == 200
    assert "職員だけが見られます" in seen.get_data(as_text=True)


def test_an_unpublished_plan_has_no_public_comparison(app, make_plan):
    plan_id = make_plan(published=False)
    assert app.test_client().get(f"/plans/{plan_id}/text/compare").status_code == 404
