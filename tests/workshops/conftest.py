"""Factories for workshop tests: a published workshop open for sign-up, people signed up, a facilitator."""

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.plans.models import Plan
from app.workshops import registrations, services
from app.workshops.models import DEFAULT_NOTE_KINDS, Registration, Workshop

_seq = count(1)


def workshop_data(**overrides) -> dict:
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
    """A published workshop (or draft) of a plan in まちづくり政策課; returns its id."""

    def make(*, plan_id=None, publish=True, facilitators=(), **overrides):
        plan_id = plan_id or make_plan()
        with app.app_context():
            plan = db.session.get(Plan, plan_id)
            staff = db.session.get(User, make_user("staff", department=plan.department))
            workshop = services.create_workshop(plan, workshop_data(**overrides), actor=staff,
                                                facilitator_ids=list(facilitators))
            if publish:
                services.publish_workshop(workshop, actor=staff)
            db.session.commit()
            return workshop.id

    return make


@pytest.fixture
def sign_up(app):
    """Sign someone up through the service; returns (registration id, status)."""

    def do(workshop_id, *, name=None, email="", phone="090-1234-5678", party_size=1, now=None, **extra):
        with app.app_context():
            registration, _ = registrations.register_participant(workshop_id, {
                "name": name or f"参加者{next(_seq)}", "email": email, "phone": phone, "attribute": "resident",
                "party_size": party_size, **extra}, now=now)
            db.session.commit()
            return registration.id, registration.status

    return do


@pytest.fixture
def snapshot(app):
    """Everything a refused request must leave as it was: registrations and workshop rows."""

    def take(workshop_id):
        with app.app_context():
            db.session.expire_all()
            workshop = db.session.get(Workshop, workshop_id)
            rows = db.session.execute(select(Registration.id, Registration.status, Registration.attended_at,
                                             Registration.group_id).order_by(Registration.id)).all()
            return (workshop.capacity, workshop.status, workshop.summary, workshop.report_published_at,
                    [tuple(row) for row in rows],
                    db.session.scalar(select(func.count()).select_from(Registration)))

    return take


def token_of(app, registration_id) -> str:
    with app.app_context():
        return registrations.registration_token(db.session.get(Registration, registration_id))
