"""The open data lists carry staff-typed titles as text: no CSV cell a spreadsheet would run."""

import pytest

from tests.spreadsheets import assert_csv_runs_nothing, one_charset

PLAN_TITLE = "=HYPERLINK(\"http://x\",\"第5次計画\")"
PERIOD_TITLE = "+1+1 意見募集"
WORKSHOP_TITLE = "@SUM(A1) ワークショップ"
WORKSHOP_THEME = "-2+3 市民活動"
VENUE = "\t=1 市民活動センター"


@pytest.fixture
def formula_titles(make_plan, make_period, make_workshop):
    plan_id = make_plan(title=PLAN_TITLE)
    make_period(title=PERIOD_TITLE, plan_id=plan_id)
    make_workshop(plan_id=plan_id, title=WORKSHOP_TITLE, theme=WORKSHOP_THEME, venue_name=VENUE)


@pytest.mark.parametrize(("path", "typed"), [
    ("/api/v1/plans.csv", [PLAN_TITLE]),
    ("/api/v1/periods.csv", [PERIOD_TITLE]),
    ("/api/v1/workshops.csv", [WORKSHOP_TITLE, WORKSHOP_THEME, VENUE]),
])
def test_list_csvs_keep_titles_that_start_a_formula_as_text(client, formula_titles, path, typed):
    response = client.get(path)
    assert response.status_code == 200
    assert one_charset(response.headers["Content-Type"]), response.headers["Content-Type"]
    assert_csv_runs_nothing(response.data, typed)
