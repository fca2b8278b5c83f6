"""The queue's search gives the same submissions whichever way it takes: PostgreSQL's (a trigram index
for 3 characters or more) and SQLite's (the bigram table, then LIKE), both run here on the same rows,
and both equal to Python's own substring test on the normalised texts. On PostgreSQL the trigram index
must be usable for Japanese (the cluster's character type decides whether kanji make trigrams)."""

import pytest
from sqlalchemy import func, select, text

from app.core.text import char_ngrams, normalize_for_match
from app.extensions import db
from app.moderation import services
from app.moderation.models import SearchDocument, SearchGram
from app.moderation.services.search import matching_submissions

TEXTS = [
    ("市民活動センターの開館時間を延ばしてほしいです。",),
    ("駐車場が少ないので、センターに車で行きにくい。", "市民活動の補助金を増やしてください。"),
    ("Please add English pages to the NPO guide.",),
    ("東京から京都へ行く",),
    ("公民館の予約", "方法を改善してほしい。"),
    ("ｾﾝﾀｰの案内表示が小さい。",),
    ("市民の声を聞く場を、市民活動団体と一緒に作ってほしい",),
    ("補助金の申請手続きを簡素化してほしい。補助の上限額も。",),
    ("ふくふくサポート窓口の電話がつながらない",),
    ("森",),
    ("100%の達成は難しい_計画の見直しを",),
]
QUERIES = [
    "市", "森", "雪", "車", "a", "％",  # one character (the last normalises to nothing)
    "市民", "補助", "京都", "ｾﾝ", "np",  # two
    "東京都", "補助金", "センター", "ｾﾝﾀｰ", "ＮＰＯ", "npo guide",  # three or more
    "市民活動", "市民活動センター", "予約方法", "方法を改善", "ふくふくサポート窓口", "存在しない語句",
    "100%", "見直し", "計画_の",
]


@pytest.fixture
def texts(ctx, make_period, make_submission):
    period_id = make_period()
    ids = [make_submission(period_id, *bodies) for bodies in TEXTS]
    services.ensure_indexed()
    return dict(zip(ids, TEXTS, strict=True))


def by_python(texts: dict, query: str) -> set[int] | None:
    needle = normalize_for_match(query)
    if not needle:
        return None
    return {sub_id for sub_id, bodies in texts.items() if any(needle in normalize_for_match(b) for b in bodies)}


def by_sql(query: str, dialect: str) -> set[int] | None:
    matches = matching_submissions(query, dialect=dialect)
    return None if matches is None else set(db.session.scalars(matches))


def test_the_bulk_index_holds_each_line_s_distinct_bigrams_and_nothing_else(texts):
    """On PostgreSQL a document's grams travel as one text, a line each, split again by the statement: the
    rows are each line's distinct bigrams (a line of one character, itself), as ``char_ngrams`` gives them."""
    expected = {(gram, sub_id) for sub_id, bodies in texts.items() for body in bodies
                for gram in char_ngrams(normalize_for_match(body), 2)}
    stored = {(gram, sub_id) for gram, sub_id in db.session.execute(select(SearchGram.gram, SearchGram.submission_id))}
    assert stored == expected
    assert db.session.scalar(select(func.count()).select_from(SearchGram)) == len(expected)  # no row twice
    assert {doc.submission_id: doc.text for doc in db.session.scalars(select(SearchDocument))} == {
        sub_id: "\n".join(normalize_for_match(body) for body in bodies) for sub_id, bodies in texts.items()}


@pytest.mark.parametrize("query", QUERIES)
def test_both_engines_ways_find_what_a_substring_test_finds(texts, query):
    expected = by_python(texts, query)
    assert by_sql(query, "postgresql") == expected
    assert by_sql(query, "sqlite") == expected


def test_the_queries_cover_hits_and_misses_of_every_length(texts):
    """Guards the test above: it compares something for each way of searching."""
    hits = {len(normalize_for_match(q)) for q in QUERIES if by_python(texts, q)}
    misses = {len(normalize_for_match(q)) for q in QUERIES if by_python(texts, q) == set()}
    assert {1, 2, 3, 4} <= hits and {1, 7} <= misses
    assert len(by_python(texts, "市民活動")) == 3


def _plan(sql: str, **params) -> str:
    return "\n".join(db.session.execute(text(f"EXPLAIN {sql}"), params).scalars())


def test_postgresql_answers_a_japanese_phrase_from_the_trigram_index(texts):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    # The cluster's character type must make trigrams of kanji and kana, or the index finds nothing to use.
    assert len(db.session.scalar(text("SELECT show_trgm('市民活動')"))) == 5
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a dozen rows: the planner would read them all
    query = matching_submissions("市民活動センター").compile(db.engine, compile_kwargs={"literal_binds": True})
    assert "ix_submission_search_docs_text_trgm" in _plan(str(query))
    two = matching_submissions("市民").compile(db.engine, compile_kwargs={"literal_binds": True})
    assert "pk_submission_search_grams" in _plan(str(two))
    assert db.session.scalar(select(SearchDocument.submission_id).where(
        SearchDocument.text.like("%市民活動センター%"))) in texts
