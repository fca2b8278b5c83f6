"""The streamed builder (two chunked passes, texts never all in memory) gives the groups, samples,
keywords and counts the in-memory path gave: find_similar over every usable opinion, then keywords
over the template once per copy, each addition, and every other opinion's text."""

import json
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql_text

from app.core.models import JobRun
from app.digests import builder
from app.digests.builder import compile_digest, group_and_count_words, keywords_of
from app.digests.keywords import count_keywords_by_key
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.services import request_digest
from app.digests.similarity import find_similar
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from bench.digest_synthetic import generate


@pytest.fixture
def corpus_period(make_period, add_opinions):
    """400 synthetic opinions (five form letters, near-duplicates, unique ones) over the three
    sections and none, plus exact copies, a withheld copy of a letter and a text of punctuation."""
    items, _ = generate(400, seed=5)
    specs = [{"text": text, "section": None if n % 11 == 0 else 1 + n % 3} for n, (_, text) in enumerate(items)]
    specs += [{"text": items[0][1] + "　", "section": 2}, {"text": "！？。", "section": 1},
              {"text": items[1][1], "state": "withheld"}, {"text": items[2][1], "state": "accepted"}]
    period_id = make_period()
    add_opinions(period_id, specs)
    return period_id


def in_memory(period_id: int):
    """The builder before streaming: all usable texts in one list."""
    rows = db.session.execute(select(Opinion.id, Opinion.section_id, Opinion.excerpt, Opinion.state)
                              .where(Opinion.period_id == period_id).order_by(Opinion.id)).all()
    usable = [(opinion_id, section, text) for opinion_id, section, text, state in rows if state != "withheld"]
    clusters = find_similar((opinion_id, text) for opinion_id, _, text in usable)
    section_of = {opinion_id: section for opinion_id, section, _ in usable}
    inputs: dict = {}
    templated = set()
    for cluster in clusters:
        if cluster.kind != "template":
            continue
        templated.update(cluster.ids)
        for section, copies in Counter(section_of[i] for i in cluster.ids).items():
            inputs.setdefault(section, []).append((cluster.template, copies))
        for opinion_id, addition in cluster.additions.items():
            if addition:
                inputs.setdefault(section_of[opinion_id], []).append((addition, 1))
    for opinion_id, section, text in usable:
        if opinion_id not in templated:
            inputs.setdefault(section, []).append((text, 1))
    return clusters, count_keywords_by_key(inputs), {opinion_id: text for opinion_id, _, text in usable}


def new_run(period_id: int) -> JobRun:
    run = request_digest(db.session.get(CommentPeriod, period_id), actor=None)
    db.session.commit()
    return run


@pytest.mark.parametrize("chunk", [1, 7, 100_000])
def test_streamed_groups_and_words_equal_the_in_memory_path(ctx, corpus_period, chunk):
    expected_clusters, expected_words, text_of = in_memory(corpus_period)
    assert {cluster.kind for cluster in expected_clusters} == {"exact", "near", "template"}
    clusters, words, samples = group_and_count_words(corpus_period, new_run(corpus_period), chunk)
    assert clusters == expected_clusters  # ids, kinds, templates, every copy's addition
    assert words == expected_words
    assert samples == {cluster.ids[0]: text_of[cluster.ids[0]] for cluster in clusters if cluster.kind != "template"}


def test_a_chunk_of_one_and_one_chunk_store_the_same_digest(ctx, corpus_period, monkeypatch):
    sections = {section.id: section.display for section in
                db.session.scalars(select(Section).where(Section.period_id == corpus_period))}
    expected_clusters, expected_words, text_of = in_memory(corpus_period)
    stored = []
    for chunk in (1, 100_000):
        # Small pages on saving as well: groups and members cross page boundaries.
        monkeypatch.setattr(builder, "SAVE_PAGE", 3 if chunk == 1 else 5000)
        digest = compile_digest(db.session.get(CommentPeriod, corpus_period), new_run(corpus_period), chunk)
        db.session.commit()
        groups = db.session.execute(
            select(DigestCluster.position, DigestCluster.kind, DigestCluster.size, DigestCluster.template,
                   DigestCluster.sample, DigestClusterMember.opinion_id, DigestClusterMember.addition)
            .join(DigestClusterMember, DigestClusterMember.cluster_id == DigestCluster.id)
            .where(DigestCluster.digest_id == digest.id)
            .order_by(DigestCluster.position, DigestClusterMember.opinion_id)).all()
        stored.append(([tuple(row) for row in groups], digest.keywords, digest.counts, digest.opinion_count))
    assert stored[0] == stored[1]
    assert db.session.scalar(select(db.func.count(Digest.id)).where(Digest.period_id == corpus_period)) == 1
    expected_rows = sorted(
        (position, cluster.kind, len(cluster.ids), cluster.template or "",
         "" if cluster.template else text_of[cluster.ids[0]], opinion_id, cluster.additions.get(opinion_id, ""))
        for position, cluster in enumerate(expected_clusters) for opinion_id in cluster.ids)
    assert stored[0][0] == expected_rows
    assert stored[0][1] == json.loads(json.dumps(keywords_of(expected_words, sections)))  # as stored: lists
    assert stored[0][3] == 404
    assert stored[0][2]["clusters"] == dict(Counter(cluster.kind for cluster in expected_clusters))


def test_members_are_written_in_the_order_of_their_opinions(ctx, corpus_period):
    """Each member's foreign key locks its opinion's row: taken in id order, PostgreSQL reads and writes
    the opinions' pages one after another (bench/README.md, forty-first session). The table's physical
    order is the order the rows went in (ctid on PostgreSQL, rowid on SQLite, in a table written once)."""
    digest = compile_digest(db.session.get(CommentPeriod, corpus_period), new_run(corpus_period))
    db.session.commit()
    physical = "ctid" if db.engine.dialect.name == "postgresql" else "rowid"
    written = db.session.scalars(sql_text(
        f"SELECT m.opinion_id FROM digest_cluster_members m JOIN digest_clusters c ON c.id = m.cluster_id "  # noqa: S608
        f"WHERE c.digest_id = :digest ORDER BY m.{physical}"), {"digest": digest.id}).all()
    assert len(written) > 100 and len(set(written)) == len(written)
    assert written == sorted(written)
    # The groups themselves stay in their order (largest first), as the pages read them.
    sizes = db.session.scalars(select(DigestCluster.size).where(DigestCluster.digest_id == digest.id)
                               .order_by(DigestCluster.position)).all()
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]


def test_bulk_insert_takes_rows_from_a_generator_across_pages(ctx, corpus_period, monkeypatch):
    monkeypatch.setattr(builder, "SAVE_PAGE", 5)
    digest = compile_digest(db.session.get(CommentPeriod, corpus_period), new_run(corpus_period))
    cluster_id = db.session.scalar(select(DigestCluster.id).where(DigestCluster.digest_id == digest.id)
                                   .order_by(DigestCluster.position).limit(1))
    spare = db.session.scalars(select(Opinion.id).where(Opinion.period_id == corpus_period).order_by(Opinion.id)).all()
    taken = set(db.session.scalars(select(DigestClusterMember.opinion_id)
                                   .where(DigestClusterMember.cluster_id == cluster_id)))
    new_ids = [opinion_id for opinion_id in spare if opinion_id not in taken][:12]
    builder.bulk_insert(DigestClusterMember.__table__, ({"cluster_id": cluster_id, "opinion_id": opinion_id,
                                                        "addition": f"追記{n}"} for n, opinion_id in enumerate(new_ids)))
    builder.bulk_insert(DigestClusterMember.__table__, iter([]))  # nothing to write: no statement fails
    stored = dict(db.session.execute(select(DigestClusterMember.opinion_id, DigestClusterMember.addition)
                                     .where(DigestClusterMember.opinion_id.in_(new_ids))).all())
    assert stored == {opinion_id: f"追記{n}" for n, opinion_id in enumerate(new_ids)}


def test_inserted_groups_give_their_ids_in_order_and_leave_the_sequence_ahead(ctx, corpus_period, monkeypatch):
    """On PostgreSQL the ids come from the table's sequence and the rows go by COPY: each id is its own
    row's, and a group inserted afterwards the usual way takes a new id."""
    monkeypatch.setattr(builder, "SAVE_PAGE", 3)  # pages on SQLite
    digest = compile_digest(db.session.get(CommentPeriod, corpus_period), new_run(corpus_period))
    rows = [{"digest_id": digest.id, "position": 1000 + n, "kind": "near", "size": n, "template": "",
             "sample": f"見本{n}"} for n in range(7)]
    ids = builder.insert_clusters(iter(rows), len(rows))
    assert builder.insert_clusters(iter([]), 0) == []
    later = DigestCluster(digest_id=digest.id, position=2000, kind="exact", size=2, template="", sample="後")
    db.session.add(later)
    db.session.flush()
    stored = dict(db.session.execute(select(DigestCluster.id, DigestCluster.sample)
                                     .where(DigestCluster.id.in_(ids))).all())
    assert [stored[cluster_id] for cluster_id in ids] == [f"見本{n}" for n in range(7)]
    assert len(set(ids)) == 7 and later.id not in ids
