"""A result's files, public and staff, carry what people typed as text: no cell of any CSV or XLSX
is a formula a spreadsheet would run, and every text download names one charset."""

from datetime import date

import pytest
from sqlalchemy import select

from app.core.jobs import dispatch
from app.core.models import JobRun
from app.extensions import db
from app.periods.models import CommentPeriod
from app.privacy.models import PersonalFinding
from app.privacy.services import review, screening
from app.responses import results, services
from app.responses.models import DraftChange
from tests.conftest import csrf_token
from tests.responses.conftest import user
from tests.spreadsheets import FORMULAS, assert_csv_runs_nothing, assert_xlsx_runs_nothing, one_charset

ANSWER = "@SUM(A1) については今後の参考とします。"


@pytest.fixture
def formula_result(app, make_period, make_submission, make_opinion, make_user, staff_pair, run_jobs):
    """A published result whose every citizen- and staff-typed field starts a formula. Each opinion
    repeats its submitter's "name", so a moderator first clears those findings, as the publication
    check requires."""
    period_id = make_period()
    moderator_id = make_user("admin")
    for text in FORMULAS:
        submission_id = make_submission(period_id, text, name=text, address=text, phone=text)
        make_opinion(period_id, submission_id=submission_id, summary=text, excerpt=text)
    author_id, approver_id = staff_pair()
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        for target in services.period_targets(period):
            response = services.save_response(period, target, body=ANSWER, category="A", actor=user(author_id))
            services.submit_response(response, actor=user(author_id))
            services.approve_response(response, actor=user(approver_id))
        response.changes.append(DraftChange(before="=1+1", after="-2+3 に改めます"))
        screening.screen_period(period)
        for finding in db.session.scalars(select(PersonalFinding)):
            review.clear_finding(finding, user(moderator_id), note="数式の試験用の文字列です。")
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文は窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(approver_id))
        db.session.commit()
        dispatch()
    run_jobs()
    return period_id


def test_public_result_csv_keeps_formula_text_as_text(client, formula_result):
    body = client.get(f"/periods/{formula_result}/result/download/csv").data
    assert_csv_runs_nothing(body, [*FORMULAS, ANSWER])


def test_public_result_xlsx_has_no_formula_and_typed_text_as_strings(client, formula_result):
    data = client.get(f"/periods/{formula_result}/result/download/xlsx").data
    assert_xlsx_runs_nothing(data, [*FORMULAS, ANSWER, "=1+1", "-2+3 に改めます"])


def test_open_data_result_csv_keeps_formula_text_as_text(client, formula_result):
    response = client.get(f"/api/v1/periods/{formula_result}/result.csv")
    assert response.status_code == 200
    assert_csv_runs_nothing(response.data, [*FORMULAS, ANSWER])


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_text_downloads_of_a_result_name_one_charset(client, formula_result, fmt):
    response = client.get(f"/periods/{formula_result}/result/download/{fmt}")
    assert response.status_code == 200
    assert one_charset(response.headers["Content-Type"]), response.headers["Content-Type"]
    assert response.mimetype == {"csv": "text/csv", "html": "text/html"}[fmt]


@pytest.fixture
def staff_export(app, login_as, formula_result, run_jobs):
    """A staff client and the id of the finished list of submitters of ``formula_result``."""
    staff, _ = login_as("staff")
    token = csrf_token(staff, f"/staff/periods/{formula_result}/result")
    assert staff.post(f"/staff/periods/{formula_result}/result/staff-export",
                      data={"csrf_token": token}).status_code == 303
    run_jobs()
    with app.app_context():
        run_id = db.session.scalar(select(JobRun.id).where(JobRun.kind == results.STAFF_EXPORT_KIND,
                                                           JobRun.state == "done"))
    assert run_id is not None
    return staff, run_id


def test_staff_csv_of_submitters_keeps_names_and_opinions_as_text(staff_export):
    staff, run_id = staff_export
    assert_csv_runs_nothing(staff.get(f"/staff/exports/{run_id}/csv").data, [*FORMULAS, ANSWER])


def test_staff_xlsx_of_submitters_has_no_formula_and_typed_text_as_strings(staff_export):
    staff, run_id = staff_export
    assert_xlsx_runs_nothing(staff.get(f"/staff/exports/{run_id}/xlsx").data, [*FORMULAS, ANSWER])


def test_staff_csv_of_submitters_names_one_charset(staff_export):
    staff, run_id = staff_export
    content_type = staff.get(f"/staff/exports/{run_id}/csv").headers["Content-Type"]
    assert one_charset(content_type) and content_type.startswith("text/csv"), content_type
