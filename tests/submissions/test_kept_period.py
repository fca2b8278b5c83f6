"""The period the opinion form's steps read is kept a few seconds by each process (issue 20).

A confirmation then asks nothing of the database; a change committed by this process is seen at once;
what a send is judged by (state, times, counter) is read under the period's lock, never from the copy.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod, Section
from app.periods.pages import _KEPT
from app.plans.models import Plan
from app.submissions.models import Submission
from tests.submissions.conftest import confirm, confirmed_data, opinion, send


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def token_on(html: str) -> str:
    """The token on a page already fetched (``csrf_token`` would ask for the form page again)."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def confirmation(client, period_id, body="駐輪場を増やしてください。"):
    data = opinion(body, section="")
    response = confirm(client, period_id, data)  # reads the form page first, for its token
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_confirmation_reads_no_database_while_the_period_is_kept(keeping, client, make_period, statements):
    period_id = make_period(title="公共交通計画（案）")
    first = confirmation(client, period_id)
    statements.clear()
    second = client.post(f"/periods/{period_id}/submit/confirm",
                         data={**opinion("バスの本数を増やしてください。"), "csrf_token": token_on(first)})
    html = second.get_data(as_text=True)
    assert second.status_code == 200 and "バスの本数を増やしてください。" in html
    assert "公共交通計画（案）" in html
    assert statements == []  # the period, its plan and its sections came from the kept copy


def test_the_kept_copy_shows_the_sections_and_a_send_checks_them_without_reading_the_period(
        keeping, client, make_period, statements, count_rows):
    period_id = make_period()
    with keeping.app_context():
        section = db.session.scalars(select(CommentPeriod).where(CommentPeriod.id == period_id)).one().sections[1]
        section_id, section_title = section.id, section.title
    confirmation(client, period_id)  # fills the copy
    data = confirmed_data(client, period_id, opinion("第2章についての意見です。", section=str(section_id)))
    statements.clear()
    response = send(client, period_id, data)
    assert response.status_code == 303
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM comment_periods" in s or "FROM sections" in s], reads
    assert count_rows(Submission) == 1
    assert section_title in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_send_reads_the_kept_copy_and_leaves_it_as_it_was(keeping, client, make_period, count_rows):
    """On PostgreSQL a send that goes through puts nothing of the period into the session: merging the copy
    was 7 % of a send's CPU (bench/README.md, twenty-ninth session). On SQLite the counter is moved on the
    session's period, so the copy goes into it first. Either way the copy, which the process's other requests
    read, is not changed by the send."""
    _sent_from_the_copy(keeping, client, make_period, count_rows)


def test_committed_as_in_production_a_send_reads_the_kept_copy_the_same_way(keeping, client, make_period,
                                                                            count_rows, committing_db):
    """On PostgreSQL the send's one statement is then its own transaction (app/core/autocommit.py)."""
    _sent_from_the_copy(keeping, client, make_period, count_rows)


def _sent_from_the_copy(keeping, client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion("駅前に駐輪場をつくってください。"))
    kept = keeping.extensions[_KEPT][period_id][1]
    attached: list[object] = []

    def note(_session, instance):
        attached.append(instance)

    event.listen(Session, "after_attach", note)
    try:
        response = send(client, period_id, data)
    finally:
        event.remove(Session, "after_attach", note)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{period_id}-00001")
    periods = [instance for instance in attached if isinstance(instance, CommentPeriod | Plan | Section)]
    with keeping.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        assert periods == []
    else:
        assert [type(instance) for instance in periods if isinstance(instance, CommentPeriod)] == [CommentPeriod]
    assert kept not in attached and inspect(kept).detached
    assert kept.receipt_counter == 0 and keeping.extensions[_KEPT][period_id][1] is kept
    assert count_rows(Submission) == 1


def test_a_change_committed_by_this_process_is_seen_at_once(keeping, client, make_period):
    period_id = make_period(title="古い題名の計画（案）")
    assert "古い題名の計画（案）" in confirmation(client, period_id)
    with keeping.app_context():
        db.session.get(CommentPeriod, period_id).title = "新しい題名の計画（案）"
        db.session.commit()
    html = confirmation(client, period_id)
    assert "新しい題名の計画（案）" in html and "古い題名の計画（案）" not in html


def test_a_copy_past_its_seconds_is_read_again(keeping, client, make_period):
    period_id = make_period(title="古い題名の計画（案）")
    confirmation(client, period_id)
    with keeping.app_context():  # another process renames it: nothing here is told
        db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id)
                           .values(title="別の手で変えた題名"))
        db.session.commit()
    assert "古い題名の計画（案）" in confirmation(client, period_id)  # within the seconds
    kept = keeping.extensions[_KEPT]
    kept[period_id] = (kept[period_id][0] - 61, kept[period_id][1])
    assert "別の手で変えた題名" in confirmation(client, period_id)


def test_a_send_after_the_close_is_refused_although_the_copy_still_says_open(keeping, client, make_period,
                                                                             count_rows):
    _refused_after_the_close_then_sent_once_reopened(keeping, client, make_period, count_rows)


def test_committed_as_in_production_a_send_after_the_close_is_refused_the_same_way(keeping, client, make_period,
                                                                                  count_rows, committing_db):
    """On PostgreSQL the send's one statement is then its own transaction (app/core/autocommit.py)."""
    _refused_after_the_close_then_sent_once_reopened(keeping, client, make_period, count_rows)


def _refused_after_the_close_then_sent_once_reopened(keeping, client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion("締切の後に届いた意見です。"))  # the copy: open
    with keeping.app_context():  # closed early elsewhere, by a statement that tells this process nothing
        db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id)
                           .values(closes_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = send(client, period_id, data)
    html = response.get_data(as_text=True)
    assert response.status_code != 303
    assert "締切の後に届いた意見です。" in html  # the text is given back
    # What the lock read went to the session's period, not to the copy the other requests read.
    kept = keeping.extensions[_KEPT][period_id][1]
    assert inspect(kept).detached and kept.closes_at > utcnow()
    assert "締め切" in html or "closed" in html.lower()  # and the reason
    assert count_rows(Submission) == 0
    with keeping.app_context():
        assert db.session.scalar(select(func.max(CommentPeriod.receipt_counter))
                                 .where(CommentPeriod.id == period_id)) == 0
    # Reopened: the same confirmed text goes, numbered first, and a send of the same key again shows it.
    with keeping.app_context():
        db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id)
                           .values(closes_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    sent = send(client, period_id, data)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{period_id}-00001")
    again = send(client, period_id, data)
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert count_rows(Submission) == 1


def test_the_receipt_takes_the_period_from_the_copy_and_reads_only_the_submission(keeping, client, make_period,
                                                                                 statements):
    period_id = make_period(title="公共交通計画（案）")
    data = confirmed_data(client, period_id, opinion("バス停に屋根をつけてください。"))
    response = send(client, period_id, data)
    statements.clear()
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "公共交通計画（案）" in html and "バス停に屋根をつけてください。" in html
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "glossary_terms" not in s]
    # (the glossary's terms are read on every page while the page cache is off, as under test)
    assert len(reads) == 1 and "FROM submissions" in reads[0] and "comment_periods" not in reads[0], reads
