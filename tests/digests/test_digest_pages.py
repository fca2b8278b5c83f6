"""The digest page, accepting a suggested group, and the CSV export, as staff use them."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from app.core.jobs import dispatch
from app.core.models import AuditEntry, JobRun
from app.core.timeutil import utcnow
from app.digests.models import DigestCluster
from app.digests.services import request_export
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.periods.models import CommentPeriod
from app.responses.models import Response
from tests.conftest import csrf_token
from tests.digests.test_digest_job import build, digest_of
from tests.spreadsheets import FORMULAS, assert_csv_runs_nothing, one_charset


def clusters_of(period_id: int) -> list[DigestCluster]:
    digest = digest_of(period_id)
    return db.session.scalars(select(DigestCluster).where(DigestCluster.digest_id == digest.id)
                              .order_by(DigestCluster.position)).all()


def snapshot() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(OpinionGroup)),
            db.session.scalar(select(func.count()).where(Opinion.group_id.is_not(None))),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


@pytest.mark.parametrize("roles", [("staff",), ("moderator",), ("admin",)])
def test_staff_moderators_and_admins_read_the_digest_with_chart_table_and_groups(
        app, login_as, campaign_period, run_jobs, roles):
    period_id, _ = campaign_period
    with app.test_request_context():
        build(period_id, run_jobs)
    client, _ = login_as(*roles)
    html = client.get(f"/periods/{period_id}/digest").get_data(as_text=True)
    assert "<svg" in html and '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert "<script" not in html.split("<svg")[1].split("</svg>")[0]
    assert re.search(r'<th scope="row">[^<]+</th><td class="num">12</td>', html)  # the per-day data table
    assert "公民館の利用時間延長を求めます。" in html and "家族も同じ思いです。" in html
    assert "公民館" in html and "keywords" in html
    assert 'name="cluster' in html  # an accept form per cluster
    assert "市民 太郎" not in html  # submitters' names stay out of the digest


def test_citizens_other_departments_and_visitors_cannot_open_the_digest(client, client_as, make_period):
    period_id = make_period(department="まちづくり政策課")
    assert client.get(f"/periods/{period_id}/digest").status_code in (302, 401)
    assert client_as("citizen").get(f"/periods/{period_id}/digest").status_code == 403
    other = client_as("staff", department="観光政策課")
    assert other.get(f"/periods/{period_id}/digest").status_code == 403
    assert other.get("/periods/999999/digest").status_code == 404


def test_rebuild_from_the_page_builds_the_digest_and_shows_when(app, login_as, make_period, add_opinions, run_jobs):
    period_id = make_period()
    add_opinions(period_id, [{"text": "図書館の開館時間を延ばしてください。"}])
    client, _ = login_as("staff")
    page = client.get(f"/periods/{period_id}/digest").get_data(as_text=True)
    assert "まだ" in page or "No digest" in page
    response = client.post(f"/periods/{period_id}/digest/rebuild", data={"csrf_token": csrf_token(client, f"/periods/{period_id}/digest")})
    assert response.status_code == 303
    run_jobs()
    html = client.get(f"/periods/{period_id}/digest").get_data(as_text=True)
    assert "作成" in html or "Built on" in html
    with app.app_context():
        run = db.session.scalars(select(JobRun)).one()
        assert run.state == "done" and run.func == "app.digests.tasks.build_period_digest"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "digest.request"))


def test_accepting_a_cluster_makes_its_ungrouped_opinions_one_group_and_is_audited(
        app, login_as, campaign_period, run_jobs):
    period_id, ids = campaign_period
    with app.app_context():
        build(period_id, run_jobs)
        letter = clusters_of(period_id)[0]
        # One copy is already in a group of its own: it stays there.
        other = OpinionGroup(period_id=period_id, title="既存のグループ")
        db.session.add(other)
        db.session.flush()
        db.session.get(Opinion, ids["letters"][0]).group_id = other.id
        # Another copy already has an answer of its own: grouping it would leave two answers for it.
        db.session.add(Response(period_id=period_id, opinion_id=ids["letters"][1], body="回答案"))
        db.session.commit()
        letter_id, other_id = letter.id, other.id
    client, user_id = login_as("moderator")
    token = csrf_token(client, f"/periods/{period_id}/digest")
    response = client.post(f"/periods/{period_id}/digest/clusters/{letter_id}/accept",
                           data={"csrf_token": token, f"cluster{letter_id}-title": "公民館の開館時間延長"})
    assert response.status_code == 303
    with app.app_context():
        cluster = db.session.get(DigestCluster, letter_id)
        group = cluster.accepted_group
        assert group.title == "公民館の開館時間延長" and group.created_by_id == user_id
        assert sorted(opinion.id for opinion in group.opinions) == ids["letters"][2:]
        assert db.session.get(Opinion, ids["letters"][0]).group_id == other_id
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "digest.accept_cluster")).one()
        assert entry.actor_id == user_id and entry.details["opinions"] == 4


def test_accepting_is_refused_with_a_message_and_changes_nothing(app, login_as, campaign_period, run_jobs):
    period_id, _ = campaign_period
    with app.app_context():
        build(period_id, run_jobs)
        letter_id, duplicate_id = (cluster.id for cluster in clusters_of(period_id))
    client, _ = login_as("staff")
    token = csrf_token(client, f"/periods/{period_id}/digest")
    url = f"/periods/{period_id}/digest/clusters/{letter_id}/accept"
    with app.app_context():
        before = snapshot()
    # A title too long: the message sits next to the field.
    response = client.post(url, data={"csrf_token": token, f"cluster{letter_id}-title": "長" * 201})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="cluster{letter_id}-title-error">' in html
    assert re.search(f'aria-describedby="[^"]*cluster{letter_id}-title-error"[^>]*id="cluster{letter_id}-title"', html)
    with app.app_context():
        assert snapshot() == before
        db.session.get(CommentPeriod, period_id).results_published_at = utcnow()
        db.session.commit()
    # Results published: no more grouping.
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 409
    with app.app_context():
        assert snapshot() == before
        db.session.get(CommentPeriod, period_id).results_published_at = None
        db.session.commit()
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    # Twice: refused.
    assert client.post(url, data={"csrf_token": token}).status_code == 409
    # A cluster from another period's digest is not found here.
    assert client.post(f"/periods/{period_id + 1000}/digest/clusters/{duplicate_id}/accept",
                       data={"csrf_token": token}).status_code == 404


def test_export_is_a_csv_with_bom_built_by_a_job_and_asked_twice_runs_once(app, login_as, campaign_period, run_jobs):
    period_id, ids = campaign_period
    with app.app_context():
        build(period_id, run_jobs)
    client, user_id = login_as("staff")
    token = csrf_token(client, f"/periods/{period_id}/digest")
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        first, second = request_export(period, actor=None), request_export(period, actor=None)
        assert first.id == second.id
        run_id = first.id
        db.session.commit()
        dispatch()
    run_jobs()
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        assert run.state == "done" and run.result["rows"] == 8
    html = client.get(f"/periods/{period_id}/digest").get_data(as_text=True)
    assert f"/jobs/runs/{run_id}/files/0" in html
    response = client.get(f"/jobs/runs/{run_id}/files/0")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["group", "kind", "group_size"]
    assert {row[1] for row in table[1:]} == {"template", "exact"}
    assert sorted(int(row[3]) for row in table[1:]) == sorted(ids["letters"] + ids["duplicates"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "job_run.download")) == 1
    assert client.post(f"/periods/{period_id}/digest/export", data={"csrf_token": token}).status_code == 303


def test_export_keeps_opinions_that_start_a_formula_as_text(app, login_as, make_period, add_opinions, run_jobs):
    period_id = make_period()
    add_opinions(period_id, [{"text": f"{text} 図書館の開館時間を延ばしてください"} for text in FORMULAS for _ in range(2)])
    with app.test_request_context():
        build(period_id, run_jobs)
        run = request_export(db.session.get(CommentPeriod, period_id), actor=None)
        db.session.commit()
        dispatch()
        run_id = run.id
    run_jobs()
    client, _ = login_as("staff")
    response = client.get(f"/jobs/runs/{run_id}/files/0")
    assert response.status_code == 200
    assert one_charset(response.headers["Content-Type"]), response.headers["Content-Type"]
    assert_csv_runs_nothing(response.data, list(FORMULAS))
