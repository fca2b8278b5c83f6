"""The FY2024 意識調査 of the Shimonoseki case: two groups, mailed with answer codes, answered mostly
on paper and partly on the web, so that the published 表1 gives the seed's figures exactly:
957 valid of 2,500 (38.3%) and 162 valid of 258 (62.8%). The answers themselves are invented,
written in bulk so that ``flask demo load`` stays quick."""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select, update

from app.accounts.models import User
from app.core.timeutil import JST
from app.extensions import db
from app.plans.demo import demo_plan
from app.surveys import screening, services
from app.surveys.answering import code_hash, new_code
from app.surveys.models import AnswerCode, AnswerItem, Survey, SurveyAnswer
from app.surveys.services import QuestionData

TITLE = "市民活動に関する市民意識調査（令和6年度）"
PURPOSE = "第5次下関市市民活動促進基本計画の策定にあたり、市民の皆さんと市民活動団体の市民活動への参加や意識を把握するために実施しました。"
# (label, description, sampling, forms sent, valid returns, invalid returns, of them on the web)
GROUPS = (
    ("市民", "下関市に居住している満18歳以上の市民", "random", 2500, 957, 21, 112),
    ("市民活動団体", "しものせき市民活動センターに登録している団体", "census", 258, 162, 3, 41),
)
MIN_ANSWERED = 3


def _questions() -> list[QuestionData]:
    return [
        QuestionData(kind="single", text="この1年間に、地域活動や市民活動に参加したことがありますか。", required=True,
                     choices=["参加した", "参加していない"]),
        QuestionData(kind="multiple", text="参加した活動の分野を選んでください（3つまで）。", max_choices=3,
                     choices=["福祉・保健", "子育て・教育", "環境・美化", "防災・防犯", "まちづくり", "文化・スポーツ"],
                     has_other=True),
        QuestionData(kind="scale", text="市民活動は、地域をよくするために大切だと思う。"),
        QuestionData(kind="matrix", text="市の次の取組について、どう思いますか。",
                     rows=["活動に関する情報の発信", "活動の場の提供", "活動資金の支援", "担い手の育成"]),
        QuestionData(kind="single", text="年代を教えてください。",
                     choices=["18～29歳", "30～39歳", "40～49歳", "50～59歳", "60～69歳", "70歳以上"]),
        QuestionData(kind="number", text="市民活動に関わった年数を教えてください（年）。"),
        QuestionData(kind="text", text="市民活動の促進について、ご意見があればお書きください。"),
    ]


COMMENTS = ("活動の情報がどこにあるのかわかりにくいので、まとめて見られるようにしてほしい。",
            "若い人が参加しやすい時間帯に活動があるとよい。", "団体同士が知り合う機会がほしい。", "")


def _jst(day: datetime, at: time) -> datetime:
    return datetime.combine(day.date(), at, JST).astimezone(UTC)


def load() -> list[str]:
    plan = demo_plan()
    if plan is None:
        return []
    if db.session.scalar(select(Survey.id).where(Survey.title == TITLE)) is not None:
        return [f"survey: {TITLE} (already loaded)"]
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    opens, closes = datetime(2025, 1, 6), datetime(2025, 1, 24)
    survey = services.create_survey(plan, {
        "title": TITLE, "purpose": PURPOSE, "method": "郵送法・無記名方式・一部Webでの回答",
        "opens_at": _jst(opens, time(0)), "closes_at": _jst(closes, time(23, 59, 59)), "uses_codes": True,
        "min_answered": MIN_ANSWERED, "small_cell": 5}, actor=staff)
    groups = [services.add_group(survey, label=label, description=description, sampling=sampling,
                                 distributed=sent, actor=staff)
              for label, description, sampling, sent, *_counts in GROUPS]
    for data in _questions():
        if data.kind == "multiple":
            data.show_if_id, data.show_if_choice = survey.questions[0].id, 1
        services.add_question(survey, data, actor=staff)
    services.publish_survey(survey, actor=staff)
    rng = random.Random(2025)
    for group, (_label, _description, _sampling, sent, valid, invalid, web) in zip(groups, GROUPS, strict=True):
        _codes(survey, group, sent, valid + invalid)
        _answers(survey, group, rng, valid=valid, invalid=invalid, web=web, opens=_jst(opens, time(9)))
    screening.screen_and_digest(survey)  # the report's keyword digest, as the five-minute job would build it
    survey.report_notes = "回収数は有効回答の数です。3問以上に回答のあったものを有効回答としました。"
    survey.report_published_at = _jst(closes + timedelta(days=45), time(10))
    db.session.flush()
    return [f"survey: {TITLE}: 957 and 162 valid answers"]


def _codes(survey: Survey, group, sent: int, used: int) -> None:
    """A hash for every form mailed; as many used as forms came back. No plain code is kept."""
    db.session.execute(insert(AnswerCode), [
        {"survey_id": survey.id, "group_id": group.id, "code_hash": code_hash(new_code()), "used": False}
        for _ in range(sent)])
    first = select(AnswerCode.id).where(AnswerCode.group_id == group.id).order_by(AnswerCode.id).limit(used)
    db.session.execute(update(AnswerCode).where(AnswerCode.id.in_(first.scalar_subquery()))
                       .values(used=True).execution_options(synchronize_session=False))


def _answers(survey: Survey, group, rng: random.Random, *, valid: int, invalid: int, web: int, opens) -> None:
    q = survey.questions
    rows, all_items = [], []
    for number in range(valid + invalid):
        items = []
        joined = 1 if rng.random() < (0.35 if group.label == "市民" else 0.9) else 2
        items.append((q[0].id, 0, joined, None, ""))
        if number < valid:
            if joined == 1:
                for choice in rng.sample(range(1, 8), rng.randint(1, 3)):
                    items.append((q[1].id, 0, choice, None, "国際交流" if choice == 7 else ""))
            items.append((q[2].id, 0, rng.choices(range(1, 6), weights=(40, 35, 15, 6, 4))[0], None, ""))
            for row in range(4):
                if rng.random() < 0.95:
                    items.append((q[3].id, row, rng.choices(range(1, 6), weights=(15, 30, 35, 12, 8))[0], None, ""))
            items.append((q[4].id, 0, rng.choices(range(1, 7), weights=(6, 9, 14, 18, 24, 29))[0], None, ""))
            if joined == 1:
                items.append((q[5].id, 0, None, rng.randint(1, 30), ""))
            comment = rng.choice(COMMENTS)
            if comment:
                items.append((q[6].id, 0, None, None, comment))
        answered = len({item[0] for item in items})
        rows.append({"survey_id": survey.id, "group_id": group.id, "channel": "paper", "answered": answered,
                     "created_at": opens + timedelta(minutes=rng.randint(0, 18 * 24 * 60))})
        all_items.append(items)
    # Valid answers first came by web, as many as asked for; the rest by post.
    web_left = web
    for row in rows:
        row["channel"] = "web" if web_left > 0 and row["answered"] >= MIN_ANSWERED else "paper"
        web_left -= row["channel"] == "web"
    ids = db.session.scalars(insert(SurveyAnswer).returning(SurveyAnswer.id, sort_by_parameter_order=True),
                             rows).all()
    db.session.execute(insert(AnswerItem), [
        {"answer_id": answer_id, "question_id": qid, "row": row, "choice": choice, "number": number, "text": text}
        for answer_id, items in zip(ids, all_items, strict=True) for qid, row, choice, number, text in items])
