"""Search in submission texts, for Japanese as well as for English.

PostgreSQL's full-text search does not split Japanese into words, and SQLite has none. Each
submission's text is stored normalised (``submission_search_docs``, one line per entry) with its
distinct character bigrams (``submission_search_grams``), both written after the submission is created,
in bulk: by a recurring job every ten seconds (``app.moderation.tasks.index_new``) and by any search that
finds submissions not yet indexed, before it searches. A search so sees every submission, and a web send
does not pay for its index (two fifths of its database work and a tenth of its own, bench/README.md). A
query is normalised the same way and matched as a substring:

- two characters: the one bigram, looked up in the bigram table (exact: a line holds the phrase iff
  it holds that bigram);
- three or more: on PostgreSQL, ``text LIKE '%…%'``, which pg_trgm's GIN index (migration 024)
  answers; on SQLite, the submissions holding every bigram of the query, then the LIKE to confirm
  that the bigrams stand together;
- one character: the LIKE alone, a scan of the texts (no index holds single characters).

Every way gives the submissions whose text holds the phrase, so both engines find the same ones
(``tests/moderation/test_search_engines.py`` runs both ways on the same rows). A batch of new
submissions is indexed in one statement on PostgreSQL (see ``_INSERT_AS_ARRAYS``) and in two bulk
inserts on SQLite.
"""

from sqlalchemy import Select, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.text import char_ngrams, normalize_for_match
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import SearchDocument, SearchGram
from app.submissions.models import Submission, SubmissionEntry

GRAM = 2


def search_text(submission: Submission) -> str:
    return _joined(entry.body for entry in submission.entries)


def _joined(bodies) -> str:
    """Each entry normalised (NFKC, lower case, no spaces or punctuation), one per line, so that a
    phrase is never found across two entries."""
    return "\n".join(normalize_for_match(body) for body in bodies)


def index_submission(submission: Submission) -> None:
    """(Re)build the search index of one submission. Call it after creating or correcting one."""
    text = search_text(submission)
    grams = {gram for line in text.split("\n") for gram in char_ngrams(line, GRAM)}
    db.session.execute(delete(SearchGram).where(SearchGram.submission_id == submission.id))
    document = db.session.get(SearchDocument, submission.id)
    if document is None:
        db.session.add(SearchDocument(submission_id=submission.id, text=text))
    else:
        document.text = text
        document.indexed_at = utcnow()
    db.session.add_all(SearchGram(gram=gram, submission_id=submission.id) for gram in grams)
    db.session.flush()


def _texts(submission_ids: list[int]) -> dict[int, str]:
    """``search_text`` of each submission, read as (id, body) rows rather than loaded as objects: the job
    indexes a few seconds of sends at a time, and loading them whole cost it more than writing their index."""
    bodies: dict[int, list[str]] = {submission_id: [] for submission_id in submission_ids}
    rows = db.session.execute(
        select(SubmissionEntry.submission_id, SubmissionEntry.body)
        .where(SubmissionEntry.submission_id.in_(submission_ids))
        .order_by(SubmissionEntry.submission_id, SubmissionEntry.position))
    for submission_id, body in rows:
        bodies[submission_id].append(body)
    return {submission_id: _joined(texts) for submission_id, texts in bodies.items()}


def _write_new(texts: dict[int, str]) -> None:
    """Documents and grams of submissions that have none: nothing to delete, so all in bulk."""
    if not texts:
        return
    grams = {submission_id: {gram for line in normalised.split("\n") for gram in char_ngrams(line, GRAM)}
             for submission_id, normalised in texts.items()}
    if db.session.get_bind().dialect.name == "postgresql":
        _insert_as_arrays(texts, grams)
        return
    db.session.execute(insert(SearchDocument), [{"submission_id": submission_id, "text": normalised}
                                                for submission_id, normalised in texts.items()])
    rows = [{"gram": gram, "submission_id": submission_id} for submission_id, found in grams.items() for gram in found]
    if rows:
        # An executemany: psycopg pipelines it, and its statement is compiled once. (A multi-row VALUES
        # is compiled anew for each length and cost twice the CPU in bench/: measured, then undone.)
        db.session.execute(insert(SearchGram), rows)


# Documents and grams in one statement on PostgreSQL, each column sent as one array: a web send's index
# was two statements and an executemany of ~45 rows, whose parameters SQLAlchemy processed row by row. A
# document's grams go as one text, a line each (a gram is never a line break, nor empty), split again by
# the statement: sent as an array of every gram, they were dumped into it one by one by the driver, in
# Python, which was most of the job's CPU (bench/README.md, twenty-ninth session).
_INSERT_AS_ARRAYS = text(
    "WITH docs AS (INSERT INTO submission_search_docs (submission_id, text, indexed_at) "
    "SELECT doc_id, doc_text, :now FROM unnest(CAST(:doc_ids AS integer[]), CAST(:doc_texts AS text[])) "
    "AS d(doc_id, doc_text)) "
    "INSERT INTO submission_search_grams (gram, submission_id) "
    "SELECT g.gram, d.doc_id FROM unnest(CAST(:doc_ids AS integer[]), CAST(:doc_grams AS text[])) "
    "AS d(doc_id, doc_grams), unnest(string_to_array(d.doc_grams, chr(10))) AS g(gram)")


def _insert_as_arrays(texts: dict[int, str], grams: dict[int, set[str]]) -> None:
    ids = list(texts)
    db.session.execute(_INSERT_AS_ARRAYS, {
        "now": utcnow(), "doc_ids": ids, "doc_texts": [texts[submission_id] for submission_id in ids],
        "doc_grams": ["\n".join(grams[submission_id]) for submission_id in ids]})


def unindexed_query() -> Select:
    """Submissions without a search document: an anti-join (two primary-key indexes) rather than a
    NOT IN, which PostgreSQL answers by hashing every document's id and reading every submission."""
    indexed = select(SearchDocument.submission_id).where(SearchDocument.submission_id == Submission.id)
    return select(Submission.id).where(~indexed.exists())


def ensure_indexed(batch: int = 500) -> int:
    """Index every submission that has no search document yet, a batch at a time. Returns how many.

    A search and the recurring job may index the same submissions at once: a batch that meets one done
    meanwhile is rolled back to its savepoint and indexed one by one, the other's rows standing."""
    done = 0
    while True:
        ids = db.session.scalars(unindexed_query().order_by(Submission.id).limit(batch)).all()
        if not ids:
            return done
        try:
            with db.session.begin_nested():
                _write_new(_texts(ids))
            indexed = len(ids)
        except IntegrityError:
            indexed = _index_one_by_one(ids)
        done += indexed
        if len(ids) < batch or not indexed:
            return done


def _index_one_by_one(submission_ids: list[int]) -> int:
    done = 0
    for submission_id in submission_ids:
        try:
            with db.session.begin_nested():
                if db.session.get(SearchDocument, submission_id) is None:
                    index_submission(db.session.get(Submission, submission_id))
                    done += 1
        except IntegrityError:
            continue
    return done


def reindex_all() -> int:
    count = 0
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Submission).where(Submission.id > last_id).options(selectinload(Submission.entries))
            .order_by(Submission.id).limit(500)
        ).all()
        if not batch:
            return count
        for submission in batch:
            index_submission(submission)
        count += len(batch)
        last_id = batch[-1].id


TRIGRAM_DIALECTS = ("postgresql",)


def matching_submissions(query: str, dialect: str | None = None) -> Select | None:
    """A select of the ids of submissions whose text contains ``query``; None for an empty query.

    ``dialect`` chooses the way (see the module's docstring); by default the session's engine's.
    Every way gives the same ids on either engine, only the indexes they can use differ."""
    needle = normalize_for_match(query)
    if not needle:
        return None
    if dialect is None:
        dialect = db.session.get_bind().dialect.name
    if len(needle) == GRAM:
        return select(SearchGram.submission_id).where(SearchGram.gram == needle)
    confirmed = select(SearchDocument.submission_id).where(SearchDocument.text.contains(needle, autoescape=True))
    if len(needle) < GRAM or dialect in TRIGRAM_DIALECTS:
        return confirmed
    grams = set(char_ngrams(needle, GRAM))
    candidates = (
        select(SearchGram.submission_id).where(SearchGram.gram.in_(grams))
        .group_by(SearchGram.submission_id).having(func.count() == len(grams))
    )
    return confirmed.where(SearchDocument.submission_id.in_(candidates))
