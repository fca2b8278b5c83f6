"""The Shimonoseki plan, from shared/reference/shimonoseki-case.md."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.plans import services
from app.plans.models import Plan

PLAN_TITLE = "第5次下関市市民活動促進基本計画"

PLAN_SUMMARY = """\
市民活動の促進と住民自治によるまちづくりを一体で進めるため、これまでの「市民活動促進基本計画」と
「住民自治によるまちづくり推進計画」をひとつにまとめた計画です。

- 計画期間：令和8年度から令和12年度までの5年間
- 根拠：下関市市民協働参画条例（平成17年施行）、下関市住民自治によるまちづくりの推進に関する条例（平成26年）
- 審議：下関市市民協働参画審議会、下関市市民協働参画推進本部（本部長：市長）

市内17のまちづくり協議会（おおむね中学校区ごと）や、しものせき市民活動センター（愛称 ふくふくサポート）と
ともに、市民の皆さんが楽しく参加できる市民活動を広げていきます。
"""


def demo_plan() -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.title == PLAN_TITLE))


def load() -> list[str]:
    if demo_plan() is not None:
        return [f"plan: {PLAN_TITLE} (already loaded)"]
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    plan = services.create_plan(
        {
            "title": PLAN_TITLE,
            "summary": PLAN_SUMMARY,
            "department": "まちづくり政策課",
            "contact": "下関市 市民部 まちづくり政策課（電話 083-231-1111 代表）",
            "start_year": 2026,
            "end_year": 2030,
        },
        actor=staff,
    )
    services.publish_plan(plan, actor=staff)
    return [f"plan: {PLAN_TITLE}"]
