"""Shared test factories, one per thing the tests build, loaded for every test from ``tests/conftest.py``
(as Indico's ``indico/testing/fixtures``). Each is a fixture returning a function; the function makes
the rows in its own app context, commits, and returns the new row's id.

One signature each, keyword defaults. A feature conftest that needs other defaults (the results tests
want closed periods) wraps the factory with ``functools.partial``; it does not build its own copy.
Plans, sections, workshops and sign-ups go through their services: those flows are what the pages
expect. Submissions and opinions are written as rows, at any state a test needs, without the web form.
"""

import hashlib
from datetime import timedelta
from itertools import count

import pytest

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db

_seq = count(1)

DEPARTMENT = "まちづくり政策課"
PERIOD_TITLE = "第5次下関市市民活動促進基本計画（案）"
SECTIONS = (("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨"), ("第1章 3", "計画の期間"))
CHANNELS = {"web": "", "email": "iken@example.jp", "fax": "083-000-1234", "post": "下関市南部町1-1"}
OPINION_TEXT = "市民活動センターの開館時間を延ばしてほしい。"


def user(user_id) -> User:
    """The user with this id, in the caller's app context."""
    return db.session.get(User, user_id)


def get(model, ident):
    return db.session.get(model, ident)


# --- people ---


@pytest.fixture
def make_user(app):
    """A user with ``roles``; returns the id. The password is ``correct horse battery``."""
    from app.accounts.services import create_user

    def make(*roles, email=None, password="correct horse battery", department="", name=""):
        with app.app_context():
            created = create_user(email or f"user{next(_seq)}@example.jp", password, roles,
                                  department=department, display_name=name)
            db.session.commit()
            return created.id

    return make


@pytest.fixture
def staff_pair(make_user):
    """Two staff of one department: an author and an approver (their ids)."""

    def make(department=DEPARTMENT):
        return make_user("staff", department=department), make_user("staff", department=department)

    return make


@pytest.fixture
def client_as(app, make_user):
    """A fresh client logged in as a new user with ``roles``: for tests that need several users at
    once (``login_as`` logs in the one shared client)."""
    from tests.conftest import login

    def make(*roles, department=DEPARTMENT):
        user_id = make_user(*roles, department=department)
        with app.app_context():
            email = user(user_id).email
        client = app.test_client()
        assert login(client, email).status_code == 303
        return client

    return make


# --- plans and periods ---


@pytest.fixture
def make_plan(app, make_user):
    """A plan made by a new staff member of ``department``, published unless told; returns its id."""
    from app.plans import services

    def make(title="テスト計画", *, published=True, department=DEPARTMENT, summary=""):
        with app.app_context():
            staff = user(make_user("staff", department=department))
            plan = services.create_plan({"title": title, "summary": summary, "department": department,
                                         "contact": "", "start_year": 2026, "end_year": 2030}, actor=staff)
            if published:
                services.publish_plan(plan, actor=staff)
            db.session.commit()
            return plan.id

    return make


def _window(state: str):
    now = utcnow()
    return {"open": (now - timedelta(days=5), now + timedelta(days=30)),
            "closed": (now - timedelta(days=40), now - timedelta(days=5)),
            "upcoming": (now + timedelta(days=3), now + timedelta(days=33))}[state]


@pytest.fixture
def make_period(app, make_plan):
    """A comment period of a published plan (a new one unless ``plan_id``), with three sections saved
    through the periods service. ``state`` ("open", "closed", "upcoming") sets the dates, which
    ``opens_at``/``closes_at`` override; ``status`` is the stored status. ``published`` marks its
    results published. Any other keyword is a CommentPeriod column. Returns the id."""
    from app.periods import services
    from app.periods.models import CommentPeriod, default_field_rules

    def make(*, title=PERIOD_TITLE, plan_id=None, department=DEPARTMENT, state="open", opens_at=None,
             closes_at=None, status="scheduled", sections=SECTIONS, channels=None, field_rules=None,
             published=False, **extra):
        plan_id = plan_id or make_plan(department=department)
        opens, closes = _window(state)
        with app.app_context():
            period = CommentPeriod(
                plan_id=plan_id, title=title, opens_at=opens_at or opens, closes_at=closes_at or closes,
                channels=dict(CHANNELS) if channels is None else channels,
                field_rules=field_rules or default_field_rules(), eligibility=["resident", "worker", "student"],
                viewing_places=["本庁舎"], contact_department=department, status=status,
                results_published_at=utcnow() if published else None, **extra)
            db.session.add(period)
            db.session.flush()
            if sections:
                services.save_sections(period, [services.SectionRow(None, label, name, f"{name}の本文")
                                                for label, name in sections], actor=None)
            db.session.commit()
            return period.id

    return make


# --- what citizens send, and what moderation makes of it ---


@pytest.fixture
def make_submission(app):
    """A submission with one entry per body (one default body if none), received some days ago;
    ``section_index`` (0…) points every entry at that section. Returns the id."""
    from app.periods.models import CommentPeriod
    from app.submissions.models import Submission, SubmissionEntry

    def make(period_id, *bodies, name="山田 太郎", email="", phone="", address="", channel="web",
             attribute="resident", received_days_ago=3, section_index=None):
        with app.app_context():
            period = db.session.get(CommentPeriod, period_id)
            number = next(_seq)
            section = period.sections[section_index] if section_index is not None else None
            submission = Submission(
                period_id=period_id, receipt_no=f"R-{number:05d}", channel=channel,
                received_at=utcnow() - timedelta(days=received_days_ago, seconds=number),  # apart and in order, but never a day back
                name=name, address=address, attribute=attribute, email=email, phone=phone,
                lookup_token_hash=hashlib.sha256(f"token{number}".encode()).hexdigest(),
            )
            submission.entries = [SubmissionEntry(position=i, body=body, section=section)
                                  for i, body in enumerate(bodies or (OPINION_TEXT,))]
            db.session.add(submission)
            db.session.commit()
            return submission.id

    return make


@pytest.fixture
def make_opinion(app, make_submission):
    """An opinion cut from the first entry of ``submission_id`` (a new submission of ``period_id``
    whose body is ``excerpt`` when not given). ``section`` is a section position (1…) in the period,
    by default the entry's; ``group`` a group id; ``redactions`` (field, start, end) triples. Returns the id."""
    from app.moderation.models import Opinion, Redaction
    from app.periods.models import Section
    from app.submissions.models import Submission

    def make(period_id=None, *, submission_id=None, excerpt=None, summary="", state="pending", section=None,
             group=None, decided_by=None, withhold_reason="", withhold_note="", redactions=()):
        submission_id = submission_id or make_submission(period_id, excerpt or OPINION_TEXT)
        with app.app_context():
            submission = db.session.get(Submission, submission_id)
            entry = submission.entries[0]
            section_id = entry.section_id
            if section:
                section_id = db.session.scalar(db.select(Section.id).where(
                    Section.period_id == submission.period_id, Section.position == section))
            opinion = Opinion(period_id=submission.period_id, submission_id=submission_id, entry_id=entry.id,
                              excerpt=excerpt or entry.body, summary=summary, state=state, section_id=section_id,
                              group_id=group, withhold_reason=withhold_reason, withhold_note=withhold_note,
                              decided_by_id=decided_by, decided_at=utcnow() if decided_by else None,
                              position=next(_seq))
            opinion.redactions = [Redaction(field=f, start=s, end=e, reason="個人名") for f, s, e in redactions]
            db.session.add(opinion)
            db.session.commit()
            return opinion.id

    return make


@pytest.fixture
def add_opinions(app):
    """Many opinions at once, one submission each. Each spec is a dict: text, and optionally section
    (position 1-3, or None; 1 if absent), channel, attribute, state, tags, received_at. Returns the
    opinion ids in order."""
    from app.moderation.models import Opinion, Tag
    from app.periods.models import CommentPeriod
    from app.submissions.models import Submission

    def add(period_id: int, opinions: list[dict]) -> list[int]:
        with app.app_context():
            sections = [section.id for section in db.session.get(CommentPeriod, period_id).sections]
            tags: dict[str, Tag] = {}
            ids = []
            for spec in opinions:
                number = next(_seq)
                submission = Submission(
                    period_id=period_id, receipt_no=f"R-{number:05d}", channel=spec.get("channel", "web"),
                    received_at=spec.get("received_at", utcnow()), attribute=spec.get("attribute", "resident"),
                    name="市民 太郎", lookup_token_hash=hashlib.sha256(f"token{number}".encode()).hexdigest(),
                )
                section = spec.get("section", 1)
                opinion = Opinion(period_id=period_id, submission=submission, excerpt=spec["text"],
                                  section_id=sections[section - 1] if section else None,
                                  state=spec.get("state", "pending"))
                for name in spec.get("tags", []):
                    opinion.tags.append(tags.setdefault(name, Tag(period_id=period_id, name=name)))
                db.session.add(opinion)
                db.session.flush()
                ids.append(opinion.id)
            db.session.commit()
            return ids

    return add


@pytest.fixture
def make_group(app):
    """A group of same-minded opinions in a period; returns its id."""
    from app.moderation.models import OpinionGroup

    def make(period_id, title="同じ趣旨の意見"):
        with app.app_context():
            group = OpinionGroup(period_id=period_id, title=title)
            db.session.add(group)
            db.session.commit()
            return group.id

    return make


@pytest.fixture
def make_tag(app):
    """A moderation tag of a period; returns its id."""
    from app.moderation.models import Tag

    def make(period_id, name="市民活動センター"):
        with app.app_context():
            tag = Tag(period_id=period_id, name=name)
            db.session.add(tag)
            db.session.commit()
            return tag.id

    return make


@pytest.fixture
def answered(app, staff_pair):
    """Write, submit and approve an answer for every accepted target of a period through the
    responses services; returns (author id, approver id)."""
    from app.periods.models import CommentPeriod
    from app.responses import services

    def answer(period_id, *, category="C", body="ご意見ありがとうございます。今後の参考とさせていただきます。"):
        author_id, approver_id = staff_pair()
        with app.test_request_context():
            period = db.session.get(CommentPeriod, period_id)
            for target in services.period_targets(period):
                response = services.save_response(period, target, body=body, category=category,
                                                  actor=user(author_id))
                services.submit_response(response, actor=user(author_id))
                services.approve_response(response, actor=user(approver_id))
            db.session.commit()
        return author_id, approver_id

    return answer


# --- workshops ---


def workshop_data(**overrides) -> dict:
    """What the workshop form gives the service: open for sign-up now, held in two weeks."""
    from app.workshops.models import DEFAULT_NOTE_KINDS

    now = utcnow()
    data = {
        "title": f"テストワークショップ{next(_seq)}", "theme": "市民活動をもっと楽しく", "content": "グループで話し合います。",
        "starts_at": now + timedelta(days=14), "ends_at": now + timedelta(days=14, hours=3),
        "venue_name": "しものせき市民活動センター", "venue_address": "ヴェルタワー下関 2階", "venue_access": "",
        "venue_accessibility": "", "online_url": "", "capacity": 10, "max_party_size": 1,
        "eligibility": "市内在住・在勤・在学の方", "contact_mode": "email_or_phone",
        "signup_opens_at": now - timedelta(days=1), "signup_closes_at": now + timedelta(days=13),
        "question_1": "", "question_2": "", "note_kinds": list(DEFAULT_NOTE_KINDS),
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_workshop(app, make_plan, make_user):
    """A published workshop (or draft) of a plan, made by a staff member of its department; returns its id."""
    from app.plans.models import Plan
    from app.workshops import services

    def make(*, plan_id=None, publish=True, facilitators=(), **overrides):
        plan_id = plan_id or make_plan()
        with app.app_context():
            plan = db.session.get(Plan, plan_id)
            staff = user(make_user("staff", department=plan.department))
            workshop = services.create_workshop(plan, workshop_data(**overrides), actor=staff,
                                                facilitator_ids=list(facilitators))
            if publish:
                services.publish_workshop(workshop, actor=staff)
            db.session.commit()
            return workshop.id

    return make


@pytest.fixture
def sign_up(app):
    """Sign someone up through the registration service; returns (registration id, status)."""
    from app.workshops import registrations

    def do(workshop_id, *, name=None, email="", phone="090-1234-5678", party_size=1, now=None, **extra):
        with app.app_context():
            registration, _ = registrations.register_participant(workshop_id, {
                "name": name or f"参加者{next(_seq)}", "email": email, "phone": phone, "attribute": "resident",
                "party_size": party_size, **extra}, now=now)
            db.session.commit()
            return registration.id, registration.status

    return do


def meeting_data(**overrides) -> dict:
    """What the meeting form gives the service: held in three weeks, five public seats, sign-up open."""
    now = utcnow()
    data = {"council_name": "下関市市民協働参画審議会", "number": next(_seq), "starts_at": now + timedelta(days=21),
            "ends_at": now + timedelta(days=21, hours=2), "place": "本庁舎 会議室", "agenda": "- 計画の素案について",
            "minutes_text": "", "seat_capacity": 5, "signup_closes_at": None}
    data.update(overrides)
    return data


@pytest.fixture
def make_meeting(app, make_plan, make_user):
    """A council meeting of a plan (published unless told), made by its department's staff; returns its id."""
    from app.council import services
    from app.plans.models import Plan

    def make(*, plan_id=None, publish=True, **overrides):
        plan_id = plan_id or make_plan()
        with app.app_context():
            plan = db.session.get(Plan, plan_id)
            staff = user(make_user("staff", department=plan.department))
            meeting = services.create_meeting(plan, meeting_data(**overrides), actor=staff)
            if publish:
                services.publish_meeting(meeting, actor=staff)
            db.session.commit()
            return meeting.id

    return make
