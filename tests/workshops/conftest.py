"""What the workshop tests share: a snapshot of what a refused request must leave alone, and a sign-up's
token. The factories (make_workshop, sign_up, workshop_data) are in tests/factories.py."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.workshops import registrations
from app.workshops.models import Registration, Workshop

# Their old home: imports written before the move keep working.
from tests.factories import make_workshop, sign_up, workshop_data  # noqa: F401


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
