"""提出者数 and 意見件数 are counted one way (app.moderation.counting): the result page, its API, the
digest, the moderation dashboard and the responses overview show the same figures for one period.

The period mixes what makes counting hard: web and paper channels, a blank attribute, a submission
split into two opinions, two opinions from different people grouped under one answer, and withheld
opinions with and without a reason code.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.core.jobs import dispatch
from app.digests.models import Digest
from app.digests.services import request_digest
from app.extensions import db
from app.moderation import counting
from app.moderation.services.stats import period_counts
from app.periods.models import CommentPeriod
from app.responses import results
from tests.responses.conftest import user

SUBMITTERS = 5
OPINIONS = 7  # 5 accepted, 2 withheld
BY_CHANNEL = {"web": (1, 2), "post": (1, 1), "email": (1, 1), "in_person": (1, 1), "fax": (1, 2)}
BY_ATTRIBUTE = {"resident": (2, 4), "worker": (1, 1), "student": (1, 1), "": (1, 1)}
WITHHELD = {"defamation": 1, "other": 1}


@pytest.fixture
def mixed_period(app, make_period, make_submission, make_opinion, make_group, answered, staff_pair):
    period_id = make_period()
    web = make_submission(period_id, channel="web", attribute="resident")
    make_opinion(period_id, submission_id=web, section=1)
    make_opinion(period_id, submission_id=web, section=2, excerpt="二つ目の意見です。")
    group = make_group(period_id)
    make_opinion(period_id, submission_id=make_submission(period_id, channel="post", attribute="worker"), group=group)
    make_opinion(period_id, submission_id=make_submission(period_id, channel="email", attribute="student"),
                 group=group)
    make_opinion(period_id, submission_id=make_submission(period_id, channel="in_person", attribute=""),
                 state="withheld", withhold_reason="defamation")
    fax = make_submission(period_id, channel="fax", attribute="resident")
    make_opinion(period_id, submission_id=fax, state="withheld")  # no reason code: counted as "other"
    make_opinion(period_id, submission_id=fax, section=3, excerpt="三つ目の章への意見です。")
    author_id, approver_id = answered(period_id)
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文は窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(approver_id))
        db.session.commit()
    return period_id


def _table(html: str, caption: str) -> list[tuple[str, int, int]]:
    table = re.search(rf"<caption>{caption}</caption>(.*?)</table>", html, re.S).group(1)
    return [(label, int(a), int(b)) for label, a, b in
            re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td><td>(\d+)</td></tr>', table)]


def test_the_counts_of_a_mixed_period(ctx, mixed_period):
    counts = results.compute_counts(db.session.get(CommentPeriod, mixed_period))
    assert counts["submitters"] == SUBMITTERS and counts["opinions"] == OPINIONS
    assert counts["published"] == 5 and counts["withheld"] == 2
    assert counts["withheld_by_reason"] == WITHHELD
    assert {code: (c["submitters"], c["opinions"]) for code, c in counts["by_channel"].items()} == BY_CHANNEL
    assert {code: (c["submitters"], c["opinions"]) for code, c in counts["by_attribute"].items()} == BY_ATTRIBUTE
    assert counting.answers_needed([mixed_period]) == {mixed_period: 4}  # three alone, one group


def test_result_page_api_digest_and_dashboards_show_the_same_figures(app, client, login_as, run_jobs,
                                                                    mixed_period):
    api = client.get(f"/api/v1/periods/{mixed_period}/result").get_json()["counts"]
    assert (api["submitters"], api["opinions"], api["published"], api["withheld"]) == (SUBMITTERS, OPINIONS, 5, 2)
    assert {row["reason"]: row["opinions"] for row in api["withheld_by_reason"]} == WITHHELD
    assert {row["channel"]: (row["submitters"], row["opinions"]) for row in api["by_channel"]} == BY_CHANNEL
    assert {row["attribute"]: (row["submitters"], row["opinions"]) for row in api["by_attribute"]} == BY_ATTRIBUTE

    page = client.get(f"/periods/{mixed_period}/result").get_data(as_text=True)
    assert _table(page, "提出方法別") == [(row["label"], row["submitters"], row["opinions"])
                                      for row in api["by_channel"]]
    assert _table(page, "属性別") == [(row["label"], row["submitters"], row["opinions"]) for row in api["by_attribute"]]

    with app.app_context():
        request_digest(db.session.get(CommentPeriod, mixed_period), actor=None)
        db.session.commit()
        dispatch()
    run_jobs()
    with app.app_context():
        digest = db.session.scalars(select(Digest).where(Digest.period_id == mixed_period)).one()
        assert (digest.submission_count, digest.opinion_count) == (SUBMITTERS, OPINIONS)
        assert {row["key"]: (row["submitters"], row["opinions"]) for row in digest.counts["by_channel"]} == BY_CHANNEL
        assert ({row["key"]: (row["submitters"], row["opinions"]) for row in digest.counts["by_attribute"]}
                == BY_ATTRIBUTE)
        assert {row["key"]: row["opinions"] for row in digest.counts["by_state"]} == {"accepted": 5, "withheld": 2}

        stats = period_counts([mixed_period])[mixed_period]
        assert (stats["submitters"], stats["opinion_total"], stats["groups"]) == (SUBMITTERS, OPINIONS, 1)
        assert stats["opinions"] == {"pending": 0, "accepted": 5, "withheld": 2}

    login_as("staff", department="まちづくり政策課")
    overview = client.get("/staff/responses").get_data(as_text=True)
    to_answer = re.findall(r"</a></th>\s*<td>(\d+)</td>", overview)
    assert to_answer == ["4"]  # three opinions alone and one group
