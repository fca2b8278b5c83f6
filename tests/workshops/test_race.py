"""Many people taking the last seats at once: the workshop row lock means nobody is overbooked."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.workshops import registrations
from app.workshops.models import Registration
from tests.factories import workshop_data

THREADS = 10
CAPACITY = 3


def _create_workshop(app) -> int:
    from app.accounts.services import create_user
    from app.plans.services import create_plan, publish_plan
    from app.workshops.services import create_workshop, publish_workshop

    with app.app_context():
        staff = create_user("race-staff@example.jp", "correct horse battery", ["staff"], department="まちづくり政策課")
        plan = create_plan({"title": "競合テスト計画", "department": "まちづくり政策課"}, actor=staff)
        publish_plan(plan, actor=staff)
        workshop = create_workshop(plan, workshop_data(capacity=CAPACITY), actor=staff)
        publish_workshop(workshop, actor=staff)
        db.session.commit()
        return workshop.id


@pytest.mark.services
def test_concurrent_sign_ups_for_the_last_seats_never_overbook(app, committing_db):
    workshop_id = _create_workshop(app)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def sign_up(number: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                registrations.register_participant(workshop_id, {
                    "name": f"同時申込{number}", "phone": f"090-0000-{number:04d}", "attribute": "resident"})
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001  (reported below, with the thread's own error)
            errors.append(exc)

    threads = [threading.Thread(target=sign_up, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        counts = dict(db.session.execute(
            select(Registration.status, func.count()).where(Registration.workshop_id == workshop_id)
            .group_by(Registration.status)).all())
        codes = db.session.scalars(select(Registration.checkin_code)).all()
    assert counts == {"confirmed": CAPACITY, "waitlisted": THREADS - CAPACITY}
    assert len(set(codes)) == THREADS
