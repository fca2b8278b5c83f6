"""Search in submission texts, for Japanese as well as for English.

PostgreSQL's full-text search does not split Japanese into words, and SQLite has none. Each
submission's text is stored normalised (``submission_search_docs``, one line per entry) with its
distinct character bigrams (``submission_search_grams``), both written as the submission is created
(``signals.submission_created``). A query is normalised the same way and matched as a substring:

- two characters: the one bigram, looked up in the bigram table (exact: a line holds the phrase iff
  it holds that bigram);
- three or more: on PostgreSQL, ``text LIKE '%…%'``, which pg_trgm's GIN index (migration 024)
  answers; on SQLite, the submissions holding every bigram of the query, then the LIKE to confirm
  that the bigrams stand together;
- one character: the LIKE alone, a scan of the texts (no index holds single characters).

Every way gives the submissions whose text holds the phrase, so both engines find the same ones
(``tests/moderation/test_search_engines.py`` runs both ways on the same rows). A new submission's
index is written in one statement on PostgreSQL (see ``_INSERT_AS_ARRAYS``) and in two bulk inserts
on SQLite.
"""

from sqlalchemy import Select, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.text import char_ngrams, normalize_for_match
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import SearchDocument, SearchGram
from app.submissions.models import Submission

GRAM = 2


def search_text(submission: Submission) -> str:
    """Each entry normalised (NFKC, lower case, no spaces or punctuation), one per line, so that a
    phrase is never found across two entries."""
    return "\n".join(normalize_for_match(entry.body) for entry in submission.entries)


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


def index_new_submissions(submissions: list[Submission]) -> None:
    """Index submissions as they are created (connected to ``signals.submission_created``):
    new rows have nothing to delete, so this writes each document and its grams in bulk."""
    if not submissions:
        return
    documents, grams = [], []
    for submission in submissions:
        text = search_text(submission)
        documents.append({"submission_id": submission.id, "text": text})
        grams.extend({"gram": gram, "submission_id": submission.id}
                     for gram in {gram for line in text.split("\n") for gram in char_ngrams(line, GRAM)})
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
    return select(Submission).where(~indexed.exists())


def ensure_indexed(limit: int = 2000) -> int:
    """Index submissions that were created without it. Returns how many were indexed.

    Two searches at once may both try; the loser's savepoint is rolled back and the winner's rows stand.
    """
    rows = db.session.scalars(
        unindexed_query().options(selectinload(Submission.entries)).order_by(Submission.id).limit(limit)
    ).all()
    done = 0
    for submission in rows:
        try:
            with db.session.begin_nested():
                index_submission(submission)
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
