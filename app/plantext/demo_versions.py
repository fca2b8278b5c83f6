"""The demo's 案: the 素案 with the changes the public comment brought, and the Shimonoseki period
linked to the 素案 it put to comment, so that its result's 修正内容 is the diff between the two."""

from sqlalchemy import select

from app.extensions import db
from app.periods.demo import SHIMONOSEKI_TITLE
from app.periods.models import CommentPeriod
from app.plantext import changes, services
from app.plantext.models import PlanVersion

# (what the 素案 says, what the 案 says instead): each a change the comments asked for
EDITS = (
    ("この素案は、", "この案は、"),
    ("意見募集の期間中は、各項目の下のリンクからその箇所への意見を書くことができます。\n",
     "素案に寄せられたご意見を踏まえて修正しています。\n"),
    ("孤立や地域活動の担い手不足も目立つようになりました。",
     "孤立や、自治会・まちづくり協議会などの地域活動の担い手不足が目立つようになりました。"),
    ("期間中でも、必要に応じて見直しを行います。\n",
     "期間中でも、必要に応じて見直しを行います。\n"
     "計画の進み具合は毎年度確認し、下関市市民協働参画審議会に報告の上、公表します。\n"),
    ("市内17地区に設立された団体です。", "市内17地区に設立された住民自治の団体です。"),
)


def an_text(soan: str) -> str:
    for before, after in EDITS:
        soan = soan.replace(before, after, 1)
    return soan


def load(plan, soan: PlanVersion, soan_text: str, staff) -> list[str]:
    lines = []
    period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.title == SHIMONOSEKI_TITLE))
    if period is not None and changes.commented_version(period) is None and period.results_published_at is None:
        changes.set_commented_version(period, soan.id, actor=staff)
        lines.append("plan text: the Shimonoseki period put the 素案 to comment")
    an = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.stage == "an"))
    if an is None:
        an = PlanVersion(plan=plan, stage="an")
        db.session.add(an)
        db.session.flush()
        services.import_text(an, an_text(soan_text), actor=staff)
        services.publish_version(an, actor=staff)
        lines.append(f"plan text: 案, {len(EDITS)} changes from the 素案")
    return lines
