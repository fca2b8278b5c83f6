"""Sample opinions on the Shimonoseki draft from several channels, and a few on the open demo period.

Some say nearly the same thing, one names a private person and one is an advertisement: the
moderation queue has real work to do. Each has a fixed idempotency key, so loading twice adds nothing;
the keys are the demo's own (a form accepts only a key its sender's session was given), and each
submission gets a random lookup code that nobody is shown.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import JST, UTC, jst_today
from app.extensions import db
from app.periods.demo import OPEN_TITLE, SHIMONOSEKI_TITLE
from app.periods.models import CommentPeriod
from app.submissions import services
from app.submissions.services import Entry, Received, Submitter

# (channel, received day, hour, name, address, attribute, section position or None, body)
SHIMONOSEKI = [
    ("web", date(2025, 10, 7), 21, "村上 恵子", "下関市彦島江の浦町", "resident", 1,
     "若い世代がまちづくり協議会に参加しにくいと感じています。会議が平日の昼間に開かれることが多く、働いている"
     "世代は出られません。夜間や土日の開催、オンライン参加を計画に盛り込んでください。"),
    ("web", date(2025, 10, 12), 10, "田中 翔", "下関市山の田本町", "worker", 1,
     "まちづくり協議会の会議を平日の夜や週末にも開いてほしいです。仕事をしている人も参加できるよう、"
     "オンラインでの参加もできるようにしてください。"),
    ("email", date(2025, 10, 15), 9, "中村 由美", "下関市長府松小田本町", "resident", 2,
     "市民活動促進基本計画と住民自治の計画をひとつにまとめることに賛成です。ただ、地域の人にとって何が変わるのか"
     "がわかりにくいので、具体的な変化を分かりやすく示してください。"),
    ("fax", date(2025, 10, 20), 14, "吉田 茂", "下関市豊浦町川棚", "resident", 5,
     "豊浦地域は高齢化が進み、協議会の役員のなり手がいません。17の協議会を同じように扱うのではなく、"
     "地域の実情に合わせた支援をお願いします。"),
    ("post", date(2025, 10, 24), 0, "佐藤 久美子", "下関市菊川町", "resident", 5,
     "菊川地区では協議会の役員が高齢で、交代する人がいません。地域ごとの事情に応じた人材育成の支援を"
     "計画に入れてください。"),
    ("web", date(2025, 10, 26), 19, "山本 大輔", "北九州市門司区", "worker", 6,
     "「市民活動」の定義に、企業の社会貢献活動やプロボノも含まれるのか明記してほしいです。市外から通勤している"
     "私たちも参加しやすくなります。"),
    ("email", date(2025, 10, 28), 8, "NPO法人 海峡つなぎ隊", "下関市竹崎町", "business", 7,
     "審議会に市民活動団体の若手メンバーも加えてください。公募委員の募集をSNSでも告知すると応募が増えると思います。"),
    ("web", date(2025, 10, 30), 22, "伊藤 真理", "下関市川中豊町", "resident", None,
     "自治会長の山田花子さんは会議で若い人の意見を全く聞かず、勝手に物事を決めています。こういう人が役員を"
     "続けられないよう、役員の任期を計画で決めてください。"),
    ("post", date(2025, 11, 4), 0, "木村 正", "下関市綾羅木本町", "resident", 4,
     "計画期間を5年とするのは長すぎると思います。社会の変化が早いので、3年目に見直しを行うと明記してください。"),
    ("fax", date(2025, 11, 5), 16, "", "", "", None,
     "【ご案内】外壁塗装・屋根工事が今なら半額！下関市内どこでも無料でお見積りします。お電話はフリーダイヤル"
     "0120-000-000まで。"),
    ("web", date(2025, 11, 6), 23, "林 さくら", "下関市一の宮町", "student", 1,
     "大学生です。ボランティアをしたいと思っても、どこで何をしているのか分かりません。ふくふくサポートの情報を"
     "SNSで発信してほしいです。"),
    ("email", date(2025, 11, 6), 12, "松本 浩", "下関市王司", "resident", 1,
     "若者や働く世代が参加しやすいよう、地域の会議を夜間や休日に開いてください。オンライン会議も取り入れて"
     "ほしいです。"),
]
OPEN = [
    ("web", 2, 20, "高橋 美咲", "下関市幡生町", "resident", 1,
     "推進プログラムの目標に、まちづくり協議会に参加した若い世代の人数を入れてはどうでしょうか。"),
    ("email", 3, 9, "しものせき子ども食堂ネット", "下関市上新地町", "business", None,
     "市民活動団体が使える助成金の情報を、ふくふくサポートで一か所にまとめて案内してほしいです。"),
    ("post", 5, 0, "小林 武", "下関市吉見本町", "resident", 5,
     "吉見地区から市民活動センターまで遠いので、出張相談会を各地区で開いてください。"),
]


def _received(name, address, attribute, section, body, period) -> Received:
    section_id = period.sections[section - 1].id if section else None
    return Received(submitter=Submitter(name=name, address=address, attribute=attribute),
                    entries=[Entry(body=body, section_id=section_id)])


def _add(period: CommentPeriod, key: str, staff, channel, day: date, hour: int, *details) -> bool:
    received = _received(*details, period)
    if channel == "web":
        at = datetime.combine(day, time(hour, 15), JST).astimezone(UTC)
        _, created = services.submit_web(period.id, received, idempotency_key=key, now=at)
    else:
        _, created = services.enter_paper(period.id, received, channel=channel, received_on=day, idempotency_key=key,
                                          actor=staff, today=max(day, jst_today()))
    return created


def load() -> list[str]:
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    lines = []
    shimonoseki = db.session.scalar(select(CommentPeriod).where(CommentPeriod.title == SHIMONOSEKI_TITLE))
    if shimonoseki is not None:
        added = sum(_add(shimonoseki, f"demo-shimonoseki-{number:04d}-sample", staff, channel, day, hour, *rest)
                    for number, (channel, day, hour, *rest) in enumerate(SHIMONOSEKI, start=1))
        lines.append(f"submissions: {added} added to {SHIMONOSEKI_TITLE} ({len(SHIMONOSEKI)} in the demo)")
    open_period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.title == OPEN_TITLE))
    if open_period is not None:
        opened = open_period.opens_at.astimezone(JST).date()
        added = sum(_add(open_period, f"demo-open-{open_period.id}-{number:04d}-sample", staff, channel,
                         min(opened + timedelta(days=offset), jst_today()), hour, *rest)
                    for number, (channel, offset, hour, *rest) in enumerate(OPEN, start=1))
        lines.append(f"submissions: {added} added to {OPEN_TITLE} ({len(OPEN)} in the demo)")
    return lines
