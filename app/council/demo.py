"""下関市市民協働参画審議会 for the demo: its members by the 区分 of the plan's 図4 and its meetings.

The categories are the city's; the members' names (委員A…) and the meetings' dates, places and
agendas are invented for the demo, and nothing here is a real person's data."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import JST, UTC, jst_today, utcnow
from app.council import seats, services
from app.council.models import CouncilMeeting
from app.extensions import db
from app.plans.demo import demo_plan

COUNCIL = "下関市市民協働参画審議会"
PLACE = "下関市役所 本庁舎新館 4階 会議室"
TERM = (date(2025, 4, 1), date(2027, 3, 31))
# (name, 区分, nominating body, role): two of each kind the plan names, chair and vice-chair among the experts.
MEMBERS = (
    ("委員A", "academic", "市内の大学（地域政策）", "chair"),
    ("委員B", "academic", "市内の大学（社会福祉）", "vice_chair"),
    ("委員C", "civic_group", "市民活動団体", ""),
    ("委員D", "civic_group", "まちづくり協議会", ""),
    ("委員E", "public", "", ""),
    ("委員F", "public", "", ""),
    ("委員G", "business", "商工団体", ""),
    ("委員H", "city_staff", "市民部", ""),
)
MEETINGS = (
    (1, date(2025, 6, 27), "- 計画の策定について（諮問）\n- 策定の進め方と日程\n- 市民意識調査（令和6年度）の結果",
     "市長から計画の策定について諮問を受けました。策定の進め方と日程を確認し、市民意識調査の結果について"
     "事務局から報告がありました。委員からは、若い世代が参加しやすい活動の工夫を計画に盛り込むよう意見がありました。"),
    (2, date(2025, 9, 30), "- ワークショップ（9月20日）の報告\n- 計画の素案について",
     "ワークショップでの意見の報告を受け、素案を審議しました。担い手づくりと情報発信について、"
     "素案の記述を具体的にするよう意見があり、パブリックコメントにかける案を了承しました。"),
    (3, date(2026, 1, 23), "- パブリックコメントの結果について\n- 計画の最終案について（答申）",
     "パブリックコメントの結果と市の考え方の報告を受け、最終案を審議しました。最終案を適当と認め、市長に答申しました。"),
)
UPCOMING_AGENDA = "- 計画の推進状況について\n- 令和9年度の取組について"
ASKED = ("傍聴 一郎", "傍聴 花子", "傍聴 次郎", "傍聴 桜")


def _jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), JST).astimezone(UTC)


def _meeting(plan, staff, number: int, day: date, agenda: str, minutes: str, capacity: int) -> CouncilMeeting:
    meeting = services.create_meeting(plan, {
        "council_name": COUNCIL, "number": number, "starts_at": _jst(day, 14), "ends_at": _jst(day, 16),
        "place": PLACE, "agenda": agenda, "minutes_text": minutes, "seat_capacity": capacity,
        "signup_closes_at": _jst(day - timedelta(days=3), 17)}, actor=staff)
    services.publish_meeting(meeting, actor=staff, now=min(_jst(day - timedelta(days=21), 10), utcnow() - timedelta(days=3)))
    return meeting


def load() -> list[str]:
    plan = demo_plan()
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    if plan is None or staff is None:
        return ["council: skipped (the demo plan and users are missing)"]
    if services.meetings_of(plan):
        return [f"council: {COUNCIL} (already loaded)"]
    for position, (name, category, affiliation, role) in enumerate(MEMBERS):
        services.create_member(plan, {"name": name, "category": category, "affiliation": affiliation, "role": role,
                                      "term_from": TERM[0], "term_to": TERM[1], "position": position}, actor=staff)
    for number, day, agenda, minutes in MEETINGS:
        _meeting(plan, staff, number, day, agenda, minutes, capacity=10)
    day = jst_today() + timedelta(days=24)
    upcoming = _meeting(plan, staff, len(MEETINGS) + 1, day, UPCOMING_AGENDA, "", capacity=5)
    for number, name in enumerate(ASKED):
        seats.request_seat(upcoming.id, {"name": name, "contact": f"083-000-{number + 1:04d}"},
                           now=_jst(jst_today() - timedelta(days=2), 10) + timedelta(hours=number))
    return [f"council: {COUNCIL}, {len(MEMBERS)} members, {len(MEETINGS) + 1} meetings "
            f"(the next on {day}, {len(ASKED)} of 5 seats taken)"]
