"""The demo survey's 表1 gives the seed's figures: 957 (38.3%) and 162 (62.8%)."""

import time

from sqlalchemy import func, select

from app.extensions import db
from app.surveys import demo, results
from app.surveys.models import AnswerCode, Survey, SurveyAnswer


def test_demo_survey_table1_matches_the_seed(app, make_user, client):
    make_user("staff", email="staff@example.jp", department="まちづくり政策課")
    with app.app_context():
        from app.plans import demo as plan_demo

        plan_demo.load()
        started = time.monotonic()
        lines = demo.load()
        seconds = time.monotonic() - started
        db.session.commit()
        assert demo.load() == [f"survey: {demo.TITLE} (already loaded)"]
        survey = db.session.scalar(select(Survey).where(Survey.title == demo.TITLE))
        table = results.table1(survey)
        used = db.session.scalar(select(func.count()).where(AnswerCode.survey_id == survey.id,
                                                            AnswerCode.used.is_(True)))
        returned = db.session.scalar(select(func.count()).where(SurveyAnswer.survey_id == survey.id))
        web = db.session.scalar(select(func.count()).where(SurveyAnswer.survey_id == survey.id,
                                                           SurveyAnswer.channel == "web"))
        survey_id = survey.id
    assert lines and seconds < 20
    citizens, groups = table["columns"]
    assert citizens["label"] == "市民" and groups["label"] == "市民活動団体"
    assert citizens["cells"] == ["下関市に居住している満18歳以上の市民", "無作為抽出", "2,500", "957（38.3％）",
                                 "郵送法・無記名方式・一部Webでの回答", "令和7年1月6日～令和7年1月24日"]
    assert groups["cells"] == ["しものせき市民活動センターに登録している団体", "全数調査", "258", "162（62.8％）",
                               "同左", "同左"]
    assert used == returned == 957 + 21 + 162 + 3
    assert 0 < web < returned / 2  # some by web, most keyed from paper
    html = client.get(f"/surveys/{survey_id}/report").get_data(as_text=True)
    assert "957（38.3％）" in html and "162（62.8％）" in html and "令和7年1月6日～令和7年1月24日" in html
