"""The live digest: while a period is open, its digest follows the new opinions a few at a time.

A full rebuild (``builder.compile_digest``) reads, signs, groups and tokenises every opinion of the
period. Here what it would recompute is kept between runs (models ``LiveDigest`` and friends): per
distinct matching text its MinHash signature, its LSH band keys and its group (the smallest text id
of its connected component), per opinion the text it was taken in with, per section the running
keyword counts. A run takes the period's opinions not yet taken in and:

1. groups them by matching text (``normalize_for_match``), joining a known text when one exists;
2. signs the new texts in one numpy batch and looks their band keys up in SQL: in each bucket only
   the first and the last known text matter, because ``similarity.near_components`` pairs a text
   with its predecessor and with the bucket's first text *in text order*, and a new text comes last;
   the candidate pairs are checked on their signatures exactly as there;
3. merges the groups joined, relabels only the groups that changed (``similarity._label``), rewrites
   those clusters (and the positions of the others), applies the keyword counts' difference (only
   texts whose weight changed are tokenised), and recounts the counts (a few GROUP BY queries).

So the digest equals what ``compile_digest`` would write for the same opinions: the same groups,
labels, templates, additions, samples, order, counts and keywords (tests/digests/test_live.py).

Moderation: an opinion edited, moved to another section, withheld or un-withheld, or deleted after it
was taken in (or a digest rebuilt meanwhile, or opinions committed out of id order) is seen at the
next run by comparing what was taken in with the opinions table; the run then starts again from
nothing (a full build into the live state). Removing one opinion from a group can split the group,
which union-find cannot undo, so starting again is the simple correct answer.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import and_, bindparam, delete, exists, or_, select, update
from sqlalchemy import func as sql
from sqlalchemy import text as sql_text

from app.core.statements import streamed
from app.core.text import normalize, normalize_for_match
from app.core.timeutil import utcnow
from app.digests.builder import bulk_insert, count_period, insert_clusters, keywords_of
from app.digests.keywords import count_keywords_by_key
from app.digests.models import (
    Digest,
    DigestCluster,
    DigestClusterMember,
    LiveBand,
    LiveDigest,
    LiveOpinion,
    LiveText,
    LiveWord,
)
from app.digests.similarity import (
    DEFAULT_NGRAM,
    DEFAULT_NUM_PERM,
    DEFAULT_SEED,
    Cluster,
    DistinctTexts,
    _agreeing,
    _band_keys,
    _bucket_pairs,
    _label,
    band_layout,
    signatures,
)
from app.extensions import db
from app.moderation import counting
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section

THRESHOLD = 0.8  # find_similar's default, which the builder uses
PARAMS = f"{THRESHOLD}/{DEFAULT_NGRAM}/{DEFAULT_NUM_PERM}/{DEFAULT_SEED}"
CHUNK = 500  # ids or keys per IN (...)
STREAM_BATCH = 5000


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


# --- the state ------------------------------------------------------------------------------


def _state(period_id: int, *, skip_locked: bool = False) -> LiveDigest | None:
    """The period's live state, locked for this run (None when another run holds it)."""
    query = select(LiveDigest).where(LiveDigest.period_id == period_id).with_for_update(skip_locked=skip_locked)
    state = db.session.scalar(query)
    if state is None:
        state = LiveDigest(period_id=period_id, params=PARAMS, last_opinion_id=0, opinion_count=0, stale=False)
        db.session.add(state)
        db.session.flush()
    return state


def mark_stale(period_id: int) -> None:
    """The next run starts again from nothing."""
    db.session.execute(update(LiveDigest).where(LiveDigest.period_id == period_id).values(stale=True))


def changed_since_taken_in(state: LiveDigest) -> bool:
    """True when an opinion taken in was since deleted, edited, moved to another section or period,
    or withheld or un-withheld: one count and one join, no text read into Python."""
    pid = state.period_id
    count = db.session.scalar(select(sql.count()).select_from(LiveOpinion).where(LiveOpinion.period_id == pid))
    if count != state.opinion_count:
        return True
    withheld = Opinion.state == "withheld"
    changed = db.session.scalar(
        select(LiveOpinion.opinion_id)
        .join(Opinion, Opinion.id == LiveOpinion.opinion_id)
        .where(LiveOpinion.period_id == pid,
               or_(Opinion.period_id != pid, Opinion.excerpt != LiveOpinion.excerpt,
                   Opinion.section_id.is_distinct_from(LiveOpinion.section_id),
                   and_(withheld, ~LiveOpinion.withheld), and_(~withheld, LiveOpinion.withheld)))
        .limit(1)
    )
    return changed is not None


def clear(state: LiveDigest) -> None:
    """Forget everything taken in, and the digest: the run then builds both from nothing."""
    pid = state.period_id
    for model in (LiveBand, LiveText, LiveOpinion, LiveWord):
        db.session.execute(delete(model).where(model.period_id == pid))
    db.session.execute(delete(Digest).where(Digest.period_id == pid))
    state.digest_id, state.last_opinion_id, state.opinion_count, state.stale, state.params = None, 0, 0, False, PARAMS
    db.session.flush()


@dataclass
class PeriodOpinions:
    """New opinions as parallel columns (cheaper than row objects)."""

    ids: list[int] = field(default_factory=list)
    sections: list[int | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)


def new_opinions(period_id: int) -> PeriodOpinions:
    """The period's opinions not yet taken in, in id order."""
    opinions = PeriodOpinions()
    rows = streamed(
        select(Opinion.id, Opinion.section_id, Opinion.excerpt, Opinion.state)
        .where(Opinion.period_id == period_id, ~exists().where(LiveOpinion.opinion_id == Opinion.id))
        .order_by(Opinion.id),
        STREAM_BATCH,
    )
    for opinion_id, section_id, excerpt, state in rows:
        opinions.ids.append(opinion_id)
        opinions.sections.append(section_id)
        opinions.texts.append(excerpt)
        opinions.states.append(state)
    return opinions


# --- taking new opinions in -----------------------------------------------------------------


@dataclass
class Groups:
    """The changed groups, with everything needed to label them and count their words."""

    texts: dict[int, list[int]] = field(default_factory=dict)  # root -> text ids, ascending
    opinions: dict[int, list[int]] = field(default_factory=dict)  # text id -> opinion ids, ascending
    section: dict[int, int | None] = field(default_factory=dict)  # opinion id -> section id
    excerpt: dict[int, str] = field(default_factory=dict)  # opinion id -> excerpt
    sig_row: dict[int, int] = field(default_factory=dict)  # text id -> row of ``sigs``
    sigs: np.ndarray | None = None
    old_roots: set[int] = field(default_factory=set)  # groups known before this run that changed
    loose: list[int] = field(default_factory=list)  # new usable opinions with nothing to match on


def _known_texts(pid: int, hashes: list[str]) -> dict[str, int]:
    known = {}
    for part in _chunks(hashes):
        known.update(db.session.execute(
            select(LiveText.key_hash, LiveText.opinion_id).where(LiveText.period_id == pid, LiveText.key_hash.in_(part))
        ).all())
    return known


def _bucket_ends(pid: int, band: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key, first text id, last text id) of each known bucket of ``band`` among ``keys``."""
    rows = []
    for part in _chunks(np.unique(keys).tolist()):
        rows += db.session.execute(
            select(LiveBand.key, sql.min(LiveBand.opinion_id), sql.max(LiveBand.opinion_id))
            .where(LiveBand.period_id == pid, LiveBand.band == band, LiveBand.key.in_(part))
            .group_by(LiveBand.key)
        ).all()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    table = np.array(rows, dtype=np.int64)
    return table[:, 0], table[:, 1], table[:, 2]


def take_in(state: LiveDigest, new: PeriodOpinions) -> Groups:
    """Record the new opinions and texts, join them to their groups, and return the changed groups."""
    pid = state.period_id
    known = state.opinion_count > 0
    # 1. Matching texts: a known text, a new text (named by its first opinion), or nothing.
    key_of_raw: dict[str, str] = {}
    keys = []
    for text, opinion_state in zip(new.texts, new.states, strict=True):
        if opinion_state == "withheld":
            keys.append("")
            continue
        key = key_of_raw.get(text)
        if key is None:
            key = key_of_raw[text] = normalize_for_match(text)
        keys.append(key)
    hashes = {key: key_hash(key) for key in set(keys) if key}
    known_text = _known_texts(pid, list(hashes.values())) if known else {}
    text_of_key: dict[str, int] = {}
    new_texts: list[int] = []
    new_keys: list[str] = []
    groups = Groups()
    live_opinions = []
    for opinion_id, section_id, text, opinion_state, key in zip(new.ids, new.sections, new.texts, new.states, keys,
                                                                 strict=True):
        text_id = None
        if key:
            text_id = known_text.get(hashes[key]) or text_of_key.get(key)
            if text_id is None:
                text_id = text_of_key[key] = opinion_id
                new_texts.append(opinion_id)
                new_keys.append(key)
            groups.opinions.setdefault(text_id, []).append(opinion_id)
        elif opinion_state != "withheld":
            groups.loose.append(opinion_id)
        groups.section[opinion_id], groups.excerpt[opinion_id] = section_id, text
        live_opinions.append({"opinion_id": opinion_id, "period_id": pid, "text_id": text_id, "section_id": section_id,
                              "withheld": opinion_state == "withheld", "excerpt": text})
    bulk_insert(LiveOpinion.__table__, live_opinions)
    if not groups.opinions:
        return groups

    # 2. Signatures of the new texts, candidate pairs through the band keys, checked as near_components does.
    new_ids = np.array(new_texts, dtype=np.int64)
    new_sigs = signatures(new_keys, ngram=DEFAULT_NGRAM, num_perm=DEFAULT_NUM_PERM, seed=DEFAULT_SEED) \
        if new_texts else np.zeros((0, DEFAULT_NUM_PERM), dtype=np.uint32)
    bands, rows = band_layout(THRESHOLD, DEFAULT_NUM_PERM)
    band_keys = [_band_keys(new_sigs[:, band * rows : (band + 1) * rows]).view(np.int64) for band in range(bands)]
    pairs = []
    for band, band_key in enumerate(band_keys):
        ids, keys_ = new_ids, band_key
        if known and len(new_ids):
            known_keys, firsts, lasts = _bucket_ends(pid, band, band_key)
            two = lasts != firsts
            keys_ = np.concatenate((known_keys, known_keys[two], band_key))
            ids = np.concatenate((firsts, lasts[two], new_ids))
        left, right = _bucket_pairs(keys_, ids)
        pairs.append(np.stack((ids[left], ids[right]), axis=1))
    pairs = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    newest_known = state.last_opinion_id
    pairs = pairs[pairs.max(axis=1) > newest_known]  # a pair of two known texts is known already

    # Known texts met: their signatures and groups.
    old_texts = sorted({int(i) for i in pairs[pairs <= newest_known]}
                       | {t for t in groups.opinions if t <= newest_known})
    component: dict[int, int] = {}
    old_sigs: dict[int, bytes] = {}
    for part in _chunks(old_texts):
        for text_id, signature, root in db.session.execute(
            select(LiveText.opinion_id, LiveText.signature, LiveText.component).where(LiveText.opinion_id.in_(part))
        ):
            component[text_id], old_sigs[text_id] = root, signature
    met = list(old_sigs)
    sigs = np.vstack([new_sigs, *(np.frombuffer(old_sigs[t], dtype="<u4") for t in met)]) if met else new_sigs
    row_of = {int(t): i for i, t in enumerate(new_ids.tolist())} | {t: len(new_ids) + i for i, t in enumerate(met)}
    min_agree = int(np.ceil(THRESHOLD * DEFAULT_NUM_PERM - 1e-9))
    if len(pairs):
        rows_left = np.array([row_of[int(t)] for t in pairs[:, 0]], dtype=np.int64)
        rows_right = np.array([row_of[int(t)] for t in pairs[:, 1]], dtype=np.int64)
        pairs = pairs[_agreeing(sigs, rows_left, rows_right, min_agree)]

    # 3. Join groups: nodes are the new texts and the known groups met.
    nodes = sorted(set(new_ids.tolist()) | {component[t] for t in met})
    index = {node: i for i, node in enumerate(nodes)}

    def node(text_id: int) -> int:
        return index[component.get(text_id, text_id)]

    left = np.array([node(int(a)) for a in pairs[:, 0]], dtype=np.int64)
    right = np.array([node(int(b)) for b in pairs[:, 1]], dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    root_of_label: dict[int, int] = {}
    for node_id, label in zip(nodes, labels.tolist(), strict=True):
        root_of_label[label] = min(root_of_label.get(label, node_id), node_id)
    root_of = {node_id: root_of_label[label] for node_id, label in zip(nodes, labels.tolist(), strict=True)}
    # Changed groups: those with a new text or a new copy of a known text.
    changed_roots = {root_of[node_id] for node_id in new_ids.tolist()}
    changed_roots |= {root_of[component[t]] for t in groups.opinions if t <= newest_known}
    groups.old_roots = {node_id for node_id in nodes if node_id <= newest_known and root_of[node_id] in changed_roots}
    moved = [{"old": node_id, "new": root_of[node_id], "pid": pid}
             for node_id in groups.old_roots if root_of[node_id] != node_id]

    # 4. What was known of the changed groups, before recording the new texts.
    old_members: dict[int, list[int]] = {}
    if groups.old_roots:
        for part in _chunks(sorted(groups.old_roots)):
            for text_id, signature, root in db.session.execute(
                select(LiveText.opinion_id, LiveText.signature, LiveText.component)
                .where(LiveText.period_id == pid, LiveText.component.in_(part))
            ):
                old_members.setdefault(root_of[root], []).append(text_id)
                old_sigs.setdefault(text_id, signature)
            for opinion_id, text_id, section_id, excerpt in db.session.execute(
                select(LiveOpinion.opinion_id, LiveOpinion.text_id, LiveOpinion.section_id, LiveOpinion.excerpt)
                .join(LiveText, LiveText.opinion_id == LiveOpinion.text_id)
                .where(LiveText.period_id == pid, LiveText.component.in_(part), LiveOpinion.opinion_id <= newest_known)
                .order_by(LiveOpinion.opinion_id)
            ):
                groups.section[opinion_id], groups.excerpt[opinion_id] = section_id, excerpt
                groups.opinions.setdefault(text_id, []).append(opinion_id)
        for ids in groups.opinions.values():
            ids.sort()
    for root in changed_roots:
        groups.texts[root] = sorted(old_members.get(root, []))
    for text_id in new_ids.tolist():
        groups.texts[root_of[text_id]].append(text_id)
    for root in changed_roots:
        groups.texts[root].sort()
    extra = [t for t in old_sigs if t not in row_of]
    groups.sigs = np.vstack([sigs, *(np.frombuffer(old_sigs[t], dtype="<u4") for t in extra)]) if extra else sigs
    groups.sig_row = row_of | {t: len(row_of) + i for i, t in enumerate(extra)}

    # 5. Record: groups merged, new texts and their band keys.
    if moved:
        db.session.execute(
            update(LiveText.__table__)
            .where(LiveText.__table__.c.period_id == bindparam("pid"), LiveText.__table__.c.component == bindparam("old"))
            .values(component=bindparam("new")),
            moved,
        )
    bulk_insert(LiveText.__table__, [
        {"opinion_id": text_id, "period_id": pid, "key_hash": hashes[key], "signature": new_sigs[i].astype("<u4").tobytes(),
         "component": root_of[text_id]}
        for i, (text_id, key) in enumerate(zip(new_texts, new_keys, strict=True))
    ])
    bulk_insert(LiveBand.__table__, [
        {"opinion_id": text_id, "band": band, "period_id": pid, "key": key}
        for band, band_key in enumerate(band_keys) for text_id, key in zip(new_texts, band_key.tolist(), strict=True)
    ])
    return groups


# --- labelling, keywords, writing -----------------------------------------------------------


def label_groups(groups: Groups) -> dict[int, Cluster | None]:
    """The cluster each changed group now is (None for a lone opinion), as find_similar labels it."""
    clusters: dict[int, Cluster | None] = {}
    for root, texts in groups.texts.items():
        ids = [groups.opinions[text_id] for text_id in texts]
        if len(texts) == 1 and len(ids[0]) == 1:
            clusters[root] = None
            continue
        distinct = DistinctTexts(keys=[""] * len(texts), ids=ids,
                                 display=[normalize(groups.excerpt[text_id]) for text_id in texts])
        sigs = groups.sigs[[groups.sig_row[text_id] for text_id in texts]]
        clusters[root] = _label(list(range(len(texts))), distinct, sigs)
    return clusters


@dataclass
class OldCluster:
    id: int
    kind: str
    template: str
    additions: dict[int, str]  # member opinion id -> addition


def _old_clusters(digest: Digest | None, roots: set[int]) -> dict[int, OldCluster]:
    """The digest's clusters holding one of ``roots`` (a group's first opinion), by that root."""
    if digest is None or not roots:
        return {}
    cluster_ids: set[int] = set()
    for part in _chunks(sorted(roots)):
        cluster_ids.update(db.session.scalars(
            select(DigestClusterMember.cluster_id).join(DigestCluster, DigestCluster.id == DigestClusterMember.cluster_id)
            .where(DigestCluster.digest_id == digest.id, DigestClusterMember.opinion_id.in_(part))
        ))
    found: dict[int, OldCluster] = {}
    for part in _chunks(sorted(cluster_ids)):
        for cluster_id, kind, template, opinion_id, addition in db.session.execute(
            select(DigestCluster.id, DigestCluster.kind, DigestCluster.template, DigestClusterMember.opinion_id,
                   DigestClusterMember.addition)
            .join(DigestCluster, DigestCluster.id == DigestClusterMember.cluster_id)
            .where(DigestCluster.id.in_(part))
        ):
            cluster = found.setdefault(cluster_id, OldCluster(cluster_id, kind, template, {}))
            cluster.additions[opinion_id] = addition
    return {min(cluster.additions): cluster for cluster in found.values()}


def _templated(old: dict[int, OldCluster]) -> dict[int, tuple[str, str]]:
    """(template, addition) of each member of an old form-letter cluster: what its words were counted from."""
    return {opinion_id: (cluster.template, addition) for cluster in old.values() if cluster.kind == "template"
            for opinion_id, addition in cluster.additions.items()}


def keyword_change(groups: Groups, clusters: dict[int, Cluster | None], old_templated: dict[int, tuple[str, str]],
                   newest_known: int) -> dict[int | None, Counter[str]]:
    """Per section, how the keyword counts change: what the changed groups' opinions were counted
    from is taken off, what they are counted from now is added (as ``builder.group_and_count_words`` counts them: a form
    letter's template once per copy plus each addition, any other opinion its own text). Only texts
    whose weight changed are tokenised."""
    weights: Counter[tuple[int | None, str]] = Counter()

    def count(opinion_id: int, template_addition: tuple[str, str] | None, sign: int) -> None:
        section = groups.section[opinion_id]
        if template_addition is None:
            weights[section, groups.excerpt[opinion_id]] += sign
            return
        template, addition = template_addition
        weights[section, template] += sign
        if addition:
            weights[section, addition] += sign

    for root, texts in groups.texts.items():
        cluster = clusters[root]
        for text_id in texts:
            for opinion_id in groups.opinions[text_id]:
                if opinion_id <= newest_known:
                    count(opinion_id, old_templated.get(opinion_id), -1)
                now = (cluster.template or "", cluster.additions.get(opinion_id, "")) \
                    if cluster is not None and cluster.kind == "template" else None
                count(opinion_id, now, +1)
    for opinion_id in groups.loose:
        count(opinion_id, None, +1)
    inputs: dict[int | None, list[tuple[str, int]]] = {}
    for (section, text), weight in weights.items():
        if weight:
            inputs.setdefault(section, []).append((text, weight))
    return count_keywords_by_key(inputs)


def apply_keywords(pid: int, change: dict[int | None, Counter[str]]) -> dict[int | None, Counter[str]]:
    """Add the change to the stored counts; return all the counts per section (None: no section)."""
    counts: dict[int | None, Counter[str]] = {}
    for section_key, word, number in db.session.execute(
        select(LiveWord.section_key, LiveWord.word, LiveWord.count).where(LiveWord.period_id == pid)
    ):
        counts.setdefault(section_key or None, Counter())[word] = number
    touched = []
    for section, words in change.items():
        current = counts.setdefault(section, Counter())
        for word, delta in words.items():
            if delta:
                current[word] += delta
                touched.append((section, word))
    if touched:
        table = LiveWord.__table__
        by_section: dict[int | None, list[str]] = {}
        for section, word in touched:
            by_section.setdefault(section, []).append(word)
        for section, words in by_section.items():
            for part in _chunks(words):
                db.session.execute(delete(table).where(table.c.period_id == pid, table.c.section_key == (section or 0),
                                                       table.c.word.in_(part)))
        bulk_insert(table, [{"period_id": pid, "section_key": section or 0, "word": word,
                             "count": counts[section][word]}
                            for section, word in touched if counts[section][word] > 0])
    return {section: +words for section, words in counts.items()}  # unary + drops zero counts


def _set_positions(moves: list[tuple[int, int]]) -> None:
    if not moves:
        return
    table = DigestCluster.__table__
    if db.session.connection().dialect.name == "postgresql":
        # One statement for thousands of clusters moving down one place.
        ids, positions = zip(*moves, strict=True)
        db.session.execute(sql_text("UPDATE digest_clusters SET position = moved.position"
                                    " FROM unnest(CAST(:ids AS integer[]), CAST(:positions AS integer[]))"
                                    " AS moved(id, position) WHERE digest_clusters.id = moved.id"),
                           {"ids": list(ids), "positions": list(positions)})
        return
    db.session.execute(update(table).where(table.c.id == bindparam("b_id")).values(position=bindparam("b_position")),
                       [{"b_id": cluster_id, "b_position": position} for cluster_id, position in moves])


def rewrite_clusters(digest: Digest, old: dict[int, OldCluster], clusters: list[Cluster],
                     excerpt: dict[int, str]) -> None:
    """Write the changed clusters and renumber all (largest first, then by first opinion). A cluster
    that only grew, keeping its kind and template, keeps its row and gains its new members (their
    old members' additions depend on the template alone); any other is replaced."""
    members_table, clusters_table = DigestClusterMember.__table__, DigestCluster.__table__
    kept: dict[int, Cluster] = {}  # old cluster id -> its new label
    fresh: list[Cluster] = []
    for cluster in clusters:
        before = old.get(cluster.ids[0])
        if (before is not None and before.kind == cluster.kind and before.template == (cluster.template or "")
                and all(cluster.additions.get(i, "") == addition for i, addition in before.additions.items())):
            kept[before.id] = cluster
        else:
            fresh.append(cluster)
    gone = sorted(cluster.id for cluster in old.values() if cluster.id not in kept)
    for part in _chunks(gone):
        db.session.execute(delete(members_table).where(members_table.c.cluster_id.in_(part)))
        db.session.execute(delete(clusters_table).where(clusters_table.c.id.in_(part)))
    if kept:
        db.session.execute(
            update(clusters_table).where(clusters_table.c.id == bindparam("b_id"))
            .values(size=bindparam("b_size"), sample=bindparam("b_sample")),
            [{"b_id": cluster_id, "b_size": len(cluster.ids),
              "b_sample": "" if cluster.template else excerpt[cluster.ids[0]]} for cluster_id, cluster in kept.items()],
        )
        old_by_id = {cluster.id: cluster for cluster in old.values()}
        bulk_insert(members_table, [
            {"cluster_id": cluster_id, "opinion_id": opinion_id, "addition": cluster.additions.get(opinion_id, "")}
            for cluster_id, cluster in kept.items() for opinion_id in cluster.ids
            if opinion_id not in old_by_id[cluster_id].additions
        ])
    rows = db.session.execute(
        select(DigestCluster.id, DigestCluster.size, DigestCluster.position, sql.min(DigestClusterMember.opinion_id))
        .join(DigestClusterMember, DigestClusterMember.cluster_id == DigestCluster.id)
        .where(DigestCluster.digest_id == digest.id)
        .group_by(DigestCluster.id, DigestCluster.size, DigestCluster.position)
    ).all()
    order = sorted([(-size, first, cluster_id, position) for cluster_id, size, position, first in rows]
                   + [(-len(cluster.ids), cluster.ids[0], None, index) for index, cluster in enumerate(fresh)])
    moves, positions = [], [0] * len(fresh)
    for position, (_, _, cluster_id, old_position) in enumerate(order):
        if cluster_id is None:
            positions[old_position] = position
        elif old_position != position:
            moves.append((cluster_id, position))
    _set_positions(moves)
    if fresh:
        cluster_ids = insert_clusters(
            ({"digest_id": digest.id, "position": position, "kind": cluster.kind, "size": len(cluster.ids),
              "template": cluster.template or "", "sample": "" if cluster.template else excerpt[cluster.ids[0]]}
             for position, cluster in zip(positions, fresh, strict=True)), len(fresh))
        bulk_insert(members_table, [
            {"cluster_id": cluster_id, "opinion_id": opinion_id, "addition": cluster.additions.get(opinion_id, "")}
            for cluster_id, cluster in zip(cluster_ids, fresh, strict=True) for opinion_id in cluster.ids
        ])


def update_live_digest(period: CommentPeriod, run=None) -> Digest:
    """Bring the period's digest up to date with the opinions added since the last run (the caller
    commits). Starts again from nothing when what was taken in no longer holds."""
    pid = period.id
    state = _state(pid)
    digest = db.session.scalar(select(Digest).where(Digest.period_id == pid))
    if (state.stale or state.params != PARAMS or state.opinion_count == 0 or digest is None
            or digest.id != state.digest_id or changed_since_taken_in(state)):
        clear(state)
        digest = None
    new = new_opinions(pid)
    if new.ids and new.ids[0] <= state.last_opinion_id:  # committed out of id order: it would not come last
        clear(state)
        digest = None
        new = new_opinions(pid)
    newest_known = state.last_opinion_id
    groups = take_in(state, new)
    if newest_known == 0 and db.session.connection().dialect.name == "postgresql":
        # Rows COPYed in bulk: let the planner see them before the next run asks for a few by index.
        db.session.execute(sql_text("ANALYZE digest_live_opinions, digest_live_texts, digest_live_bands"))
    clusters = label_groups(groups)
    old = _old_clusters(digest, groups.old_roots)
    change = keyword_change(groups, clusters, _templated(old), newest_known)
    counts_by_section = apply_keywords(pid, change)

    sections = {section.id: section.display for section in
                db.session.scalars(select(Section).where(Section.period_id == pid).order_by(Section.position))}
    if digest is None:
        digest = Digest(period_id=pid, built_at=utcnow(), counts={}, keywords={})
        db.session.add(digest)
        db.session.flush()
    new_clusters = [cluster for cluster in clusters.values() if cluster is not None]
    rewrite_clusters(digest, old, new_clusters, groups.excerpt)
    counts = count_period(period, sections)
    counts["clusters"] = dict(Counter(db.session.scalars(
        select(DigestCluster.kind).where(DigestCluster.digest_id == digest.id).order_by(DigestCluster.position))))
    digest.counts = counts
    digest.keywords = keywords_of(counts_by_section, sections)
    digest.built_at = utcnow()
    digest.job_run_id = run.id if run is not None else None
    digest.submission_count = counting.submitters(pid)
    digest.opinion_count = db.session.scalar(select(sql.count()).select_from(Opinion).where(Opinion.period_id == pid))
    if new.ids:
        state.last_opinion_id = max(state.last_opinion_id, new.ids[-1])
    state.opinion_count += len(new.ids)
    state.digest_id, state.updated_at = digest.id, utcnow()
    db.session.flush()
    return digest


def forget(period_id: int) -> None:
    """Drop the period's live state (its digest stays): once it closes, the full build takes over."""
    for model in (LiveBand, LiveText, LiveOpinion, LiveWord, LiveDigest):
        db.session.execute(delete(model).where(model.period_id == period_id))
