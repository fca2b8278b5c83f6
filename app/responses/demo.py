"""The city's answers in the demo, made through the real workflow.

The closed Shimonoseki period: every accepted opinion or group gets an answer written by
staff@example.jp and approved by approver@example.jp, one of them with a change to the draft, and
the result is published if the publication check passes (what is missing is reported otherwise:
deciding opinions is moderation's work, not ours). An open period is left mid-way: two drafts, one
of them sent for approval. Running it again changes nothing.
"""

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import to_jst
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses import checks, results, services
from app.responses.models import Response

AUTHOR, APPROVER = "staff@example.jp", "approver@example.jp"

# (words in the opinion or its section, category, the city's view)
ANSWERS = (
    (("センター", "ふくふく", "拠点"), "B",
     "しものせき市民活動センター（ふくふくサポート）については、基本施策「市民活動を支える拠点の充実」の中で、"
     "相談対応や情報発信の強化を既に位置付けています。いただいたご意見も踏まえ、利用しやすい運営に努めます。"),
    (("協議会", "自治", "地域"), "C",
     "まちづくり協議会の担い手不足は、多くの地域に共通する課題と認識しています。"
     "協議会同士の情報交換の場づくりなど、いただいたご意見は今後の施策の推進に当たっての参考とさせていただきます。"),
    (("若者", "学生", "大学", "高校"), "C",
     "若い世代が市民活動に参加するきっかけづくりは重要と考えています。"
     "大学や高校との連携の在り方について、今後の取組の参考とさせていただきます。"),
    (("補助", "助成", "予算", "財政"), "D",
     "市の財源には限りがあるため、補助制度の拡充を計画に位置付けることは現時点では困難です。"
     "既存の制度の周知と使いやすさの改善に努めてまいります。"),
    (("期間", "年度", "5年"), "B",
     "計画期間は令和8年度から令和12年度までの5年間とし、社会情勢の変化に応じて必要な見直しを行うことを"
     "既に計画に盛り込んでいます。"),
)
DEFAULT_ANSWER = ("C", "貴重なご意見をいただき、ありがとうございます。"
                       "いただいたご意見は、計画の推進に当たっての参考とさせていただきます。")
CHANGE_ANSWER = ("ご意見を踏まえ、計画の進み具合を毎年度確認し、市民協働参画審議会に報告の上、"
                 "その結果を公表する旨を追記します。")
CHANGE_SENTENCE = "計画の進み具合は毎年度確認し、下関市市民協働参画審議会に報告の上、公表します。"
FULL_TEXT_NOTE = ("提出された意見の全文は、市民部まちづくり政策課（本庁舎）の窓口で閲覧いただけます。"
                  "閲覧を希望される方は、事前にお問い合わせください。")


def _answer_for(target: services.Target) -> tuple[str, str]:
    text = public_text(target.lead) + (target.section.title if target.section else "")
    for words, category, body in ANSWERS:
        if any(word in text for word in words):
            return category, body
    return DEFAULT_ANSWER


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _answer_all(period: CommentPeriod, author: User, approver: User) -> int:
    """Write, submit and approve whatever is not approved yet; returns how many were approved."""
    approved = 0
    targets = services.period_targets(period)
    with_change = next((t for t in targets if t.section is not None), None)
    if any(t.response is not None and t.response.changes for t in targets):
        with_change = None
    for target in targets:
        response = target.response
        if response is None or (response.state == "draft" and not response.body.strip()):
            category, body = ("A", CHANGE_ANSWER) if target is with_change else _answer_for(target)
            response = services.save_response(period, target, body=body, category=category, actor=author)
            if target is with_change:
                before = (target.section.body.strip().splitlines() or [target.section.title])[0][:200]
                services.add_change(response, section_id=target.section.id, before=before,
                                    after=f"{before}\n{CHANGE_SENTENCE}", actor=author)
        if response.state == "draft":
            services.submit_response(response, actor=author)
        if response.state == "submitted":
            reviewer = approver if response.author_id != approver.id else author
            services.approve_response(response, actor=reviewer)
            approved += 1
    return approved


def _publish(period: CommentPeriod, author: User, approver: User) -> list[str]:
    name = f"responses: {period.title}"
    if period.results_published_at is not None:
        return [f"{name}: result already published"]
    if db.session.scalar(select(Opinion.id).where(Opinion.period_id == period.id).limit(1)) is None:
        return [f"{name}: no opinions yet, nothing to answer"]
    approved = _answer_all(period, author, approver)
    result = results.get_or_create_result(period)
    if not result.title:
        # A period is usually already titled 「…（案）」に対する意見募集; do not quote that inside itself.
        asked = period.title if period.title.endswith("意見募集") else f"「{period.title}」に対する意見募集"
        results.update_result(period, title=f"{asked}の結果について",
                              draft_published_on=to_jst(period.opens_at).date(), full_text_note=FULL_TEXT_NOTE,
                              introduction="いただいたご意見の概要と、それに対する市の考え方を次のとおり公表します。"
                                           "ご意見をお寄せいただいた皆さまに、心からお礼申し上げます。",
                              actor=author)
    lines = [f"{name}: {approved} answer(s) written and approved"]
    problems = checks.publication_problems(period)
    if problems:
        return lines + [f"{name}: not published yet: {p.code}" + (f" ({p.count})" if p.count else "")
                        for p in problems]
    results.publish_result(period, actor=author)
    return lines + [f"{name}: result published"]


def _leave_midway(period: CommentPeriod, author: User) -> list[str]:
    name = f"responses: {period.title}"
    if db.session.scalar(select(Response.id).where(Response.period_id == period.id).limit(1)) is not None:
        return [f"{name}: answers already under way"]
    targets = services.period_targets(period)[:2]
    if not targets:
        return [f"{name}: no accepted opinions yet, nothing to answer"]
    for index, target in enumerate(targets):
        category, body = _answer_for(target)
        response = services.save_response(period, target, body=body, category=category, actor=author)
        if index == 0:
            services.submit_response(response, actor=author)
    return [f"{name}: {len(targets)} draft answer(s), the first sent for approval"]


def load() -> list[str]:
    author, approver = _user(AUTHOR), _user(APPROVER)
    if author is None or approver is None:
        return ["responses: demo staff users are missing; nothing done"]
    periods = db.session.scalars(select(CommentPeriod).order_by(CommentPeriod.id)).all()
    lines: list[str] = []
    for period in periods:
        state = period.state()
        try:
            with db.session.begin_nested():  # a period that cannot be finished is left as it was
                if state in ("closed", "published") and "下関" in period.title + period.plan.title:
                    lines += _publish(period, author, approver)
                elif state == "open":
                    lines += _leave_midway(period, author)
        except services.ResponseError as exc:
            lines.append(f"responses: {period.title}: stopped: {exc.code}")
    return lines or ["responses: no comment periods to answer"]
