"""The plan's 事務局 dashboard: every figure is the one the feature's own page shows, and a link to it."""

from datetime import timedelta

from lxml import html as lxml_html

from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation import counting
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.responses import checks
from app.submissions.models import Submission
from tests.factories import user


def figures(page: str) -> dict[str, dict[str, tuple[str, str, bool]]]:
    """{group title: {label: (value, link, waiting)}} as the page shows them."""
    tree = lxml_html.fromstring(page)
    shown = {}
    for section in tree.xpath("//section[@class='office-group']"):
        title = section.xpath(".//h2/a")[0].text_content().strip()
        rows = {}
        for row in section.xpath(".//tbody/tr"):
            label = row.xpath("./th")[0].text_content()
            tag = row.xpath(".//strong[@class='tag-waiting']")
            waiting = bool(tag)
            if waiting:
                label = label.replace(tag[0].text_content(), "")
            link = row.xpath("./td/a")[0]
            rows[label.strip()] = (link.text_content().strip(), link.get("href"), waiting)
        shown[title] = rows
    return shown


def test_the_office_shows_what_waits_in_each_period_workshop_and_survey(
        app, make_plan, make_period, make_submission, make_opinion, make_workshop, sign_up, make_user, client_as):
    plan_id = make_plan("第5次計画")
    open_id = make_period(plan_id=plan_id, title="素案への意見募集")
    closed_id = make_period(plan_id=plan_id, title="前の意見募集", state="closed")
    for _ in range(3):
        make_submission(open_id, "市民活動センターを広げてほしい。")
    make_opinion(open_id, state="pending")
    accepted = make_opinion(closed_id, state="accepted")
    make_opinion(closed_id, state="accepted")
    workshop_id = make_workshop(plan_id=plan_id, capacity=1)
    sign_up(workshop_id)
    sign_up(workshop_id)
    with app.app_context():
        from app.surveys import services as surveys

        staff = user(make_user("staff", department="まちづくり政策課"))
        now = utcnow()
        survey = surveys.create_survey(db.session.get(Plan, plan_id), {
            "title": "市民意識調査", "purpose": "", "method": "郵送法", "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=5), "uses_codes": True, "min_answered": 1, "small_cell": 5},
            actor=staff)
        group = surveys.add_group(survey, label="市民", description="市民", sampling="random", distributed=8,
                                  actor=staff)
        from app.surveys.models import SurveyAnswer

        db.session.add_all([SurveyAnswer(survey_id=survey.id, group_id=group.id, channel="paper", answered=n)
                            for n in (0, 2, 3, 4)])
        db.session.commit()
        survey_title = survey.title

    client = client_as("staff", department="まちづくり政策課")
    response = client.get(f"/staff/plans/{plan_id}/office")
    assert response.status_code == 200
    shown = figures(response.get_data(as_text=True))

    # The open period: three sent plus the one the pending opinion was cut from, none split yet.
    with app.app_context():
        unsplit = sum(n for state, n in counting.submitters(open_id, by="state").items() if state != "done")
        assert db.session.query(Submission).filter_by(period_id=open_id).count() == 4
    period = shown["素案への意見募集"]
    assert period["意見に分けていない提出"] == (str(unsplit), f"/moderation/queue?period={open_id}&state=open", True)
    assert unsplit == 4
    assert period["判断していない意見"][0] == "1" and period["判断していない意見"][2]
    assert period["状態"][0] == "募集中"
    assert period["締切まで"][0].endswith("日")
    assert "結果の公表前に直すこと" not in period  # only once it has closed

    # The closed period: two accepted opinions owe two answers; publication is blocked, linked to the result.
    closed = shown["前の意見募集"]
    assert closed["回答（市の考え方）がない意見"] == ("2", f"/staff/periods/{closed_id}/responses?status=none", True)
    assert closed["承認待ちの回答"][0] == "0" and not closed["承認待ちの回答"][2]
    with app.app_context():
        problems = len(checks.publication_problems(db.session.get(CommentPeriod, closed_id)))
    assert closed["結果の公表前に直すこと"] == (str(problems), f"/staff/periods/{closed_id}/result", True)
    assert accepted

    # The workshop: one seat of one taken, the second person waits.
    workshop = next(rows for title, rows in shown.items() if title.startswith("テストワークショップ"))
    assert workshop["申込済みの席"][0] == "1／1"
    assert workshop["キャンセル待ち"] == ("1", f"/staff/workshops/{workshop_id}", True)

    # The survey: three of four returns are valid (min_answered=1) out of eight sent: 37.5%.
    assert shown[survey_title]["有効回答数（回収率）"][0] == "3（37.5％）"

    # Earliest first: the closed period opened before the open one.
    titles = list(shown)
    assert titles.index("前の意見募集") < titles.index("素案への意見募集")


def test_the_office_is_for_the_plans_department_only(make_plan, client_as):
    plan_id = make_plan()
    assert client_as("staff", department="ほかの課").get(f"/staff/plans/{plan_id}/office").status_code == 403
    page = client_as("staff").get(f"/staff/plans/{plan_id}/office").get_data(as_text=True)
    assert "待っている作業はありません。" in page
    assert "この計画には、まだ意見募集・ワークショップ・アンケートがありません。" in page
