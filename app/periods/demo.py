"""The Shimonoseki public comment (2025-10-06 – 2025-11-06) and a period open today, for the demo."""

from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core import uploads
from app.core.timeutil import jst_end_of_day, jst_start_of_day, jst_today
from app.extensions import db
from app.periods import services
from app.periods.models import CommentPeriod, default_field_rules
from app.periods.services import SectionRow
from app.plans.demo import demo_plan

SHIMONOSEKI_TITLE = "「第5次下関市市民活動促進基本計画（案）」に対する意見募集"
OPEN_TITLE = "「市民活動促進 推進プログラム（案）」に対する意見募集（デモ）"

VIEWING_PLACES = [
    "本庁舎（まちづくり政策課）",
    "本庁管内各支所",
    "各総合支所",
    "しものせき市民活動センター（ふくふくサポート）",
    "下関市民センター",
    "中央図書館",
    "下関市ホームページ",
]
CHANNELS = {
    "web": "",
    "email": "machizukuri@city.shimonoseki.example.jp",
    "fax": "083-000-1234",
    "post": "〒750-8521 山口県下関市南部町1番1号 下関市 市民部 まちづくり政策課",
    "in_person": "本庁舎新館3階 まちづくり政策課、各支所・各総合支所の窓口（平日8時30分〜17時15分）",
}
CONTACT = "電話 083-231-1111（代表）\n受付時間 平日8時30分〜17時15分"
DESCRIPTION = """\
下関市では、市民活動の促進と住民自治によるまちづくりを一体で進めるため、
「第5次下関市市民活動促進基本計画」の案を作りました。皆さんのご意見をお聞かせください。

- 計画期間：令和8年度から令和12年度までの5年間
- 案の全文は、下の閲覧場所と、このページの資料でご覧いただけます。
- いただいたご意見は、個人情報を除いて概要をまとめ、市の考え方とあわせて公表します。
  個別の回答はいたしません。
"""
SECTIONS = [
    ("第1章 1", "計画の背景", "少子高齢化や人口減少が進み、地域の担い手不足が課題となっています。一方で、"
     "市民活動団体やまちづくり協議会による地域の取組は広がりつつあります。"),
    ("第1章 2", "計画の趣旨", "これまでの「市民活動促進基本計画」と「住民自治によるまちづくり推進計画」を"
     "ひとつにまとめ、市民活動と住民自治を一体的に進めるための計画とします。"),
    ("第1章 3", "計画策定の位置付け", "下関市市民協働参画条例（平成17年施行）および下関市住民自治による"
     "まちづくりの推進に関する条例（平成26年）に基づく計画です。"),
    ("第1章 4", "計画の期間", "令和8年度から令和12年度までの5年間とします。"),
    ("第1章 5", "計画の対象区域", "下関市全域とします。市内には17のまちづくり協議会があり、おおむね中学校区ごとに"
     "活動しています。"),
    ("第1章 6", "用語の定義", "この計画で「市民活動」とは、市民が自主的に行う、営利を目的としない社会貢献活動を"
     "いいます。"),
    ("第1章 7", "計画の策定体制", "下関市市民協働参画審議会での審議と、下関市市民協働参画推進本部（本部長：市長）"
     "での検討を経て策定します。アンケート、ワークショップ、パブリックコメントで市民の意見を聞きます。"),
]


def _period(title: str) -> CommentPeriod | None:
    return db.session.scalar(select(CommentPeriod).where(CommentPeriod.title == title))


def _base(plan) -> dict:
    return {"viewing_places": VIEWING_PLACES, "eligibility": ["resident", "worker", "student", "business",
                                                               "stakeholder"],
            "channels": CHANNELS, "field_rules": default_field_rules(), "contact_department": "市民部 まちづくり政策課",
            "contact": CONTACT, "body_max_length": 4000, "max_attachments": 3,
            "max_attachment_bytes": 10 * 1024 * 1024, "short_period_reason": ""}


def _create(plan, staff, title: str, opens_on: date, closes_on: date, **extra) -> CommentPeriod:
    period = services.create_period(plan, {**_base(plan), "title": title, "opens_at": jst_start_of_day(opens_on),
                                           "closes_at": jst_end_of_day(closes_on), **extra}, actor=staff)
    services.save_sections(period, [SectionRow(None, label, name, body) for label, name, body in SECTIONS],
                           actor=staff)
    # The page says the draft is there to read: a real PDF of it, made from the same plan and sections.
    draft = uploads.CheckedFile(filename="draft.pdf", content_type="application/pdf", data=draft_pdf(plan, period))
    services.add_document(period, draft, f"{plan.title}（案）", actor=staff)
    services.schedule_period(period, actor=staff)
    return period


def draft_pdf(plan, period: CommentPeriod) -> bytes:
    """A4, the plan's title and summary, then each section with its text; the result PDFs' font."""
    from io import BytesIO
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from app.core.pdf import BODY_FONT, HEADING_FONT, register_fonts

    register_fonts()
    body = ParagraphStyle("body", fontName=BODY_FONT, fontSize=10.5, leading=17, wordWrap="CJK", spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontName=HEADING_FONT, fontSize=13, leading=20, spaceBefore=10)
    title = ParagraphStyle("title", parent=heading, fontSize=17, leading=26, spaceBefore=0, spaceAfter=12)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = [para(f"{plan.title}（案）", title)]
    if plan.summary:
        story.append(para(plan.summary))
    for section in period.sections:
        story.append(para(section.display, heading))
        if section.body:
            story.append(para(section.body))
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{plan.title}（案）").build(story)
    return buffer.getvalue()


def load() -> list[str]:
    plan = demo_plan()
    if plan is None:
        return ["periods: the demo plan is missing; load plans first"]
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    lines = []
    if _period(SHIMONOSEKI_TITLE) is None:
        _create(plan, staff, SHIMONOSEKI_TITLE, date(2025, 10, 6), date(2025, 11, 6), description=DESCRIPTION)
        lines.append(f"period: {SHIMONOSEKI_TITLE} (2025-10-06 – 2025-11-06)")
    else:
        lines.append(f"period: {SHIMONOSEKI_TITLE} (already loaded)")
    if _period(OPEN_TITLE) is None:
        today = jst_today()
        _create(plan, staff, OPEN_TITLE, today - timedelta(days=10), today + timedelta(days=21),
                receipt_prefix="DEMO",
                description="基本計画を実行に移すための推進プログラムの案です。デモ用に、いつでも募集中になるよう"
                            "読み込んだ日から3週間後まで開いています。")
        lines.append(f"period: {OPEN_TITLE} (open until {today + timedelta(days=21)})")
    else:
        lines.append(f"period: {OPEN_TITLE} (already loaded)")
    return lines
