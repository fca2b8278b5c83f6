"""The code sheet's QR codes, read the way a phone reads them: the PDF page rendered to a picture
(poppler's pdftoppm) and decoded (zxing-cpp). Each must open this survey's web form with its code."""

import subprocess
from urllib.parse import urlsplit

import PIL.Image
import zxingcpp
from sqlalchemy import select

from app.core.models import JobRun
from app.extensions import db
from app.surveys.models import SurveyGroup
from tests.conftest import csrf_token
from tests.surveys.conftest import answers, web_send


def _qr_texts(pdf: bytes, tmp_path) -> tuple[list[str], str]:
    """The QR codes of the sheet's first page, and the page's text."""
    path = tmp_path / "codes.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    found = zxingcpp.read_barcodes(PIL.Image.open(tmp_path / "page.png"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [barcode.text for barcode in found], text


def test_each_qr_code_opens_the_answer_form_with_the_code_printed_beside_it(app, make_survey, login_as, run_jobs,
                                                                           tmp_path):
    survey_id = make_survey(codes=())
    staff, _ = login_as("staff")
    with app.app_context():
        group_id = db.session.scalar(select(SurveyGroup.id).where(SurveyGroup.survey_id == survey_id,
                                                                  SurveyGroup.label == "団体"))
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/codes")
    assert staff.post(f"/staff/surveys/{survey_id}/codes",
                      data={"group_id": group_id, "csrf_token": token}).status_code == 303
    run_jobs()
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.kind == "survey_codes"))
        assert run.state == "done", run.error
        form_url = f"{app.config['SITE_URL'].rstrip('/')}/surveys/{survey_id}/answer"
    texts, printed = _qr_texts(staff.get(f"/jobs/runs/{run.id}/files/0").data, tmp_path)
    assert len(texts) == 4  # the group's 配布数: four labels on the first page
    codes = []
    for decoded in texts:
        address, _, fragment = decoded.partition("#")
        assert address == form_url
        assert fragment.startswith("code=")
        codes.append(fragment.removeprefix("code="))
        assert codes[-1] in printed  # the same code is printed as text beside its QR code
    assert len(set(codes)) == 4
    # The first QR code read is a working answer code of this survey; the code is in the fragment,
    # which a browser never sends to the server.
    first = zxingcpp.read_barcodes(PIL.Image.open(tmp_path / "page.png"))[0].text
    assert urlsplit(first).path == f"/surveys/{survey_id}/answer" and urlsplit(first).query == ""
    assert web_send(app.test_client(), survey_id, answers(app, survey_id),
                    code=first.partition("#code=")[2]).status_code == 303
