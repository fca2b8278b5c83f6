"""Import of a data-entry company's file of returned forms: every encoding and XLSX, every row
checked with its row and column named, nothing half-imported, and codes counting as used."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.surveys.models import AnswerCode, AnswerItem, SurveyAnswer
from tests.conftest import csrf_token
from tests.submissions.test_import import as_csv, as_xlsx
from tests.surveys.conftest import CODES, answers, question_ids, web_send

HEADER = ["回答コード", "Q1", "Q2", "Q2その他", "Q3", "Q4", "Q5", "Q6"]


def _upload(client, survey_id, data: bytes, name="forms.csv"):
    path = f"/staff/surveys/{survey_id}/paper/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _answers(app, survey_id):
    with app.app_context():
        return db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id)
                                  .order_by(SurveyAnswer.id)).all()


def _used(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AnswerCode).where(AnswerCode.used.is_(True))).all())


def test_the_template_lists_the_code_and_every_question_column(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    response = staff.get(f"/staff/surveys/{survey_id}/paper/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").splitlines() == [",".join(HEADER)]


@pytest.mark.parametrize("encode", [
    lambda t: as_csv(t), lambda t: as_csv(t, "utf-8"), lambda t: as_csv(t, "cp932"), as_xlsx,
], ids=["utf8-bom", "utf8", "shift_jis", "xlsx"])
def test_a_clean_file_imports_every_form_and_uses_its_codes(app, make_survey, login_as, encode):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    table = [HEADER,
             [CODES[0].lower(), "1", "1 4", "文化", "4", "25", "42", "公園を増やしてほしい"],
             [CODES[1], "２", "", "", "", "3-", "", ""]]
    response = _upload(staff, survey_id, encode(table), "forms.xlsx" if encode is as_xlsx else "forms.csv")
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    assert "2通の調査票を取り込みました" in staff.get(response.headers["Location"]).get_data(as_text=True)
    first, second = _answers(app, survey_id)
    assert (first.channel, first.answered, second.answered) == ("paper", 6, 2)
    q = question_ids(app, survey_id)
    with app.app_context():
        items = db.session.scalars(select(AnswerItem).where(AnswerItem.answer_id == first.id)).all()
        assert {item.text for item in items if item.question_id == q[5]} == {"公園を増やしてほしい"}
        assert {(item.choice, item.text) for item in items if item.question_id == q[1]} == {(1, ""), (4, "文化")}
    assert _used(app) == 2
    # A code the file used is refused on the web afterwards.
    refused = web_send(app.test_client(), survey_id, answers(app, survey_id), code=CODES[1])
    assert refused.status_code == 409


def test_a_bad_row_names_its_row_and_column_and_nothing_is_imported(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    table = [HEADER,
             [CODES[0], "1", "", "", "", "", "", ""],
             [CODES[1], "3", "1 2 3", "", "9", "", "abc", ""],
             ["ZZZZ-ZZZZ-ZZZZ", "1", "", "", "", "", "", ""],
             [CODES[0], "2", "", "", "", "", "", ""]]
    response = _upload(staff, survey_id, as_csv(table))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "3行に誤りがあります。何も取り込んでいません。" in html
    assert "Q1：示された選択肢から選んでください" in html and "Q3：示された選択肢から選んでください" in html
    assert "Q5：数字を入力してください" in html
    assert "回答コード：この回答コードはこの調査のものではありません" in html
    assert "回答コード：2行目と同じコードです" in html
    assert _answers(app, survey_id) == [] and _used(app) == 0


def test_a_code_already_used_on_the_web_refuses_its_row(app, make_survey, login_as):
    survey_id = make_survey()
    assert web_send(app.test_client(), survey_id, answers(app, survey_id), code=CODES[2]).status_code == 303
    staff, _ = login_as("staff")
    response = _upload(staff, survey_id, as_csv([HEADER, [CODES[3], "2"], [CODES[2], "2"]]))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "回答コード：この回答コードは、Webまたは紙の調査票ですでに使われています" in html
    assert len(_answers(app, survey_id)) == 1 and _used(app) == 1  # only the web answer


def test_files_refused_as_a_whole(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    unknown = _upload(staff, survey_id, as_csv([[*HEADER, "Q9"], [CODES[0], "2"]]))
    assert unknown.status_code == 400 and "この調査にない列があります：Q9" in unknown.get_data(as_text=True)
    missing = _upload(staff, survey_id, as_csv([["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"], ["2"]]))
    assert "見出し行に次の列がありません：回答コード" in missing.get_data(as_text=True)
    book = Workbook()
    book.active.append(HEADER)
    book.active.append([CODES[0], "=1+1"])
    out = io.BytesIO()
    book.save(out)
    formula = _upload(staff, survey_id, out.getvalue(), "forms.xlsx")
    assert "B2：数式のセルは取り込めません" in formula.get_data(as_text=True)
    assert "Shift_JIS" in _upload(staff, survey_id, b"\xff\xfe\xfd" * 10).get_data(as_text=True)
    assert _answers(app, survey_id) == [] and _used(app) == 0


def test_a_survey_without_codes_takes_the_group_from_its_column(app, make_survey, login_as):
    survey_id = make_survey(uses_codes=False, codes=())
    staff, _ = login_as("staff")
    header = ["調査対象", *HEADER[1:]]
    bad = _upload(staff, survey_id, as_csv([header, ["市役所", "2"]]))
    assert "調査対象：市民、団体のいずれかを書いてください" in bad.get_data(as_text=True)
    assert _upload(staff, survey_id, as_csv([header, ["団体", "2"], ["市民", "2"]])).status_code == 303
    with app.app_context():
        from app.surveys.models import Survey

        groups = [group.id for group in db.session.get(Survey, survey_id).groups]
    assert [answer.group_id for answer in _answers(app, survey_id)] == [groups[1], groups[0]]
