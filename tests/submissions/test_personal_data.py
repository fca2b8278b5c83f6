"""Submitter personal data appears only on staff pages: unique markers in every personal field,
searched for on every public page."""

from datetime import timedelta

from sqlalchemy import select

from app.core.settings import set_setting
from app.core.timeutil import jst_today
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions import services
from app.submissions.models import Submission
from tests.submissions.conftest import look_up, opinion, receipt_of, submit

MARKERS = {"name": "MARKNAME7301", "address": "MARKADDR7302", "email": "markmail7303@example.jp",
           "phone": "083-7304-7304", "attribute": "markattr7305"}


def test_no_personal_detail_reaches_any_public_page(app, client, make_period, make_plan, login_as, uploads_dir):
    with app.app_context():
        set_setting("period.attributes", [["resident", "在住"], [MARKERS["attribute"], "MARKLABEL7306"]], actor=None)
        db.session.commit()
    plan_id = make_plan("個人情報テスト計画")
    period_id = make_period(plan_id=plan_id, field_rules={"name": "required", "address": "required",
                                                         "attribute": "optional", "email": "optional",
                                                         "phone": "optional"})
    web = submit(client, period_id, opinion(name=MARKERS["name"], address=MARKERS["address"], email=MARKERS["email"],
                                            phone=MARKERS["phone"], attribute="resident"))
    assert web.status_code == 303
    receipt_url = web.headers["Location"]
    with app.app_context():
        received = services.Received(submitter=services.Submitter(**MARKERS),
                                     entries=[services.Entry(body="FAXで届いた意見")])
        paper_code = services.new_lookup_secret()
        paper, _ = services.enter_paper(period_id, received, channel="fax", received_on=jst_today() - timedelta(days=1),
                                        idempotency_key="marker-paper-key-abcdefghij", secret=paper_code, actor=None)
        db.session.commit()
        paper_number = paper.receipt_no
        sections = db.session.get(CommentPeriod, period_id).sections
    web_number, web_code, _html = receipt_of(client, web)
    public_pages = ["/", "/plans", f"/plans/{plan_id}", "/periods", f"/periods/{period_id}",
                    f"/periods/{period_id}/submit", "/lookup", receipt_url, receipt_url.replace("/receipt", "/lookup"),
                    ("/lookup", web_number, web_code), ("/lookup", paper_number, paper_code)]
    for path in public_pages:
        response = client.get(path) if isinstance(path, str) else look_up(client, *path[1:])
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for field, marker in MARKERS.items():
            assert marker not in html, f"{field} leaked on {path}"
        assert "MARKLABEL7306" not in html, f"attribute label leaked on {path}"
    assert len(sections) == 3
    # The same markers are on the staff pages, so the search above would have found them.
    staff_client, _ = login_as("staff")
    staff_html = staff_client.get(f"/staff/periods/{period_id}/submissions").get_data(as_text=True)
    assert MARKERS["name"] in staff_html and "MARKLABEL7306" in staff_html
    with app.app_context():
        web_id = db.session.scalar(select(Submission.id).where(Submission.channel == "web"))
    detail = staff_client.get(f"/staff/submissions/{web_id}").get_data(as_text=True)
    assert all(MARKERS[f] in detail for f in ("name", "address", "email", "phone"))
