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
    documents, grams = [], []
    for submission_id, normalised in texts.items():
        documents.append({"submission_id": submission_id, "text": normalised})
        grams.extend({"gram": gram, "submission_id": submission_id}
                     for gram in {gram for line in normalised.split("\n") for gram in char_ngrams(line, GRAM)})
    if db.session.get_bind().dialect.name == "postgresql":
        _insert_as_arrays(documents, grams)
        return
    db.session.execute(insert(SearchDocument), documents)
    if grams:
        # An executemany: psycopg pipelines it, and its statement is compiled once. (A multi-row VALUES
        # is compiled anew for each length and cost twice the CPU in bench/: measured, then undone.)
        db.session.execute(insert(SearchGram), grams)


# Documents and grams in one statement on PostgreSQL, each column sent as one array: a web send's index
# was two statements and an executemany of ~45 rows, whose parameters SQLAlchemy processed row by row.
_INSERT_AS_ARRAYS = text(
    "WITH docs AS (INSERT INTO submission_search_docs (submission_id, text, indexed_at) "
    "SELECT doc_id, doc_text, :now FROM unnest(CAST(:doc_ids AS integer[]), CAST(:doc_texts AS text[])) "
    "AS d(doc_id, doc_text)) "
    "INSERT INTO submission_search_grams (gram, submission_id) "
    "SELECT gram, gram_id FROM unnest(CAST(:grams AS text[]), CAST(:gram_ids AS integer[])) AS g(gram, gram_id)")


def _insert_as_arrays(documents: list[dict], grams: list[dict]) -> None:
    db.session.execute(_INSERT_AS_ARRAYS, {
        "now": utcnow(), "doc_ids": [doc["submission_id"] for doc in documents],
        "doc_texts": [doc["text"] for doc in documents], "grams": [gram["gram"] for gram in grams],
        "gram_ids": [gram["submission_id"] for gram in grams]})


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
