"""A run about a comment period is stored under one subject name whichever feature starts it, so one
rule (and each feature's narrowing of it) decides who may follow it."""

import re
from pathlib import Path

from app.accounts.models import User
from app.digests.services import request_digest
from app.extensions import db
from app.jobs.services import can_follow_run
from app.periods.models import CommentPeriod
from app.responses.results import request_staff_export

DEPARTMENT = "まちづくり政策課"


def _runs(app, make_period, make_user):
    period_id = make_period(department=DEPARTMENT)
    staff = db.session.get(User, make_user("staff", department=DEPARTMENT))
    period = db.session.get(CommentPeriod, period_id)
    return period, request_digest(period, actor=staff), request_staff_export(period, actor=staff)


def test_a_digest_and_an_export_of_one_period_name_the_same_subject(app, make_period, make_user):
    with app.app_context():
        period, digest, export = _runs(app, make_period, make_user)
        assert (digest.subject_type, digest.subject_id) == (export.subject_type, export.subject_id)
        assert (digest.subject_type, digest.subject_id) == ("period", period.id)


def test_the_period_rule_and_the_exports_own_narrowing_decide_who_follows(app, make_period, make_user):
    with app.app_context():
        _period, digest, export = _runs(app, make_period, make_user)

        def user(*roles, department=DEPARTMENT):
            return db.session.get(User, make_user(*roles, department=department))

        staff, moderator, other = user("staff"), user("moderator"), user("staff", department="観光政策課")
        assert can_follow_run(digest, staff) and can_follow_run(export, staff)
        # Moderators read the department's opinions, but the staff list of submitters is the staff's own.
        assert can_follow_run(digest, moderator) and not can_follow_run(export, moderator)
        assert not can_follow_run(digest, other) and not can_follow_run(export, other)
        assert can_follow_run(export, user("admin"))


def test_no_feature_names_a_run_subject_itself():
    """Subject names come from app.core.runs (run_subject, subject_type), never from a literal."""
    literal = re.compile(r"subject_type\s*==?\s*[\"']")
    app_dir = Path(__file__).resolve().parents[2] / "app"
    offenders = [str(path.relative_to(app_dir)) for path in app_dir.rglob("*.py")
                 if path.name != "runs.py" and literal.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
