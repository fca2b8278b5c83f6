"""The builder's rules, 表1 and the question tables, small-cell suppression and the code sheet job."""

import re
import subprocess

from sqlalchemy import select

from app.core.models import JobRun
from app.extensions import db
from app.surveys import results, services, tasks
from app.surveys.models import AnswerCode, Survey, SurveyGroup
from app.surveys.services import QuestionData, SurveyError
from tests.conftest import csrf_token
from tests.surveys.conftest import CODES, answers, paper_send, question_ids, web_send


def test_questions_are_frozen_once_answered_and_a_copy_can_change(app, client, make_survey, login_as):
    survey_id = make_survey()
    assert web_send(client, survey_id, answers(app, survey_id), code=CODES[0]).status_code == 303
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    page = staff.get(f"/staff/surveys/{survey_id}/questions/{q[0]}", follow_redirects=True)
    assert "設問は変更できません" in page.get_data(as_text=True)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        try:
            services.add_question(survey, QuestionData(kind="text", text="追加"), actor=None)
        except SurveyError as error:
            assert error.code == "frozen"
        else:
            raise AssertionError("a question was added to an answered survey")
    token = csrf_token(staff, f"/staff/surveys/{survey_id}")
    response = staff.post(f"/staff/surveys/{survey_id}/copy", data={"csrf_token": token})
    copy_id = int(re.search(r"/staff/surveys/(\d+)", response.headers["Location"]).group(1))
    assert copy_id != survey_id
    with app.app_context():
        copy = db.session.get(Survey, copy_id)
        assert copy.status == "draft" and len(copy.questions) == 6 and len(copy.groups) == 2
        assert copy.questions[1].show_if_id == copy.questions[0].id
        services.add_question(copy, QuestionData(kind="text", text="追加"), actor=None)


def test_skip_logic_may_only_point_at_an_earlier_single_choice(app, make_survey):
    survey_id = make_survey()
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        scale = survey.questions[2]
        for bad in (QuestionData(kind="text", text="x", show_if_id=scale.id, show_if_choice=1),
                    QuestionData(kind="text", text="x", show_if_id=survey.questions[0].id, show_if_choice=3)):
            try:
                services.add_question(survey, bad, actor=None)
            except SurveyError as error:
                assert error.code in ("bad_condition", "bad_condition_choice")
            else:
                raise AssertionError("bad skip logic accepted")


def test_validity_rule_counts_invalid_answers_apart(app, make_survey, login_as):
    survey_id = make_survey(min_answered=2)
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2"}, code=CODES[0]).status_code == 303  # one answered
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2", f"p{q[2]}": "5"}, code=CODES[1]).status_code == 303
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        table = results.table1(survey)
        assert results.invalid_count(survey) == 1
        citizens = table["columns"][0]
        assert citizens["valid"] == 1 and citizens["invalid"] == 1
        assert citizens["cells"][3] == "1（10.0％）"


def test_table1_has_the_seed_shape_in_wareki(app, make_survey):
    survey_id = make_survey()
    with app.app_context():
        table = results.table1(db.session.get(Survey, survey_id))
    assert table["rows"] == ("調査対象", "抽出方法", "配布数", "回収数（有効回収率）", "調査方法", "調査期間")
    citizens, groups = table["columns"]
    assert citizens["cells"][1] == "無作為抽出" and groups["cells"][1] == "全数調査"
    assert citizens["cells"][2] == "10" and citizens["cells"][3] == "0（0.0％）"
    assert re.fullmatch(r"令和\d+年\d+月\d+日～令和\d+年\d+月\d+日", citizens["cells"][5])
    assert groups["cells"][4] == "同左" and groups["cells"][5] == "同左"


def test_public_report_shows_small_counts_as_a_dash_and_staff_see_them(app, client, make_survey, login_as):
    survey_id = make_survey(open_=True, small_cell=5)
    for code in CODES[:3]:
        assert web_send(app.test_client(), survey_id, answers(app, survey_id), code=code).status_code == 303
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        public = results.question_tables(survey, public=True)
        staff_view = results.question_tables(survey, public=False)
        survey.closes_at = survey.opens_at  # closed now, so the report may go out
        services.set_report(survey, notes="", question_ids={q.id for q in survey.questions}, publish=True,
                            actor=None)
        db.session.commit()
    assert public[0].lines[0].shown_count == "—" and public[0].lines[0].percent == "—"
    assert staff_view[0].lines[0].shown_count == "3" and staff_view[0].lines[0].percent == "100.0"
    assert public[0].lines[1].shown_count == "0"  # nobody: no one to single out
    html = client.get(f"/surveys/{survey_id}/report").get_data(as_text=True)
    assert "表1" in html and "<svg" in html and "—" in html
    assert "よろしくお願いします" not in html  # free text is never published here


def test_report_cannot_be_published_while_open(app, make_survey):
    survey_id = make_survey()
    with app.app_context():
        try:
            services.set_report(db.session.get(Survey, survey_id), notes="", question_ids=set(), publish=True,
                                actor=None)
        except SurveyError as error:
            assert error.code == "report_before_close"
        else:
            raise AssertionError("report published while open")


def test_code_sheet_job_prints_codes_whose_hashes_answer(app, make_survey, login_as, run_jobs, tmp_path):
    survey_id = make_survey(codes=())
    staff, _ = login_as("staff")
    with app.app_context():
        group_id = db.session.scalar(select(SurveyGroup.id).where(SurveyGroup.survey_id == survey_id,
                                                                  SurveyGroup.label == "団体"))
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/codes")
    response = staff.post(f"/staff/surveys/{survey_id}/codes", data={"group_id": group_id, "csrf_token": token})
    assert response.status_code == 303 and "/jobs/runs/" in response.headers["Location"]
    run_jobs()
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.kind == "survey_codes"))
        assert run.state == "done", run.error
        assert db.session.scalar(select(db.func.count()).select_from(AnswerCode)
                                 .where(AnswerCode.group_id == group_id)) == 4
    pdf = staff.get(f"/jobs/runs/{run.id}/files/0")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "codes.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    printed = re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text)
    assert len(printed) == 4 and "回答コード" in text
    assert web_send(app.test_client(), survey_id, answers(app, survey_id), code=printed[0]).status_code == 303
    # The group already has a code for every form sent: no second sheet.
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/codes")
    again = staff.post(f"/staff/surveys/{survey_id}/codes", data={"group_id": group_id, "csrf_token": token})
    assert again.status_code == 200 and "配布数分の回答コードがすでにあります" in again.get_data(as_text=True)


def test_plan_page_shows_the_survey_on_its_timeline(app, client, make_survey):
    survey_id = make_survey()
    with app.app_context():
        plan_id = db.session.get(Survey, survey_id).plan_id
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"/surveys/{survey_id}" in html and "市民意識調査" in html


def test_crosstab_by_group_and_by_question_counts_in_sql(app, make_survey, login_as):
    from app.surveys.crosstab import cross

    survey_id = make_survey(min_answered=1)
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    for code, joined, scale in ((CODES[0], "1", "1"), (CODES[1], "1", "2"), (CODES[2], "2", "2")):
        assert paper_send(staff, survey_id, {f"p{q[0]}": joined, f"p{q[2]}": scale}, code=code).status_code == 303
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        by_group = cross(survey, survey.questions[2], None)
        assert by_group.rows[0][:2] == ("市民", 3) and by_group.rows[1][1] == 0
        assert [count for count, _ in by_group.rows[0][2]] == [1, 2, 0, 0, 0]
        by_q1 = cross(survey, survey.questions[2], survey.questions[0])
        assert [(label, n, [c for c, _ in cells][:2]) for label, n, cells in by_q1.rows] == [
            ("はい", 2, [1, 1]), ("いいえ", 1, [0, 1])]
        assert by_q1.rows[0][2][0][1] == "50.0"
    page = staff.get(f"/staff/surveys/{survey_id}/results?cross={q[2]}&by={q[0]}").get_data(as_text=True)
    assert "Q3 × Q1" in page


def test_export_job_writes_table1_and_the_counts_as_csv_and_xlsx(app, make_survey, login_as, run_jobs, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    survey_id = make_survey(min_answered=1)
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2", f"p{q[6 - 1]}": "=1+1"}, code=CODES[0]).status_code == 303
    response = staff.post(f"/staff/surveys/{survey_id}/export",
                          data={"csrf_token": csrf_token(staff, f"/staff/surveys/{survey_id}/results")})
    assert response.status_code == 303
    run_jobs()
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.kind == "survey_export"))
        assert run.state == "done", run.error
    body = staff.get(f"/jobs/runs/{run.id}/files/0").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["question", "text", "row", "answer"]
    assert ["Q1", "市民活動に参加していますか", "", "いいえ", "1", "100.0", "1"] in rows
    assert "=1+1" not in body.decode("utf-8-sig")  # free text is counted, never written out
    path = tmp_path / "results.xlsx"
    path.write_bytes(staff.get(f"/jobs/runs/{run.id}/files/1").data)
    book = load_workbook(path)
    assert book.sheetnames == ["表1", "設問別集計", "自由記述キーワード"]
    assert book["表1"]["B5"].value == "1（10.0％）" and book["表1"]["B5"].data_type == "s"


def test_export_job_runs_outside_any_request(app, make_survey, login_as, run_jobs):
    """A worker has an app context and no request: the scale's labels still come out, in Japanese."""
    from app.core import runs

    survey_id = make_survey(min_answered=1)
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2", f"p{q[2]}": "1"}, code=CODES[0]).status_code == 303
    with app.app_context():
        run = runs.start_run(tasks.EXPORT, tasks.export_results,
                             **runs.run_subject(db.session.get(Survey, survey_id)))
        db.session.commit()
        run_id = run.id
        from app.core.jobs import dispatch

        dispatch()
    run_jobs()
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        assert run.state == "done", run.error
        from app.jobs.services import exports_folder

        text = (exports_folder() / run.result["files"][0]["stored"]).read_text(encoding="utf-8-sig")
    assert "そう思う" in text
