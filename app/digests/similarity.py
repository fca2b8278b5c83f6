"""Find duplicate, near-duplicate and form-letter opinions in one comment period.

The pipeline is built to stay linear in the number of opinions, because form-letter
campaigns put thousands of near-identical texts into the same LSH buckets:

1. exact duplicates: opinions whose ``normalize_for_match`` texts are equal become one
   *distinct text* carrying all their ids; everything after works on distinct texts;
2. MinHash signatures over character shingles, computed in bulk with numpy from
   datasketch's own permutation parameters (its "affine32" scheme: fmix32 pre-mix, then
   ``a * h + b mod 2**32``), so they equal ``datasketch.MinHash(hashfunc=shingle_hash)``;
3. the LSH buckets (datasketch's optimal band layout) are walked per band; inside a
   bucket each member is checked against the bucket's first member and its predecessor in
   text order (first opinion id), and only pairs whose signatures agree on at least ``threshold``
   of the permutations are joined (connected components);
4. clusters are labelled: one distinct text is "exact"; a large cluster sharing a long
   common text is a "template" (form letter) with each member's own addition; the rest
   are "near".
"""

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from hashlib import blake2b
from os.path import commonprefix
from typing import Literal

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from app.core.text import normalize, normalize_for_match

# Japanese has no spaces, so shingles are character n-grams. Three characters are about
# one word (a kanji compound, or a stem with its particle). Shorter shingles tolerate
# edits better: one changed character breaks n shingles. On the synthetic comment
# period (bench/digest_synthetic.py) 96% of near-duplicates reach their base with
# 3-grams, 88% with 4-grams and 82% with 5-grams, with no measurable loss of precision:
# at a Jaccard threshold of 0.8 unrelated opinions still share far too few trigrams.
DEFAULT_NGRAM = 3
# 128 permutations estimate a Jaccard of 0.8 to about +/-0.035 (one standard deviation).
DEFAULT_NUM_PERM = 128
DEFAULT_SEED = 1
# LSH candidates are verified by signature afterwards, so a missed pair costs more than
# an extra candidate: weight false negatives 9:1 when choosing the band layout.
LSH_WEIGHTS = (0.1, 0.9)
# A cluster needs this many opinions before it is treated as a form-letter campaign.
MIN_TEMPLATE_SIZE = 5
# The shared text must be at least this long (and half of a typical member) to count.
MIN_TEMPLATE_CHARS = 30
# Shorter runs shared with the template candidate are treated as coincidence.
MIN_SHARED_RUN = 3
ADDITION_SEPARATOR = " … "
# How many members (most-copied first) a template is read from.
TEMPLATE_SAMPLE = 24

_MASK64 = (1 << 64) - 1
_POLY = 0x100000001B3  # FNV-1 64-bit prime: an odd multiplier for the shingle polynomial
_FMIX64 = (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
_TEXTS_PER_CHUNK = 4096  # bounds the shingle arrays held in memory at once
_DOCS_PER_BLOCK = 64  # one (num_perm x shingles) block stays in the CPU cache
_EDGES_PER_BLOCK = 65536


@dataclass
class Cluster:
    """A group of opinions; ``additions`` is only filled for kind "template"."""

    kind: Literal["exact", "near", "template"]
    ids: list[int]
    template: str | None = None
    additions: dict[int, str] = field(default_factory=dict)


@dataclass
class DistinctTexts:
    """Opinions grouped by matching key: one entry per distinct text, ids in input order."""

    keys: list[str]
    ids: list[list[int]]
    display: list[str]  # normalize() of the first original, for templates and additions


# --- step 1: exact duplicates -------------------------------------------------------


def group_exact(items: Iterable[tuple[int, str]]) -> DistinctTexts:
    """Group opinions whose ``normalize_for_match`` texts are equal.

    Raw strings are deduplicated before normalising, so a form letter pasted a thousand
    times is normalised once. Opinions that normalise to nothing (only punctuation or
    spaces) say nothing and are left out.
    """
    key_of_raw: dict[str, str] = {}
    slot_of_key: dict[str, int] = {}
    grouped = DistinctTexts(keys=[], ids=[], display=[])
    for opinion_id, text in items:
        key = key_of_raw.get(text)
        if key is None:
            key = key_of_raw[text] = normalize_for_match(text)
        if not key:
            continue
        slot = slot_of_key.get(key)
        if slot is None:
            slot = slot_of_key[key] = len(grouped.keys)
            grouped.keys.append(key)
            grouped.ids.append([])
            grouped.display.append(normalize(text))
        grouped.ids[slot].append(opinion_id)
    return grouped


# --- step 2: MinHash signatures -------------------------------------------------------


def _fmix(values: np.ndarray, constants: tuple[int, ...], dtype: type) -> np.ndarray:
    """MurmurHash3 finalizer on an unsigned array (wrapping multiplication is intended)."""
    s1, m1, s2, m2, s3 = (dtype(c) for c in constants)
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


def shingle_hash(shingle: str) -> int:
    """Stable 32-bit hash of one shingle: a 64-bit polynomial over its code points,
    finalised with fmix64, upper 32 bits. Reference for the vectorised version below;
    usable as ``datasketch.MinHash(hashfunc=shingle_hash)``."""
    value = 0
    for char in shingle:
        value = (value * _POLY + ord(char)) & _MASK64
    s1, m1, s2, m2, s3 = _FMIX64
    value ^= value >> s1
    value = (value * m1) & _MASK64
    value ^= value >> s2
    value = (value * m2) & _MASK64
    value ^= value >> s3
    return value >> 32


def shingle_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every character n-gram of every text, concatenated, and each text's
    start offset into them. Same values as ``shingle_hash`` over ``char_ngrams``;
    a text shorter than n is one shingle (itself). Texts must be non-empty."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    counts = np.maximum(lengths - n + 1, 1)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    text_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    total = int(counts.sum())
    first_char = np.repeat(text_starts - offsets, counts) + np.arange(total)
    last = len(codes) - 1
    poly = np.uint64(_POLY)
    hashes = np.zeros(total, dtype=np.uint64)
    for j in range(n):
        # Positions past the end only occur for short texts, which are redone below.
        hashes = hashes * poly + codes[np.minimum(first_char + j, last)]
    hashes = (_fmix(hashes, _FMIX64, np.uint64) >> np.uint64(32)).astype(np.uint32)
    for index in np.flatnonzero(lengths < n):
        hashes[offsets[index]] = shingle_hash(texts[index])
    return hashes, offsets


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own (a, b) permutation parameters for the default affine32 scheme."""
    minhash = MinHash(num_perm=num_perm, seed=seed)
    if minhash.scheme != "affine32":
        raise RuntimeError(f"unexpected datasketch MinHash scheme {minhash.scheme!r}")
    a, b = minhash.permutations
    return a.astype(np.uint32)[:, None], b.astype(np.uint32)[:, None]


def signatures(texts: Sequence[str], *, ngram: int, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature (uint32, one row per text) of each text's shingle set.

    Bit-for-bit what datasketch computes with ``hashfunc=shingle_hash``: pre-mix each
    shingle hash with fmix32, apply ``a * h + b`` in wrapping uint32, keep the minimum.
    """
    a, b = permutations(num_perm, seed)
    out = np.empty((num_perm, len(texts)), dtype=np.uint32)
    for chunk_start in range(0, len(texts), _TEXTS_PER_CHUNK):
        chunk = texts[chunk_start : chunk_start + _TEXTS_PER_CHUNK]
        hashes, offsets = shingle_hashes(chunk, ngram)
        hashes = _fmix(hashes, _FMIX32, np.uint32)
        bounds = np.append(offsets, len(hashes))
        for block in range(0, len(chunk), _DOCS_PER_BLOCK):
            stop = min(block + _DOCS_PER_BLOCK, len(chunk))
            lo, hi = bounds[block], bounds[stop]
            permuted = a * hashes[None, lo:hi]
            permuted += b
            out[:, chunk_start + block : chunk_start + stop] = np.minimum.reduceat(
                permuted, offsets[block:stop] - lo, axis=1
            )
    return np.ascontiguousarray(out.T)


# --- step 3: walking the LSH buckets --------------------------------------------------


@lru_cache(maxsize=16)
def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) chosen by datasketch's MinHashLSH for this threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


def _band_keys(band: np.ndarray) -> np.ndarray:
    """A 64-bit key per row of one band; equal rows give equal keys.

    Different rows colliding is possible but harmless: every candidate pair is verified.
    """
    keys = np.zeros(len(band), dtype=np.uint64)
    for column in band.T:
        keys = _fmix(keys ^ column.astype(np.uint64), _FMIX64, np.uint64)
    return keys


def _bucket_pairs(keys: np.ndarray, tiebreak: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs inside the buckets of one band, at most two per member.

    Members of a bucket are ordered by ``tiebreak`` (text order: a text arriving later comes
    last in its buckets, so it only adds pairs, which lets ``live`` add opinions incrementally
    with the same result) and each is paired with its predecessor and with the bucket's first member, so a bucket
    of a thousand form letters costs two thousand checks, not half a million.
    """
    order = np.lexsort((tiebreak, keys))
    sorted_keys = keys[order]
    same_as_previous = sorted_keys[1:] == sorted_keys[:-1]
    positions = np.arange(len(keys))
    is_first = np.concatenate(([True], ~same_as_previous))
    bucket_first = np.maximum.accumulate(np.where(is_first, positions, 0))
    members = np.flatnonzero(~is_first)  # positions with an earlier member in the bucket
    to_first = members[bucket_first[members] != members - 1]
    left = np.concatenate((order[members], order[to_first]))
    right = np.concatenate((order[members - 1], order[bucket_first[to_first]]))
    return left, right


def _agreeing(sigs: np.ndarray, left: np.ndarray, right: np.ndarray, min_agree: int) -> np.ndarray:
    """Mask of pairs whose signatures agree on at least ``min_agree`` permutations,
    i.e. whose estimated Jaccard similarity reaches the threshold."""
    keep = np.empty(len(left), dtype=bool)
    for start in range(0, len(left), _EDGES_PER_BLOCK):
        stop = start + _EDGES_PER_BLOCK
        equal = sigs[left[start:stop]] == sigs[right[start:stop]]
        keep[start:stop] = np.count_nonzero(equal, axis=1) >= min_agree
    return keep


def near_components(sigs: np.ndarray, threshold: float, seed: int) -> np.ndarray:
    """Component label per signature row, joining verified LSH candidate pairs."""
    count, num_perm = sigs.shape
    if count < 2:
        return np.zeros(count, dtype=np.int64)
    bands, rows = band_layout(threshold, num_perm)
    min_agree = int(np.ceil(threshold * num_perm - 1e-9))
    lefts, rights = [], []
    for band in range(bands):
        keys = _band_keys(sigs[:, band * rows : (band + 1) * rows])
        left, right = _bucket_pairs(keys, np.arange(count))
        keep = _agreeing(sigs, left, right, min_agree)
        lefts.append(left[keep])
        rights.append(right[keep])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    return labels


# --- step 4: labelling clusters -------------------------------------------------------


_SENTENCE_ENDS = "。！？!?.\n"


def _at_sentence_start(text: str, start: int, end: int) -> tuple[int, int]:
    """Slide an inserted passage text[start:end] left while that describes the same
    insertion, stopping where it starts a sentence if it can.

    A maximal common prefix pushes an insertion right past any characters it shares
    with what follows it (「市役所…。」 inserted before 「市民…」 would come out as
    「役所…。市」); senders add whole sentences, so prefer a sentence boundary.
    """
    position, stop = start, end
    while position > 0 and text[position - 1] == text[stop - 1]:
        position, stop = position - 1, stop - 1
        if position == 0 or text[position - 1] in _SENTENCE_ENDS:
            return position, stop
    return start, end


def addition_of(template: str, text: str) -> str:
    """What ``text`` adds to ``template``: its inserted and replaced parts, joined.

    Most form-letter senders add one passage in one place, which a common prefix and
    suffix find in linear time; anything else goes through difflib. Parts that are
    only punctuation or spaces are not additions.
    """
    prefix = len(commonprefix([template, text]))
    room = min(len(template), len(text)) - prefix
    suffix = len(commonprefix([template[::-1][:room], text[::-1][:room]]))
    if prefix + suffix == len(template):
        start, end = _at_sentence_start(text, prefix, len(text) - suffix)
        parts = [text[start:end]]
    else:
        matcher = SequenceMatcher(None, template, text, autojunk=False)
        parts = [text[j1:j2] for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace")]
    kept = [part.strip() for part in parts if normalize_for_match(part)]
    return ADDITION_SEPARATOR.join(kept)


def _medoid(sigs: np.ndarray) -> int:
    """Row whose signature agrees most, on average, with all the others."""
    agreement = (sigs[:, None, :] == sigs[None, :, :]).sum(axis=(1, 2))
    return int(np.argmax(agreement))


def common_template(texts: list[str], sigs: np.ndarray, sample: int = TEMPLATE_SAMPLE) -> str:
    """The text most members share: the medoid of a sample, keeping only the characters
    that at least half of the other sampled members also contain (in order).

    Texts come most-copied first, so a bare copy of the letter, if any was sent, is
    sampled; the medoid's own personal addition is dropped by the majority rule.
    """
    texts, sigs = texts[:sample], sigs[:sample]
    medoid = _medoid(sigs)
    base = texts[medoid]
    others = texts[:medoid] + texts[medoid + 1 :]
    if not others:
        return base
    covered = np.zeros(len(base), dtype=np.int32)
    for other in others:
        matcher = SequenceMatcher(None, base, other, autojunk=False)
        for start, _, size in matcher.get_matching_blocks():
            # One- or two-character matches inside differing passages are coincidence.
            if size >= MIN_SHARED_RUN:
                covered[start : start + size] += 1
    keep = covered * 2 >= len(others)
    return "".join(char for char, kept in zip(base, keep, strict=True) if kept).strip()


def template_for(texts: list[str], sigs: np.ndarray, lengths: Sequence[int]) -> str | None:
    """The form letter a component's distinct texts share, or None if they share too little.

    ``texts`` and ``sigs`` are the members most-copied first (only the first ``TEMPLATE_SAMPLE``
    are read); ``lengths`` are the lengths of every member's text. The template must be at
    least MIN_TEMPLATE_CHARS long and half the median member's length.
    """
    template = common_template(texts[:TEMPLATE_SAMPLE], sigs[:TEMPLATE_SAMPLE], sample=TEMPLATE_SAMPLE)
    median_length = float(np.median(lengths))
    if len(template) < max(MIN_TEMPLATE_CHARS, median_length / 2):
        return None
    return template


def _label(members: list[int], distinct: DistinctTexts, sigs: np.ndarray) -> Cluster:
    """Build the Cluster for one component given as distinct-text indices.

    One distinct text: "exact". At least MIN_TEMPLATE_SIZE opinions sharing a template
    of at least MIN_TEMPLATE_CHARS characters and half the median member's length:
    "template", with every member's addition. Anything else: "near".
    """
    ids = sorted(opinion_id for member in members for opinion_id in distinct.ids[member])
    if len(members) == 1:
        return Cluster(kind="exact", ids=ids)
    if len(ids) < MIN_TEMPLATE_SIZE:
        return Cluster(kind="near", ids=ids)
    # Most-copied first (then earliest id) so sampling and the medoid are deterministic.
    members = sorted(members, key=lambda m: (-len(distinct.ids[m]), distinct.ids[m][0]))
    texts = [distinct.display[m] for m in members]
    template = template_for(texts, sigs[members], [len(text) for text in texts])
    if template is None:
        return Cluster(kind="near", ids=ids)
    additions = {}
    for member, text in zip(members, texts, strict=True):
        addition = addition_of(template, text)
        for opinion_id in distinct.ids[member]:
            additions[opinion_id] = addition
    return Cluster(kind="template", ids=ids, template=template, additions=additions)


def find_similar(
    items: Iterable[tuple[int, str]],
    *,
    threshold: float = 0.8,
    ngram: int = DEFAULT_NGRAM,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = DEFAULT_SEED,
) -> list[Cluster]:
    """Clusters of two or more opinions that are exact duplicates after
    ``normalize_for_match`` or whose shingle sets have an estimated Jaccard similarity
    of at least ``threshold`` (joined transitively). Largest clusters first.
    """
    distinct = group_exact(items)
    if not distinct.keys:
        return []
    sigs = signatures(distinct.keys, ngram=ngram, num_perm=num_perm, seed=seed)
    labels = near_components(sigs, threshold, seed)
    components: dict[int, list[int]] = {}
    for index, label in enumerate(labels.tolist()):
        components.setdefault(label, []).append(index)
    clusters = [
        _label(members, distinct, sigs)
        for members in components.values()
        if len(members) > 1 or len(distinct.ids[members[0]]) > 1
    ]
    clusters.sort(key=lambda cluster: (-len(cluster.ids), cluster.ids[0]))
    return clusters


# --- the same, streamed ----------------------------------------------------------------


class SimilarityStream:
    """``find_similar`` fed in chunks, keeping no text.

    ``add`` takes the opinions chunk by chunk (in increasing id order, as the database
    reads them) and keeps, per distinct text, a 128-bit hash of its matching key, its first
    opinion's id, its display length and its MinHash signature row (in a matrix allocated
    once for ``capacity`` rows), and per opinion only its id and distinct text. ``clusters``
    then walks the LSH bands over the matrix and labels the components, reading back through
    ``texts_of`` only the texts a template needs (a sample of each large component).
    ``additions``, fed the texts again in a second pass, fills each form-letter copy's own
    addition. The clusters are the ones ``find_similar`` gives for the same items.
    """

    def __init__(self, capacity: int = 0, *, threshold: float = 0.8, ngram: int = DEFAULT_NGRAM,
                 num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED):
        self.threshold, self.ngram, self.num_perm, self.seed = threshold, ngram, num_perm, seed
        self._slot_of_key: dict[bytes, int] = {}
        self._ids = array("q")  # per opinion with something to match, in input order
        self._slots = array("i")  # its distinct text
        self._first_id = array("q")  # per distinct text
        self._display_length = array("i")
        # np.empty maps the pages lazily: rows never written cost no memory.
        self._sigs = np.empty((max(capacity, 1), num_perm), dtype=np.uint32)
        self._templates: list[Cluster] = []
        self._template_of = np.empty(0, dtype=np.int32)  # per distinct text: index in _templates or -1
        self._addition_of: dict[int, str] = {}  # per distinct text of a template
        self._first_of: dict[int, int] = {}  # its first opinion
        self._sorted_ids = np.empty(0, dtype=np.int64)
        self._sorted_slots = np.empty(0, dtype=np.int64)

    @property
    def distinct_count(self) -> int:
        return len(self._first_id)

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """One chunk of (id, text): group it by matching key and sign its new distinct texts."""
        key_of_raw: dict[str, str] = {}
        new_keys: list[str] = []
        for opinion_id, text in items:
            key = key_of_raw.get(text)
            if key is None:
                key = key_of_raw[text] = normalize_for_match(text)
            if not key:
                continue
            digest = blake2b(key.encode(), digest_size=16).digest()
            slot = self._slot_of_key.get(digest)
            if slot is None:
                slot = self._slot_of_key[digest] = len(self._first_id)
                self._first_id.append(opinion_id)
                self._display_length.append(len(normalize(text)))
                new_keys.append(key)
            self._ids.append(opinion_id)
            self._slots.append(slot)
        if new_keys:
            count = len(self._first_id)
            if count > len(self._sigs):
                grown = np.empty((max(count, 2 * len(self._sigs)), self.num_perm), dtype=np.uint32)
                grown[: len(self._sigs)] = self._sigs
                self._sigs = grown
            self._sigs[count - len(new_keys) : count] = signatures(
                new_keys, ngram=self.ngram, num_perm=self.num_perm, seed=self.seed)

    def clusters(self, texts_of: Callable[[list[int]], dict[int, str]]) -> list[Cluster]:
        """The clusters, largest first; ``texts_of(ids)`` returns the original text of each id.
        Template clusters get their additions from ``additions``."""
        self._slot_of_key = {}  # nothing more is added
        count = len(self._first_id)
        if not count:
            return []
        sigs = self._sigs[:count]
        labels = near_components(sigs, self.threshold, self.seed)
        ids = np.frombuffer(self._ids, dtype=np.int64).copy()
        slots = np.frombuffer(self._slots, dtype=np.int32).astype(np.int64)
        first_id = np.frombuffer(self._first_id, dtype=np.int64).copy()
        display_length = np.frombuffer(self._display_length, dtype=np.int32).copy()
        self._ids, self._slots = array("q"), array("i")
        order = np.argsort(ids, kind="stable")
        self._sorted_ids, self._sorted_slots = ids[order], slots[order]
        del order
        copies = np.bincount(slots, minlength=count)
        kept = (np.bincount(labels) > 1) | (np.bincount(labels, weights=copies) > 1)
        # Distinct texts, then opinion ids, of the kept components, grouped by component.
        members = np.flatnonzero(kept[labels])
        members = members[np.argsort(labels[members], kind="stable")]
        member_labels = labels[members]
        opinions = np.flatnonzero(kept[labels[slots]])
        opinion_labels = labels[slots[opinions]]
        by_label = np.lexsort((ids[opinions], opinion_labels))
        group_ids, opinion_labels = ids[opinions][by_label], opinion_labels[by_label]
        del opinions, by_label
        component_labels = np.unique(member_labels)
        member_bounds = np.append(np.searchsorted(member_labels, component_labels), len(members))
        id_bounds = np.append(np.searchsorted(opinion_labels, component_labels), len(group_ids))
        clusters: list[Cluster] = []
        candidates: list[tuple[np.ndarray, list[int]]] = []
        for k in range(len(component_labels)):
            component = members[member_bounds[k] : member_bounds[k + 1]]
            cluster_ids = group_ids[id_bounds[k] : id_bounds[k + 1]].tolist()
            if len(component) == 1:
                clusters.append(Cluster(kind="exact", ids=cluster_ids))
            elif len(cluster_ids) < MIN_TEMPLATE_SIZE:
                clusters.append(Cluster(kind="near", ids=cluster_ids))
            else:
                # Most-copied first (then earliest id), as find_similar orders them.
                candidates.append((component[np.lexsort((first_id[component], -copies[component]))], cluster_ids))
        sampled = [int(i) for ordered, _ in candidates for i in first_id[ordered[:TEMPLATE_SAMPLE]]]
        raw = texts_of(sampled) if sampled else {}
        self._template_of = np.full(count, -1, dtype=np.int32)
        for ordered, cluster_ids in candidates:
            sample = ordered[:TEMPLATE_SAMPLE]
            texts = [normalize(raw.get(i, "")) for i in first_id[sample].tolist()]
            template = template_for(texts, sigs[sample], display_length[ordered])
            if template is None:
                clusters.append(Cluster(kind="near", ids=cluster_ids))
                continue
            cluster = Cluster(kind="template", ids=cluster_ids, template=template)
            self._template_of[ordered] = len(self._templates)
            self._templates.append(cluster)
            clusters.append(cluster)
        templated = np.flatnonzero(self._template_of >= 0)
        self._first_of = dict(zip(templated.tolist(), first_id[templated].tolist(), strict=True))
        self._first_id, self._display_length = array("q"), array("i")
        clusters.sort(key=lambda cluster: (-len(cluster.ids), cluster.ids[0]))
        return clusters

    def additions(self, items: Sequence[tuple[int, str]]) -> list[tuple[Cluster, str] | None]:
        """For each (id, text) of a second pass over the opinions: the form-letter cluster it is
        a copy of and what it adds to the letter (also put in the cluster's ``additions``), or
        None. A distinct text's addition is taken from its first opinion, as ``find_similar``
        does; the others reuse it."""
        if not self._templates or not items:
            return [None] * len(items)
        ids = np.fromiter((opinion_id for opinion_id, _ in items), dtype=np.int64, count=len(items))
        positions = np.minimum(np.searchsorted(self._sorted_ids, ids), len(self._sorted_ids) - 1)
        found = self._sorted_ids[positions] == ids
        slots = np.where(found, self._sorted_slots[positions], -1)
        templates = np.where(found, self._template_of[np.maximum(slots, 0)], -1)
        results: list[tuple[Cluster, str] | None] = []
        for (opinion_id, text), slot, index in zip(items, slots.tolist(), templates.tolist(), strict=True):
            if index < 0:
                results.append(None)
                continue
            cluster = self._templates[index]
            addition = self._addition_of.get(slot)
            if addition is None or opinion_id == self._first_of[slot]:
                addition = self._addition_of[slot] = addition_of(cluster.template or "", normalize(text))
            cluster.additions[opinion_id] = addition
            results.append((cluster, addition))
        return results
