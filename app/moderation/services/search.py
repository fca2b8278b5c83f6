"""Search in submission texts, for Japanese as well as for English.

PostgreSQL's full-text search does not split Japanese into words, and SQLite has none. Each
submission's text is stored normalised (``submission_search_docs``, one line per entry) with its
distinct character bigrams: on PostgreSQL in the document's ``grams`` column (separated by spaces, under
a GIN index of them as an array), on SQLite as rows of ``submission_search_grams``. Both are written after
the submission is created, in bulk: by a recurring job every ten seconds (``app.moderation.tasks.index_new``)
and by any search that finds submissions not yet indexed, before it searches. A search so sees every
submission, and a web send does not pay for its index (bench/README.md, eighteenth session). A query is
normalised the same way and matched as a substring:

- two characters: the one bigram, looked up through the GIN index (PostgreSQL) or in the bigram table
  (SQLite) (exact: a line holds the phrase iff it holds that bigram);
- three or more: on PostgreSQL, ``text LIKE '%…%'``, which pg_trgm's GIN index (migration 024)
  answers; on SQLite, the submissions holding every bigram of the query, then the LIKE to confirm
  that the bigrams stand together;
- one character: the LIKE alone, a scan of the texts (no index holds single characters).

Every way gives the submissions whose text holds the phrase, the substring test itself
(``tests/moderation/test_search_engines.py`` checks each engine's against Python's). A batch of new
submissions is indexed in one statement on PostgreSQL (see ``_INSERT_AS_ARRAYS``) and in two bulk
inserts on SQLite. Kept as rows on PostgreSQL, the bigrams cost ten times as much to write, half of it
their foreign-key checks (migration 029).
"""

from sqlalchemy import Select, Text, bindparam, delete, func, insert, literal_column, select, text, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
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


def _grams(text: str) -> set[str]:
    """The distinct bigrams of a search text, none across its lines (its entries)."""
    return {gram for line in text.split("\n") for gram in char_ngrams(line, GRAM)}


def _in_document() -> bool:
    """Whether this engine keeps the bigrams in the document (PostgreSQL) rather than as rows."""
    return db.session.get_bind().dialect.name == "postgresql"


def index_submission(submission: Submission) -> None:
    """(Re)build the search index of one submission. Call it after creating or correcting one."""
    text = search_text(submission)
    grams = _grams(text)
    in_document = _in_document()
    joined = " ".join(sorted(grams)) if in_document else ""
    document = db.session.get(SearchDocument, submission.id)
    if document is None:
        db.session.add(SearchDocument(submission_id=submission.id, text=text, grams=joined))
    else:
        document.text, document.grams = text, joined
        document.indexed_at = utcnow()
    if not in_document:
        db.session.execute(delete(SearchGram).where(SearchGram.submission_id == submission.id))
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
    """Documents and bigrams of submissions that have none: nothing to delete, so all in bulk."""
    if not texts:
        return
    if _in_document():
        db.session.execute(_INSERT_AS_ARRAYS, {
            "now": utcnow(), "ids": list(texts), "texts": list(texts.values()),
            "grams": [" ".join(sorted(_grams(normalised))) for normalised in texts.values()]})
        return
    db.session.execute(insert(SearchDocument), [{"submission_id": submission_id, "text": normalised, "grams": ""}
                                                for submission_id, normalised in texts.items()])
    grams = [{"gram": gram, "submission_id": submission_id}
             for submission_id, normalised in texts.items() for gram in _grams(normalised)]
    if grams:
        # An executemany: psycopg pipelines it, and its statement is compiled once. (A multi-row VALUES
        # is compiled anew for each length and cost twice the CPU in bench/: measured, then undone.)
        db.session.execute(insert(SearchGram), grams)


# The documents of a batch in one statement on PostgreSQL, each column sent as one array.
_INSERT_AS_ARRAYS = text(
    "INSERT INTO submission_search_docs (submission_id, text, grams, indexed_at) "
    "SELECT doc_id, doc_text, doc_grams, :now FROM unnest(CAST(:ids AS integer[]), CAST(:texts AS text[]), "
    "CAST(:grams AS text[])) AS d(doc_id, doc_text, doc_grams)")


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


def matching_submissions(query: str) -> Select | None:
    """A select of the ids of submissions whose text contains ``query``; None for an empty query.
    The way depends on the session's engine (see the module's docstring); every way gives the same ids."""
    needle = normalize_for_match(query)
    if not needle:
        return None
    in_document = _in_document()
    if len(needle) == GRAM:
        if in_document:
            return select(SearchDocument.submission_id).where(_GRAMS_ARRAY.contains(bindparam("gram", [needle], type_=ARRAY(Text))))
        return select(SearchGram.submission_id).where(SearchGram.gram == needle)
    confirmed = select(SearchDocument.submission_id).where(SearchDocument.text.contains(needle, autoescape=True))
    if len(needle) < GRAM or in_document:
        return confirmed
    grams = set(char_ngrams(needle, GRAM))
    candidates = (
        select(SearchGram.submission_id).where(SearchGram.gram.in_(grams))
        .group_by(SearchGram.submission_id).having(func.count() == len(grams))
    )
    return confirmed.where(SearchDocument.submission_id.in_(candidates))


# The expression of the GIN index (migration 029), spelled as the index is, so that the planner uses it.
_GRAMS_ARRAY = type_coerce(func.string_to_array(SearchDocument.grams, literal_column("' '")), ARRAY(Text))
