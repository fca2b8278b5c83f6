"""The publication check counted in SQL finds what the old check (every target loaded) found."""

import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.core.signals import publication_check
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import EMPTY_SHA256, Opinion
from app.periods.models import CommentPeriod
from app.responses import checks, results
from app.responses.models import Response
from app.responses.results import Problem, result_for
from app.responses.services import period_targets
from app.submissions.models import Submission
from tests.responses.conftest import user


def _summaries_stand_in(period: CommentPeriod) -> bool:
    """True when some published opinion shows a summary rather than the words the citizen wrote."""
    rows = db.session.execute(
        select(Opinion.summary, Opinion.excerpt).where(Opinion.period_id == period.id, Opinion.state == "accepted")
    ).all()
    return any(summary.strip() and summary.strip() != excerpt.strip() for summary, excerpt in rows)


def loading_check(period: CommentPeriod) -> list[Problem]:
    """The check as it was before it was counted in SQL: every target loaded. The reference."""
    problems: list[Problem] = []
    state = period.state()
    if state == "published":
        problems.append(Problem("already_published"))
    elif state != "closed":
        problems.append(Problem("not_closed"))
    pending = db.session.scalar(
        select(func.count()).select_from(Opinion).where(Opinion.period_id == period.id, Opinion.state == "pending")
    )
    if pending:
        problems.append(Problem("pending_opinions", pending))
    unsplit = db.session.scalar(
        select(func.count()).select_from(Submission).where(
            Submission.period_id == period.id,
            ~select(Opinion.id).where(Opinion.submission_id == Submission.id).exists(),
        )
    )
    if unsplit:
        problems.append(Problem("unsplit_submissions", unsplit))
    missing = sum(1 for target in period_targets(period) if target.status != "approved")
    if missing:
        problems.append(Problem("missing_responses", missing))
    result = result_for(period)
    if result is None or not result.title.strip():
        problems.append(Problem("no_title"))
    if result is None or result.draft_published_on is None:
        problems.append(Problem("no_draft_date"))
    if _summaries_stand_in(period) and (result is None or not result.full_text_note.strip()):
        problems.append(Problem("no_full_text_note"))
    for _receiver, found in publication_check.send(period):
        problems.extend(found)
    return problems


def _both(period_id):
    db.session.expire_all()
    period = db.session.get(CommentPeriod, period_id)
    return checks.publication_problems(period), loading_check(period)


def test_the_whitespace_stripped_in_sql_is_what_python_strips():
    assert set(checks.WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_the_check_counted_in_sql_finds_what_the_old_one_found(ctx, mixed_period, make_opinion, make_submission,
                                                               make_user):
    period_id = mixed_period
    staff_id = make_user("staff")
    new, old = _both(period_id)
    assert new == old
    assert {p.code for p in new} >= {"pending_opinions", "missing_responses", "no_title", "no_draft_date"}
    assert dict((p.code, p.count) for p in new)["missing_responses"] > 5

    make_submission(period_id)  # not yet cut into opinions
    # A summary that differs from its excerpt only by surrounding spaces (U+3000 among them) stands in for
    # nothing; one that says something else does.
    opinion_id = make_opinion(period_id, excerpt="図書館の開館時間を延ばしてほしい。",
                              summary="\u3000図書館の開館時間を延ばしてほしい。\n")
    make_opinion(period_id, excerpt="駐輪場を増やしてほしい。", summary="駐輪場を増やしてほしい。")  # the same text
    new, old = _both(period_id)
    assert new == old and "unsplit_submissions" in {p.code for p in new}
    assert "no_full_text_note" not in {p.code for p in new}
    db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(summary="開館時間の延長"))
    db.session.flush()
    new, old = _both(period_id)
    assert new == old and "no_full_text_note" in {p.code for p in new}

    # Every target answered and approved: missing_responses goes, in both.
    db.session.execute(update(Response).where(Response.period_id == period_id).values(state="approved"))
    period = db.session.get(CommentPeriod, period_id)
    from app.responses import worklist
    for target in worklist.page(period, worklist.Filters(status="none"), 1, per_page=1000).items:
        db.session.add(Response(period_id=period_id, body="回答", category="A", state="approved",
                                opinion_id=target.id if target.kind == "opinion" else None,
                                group_id=target.id if target.kind == "group" else None))
    db.session.flush()
    results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6), full_text_note="",
                          introduction="", actor=user(staff_id))
    new, old = _both(period_id)
    assert new == old and "missing_responses" not in {p.code for p in new} and "no_title" not in {p.code for p in new}
    results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                          full_text_note="\u3000", introduction="", actor=user(staff_id))  # a blank note is none
    new, old = _both(period_id)
    assert new == old and "no_full_text_note" in {p.code for p in new}

    db.session.execute(update(Opinion).where(Opinion.period_id == period_id, Opinion.state == "pending")
                       .values(state="withheld"))
    db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id)
                       .values(closes_at=utcnow() + timedelta(days=3)))  # open again
    new, old = _both(period_id)
    assert new == old and [p.code for p in new][0] == "not_closed"


def test_an_empty_period_is_checked_alike(ctx, make_period):
    period_id = make_period(state="open")
    new, old = _both(period_id)
    assert new == old == [results.Problem("not_closed"), results.Problem("no_title"), results.Problem("no_draft_date")]


@pytest.mark.services
def test_a_summary_without_its_stored_hash_is_read(ctx, make_period, make_opinion):
    # PostgreSQL skips the summaries its stored hashes show empty or the same as their excerpt; a row
    # whose hash is missing (the trigger switched off by hand) has its texts read all the same.
    period_id = make_period(state="closed")
    opinion_id = make_opinion(period_id, excerpt="図書館の開館時間を延ばしてほしい。", summary="")
    period = db.session.get(CommentPeriod, period_id)
    assert not checks.summaries_stand_in(period)
    # The app's idea of an empty text's hash is the trigger's.
    assert db.session.scalar(select(Opinion.summary_sha256).where(Opinion.id == opinion_id)) == EMPTY_SHA256
    db.session.execute(text("ALTER TABLE opinions DISABLE TRIGGER opinions_text_hashes"))
    db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(summary="開館時間の延長",
                                                                              summary_sha256=None))
    db.session.execute(text("ALTER TABLE opinions ENABLE TRIGGER opinions_text_hashes"))
    assert checks.summaries_stand_in(period)
    db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(summary="開館時間の延長"))
    assert db.session.scalar(select(Opinion.summary_sha256).where(Opinion.id == opinion_id)) != EMPTY_SHA256
    assert checks.summaries_stand_in(period)  # hashed by the trigger, and read
