"""The print kit: a job builds the opinion form, the poster and the large-print draft; staff download
them; the public gets the blank forms; the form number picks the period for paper entry."""

import re
import subprocess

from sqlalchemy import select

from app.core.models import JobRun
from app.extensions import db
from app.printkit.formid import form_id
from app.printkit.largeprint import BODY_SIZE
from tests.conftest import csrf_token, login
from tests.printkit.conftest import font_sizes, pdf_text

DEADLINE = "令和9年1月15日（金）"


def test_opinion_form_carries_title_deadline_sections_field_rules_and_form_number(
        client, login_as, kit_period, build_kit, tmp_path):
    staff, _ = login_as("staff")
    build_kit(staff, kit_period)
    response = staff.get(f"/staff/periods/{kit_period}/print-kit/form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "意見提出用紙" in text and "第5次下関市市民活動促進基本計画（案）" in flat
    assert f"提出期限：{DEADLINE}" in flat
    for section in ("第1章1計画の背景", "第1章2計画の趣旨", "第1章3計画の期間", "全体・その他"):
        assert section in flat
    assert flat.count(f"用紙番号{form_id(kit_period)}") == 2  # on both pages
    # As the period's rules ask: name and address required, attribute and email optional, no phone.
    assert re.search(r"氏名\s*［必須］", text) and re.search(r"住所\s*［必須］", text)
    assert re.search(r"メールアドレス\s*［任意］", text) and "電話番号" not in text
    assert all(word in text for word in ("在住", "在勤", "在学")) and "事業者" not in text  # eligibility to tick
    assert "下関市南部町1-1" in text and "083-000-1234" in text  # where to send it
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)


def test_qr_codes_open_the_web_form_and_the_bar_code_holds_the_form_number(client, login_as, kit_period, build_kit,
                                                                            tmp_path):
    import zxingcpp
    from PIL import Image

    staff, _ = login_as("staff")
    build_kit(staff, kit_period)
    for doc, page in (("form", 2), ("poster", 1)):
        (tmp_path / f"{doc}.pdf").write_bytes(staff.get(f"/staff/periods/{kit_period}/print-kit/{doc}.pdf").data)
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", str(page), "-l", str(page), str(tmp_path / f"{doc}.pdf"),
                        str(tmp_path / doc)], check=True)
        image = Image.open(next(tmp_path.glob(f"{doc}-*.png")))
        found = {code.format.name: code.text for code in zxingcpp.read_barcodes(image)}
        assert found.get("QRCode", "").endswith(f"/periods/{kit_period}/submit"), found
        if doc == "form":
            assert found.get("Code128") == form_id(kit_period), found


def test_poster_says_title_deadline_and_how_to_take_part(client, login_as, kit_period, build_kit, tmp_path):
    staff, _ = login_as("staff")
    build_kit(staff, kit_period)
    flat = re.sub(r"\s+", "", pdf_text(staff.get(f"/staff/periods/{kit_period}/print-kit/poster.pdf").data, tmp_path))
    assert "第5次下関市市民活動促進基本計画（案）" in flat and f"提出期限：{DEADLINE}" in flat
    assert "参加の方法" in flat and "本庁舎" in flat and "令和8年12月16日（水）" in flat


def test_large_print_copy_sets_the_whole_text_at_14_pt_or_more_with_tables_kept(
        client, login_as, kit_period, build_kit, tmp_path):
    staff, _ = login_as("staff")
    run = build_kit(staff, kit_period)
    assert run.result["stage"] == "soan"
    data = staff.get(f"/staff/periods/{kit_period}/print-kit/large-print.pdf").data
    flat = re.sub(r"\s+", "", pdf_text(data, tmp_path))
    for words in ("大きな文字版", "第１章計画策定の背景と趣旨", "地域のつながりが弱まり、担い手が不足しています。市民と市が協働する",
                  "※協働：", "【表１関連する計画の期間】", f"提出期限：{DEADLINE}"):
        assert words in flat, words
    table = pdf_text(data, tmp_path, "t.pdf")
    assert re.search(r"計画\s{2,}期間", table) and re.search(r"下関市総合計画\s{2,}令和12年度まで", table)
    sizes = font_sizes(data)
    assert sizes and min(sizes) >= BODY_SIZE >= 14
    assert max(sizes) > BODY_SIZE  # headings larger than the body


def test_kit_without_a_published_text_has_no_large_print(app, client, login_as, make_period, build_kit):
    period_id = make_period()
    staff, _ = login_as("staff")
    run = build_kit(staff, period_id)
    assert [entry["doc"] for entry in run.result["files"]] == ["form", "poster"]
    assert staff.get(f"/staff/periods/{period_id}/print-kit/large-print.pdf").status_code == 404
    page = staff.get(f"/staff/periods/{period_id}/edit").get_data(as_text=True)
    assert "印刷用キット" in page and "大きな文字" in page


def test_staff_page_lists_the_kit_and_public_page_links_only_the_blank_forms(
        app, client, login_as, kit_period, build_kit):
    public = app.test_client()
    assert "/print/form.pdf" not in public.get(f"/periods/{kit_period}").get_data(as_text=True)
    assert public.get(f"/periods/{kit_period}/print/form.pdf").status_code == 404
    staff, _ = login_as("staff")
    build_kit(staff, kit_period)
    page = staff.get(f"/staff/periods/{kit_period}/edit").get_data(as_text=True)
    for slug in ("form", "poster", "large-print"):
        assert f"/staff/periods/{kit_period}/print-kit/{slug}.pdf" in page
    assert form_id(kit_period) in page
    shown = public.get(f"/periods/{kit_period}").get_data(as_text=True)
    assert f"/periods/{kit_period}/print/form.pdf" in shown and f"/periods/{kit_period}/print/poster.pdf" in shown
    assert public.get(f"/periods/{kit_period}/print/form.pdf").status_code == 200
    assert public.get(f"/periods/{kit_period}/print/poster.pdf").status_code == 200
    assert public.get(f"/periods/{kit_period}/print/large-print.pdf").status_code == 404
    assert public.get(f"/staff/periods/{kit_period}/print-kit/form.pdf").status_code in (302, 303, 401, 403)


def test_staff_of_another_department_can_neither_build_nor_download(app, login_as, make_user, kit_period,
                                                                    build_kit):
    staff, _ = login_as("staff")
    build_kit(staff, kit_period)
    outsider = app.test_client()
    with app.app_context():
        from app.accounts.models import User

        email = db.session.get(User, make_user("staff", department="福祉課")).email
    login(outsider, email)
    assert outsider.get(f"/staff/periods/{kit_period}/print-kit/form.pdf").status_code == 403
    token = csrf_token(outsider, "/staff/paper-forms")
    assert outsider.post(f"/staff/periods/{kit_period}/print-kit", data={"csrf_token": token}).status_code == 403


def test_form_number_opens_the_periods_paper_entry(app, client, login_as, kit_period):
    staff, _ = login_as("staff")
    typed = "ｐ－" + form_id(kit_period)[2:]
    response = staff.get("/staff/paper-forms", query_string={"form_id": typed})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/periods/{kit_period}/submissions/new")
    assert staff.get("/staff/paper-forms").status_code == 200


def test_a_wrong_or_foreign_form_number_says_so_and_goes_nowhere(app, client, login_as, kit_period, make_period):
    staff, _ = login_as("staff")
    good = form_id(kit_period)
    typo = good[:-1] + str((int(good[-1]) + 1) % 10)
    for value, words in ((typo, "用紙番号"), ("hello", "用紙番号ではありません"), (form_id(99999), "見つかりません")):
        response = staff.get("/staff/paper-forms", query_string={"form_id": value})
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    other = make_period(department="福祉課")
    response = staff.get("/staff/paper-forms", query_string={"form_id": form_id(other)})
    assert response.status_code == 422 and "見つかりません" in response.get_data(as_text=True)


def test_withdrawn_period_gets_no_kit(app, login_as, make_period, run_jobs):
    period_id = make_period(status="withdrawn")
    staff, _ = login_as("staff")
    token = csrf_token(staff, "/staff/paper-forms")
    response = staff.post(f"/staff/periods/{period_id}/print-kit", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(JobRun).where(JobRun.kind == "print_kit")) is None


def test_public_forms_go_when_the_period_closes_and_a_rebuild_replaces_the_files(
        app, client, login_as, kit_period, build_kit):
    from datetime import timedelta

    from app.core.timeutil import utcnow
    from app.jobs.services import exports_folder
    from app.periods.models import CommentPeriod
    from app.printkit.services import kit_files, latest_kit

    staff, _ = login_as("staff")
    first = build_kit(staff, kit_period)
    second = build_kit(staff, kit_period)
    with app.app_context():
        assert second.id != first.id
        assert not any((exports_folder() / entry["stored"]).exists() for entry in first.result["files"])
        period = db.session.get(CommentPeriod, kit_period)
        assert set(kit_files(latest_kit(period))) == {"form", "poster", "large_print"}
        period.opens_at, period.closes_at = utcnow() - timedelta(days=40), utcnow() - timedelta(days=5)
        db.session.commit()
    public = app.test_client()
    assert "/print/form.pdf" not in public.get(f"/periods/{kit_period}").get_data(as_text=True)
    assert public.get(f"/periods/{kit_period}/print/form.pdf").status_code == 404
    assert staff.get(f"/staff/periods/{kit_period}/print-kit/form.pdf").status_code == 200


def test_deadline_shows_the_time_only_when_the_period_does_not_close_at_the_end_of_the_day(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from app.printkit.content import day_and_time

    with app.test_request_context(), force_locale("ja"):
        assert day_and_time(datetime(2027, 1, 15, 14, 59, 59, tzinfo=UTC), closing=True) == "令和9年1月15日（金）"
        assert day_and_time(datetime(2027, 1, 15, 8, 0, tzinfo=UTC), closing=True) == "令和9年1月15日（金） 17:00"
        assert day_and_time(datetime(2026, 12, 15, 15, 0, tzinfo=UTC), closing=False) == "令和8年12月16日（水）"


def test_opinions_received_do_not_mark_the_kit_out_of_date_but_an_edit_does(app, login_as, make_period, build_kit):
    """The kit is out of date when the period was edited after it was built (its dates or addresses may have
    changed). A citizen's opinion, or a paper one entered by staff, numbers a receipt on the period's row: that
    is not an edit, and the clerk must not be told to print the kit again for it."""
    from app.core.timeutil import jst_today
    from app.periods.models import CommentPeriod
    from app.submissions import services as submissions
    from tests.submissions.conftest import opinion, submit

    stale = "キットの作成後に意見募集が変更されました"
    period_id = make_period()
    staff, _ = login_as("staff")
    build_kit(staff, period_id)
    assert stale not in staff.get(f"/staff/periods/{period_id}/edit").get_data(as_text=True)

    assert submit(app.test_client(), period_id, opinion("印刷キットの確認用の意見です。")).status_code == 303
    with app.app_context():
        received = submissions.Received(submitter=submissions.Submitter(name="紙 太郎", attribute="resident"),
                                        entries=[submissions.Entry(body="紙で届いた意見です。")])
        submissions.enter_paper(period_id, received, channel="post", received_on=jst_today(),
                                idempotency_key="paper-kit-check-abcdefghij", actor=None)
        db.session.commit()
    assert stale not in staff.get(f"/staff/periods/{period_id}/edit").get_data(as_text=True)

    with app.app_context():
        db.session.get(CommentPeriod, period_id).contact = "市民活動推進課 083-000-0000"
        db.session.commit()
    assert stale in staff.get(f"/staff/periods/{period_id}/edit").get_data(as_text=True)
