"""The site-wide net for personal data: a marker in every personal field (submitters, participants,
staff) and in every unpublished text, then every public GET route, the public result exports and
the calendar file, fetched by nobody: no marker may appear.

The private pages a citizen reaches with their own secret link (the receipt, the lookup page, the
sign-up page and its cancel button) show that person their own details and are left out. There are
no Atom feeds on this branch; the open-data API (``api.*``) is walked with the public routes once
it is merged. responses/test_no_leaks.py and submissions/test_personal_data.py test their features
in depth; this covers every page at once.
"""

import io

from flask import url_for
from openpyxl import load_workbook

from app.core.models import JobRun
from app.extensions import db
from tests.responses.test_no_leaks import pdf_text
from tests.security.conftest import CANARIES
from tests.security.routes import PUBLIC, rule_for, url_values

PRIVATE_LINKS = {"workshops.registration", "workshops.cancel", "workshops.confirm_cancel",
                 "submissions.receipt", "submissions.lookup"}


def _leaks(text: str) -> list[str]:
    return [name for name, marker in CANARIES.items() if marker.lower() in text.lower()]


def _public_get_urls(app, ids):
    for rule in app.url_map.iter_rules():
        table_rule = rule_for(rule.endpoint)
        if ("GET" not in rule.methods or table_rule.who != PUBLIC or rule.endpoint in PRIVATE_LINKS
                or rule.endpoint == "static"):
            continue
        for overrides in ({}, {"period_id": "b.period", "workshop_id": "b.workshop", "plan_id": "b.plan"},
                          {"period_id": "draft_period", "workshop_id": "draft_workshop", "plan_id": "draft_plan",
                           "meeting_id": "draft_meeting"}):
            mapping = {arg: key for arg, key in overrides.items() if arg in rule.arguments}
            path_values, query = url_values(rule, table_rule, ids, mapping)
            with app.test_request_context():
                yield url_for(rule.endpoint, **path_values, **query)


def test_no_public_page_shows_personal_or_unpublished_data(app, world):
    client = app.test_client()
    problems, seen = [], 0
    for url in sorted(set(_public_get_urls(app, world.ids))):
        response = client.get(url)
        seen += response.status_code == 200
        leaked = _leaks(response.get_data(as_text=True))
        if leaked:
            problems.append(f"{url}: {leaked}")
    assert problems == [], "\n".join(problems)
    assert seen >= 15


def test_the_public_result_exports_carry_nothing_personal(app, world):
    client = app.test_client()
    period_id = world.ids["published"]
    with app.app_context():
        files = db.session.get(JobRun, world.ids["public_export"]).result["files"]
    assert set(files) >= {"csv", "xlsx", "pdf"}
    for fmt in files:
        response = client.get(f"/periods/{period_id}/result/download/{fmt}")
        assert response.status_code == 200, fmt
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(response.data), read_only=True)
            text = "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                             for cell in row if cell is not None)
        elif fmt == "pdf":
            text = pdf_text(response.data)
        else:
            text = response.data.decode("utf-8-sig")
        assert "公表される意見の概要" in text, f"{fmt} does not hold the published summary"
        assert _leaks(text) == [], f"{fmt} leaks {_leaks(text)}"


def test_the_markers_are_really_in_the_database(app, world, clients):
    """Staff see them where they should: the net is not empty."""
    a = world.ids["a"]
    staff = clients["staff"]
    page = staff.get(f"/staff/submissions/{a['submission']}").get_data(as_text=True)
    assert CANARIES["submitter_name"] in page and CANARIES["submitter_email"] in page
    page = staff.get(f"/staff/workshops/{a['workshop']}").get_data(as_text=True)
    assert CANARIES["participant_name"] in page
