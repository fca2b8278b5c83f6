"""Factories for digest tests. Periods, submissions and opinions are made straight through the
models: their own services belong to features built on other branches."""

import secrets
from datetime import timedelta
from itertools import count

import pytest

from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, Tag
from app.periods.models import CommentPeriod, Section
from app.submissions.models import Submission
from tests.conftest import login

_receipts = count(1)


@pytest.fixture
def client_as(app, make_user):
    """A fresh client logged in as a new user with ``roles``: for tests that need several users at
    once (``login_as`` logs in the one shared client)."""
    from app.accounts.models import User

    def make(*roles, department="まちづくり政策課"):
        user_id = make_user(*roles, department=department)
        with app.app_context():
            email = db.session.get(User, user_id).email
        client = app.test_client()
        assert login(client, email).status_code == 303
        return client

    return make


SECTIONS = [("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨"), ("第2章", "施策の展開")]


@pytest.fixture
def make_period(app, make_plan):
    """A scheduled period of a published plan with three sections; returns its id."""

    def make(*, closes_in=timedelta(days=10), opened_ago=timedelta(days=20), plan_id=None,
             department="まちづくり政策課", title="第5次下関市市民活動促進基本計画（案）"):
        with app.app_context():
            now = utcnow()
            period = CommentPeriod(plan_id=plan_id or make_plan(department=department), title=title,
                                   opens_at=now - opened_ago, closes_at=now + closes_in, status="scheduled",
                                   contact_department=department)
            period.sections = [Section(position=i, label=label, title=name)
                               for i, (label, name) in enumerate(SECTIONS, start=1)]
            db.session.add(period)
            db.session.commit()
            return period.id

    return make


@pytest.fixture
def add_opinions(app):
    """Add one submission per opinion. Each opinion is a dict: text, and optionally section (1-3 or
    None), channel, attribute, state, tags, received_at. Returns the opinion ids in order."""

    def add(period_id: int, opinions: list[dict]) -> list[int]:
        with app.app_context():
            sections = [section.id for section in db.session.get(CommentPeriod, period_id).sections]
            tags: dict[str, Tag] = {}
            ids = []
            for spec in opinions:
                submission = Submission(
                    period_id=period_id, receipt_no=f"R{next(_receipts):06d}", channel=spec.get("channel", "web"),
                    received_at=spec.get("received_at", utcnow()), attribute=spec.get("attribute", "resident"),
                    name="市民 太郎", lookup_token_hash=secrets.token_hex(32),
                )
                section = spec.get("section", 1)
                opinion = Opinion(period_id=period_id, submission=submission, excerpt=spec["text"],
                                  section_id=sections[section - 1] if section else None,
                                  state=spec.get("state", "pending"))
                for name in spec.get("tags", []):
                    if name not in tags:
                        tags[name] = Tag(period_id=period_id, name=name)
                    opinion.tags.append(tags[name])
                db.session.add(opinion)
                db.session.flush()
                ids.append(opinion.id)
            db.session.commit()
            return ids

    return add


FORM_LETTER = ("公民館の利用時間延長を求めます。現在の公民館は平日の夜九時で閉館しており、仕事を持つ市民が活動に"
               "参加することが困難です。活動拠点の開館時間を延長し、土日祝日も含めて柔軟に利用できるようにする"
               "ことが不可欠です。予約をオンラインで行えるようにすることを強く要望します。")
ADDITIONS = ["駅前に住む高齢者の一人として、切実にお願いします。", "", "子育て中の親の声もぜひ聞いてください。",
             "", "家族も同じ思いです。", "私自身、仕事帰りでは間に合わないと日々感じています。"]
UNIQUE = [
    "SNSでの情報発信をもっと増やしてください。若い世代は広報紙を読みません。",
    "町内会の役員の負担が大きすぎます。担い手の高齢化への対策を計画に書いてください。",
    "評価指標が参加者数ばかりで、活動の質が測られていないと思います。",
    "外国人住民向けに多言語の案内を用意してほしい。",
]


def form_copy(addition: str) -> str:
    """The letter with a sender's sentence put after its first sentence."""
    first, rest = FORM_LETTER.split("。", 1)
    return f"{first}。{addition}{rest}"


@pytest.fixture
def campaign_period(make_period, add_opinions):
    """A period with a six-copy form-letter campaign (section 3), two identical opinions, and unique ones."""
    period_id = make_period()
    letters = [{"text": form_copy(addition), "section": 3, "channel": "email" if i % 2 else "web"}
               for i, addition in enumerate(ADDITIONS)]
    duplicates = [{"text": "駐車場が狭いので拡張してください。", "section": 2, "attribute": "worker"},
                  {"text": "駐車場が狭いので、拡張してください！", "section": 2, "channel": "fax"}]
    uniques = [{"text": text, "section": None if i == 0 else 1, "tags": ["情報発信"] if i == 0 else []}
               for i, text in enumerate(UNIQUE)]
    ids = add_opinions(period_id, letters + duplicates + uniques)
    return period_id, {"letters": ids[:6], "duplicates": ids[6:8], "unique": ids[8:]}
