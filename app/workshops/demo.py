"""The Shimonoseki workshop of 2025-09-20, run through the services as it happened, and an
upcoming workshop that is nearly full. Participants' names here are invented."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import JST, UTC, jst_today
from app.extensions import db
from app.plans.demo import demo_plan
from app.workshops import facilitation, registrations, services
from app.workshops.models import DEFAULT_NOTE_KINDS, Workshop
from app.workshops.tasks import purge_workshop_accommodations

PAST_TITLE = "第5次下関市市民活動促進基本計画 市民ワークショップ"
UPCOMING_TITLE = "計画を動かす！ 地域活動ミーティング"
BRIEFING_TITLE = "第5次下関市市民活動促進基本計画 策定説明会"
VENUE = "しものせき市民活動センター（ふくふくサポート）"

PAST_CONTENT = """\
5年後の市民活動、市民活動団体、まちづくり協議会の姿をグループごとに思い描き、
市民活動をもっと楽しく、もっと活発にするための方策について話し合いました。
"""

SUMMARY = """\
18名の参加者が4つのグループに分かれ、5年後の市民活動・市民活動団体・まちづくり協議会の姿を思い描きながら、
市民活動をもっと楽しく、活発にするための方策を話し合いました。

- **担い手づくり**：どのグループからも、メンバーの高齢化や役員の固定化が課題として挙がりました。
  若い世代や子育て世代が気軽に参加できる「お試し参加」の機会を求める声が多く寄せられました。
- **情報発信とつながり**：活動が地域に知られていない、どこに相談すればよいかわからないという声から、
  市のホームページでの情報の集約や、団体・まちづくり協議会・企業が交流する場づくりが提案されました。
- **活動を支える仕組み**：運営資金や補助金申請の負担について、企業とのマッチングや手続きの簡素化を求める意見がありました。

いただいた意見は、第5次下関市市民活動促進基本計画の素案づくりに活かします。
"""

PEOPLE = ("山本 和子", "田中 誠", "中村 由美", "小林 健一", "松本 さくら", "井上 隆", "木村 恵", "林 大輔",
          "清水 真理", "山口 翔太", "森 典子", "池田 浩", "橋本 彩", "石川 修", "前田 美穂", "藤田 拓也",
          "岡田 陽子", "後藤 悠斗")
ATTRIBUTES = ("resident", "active", "resident", "worker", "student", "active", "resident", "worker", "active",
              "student", "resident", "active", "resident", "worker", "active", "resident", "active", "student")

# (group, members, notes as (kind index, text, votes)); kinds: 現状・課題 / アイデア / 提案 / その他
GROUPS = (
    ("Aグループ", 5, (
        (0, "団体のメンバーが高齢化していて、次の担い手がなかなか見つからない。", 6),
        (1, "高校生や大学生がボランティアを体験できる「お試し参加デー」をつくる。", 8),
        (2, "活動の様子をSNSで発信できるよう、市民活動センターで発信講座を開いてほしい。", 4),
        (0, "活動していることが、地域の人にあまり知られていない。", 5),
        (3, "5年後には、若い世代が当たり前に地域の行事を企画している姿を見たい。", 3),
    )),
    ("Bグループ", 5, (
        (0, "まちづくり協議会の役員が、毎年同じ顔ぶれになっている。", 7),
        (1, "協議会同士で活動を紹介し合う交流会を年1回開く。", 6),
        (2, "協議会の会議に、オンラインでも参加できるようにする。", 5),
        (1, "子育て中の人が子ども連れで参加できる活動を増やす。", 4),
        (3, "「楽しいから続けられる」という雰囲気を大切にしたい。", 2),
    )),
    ("Cグループ", 4, (
        (0, "団体の運営資金の確保が、毎年の悩みになっている。", 6),
        (2, "企業と市民活動団体をつなぐマッチングの場を、ふくふくサポートで設ける。", 7),
        (1, "クラウドファンディングの使い方を学ぶ勉強会を開く。", 3),
        (0, "補助金の申請書類が複雑で、小さな団体には負担が大きい。", 5),
    )),
    ("Dグループ", 4, (
        (0, "活動に興味はあっても、どこに相談すればよいかわからない。", 5),
        (1, "駅前のセンターで、仕事帰りに立ち寄れる夜の相談会を開く。", 6),
        (2, "市のホームページに、団体の活動とボランティア募集をまとめて載せる。", 8),
        (3, "5年後、市民活動センターが誰でも気軽に集まれる居場所になっていてほしい。", 4),
    )),
)


def _jst(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), JST).astimezone(UTC)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _exists(title: str) -> bool:
    return db.session.scalar(select(Workshop.id).where(Workshop.title == title)) is not None


def _base(day, start: tuple[int, int], end: tuple[int, int], opens: datetime, closes: datetime) -> dict:
    return {
        "theme": "", "content": "", "venue_address": "", "venue_access": "", "venue_accessibility": "",
        "online_url": "", "question_1": "", "question_2": "", "note_kinds": list(DEFAULT_NOTE_KINDS),
        "starts_at": _jst(day, *start), "ends_at": _jst(day, *end),
        "signup_opens_at": opens, "signup_closes_at": closes,
    }


def load_past(plan, staff: User, facilitator: User) -> str:
    day = datetime(2025, 9, 20).date()
    data = _base(day, (13, 30), (16, 30), _jst(datetime(2025, 8, 20).date(), 9), _jst(datetime(2025, 9, 17).date(), 17))
    data.update({
        "title": PAST_TITLE, "theme": "市民活動をもっと楽しく！ ワークショップ", "content": PAST_CONTENT,
        "venue_name": VENUE, "venue_address": "ヴェルタワー下関 2階", "venue_access": "JR下関駅前",
        "capacity": 30, "max_party_size": 1, "eligibility": "市内に在住・在勤・在学している方、市内で活動している方",
        "contact_mode": "email_or_phone",
    })
    workshop = services.create_workshop(plan, data, actor=staff, facilitator_ids=[facilitator.id])
    services.publish_workshop(workshop, actor=staff)
    people = []
    for number, (name, attribute) in enumerate(zip(PEOPLE, ATTRIBUTES, strict=True)):
        registration, _ = registrations.register_participant(workshop.id, {
            "name": name, "phone": f"090-0000-{number + 1:04d}", "attribute": attribute, "party_size": 1,
            "accommodation": {"wheelchair": number == 3, "childcare": number == 9},
        }, now=_jst(datetime(2025, 8, 21).date(), 10) + timedelta(hours=7 * number))
        facilitation.check_in(workshop, registration, actor=facilitator,
                              now=_jst(day, 13, 10) + timedelta(minutes=number))
        people.append(registration)
    seat = 0
    for group_name, size, notes in GROUPS:
        group = facilitation.create_group(workshop, group_name, actor=facilitator)
        facilitation.assign_groups(workshop, {person.id: group.id for person in people[seat:seat + size]},
                                   actor=facilitator)
        seat += size
        for index, (kind, text, votes) in enumerate(notes):
            note, _ = facilitation.add_note(workshop, group, kind=DEFAULT_NOTE_KINDS[kind], text=text,
                                            client_key=f"demo-{group_name}-{index}", actor=facilitator,
                                            now=_jst(day, 14, 30) + timedelta(minutes=3 * index))
            facilitation.set_note_votes(workshop, group, note, votes, actor=facilitator)
    facilitation.save_summary(workshop, SUMMARY, actor=facilitator)
    purge_workshop_accommodations(workshop, _jst(datetime(2025, 10, 21).date(), 3))
    facilitation.publish_report(workshop, actor=staff, now=_jst(datetime(2025, 10, 1).date(), 10))
    return f"workshop: {PAST_TITLE} (2025-09-20, 18 participants, report published)"


def load_upcoming(plan, staff: User, facilitator: User) -> str:
    today = jst_today()
    day = today + timedelta(days=35 + (5 - today.weekday()) % 7)  # a Saturday five or six weeks ahead
    data = _base(day, (13, 30), (16, 0), _jst(today - timedelta(days=7), 9), _jst(day - timedelta(days=3), 17))
    data.update({
        "title": UPCOMING_TITLE, "theme": "地域の活動を一緒に計画しよう",
        "content": "計画に盛り込まれた取組を、まちづくり協議会や市民活動団体の皆さんと具体的な活動に落とし込みます。",
        "venue_name": "下関市民センター", "venue_access": "JR下関駅からバスで約10分",
        "venue_accessibility": "会場までエレベーターで移動できます。手話通訳・要約筆記・託児をご希望の方は申込時にお知らせください。",
        "capacity": 20, "max_party_size": 3, "eligibility": "どなたでも参加できます",
        "contact_mode": "email_or_phone", "question_1": "参加のきっかけを教えてください（任意）",
    })
    workshop = services.create_workshop(plan, data, actor=staff, facilitator_ids=[facilitator.id])
    services.publish_workshop(workshop, actor=staff)
    start = _jst(today - timedelta(days=6), 10)
    parties = (2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)  # 16 sign-ups, 18 of 20 seats
    for number, party in enumerate(parties):
        registrations.register_participant(workshop.id, {
            "name": PEOPLE[number], "phone": f"090-0000-{number + 101:04d}", "attribute": ATTRIBUTES[number],
            "party_size": party, "answer_1": "計画の話を聞いて参加したくなりました。" if number % 4 == 0 else "",
            "accommodation": {"sign_language": number == 5, "note": "車椅子で参加します。" if number == 8 else ""},
        }, now=start + timedelta(hours=5 * number))
    return f"workshop: {UPCOMING_TITLE} ({day}, 18 of 20 seats taken)"


def load_briefing(plan, staff: User, facilitator: User) -> str:
    """The 説明会 the plan names among its methods; its date and place are invented for the demo."""
    day = datetime(2025, 8, 2).date()
    data = _base(day, (10, 0), (11, 30), _jst(datetime(2025, 7, 1).date(), 9), _jst(datetime(2025, 7, 31).date(), 17))
    data.update({
        "title": BRIEFING_TITLE, "kind": "briefing", "theme": "計画づくりの進め方と、参加の方法のご案内",
        "content": "計画を見直す理由と、説明会・アンケート・ワークショップ・審議会・パブリックコメントの"
                   "五つの参加の方法、今後の日程を説明します。",
        "venue_name": "下関市民センター", "capacity": 60, "max_party_size": 3, "eligibility": "どなたでも参加できます",
        "contact_mode": "email_or_phone",
    })
    workshop = services.create_workshop(plan, data, actor=staff, facilitator_ids=[facilitator.id])
    services.publish_workshop(workshop, actor=staff)
    return f"briefing: {BRIEFING_TITLE} (2025-08-02)"


def load() -> list[str]:
    plan = demo_plan()
    staff, facilitator = _user("staff@example.jp"), _user("facilitator@example.jp")
    if plan is None or staff is None or facilitator is None:
        return ["workshops: skipped (the demo plan and users are missing)"]
    lines = []
    for title, loader in ((BRIEFING_TITLE, load_briefing), (PAST_TITLE, load_past), (UPCOMING_TITLE, load_upcoming)):
        lines.append(f"workshop: {title} (already loaded)" if _exists(title) else loader(plan, staff, facilitator))
    return lines
