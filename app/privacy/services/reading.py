"""What the pages and the publication check read of screening: marked-up text, counts, the review list."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import selectinload

from app.core.statements import streamed
from app.extensions import db
from app.moderation.models import EMPTY_SHA256, Opinion
from app.moderation.services.redaction import source_field, source_text
from app.periods.models import CommentPeriod
from app.privacy.detect import find_personal_data
from app.privacy.models import OPINION_DUE, RESPONSE_DUE, PersonalFinding, TextScreening
from app.privacy.services.screening import (
    answered_submission,
    hidden_spans,
    is_fresh,
    lies_inside,
    submitter_known,
)
from app.responses.models import Response
from app.responses.results import Problem
from app.submissions.models import Submission

STREAM_BATCH = 5000


@dataclass
class Piece:
    """A run of text, and the finding it is when it is one."""

    text: str
    finding: object = None


def highlight(text: str, findings) -> list[Piece]:
    """The text cut into plain runs and findings, for marking up on staff pages."""
    pieces, position = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position or finding.end > len(text):
            continue
        if finding.start > position:
            pieces.append(Piece(text[position:finding.start]))
        pieces.append(Piece(text[finding.start:finding.end], finding))
        position = finding.end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces


def entry_findings(submission: Submission) -> dict[int, list]:
    """What a submission's entries hold, found when a staff page shows it (nothing is stored: the
    entries are never published, and the citizen's send stays as cheap as it is)."""
    known = submitter_known(submission)
    return {entry.id: find_personal_data(entry.body, known) for entry in submission.entries}


def _unreviewed_counts(column, ids) -> dict[int, int]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(column, func.count()).select_from(PersonalFinding).join(TextScreening)
        .join(Opinion, Opinion.id == TextScreening.opinion_id)
        .where(column.in_(ids), PersonalFinding.state == "unreviewed").group_by(column)
    ).all())


def unreviewed_by_opinion(opinion_ids) -> dict[int, int]:
    return _unreviewed_counts(Opinion.id, list(opinion_ids))


def unreviewed_by_submission(submission_ids) -> dict[int, int]:
    """Unreviewed findings in the opinions cut out of each submission (the queue's column)."""
    return _unreviewed_counts(Opinion.submission_id, list(submission_ids))


@dataclass
class Blocking:
    unreviewed: int  # unreviewed findings in accepted opinions and approved answers
    unscreened: int  # accepted opinions and approved answers changed since screening that hold personal data


def blocking(period: CommentPeriod) -> Blocking:
    """What stops the period's result from being published, for the publication check. Reads only:
    a stale text is screened here in memory, and stored when someone screens it on the review page.

    At 100,000 opinions the texts are read as plain rows (id and text) and checked against their
    screening's hash; only a text changed since its screening is loaded as an object and screened. On
    PostgreSQL the database hashes the texts itself and sends back only those not plainly fresh."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _blocking_in_sql(period)
    return _blocking_in_python(period)


def _blocking_in_python(period: CommentPeriod) -> Blocking:
    screened = {}
    for screening in db.session.execute(
        select(TextScreening.id, TextScreening.opinion_id, TextScreening.response_id, TextScreening.field,
               TextScreening.text_sha256).where(TextScreening.period_id == period.id)
    ):
        screened["opinion" if screening.opinion_id else "response", screening.opinion_id or screening.response_id] = \
            screening
    counts = dict(db.session.execute(
        select(PersonalFinding.screening_id, func.count()).join(TextScreening)
        .where(TextScreening.period_id == period.id, PersonalFinding.state == "unreviewed")
        .group_by(PersonalFinding.screening_id)
    ).all())
    unreviewed = 0
    stale_opinions, stale_responses = [], []
    opinions = select(Opinion.id, Opinion.summary, Opinion.excerpt).where(
        Opinion.period_id == period.id, Opinion.state == "accepted")
    for row in streamed(opinions, STREAM_BATCH):
        screening = screened.get(("opinion", row.id))
        if is_fresh(screening, source_field(row), source_text(row)):
            unreviewed += counts.get(screening.id, 0)
        else:
            stale_opinions.append(row.id)
    responses = select(Response.id, Response.body).where(Response.period_id == period.id, Response.state == "approved")
    for row in streamed(responses, STREAM_BATCH):
        screening = screened.get(("response", row.id))
        if is_fresh(screening, "body", row.body):
            unreviewed += counts.get(screening.id, 0)
        else:
            stale_responses.append(row.id)
    return Blocking(unreviewed, _unscreened(stale_opinions, stale_responses))


def _blocking_in_sql(period: CommentPeriod) -> Blocking:
    """``blocking`` with the hashes compared by PostgreSQL, reading only the texts that are not plainly
    fresh. Each screening carries its text's state and hashes as they stand (migration 031): it is fresh
    (1) when its field and hash match the text ``source_field``/``source_text`` would choose, stale (0)
    when not; an excerpt screened while the summary was blank, whose summary is no longer empty, is
    decided here (2): Python's idea of blank (``str.strip``) is not the database's. The hashes are the ones
    PostgreSQL keeps on the texts' rows (``Opinion.summary_sha256``…, migration 027), made as
    ``screening.text_hash`` makes its own; one missing (NULL) matches nothing and is screened again.

    The screenings not fresh are read from partial indexes that hold only them (``OPINION_DUE``,
    ``RESPONSE_DUE``, said here in the same words); a text with no screening is stale too, and is looked
    for only when the period has more published texts than screenings of them."""
    excerpt_matches = and_(TextScreening.field == "excerpt",
                           TextScreening.text_sha256 == TextScreening.text_excerpt_sha256)
    fresh_opinion = case(
        (and_(TextScreening.field == "summary", TextScreening.text_sha256 == TextScreening.text_summary_sha256), 1),
        (and_(excerpt_matches, TextScreening.text_summary_sha256 == EMPTY_SHA256), 1),  # empty summary, unread
        (excerpt_matches, 2),
        else_=0)
    fresh_response = case(
        (and_(TextScreening.field == "body", TextScreening.text_sha256 == TextScreening.text_body_sha256), 1), else_=0)
    count = 0
    stale: dict[str, list[int]] = {"opinion": [], "response": []}
    maybe: dict[int, int] = {}
    for kind, model, key, published, due, state in (
            ("opinion", Opinion, TextScreening.opinion_id, "accepted", OPINION_DUE, fresh_opinion),
            ("response", Response, TextScreening.response_id, "approved", RESPONSE_DUE, fresh_response)):
        screenings = (TextScreening.period_id == period.id, TextScreening.text_state == published)
        unreviewed = dict(db.session.execute(
            select(key, func.count()).select_from(PersonalFinding).join(TextScreening)
            .where(*screenings, PersonalFinding.state == "unreviewed").group_by(key)).all())
        not_fresh = dict(db.session.execute(
            select(key, state).where(TextScreening.period_id == period.id, text(due), state != 1)).all())
        count += sum(n for text_id, n in unreviewed.items() if text_id not in not_fresh)
        for text_id, text_state in not_fresh.items():
            if text_state == 2:
                maybe[text_id] = unreviewed.get(text_id, 0)
            else:
                stale[kind].append(text_id)
        texts = (model.period_id == period.id, model.state == published)
        screened = db.session.scalar(select(func.count()).select_from(TextScreening).where(*screenings))
        if screened != db.session.scalar(select(func.count()).select_from(model).where(*texts)):
            stale[kind].extend(db.session.scalars(select(model.id).where(
                *texts, ~select(TextScreening.id).where(key == model.id).exists())))
    for part in _parts(list(maybe)):
        for row in db.session.execute(select(Opinion.id, Opinion.summary).where(Opinion.id.in_(part))):
            if row.summary.strip():
                stale["opinion"].append(row.id)
            else:
                count += maybe[row.id]
    return Blocking(int(count), _unscreened(stale["opinion"], stale["response"]))


def _unscreened(opinion_ids: list[int], response_ids: list[int]) -> int:
    """How many of these texts, changed since they were screened, hold personal data not hidden."""
    unscreened = 0
    for part in _parts(opinion_ids):
        for opinion in db.session.scalars(
            select(Opinion).where(Opinion.id.in_(part))
            .options(selectinload(Opinion.redactions), selectinload(Opinion.submission))
        ):
            field, text = source_field(opinion), source_text(opinion)
            hidden = hidden_spans(opinion, field)
            found = find_personal_data(text, submitter_known(opinion.submission))
            unscreened += any(not lies_inside(f.start, f.end, hidden) for f in found)
    for part in _parts(response_ids):
        for response in db.session.scalars(select(Response).where(Response.id.in_(part))):
            unscreened += bool(find_personal_data(response.body, submitter_known(answered_submission(response))))
    return unscreened


def _parts(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def publication_problems(period: CommentPeriod) -> list:
    """Connected to ``publication_check``: the problems personal data makes for publication."""
    state = blocking(period)
    problems = []
    if state.unreviewed:
        problems.append(Problem("personal_data_unreviewed", state.unreviewed))
    if state.unscreened:
        problems.append(Problem("personal_data_unscreened", state.unscreened))
    return problems


@dataclass
class ReviewItem:
    """One text of the period with its unreviewed findings, for the review list."""

    opinion: Opinion | None
    response: Response | None
    findings: list[PersonalFinding]


def review_items(period: CommentPeriod) -> list[ReviewItem]:
    """Unreviewed findings in every text of the period that may still be published."""
    rows = db.session.scalars(
        select(PersonalFinding).join(TextScreening)
        .where(TextScreening.period_id == period.id, PersonalFinding.state == "unreviewed")
        .options(selectinload(PersonalFinding.screening)).order_by(TextScreening.id, PersonalFinding.start)
    ).all()
    items: dict[int, ReviewItem] = {}
    for row in rows:
        screening = row.screening
        if screening.id not in items:
            opinion = db.session.get(Opinion, screening.opinion_id) if screening.opinion_id else None
            response = db.session.get(Response, screening.response_id) if screening.response_id else None
            if opinion is not None and opinion.state == "withheld":
                continue
            items[screening.id] = ReviewItem(opinion, response, [])
        items[screening.id].findings.append(row)
    return list(items.values())
