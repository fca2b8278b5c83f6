"""The check before a result is published, counted by the database.

The check used to load every target of the period to count those without an approved answer, and
every accepted opinion's summary and excerpt to see whether a summary stands in for what someone
wrote: seconds at 100,000 opinions, for the staff result page, the publication itself and each closed
period on the plan's office dashboard. Here each finding is one aggregate query (a count or an
EXISTS), with the same findings in the same order and the same counts (``tests/responses/test_checks.py``
keeps the old way as its reference and compares the two on a mixed period).
"""

from sqlalchemy import func, select

from app.core.planner import prefer_indexes
from app.core.signals import publication_check
from app.extensions import db
from app.moderation.models import EMPTY_SHA256, Opinion
from app.periods.models import CommentPeriod
from app.responses import worklist
from app.responses.results import Problem, result_for
from app.submissions.models import Submission

# What Python's str.strip() removes: every character for which str.isspace() is true (a test checks the
# list), the ideographic space U+3000 among them; SQL's trim() alone removes only the ASCII space.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _strip(column):
    """``column.strip()`` in SQL: btrim on PostgreSQL, trim with the characters on SQLite."""
    strip = func.btrim if db.session.get_bind().dialect.name == "postgresql" else func.trim
    return strip(column, WHITESPACE)


def summaries_stand_in(period: CommentPeriod) -> bool:
    """True when some accepted opinion shows a summary rather than the words the citizen wrote.

    On PostgreSQL the hashes kept on the rows (migration 027) are read from ``ix_opinions_period_state``
    first: an empty summary, or one the same as its excerpt, cannot stand in, and only the others have
    their texts read. A row not hashed (NULL, as on SQLite) has its texts read."""
    candidates = select(Opinion.id).where(Opinion.period_id == period.id, Opinion.state == "accepted")
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.where(Opinion.summary_sha256.is_distinct_from(EMPTY_SHA256),
                                      Opinion.summary_sha256.is_distinct_from(Opinion.excerpt_sha256))
    summary, excerpt = _strip(Opinion.summary), _strip(Opinion.excerpt)
    return db.session.scalar(select(
        select(Opinion.id).where(Opinion.id.in_(candidates), summary != "", summary != excerpt).exists())) or False


def publication_problems(period: CommentPeriod) -> list[Problem]:
    """Everything missing before the result can be published; empty means ready."""
    # The counts here and the privacy feature's joins read covering indexes in id order (migration 028);
    # with the default setting, the opinions' rows were read and hashed, spilling to disk at 100,000.
    prefer_indexes()
    problems: list[Problem] = []
    state = period.state()
    if state == "published":
        problems.append(Problem("already_published"))
    elif state != "closed":
        problems.append(Problem("not_closed"))
    pending = db.session.scalar(
        select(func.count()).select_from(Opinion).where(Opinion.period_id == period.id, Opinion.state == "pending"))
    if pending:
        problems.append(Problem("pending_opinions", pending))
    unsplit = db.session.scalar(
        select(func.count()).select_from(Submission).where(
            Submission.period_id == period.id,
            ~select(Opinion.id).where(Opinion.submission_id == Submission.id).exists()))
    if unsplit:
        problems.append(Problem("unsplit_submissions", unsplit))
    missing = worklist.unapproved(period)
    if missing:
        problems.append(Problem("missing_responses", missing))
    result = result_for(period)
    if result is None or not result.title.strip():
        problems.append(Problem("no_title"))
    if result is None or result.draft_published_on is None:
        problems.append(Problem("no_draft_date"))
    if (result is None or not result.full_text_note.strip()) and summaries_stand_in(period):
        problems.append(Problem("no_full_text_note"))
    for _receiver, found in publication_check.send(period):
        problems.extend(found)
    return problems
