"""What a moderator needs next: the queue opens on the work still to do, each row says what the
submission is about, and the files a citizen attached are on the moderation page."""

import re

from app.core import uploads
from app.extensions import db
from app.submissions.models import Attachment, Submission
from app.submissions.services import ATTACHMENT_AREA
from tests.periods.conftest import uploads_dir  # noqa: F401  (shared fixture)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def open_selected(html: str) -> bool:
    return re.search(r'<option (selected value="open"|value="open" selected)', html) is not None


def receipts(html: str) -> list[str]:
    return re.findall(r'/moderation/submissions/\d+">(R-\d+)</a>', html)


def test_queue_opens_on_new_and_in_progress_with_a_preview_line(app, login_as, make_period, make_submission,
                                                                make_opinion):
    period_id = make_period()
    finished = make_submission(period_id, "もう審査の終わった提出です。", received_days_ago=9)
    waiting = make_submission(period_id, "公園のトイレを洋式にしてほしい。" * 5, received_days_ago=2)
    make_opinion(submission_id=finished, state="accepted")
    with app.app_context():
        db.session.get(Submission, finished).state = "done"
        numbers = {sid: db.session.get(Submission, sid).receipt_no for sid in (finished, waiting)}
        db.session.commit()
    client, _ = login_as("moderator")

    html = client.get("/moderation/queue").get_data(as_text=True)
    assert receipts(html) == [numbers[waiting]]
    assert open_selected(html)
    assert "公園のトイレを洋式にしてほしい。" in html  # the preview line
    assert "もう審査の終わった提出です。" not in html
    assert "未着手・対応中" in html

    every = client.get("/moderation/queue?state=").get_data(as_text=True)
    assert receipts(every) == [numbers[finished], numbers[waiting]]
    done = client.get("/moderation/queue?state=done").get_data(as_text=True)
    assert receipts(done) == [numbers[finished]]


def test_dashboard_button_leads_to_the_open_work(app, login_as, make_period, make_submission):
    period_id = make_period()
    make_submission(period_id)
    client, _ = login_as("moderator")
    dashboard = client.get("/moderation").get_data(as_text=True)
    href = re.search(r'<a class="button" href="([^"]+)">', dashboard).group(1)
    assert "state=done" not in href
    assert open_selected(client.get(href).get_data(as_text=True))


def test_moderation_page_lists_the_attached_files_with_a_working_link(app, login_as, make_period, make_submission,
                                                                      uploads_dir):  # noqa: F811
    period_id = make_period()
    sub_id = make_submission(period_id, "図面を添付します。")
    with app.app_context():
        checked = uploads.CheckedFile(filename="地図.png", content_type="image/png", data=PNG)
        db.session.get(Submission, sub_id).attachments = [Attachment(
            filename=checked.filename, stored_name=uploads.store(checked, ATTACHMENT_AREA),
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256)]
        db.session.commit()
    client, _ = login_as("moderator")
    html = client.get(f"/moderation/submissions/{sub_id}").get_data(as_text=True)
    assert "地図.png" in html
    link = re.search(r'href="(/staff/submissions/\d+/attachments/\d+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data == PNG
    assert f'href="/staff/submissions/{sub_id}"' in html  # the full submission is one click away


def test_moderation_page_says_when_nothing_was_attached(app, login_as, make_period, make_submission):
    sub_id = make_submission(make_period())
    client, _ = login_as("moderator")
    html = client.get(f"/moderation/submissions/{sub_id}").get_data(as_text=True)
    assert "添付ファイルはありません" in html
