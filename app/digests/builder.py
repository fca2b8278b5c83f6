"""Compiling one period's digest from the database, as the worker does it.

Counting is a few GROUP BY queries. Grouping and keywords are two streamed passes over the period's
usable opinions (id, section, excerpt: nothing else), a chunk at a time from a server-side cursor,
so memory grows with the number of opinions by a few numbers each (and a MinHash signature per
distinct text), never by their texts; the heavy work is in ``similarity`` and ``keywords``. Writing
replaces the previous digest in one transaction with bulk inserts, so readers see the old digest
or the new one, never half of one.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from itertools import chain, islice

import numpy as np
from sqlalchemy import Row, delete, insert, select
from sqlalchemy import func as sql
from sqlalchemy import text as sql_text
from sqlalchemy.orm import aliased

from app.core import runs
from app.core.models import JobRun
from app.core.settings import labels
from app.core.statements import streamed
from app.core.timeutil import as_date, jst_date_sql, to_jst, utcnow
from app.digests.keywords import KeywordTally, overall_keywords, top_keywords
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.similarity import Cluster, SimilarityStream
from app.extensions import db
from app.moderation import counting
from app.moderation.models import Opinion, Tag, opinion_tags
from app.periods.models import CHANNELS, CommentPeriod, Section
from app.responses.models import Response
from app.submissions.models import Submission

STREAM_BATCH = 5000
OPINION_CHUNK = 10_000  # opinions read (and signed, then tokenised) at a time
TEXTS_PER_QUERY = 500  # ids in one IN (...) when texts are read back by id
SAVE_PAGE = 5000  # groups, or members, inserted per statement
TOP_KEYWORDS = 20
MAX_CHART_DAYS = 400  # a longer span is shown from its last day back
OPINION_STATES = ("pending", "accepted", "withheld")


def usable_opinions(period_id: int, chunk: int | None = None) -> Iterator[Sequence[Row]]:
    """(id, section_id, excerpt) of the period's opinions that are grouped and mined for words
    (withheld ones are counted but never answered), in id order, ``chunk`` rows at a time from a
    server-side cursor: the period's texts are never all in memory."""
    result = streamed(
        select(Opinion.id, Opinion.section_id, Opinion.excerpt)
        .where(Opinion.period_id == period_id, Opinion.state != "withheld")
        .order_by(Opinion.id),
        chunk or OPINION_CHUNK,
    )
    yield from result.partitions()


def texts_by_id(ids: list[int]) -> dict[int, str]:
    """The excerpt of each of these opinions (a few hundred ids per query)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), TEXTS_PER_QUERY):
        rows = db.session.execute(
            select(Opinion.id, Opinion.excerpt).where(Opinion.id.in_(ids[start : start + TEXTS_PER_QUERY]))
        )
        found.update((opinion_id, text) for opinion_id, text in rows)
    return found


# --- counts ---------------------------------------------------------------------------------


def _pairs(query) -> dict:
    return {key: count for key, count in db.session.execute(query)}


def _table(keys_labels, submitters: dict, opinions: dict) -> list[dict]:
    """Rows in the order of ``keys_labels`` (known codes first), then any other code found."""
    rows = [{"key": key, "label": label, "submitters": submitters.get(key, 0), "opinions": opinions.get(key, 0)}
            for key, label in keys_labels]
    known = {key for key, _ in keys_labels}
    for key in sorted(set(submitters) | set(opinions), key=lambda k: k or ""):
        if key not in known:
            rows.append({"key": key, "label": key or "", "submitters": submitters.get(key, 0),
                         "opinions": opinions.get(key, 0)})
    return [row for row in rows if row["submitters"] or row["opinions"]]


def _by_submission_column(period_id: int, by: str, keys_labels) -> list[dict]:
    # Pending opinions count here: the digest is read while moderation is still under way.
    return _table(keys_labels, counting.submitters(period_id, by=by), counting.opinions(period_id, by=by, states=None))


def per_day(period: CommentPeriod) -> list[dict]:
    """Submissions received per day (Japan time), every day of the span shown, zeros included."""
    # Counted by the database, one row per day: streaming every timestamp into Python was most of a
    # live update's counting at 100,000 opinions (bench/README.md).
    day = jst_date_sql(Submission.received_at, db.session.get_bind().dialect.name)
    days: Counter[date] = Counter({as_date(value): count for value, count in db.session.execute(
        select(day, sql.count()).where(Submission.period_id == period.id).group_by(day))})
    first = min([to_jst(period.opens_at).date(), *days])
    last = max([min(to_jst(period.closes_at).date(), to_jst(utcnow()).date()), *days])
    first = max(first, last - timedelta(days=MAX_CHART_DAYS - 1))
    span = (last - first).days + 1
    return [{"date": (first + timedelta(days=n)).isoformat(), "submissions": days.get(first + timedelta(days=n), 0)}
            for n in range(max(span, 0))]


def count_period(period: CommentPeriod, sections: dict[int, str]) -> dict:
    pid = period.id
    by_section = counting.opinions(pid, by="section", states=None)
    by_tag = _pairs(
        select(Tag.name, sql.count())
        .select_from(opinion_tags)
        .join(Tag, Tag.id == opinion_tags.c.tag_id)
        .join(Opinion, Opinion.id == opinion_tags.c.opinion_id)
        .where(Opinion.period_id == pid)
        .group_by(Tag.name)
    )
    by_state = counting.opinions(pid, by="state", states=None)
    own, grouped = aliased(Response), aliased(Response)
    category = sql.coalesce(own.category, grouped.category, "")
    by_category = _pairs(
        select(category, sql.count(Opinion.id))
        .select_from(Opinion)
        .outerjoin(own, own.opinion_id == Opinion.id)
        .outerjoin(grouped, grouped.group_id == Opinion.group_id)
        .where(Opinion.period_id == pid)
        .group_by(category)
    )
    return {
        "by_channel": _by_submission_column(pid, "channel", [(code, code) for code in CHANNELS]),
        "by_attribute": _by_submission_column(pid, "attribute", labels("period.attributes")),
        "by_section": [{"key": key, "label": sections.get(key, ""), "opinions": by_section[key]}
                       for key in [*sections, None] if by_section.get(key)],
        "by_tag": [{"key": name, "label": name, "opinions": n}
                   for name, n in sorted(by_tag.items(), key=lambda item: (-item[1], item[0]))],
        "by_state": [{"key": state, "opinions": by_state[state]}
                     for state in [*OPINION_STATES, *sorted(set(by_state) - set(OPINION_STATES))]
                     if by_state.get(state)],
        "by_category": _table(labels("response.categories"), {}, by_category),
        "per_day": per_day(period),
    }


# --- keywords -------------------------------------------------------------------------------


def group_and_count_words(period_id: int, run: JobRun, chunk: int | None = None) -> tuple[list[Cluster], dict, dict]:
    """The groups of similar opinions, the words per section and the sample text of each group
    that is not a form letter, in two streamed passes over the usable opinions.

    The first pass keeps per opinion only numbers (``SimilarityStream``). Keywords need the
    groups first: a form letter counts its template once per copy plus each sender's own
    addition, so the letter's words are weighted by how many sent it without tokenising every
    copy; any other opinion counts its own text. So the second pass reads the texts again,
    chunk by chunk, and tokenises them (``KeywordTally``), filling the form letters' additions.
    """
    capacity = counting.opinions(period_id, states=None)
    stream = SimilarityStream(capacity)
    for rows in usable_opinions(period_id, chunk):
        stream.add((opinion_id, text) for opinion_id, _, text in rows)
    runs.progress(run, 35, "digest.similar")
    clusters = stream.clusters(texts_by_id)
    runs.progress(run, 55, "digest.keywords")
    sample_ids = {cluster.ids[0] for cluster in clusters if cluster.kind != "template"}
    samples: dict[int, str] = {}
    copies: Counter[tuple[int, int | None]] = Counter()  # (id of the letter's Cluster, section)
    tally = KeywordTally()
    try:
        for rows in usable_opinions(period_id, chunk):
            for (opinion_id, section, text), copy in zip(rows, stream.additions([(i, t) for i, _, t in rows]),
                                                         strict=True):
                if opinion_id in sample_ids:
                    samples[opinion_id] = text
                if copy is None:
                    tally.add(section, text)
                    continue
                cluster, addition = copy
                copies[(id(cluster), section)] += 1
                if addition:
                    tally.add(section, addition)
            tally.flush()
        letters = {id(cluster): cluster for cluster in clusters if cluster.kind == "template"}
        for (letter, section), count in copies.items():
            tally.add(section, letters[letter].template or "", count)
        words = tally.counts()
    finally:
        tally.close()
    missing = [opinion_id for opinion_id in sample_ids if opinion_id not in samples]
    if missing:  # gone between the passes
        samples.update(texts_by_id(missing))
    return clusters, words, samples


def keywords_of(counts: dict, sections: dict[int, str]) -> dict:
    order = [*sections, None]
    return {
        "overall": overall_keywords(counts, TOP_KEYWORDS),
        "sections": [{"section_id": key, "label": sections.get(key, ""), "words": top_keywords(counts[key], TOP_KEYWORDS)}
                     for key in order if key in counts and counts[key]],
    }


# --- saving ---------------------------------------------------------------------------------


def bulk_insert(table, rows: Iterable[dict]) -> None:
    """Insert many rows, each a dict of the same columns: COPY on PostgreSQL, streamed from ``rows``
    (a generator never becomes a list); executemany elsewhere, ``SAVE_PAGE`` rows a statement."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        rows = chain([first], rows)
        while page := list(islice(rows, SAVE_PAGE)):
            connection.execute(insert(table), page)
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in chain([first], rows):
            copy.write_row([row[column] for column in columns])


_NEW_CLUSTER_IDS = sql_text(
    "SELECT nextval(pg_get_serial_sequence('digest_clusters', 'id')) FROM generate_series(1, :count)")


def insert_clusters(rows: Iterable[dict], count: int) -> list[int]:
    """Insert ``count`` digest groups, each a dict of the same columns, and give their ids in the same
    order. On PostgreSQL the ids are taken from the table's sequence in one statement and the rows go by
    COPY: as INSERTs with RETURNING, 5,000 rows a statement, psycopg parsed each long statement anew
    (bench/README.md, forty-third session)."""
    clusters_table = DigestCluster.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        cluster_ids = db.session.scalars(_NEW_CLUSTER_IDS, {"count": count}).all()
        bulk_insert(clusters_table,
                    ({"id": cluster_id, **row} for cluster_id, row in zip(cluster_ids, rows, strict=True)))
        return cluster_ids
    rows, cluster_ids = iter(rows), []
    while page := list(islice(rows, SAVE_PAGE)):
        cluster_ids += db.session.scalars(
            insert(clusters_table).returning(clusters_table.c.id, sort_by_parameter_order=True), page).all()
    return cluster_ids


def save_digest(period: CommentPeriod, run: JobRun, counts: dict, keywords: dict, clusters: list[Cluster],
                text_of: dict[int, str], submission_count: int, opinion_count: int) -> Digest:
    """Replace the period's digest with this one (the caller commits)."""
    db.session.execute(delete(Digest).where(Digest.period_id == period.id))
    digest = Digest(period_id=period.id, job_run_id=run.id, built_at=utcnow(), counts=counts, keywords=keywords,
                    submission_count=submission_count, opinion_count=opinion_count)
    db.session.add(digest)
    db.session.flush()
    # The groups (``insert_clusters``), then their members by COPY in the order of their opinions' ids,
    # streamed, never one list of rows: each member's foreign key locks its opinion's row, and taken in id
    # order those rows are read and written page after page instead of all over the table. At a million
    # opinions (half a million members) saving took 17.9-18.7 s as INSERTs in group order, 11.3-13.5 s so
    # (bench/README.md, forty-first session).
    members_table = DigestClusterMember.__table__
    cluster_ids = insert_clusters(
        ({"digest_id": digest.id, "position": n, "kind": cluster.kind, "size": len(cluster.ids),
          "template": cluster.template or "", "sample": "" if cluster.template else text_of.get(cluster.ids[0], "")}
         for n, cluster in enumerate(clusters)), len(clusters))
    sizes = [len(cluster.ids) for cluster in clusters]
    opinion_ids = np.fromiter((i for cluster in clusters for i in cluster.ids), dtype=np.int64, count=sum(sizes))
    positions = np.repeat(np.arange(len(clusters)), sizes)
    order = np.argsort(opinion_ids, kind="stable")
    bulk_insert(members_table, ({"cluster_id": cluster_ids[k], "opinion_id": i,
                                 "addition": clusters[k].additions.get(i, "")}
                                for i, k in zip(opinion_ids[order].tolist(), positions[order].tolist(), strict=True)))
    return digest


def compile_digest(period: CommentPeriod, run: JobRun, chunk: int | None = None) -> Digest:
    """Read, count, group, find keywords, save: the whole digest, reporting progress on ``run``.
    The opinions are read ``chunk`` at a time (OPINION_CHUNK by default)."""
    sections = {section.id: section.display for section in
                db.session.scalars(select(Section).where(Section.period_id == period.id).order_by(Section.position))}
    runs.progress(run, 5, "digest.counting")
    counts = count_period(period, sections)
    submission_count = counting.submitters(period.id)
    opinion_count = counting.opinions(period.id, states=None)
    runs.progress(run, 20, "digest.reading")
    clusters, words, samples = group_and_count_words(period.id, run, chunk)
    counts["clusters"] = dict(Counter(cluster.kind for cluster in clusters))
    keywords = keywords_of(words, sections)
    runs.progress(run, 85, "digest.saving")
    return save_digest(period, run, counts, keywords, clusters, samples, submission_count, opinion_count)
