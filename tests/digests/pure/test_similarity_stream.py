"""SimilarityStream gives find_similar's clusters without keeping the texts, however it is chunked."""

import pytest

from app.digests.similarity import SimilarityStream, find_similar
from bench.digest_synthetic import generate


@pytest.fixture(scope="module")
def corpus():
    items, _ = generate(1500, seed=3)
    # Exact copies with other spacing, and texts with nothing to match, between the others.
    items += [(5001, items[0][1] + "　"), (5002, "。。。"), (5003, items[0][1].replace("。", "！"))]
    return items


def streamed(items, chunk, capacity, second_chunk=97):
    texts = dict(items)
    read_back = []

    def texts_of(ids):
        read_back.extend(ids)
        return {opinion_id: texts[opinion_id] for opinion_id in ids}

    stream = SimilarityStream(capacity)
    for start in range(0, len(items), chunk):
        stream.add(items[start : start + chunk])
    clusters = stream.clusters(texts_of)
    found = []
    for start in range(0, len(items), second_chunk):
        found += stream.additions(items[start : start + second_chunk])
    return clusters, found, read_back


@pytest.mark.parametrize(("chunk", "capacity"), [(1, 0), (7, 10), (500, 1503), (5000, 5000)])
def test_streamed_clusters_equal_find_similar_with_their_additions(corpus, chunk, capacity):
    expected = find_similar(corpus)
    clusters, found, read_back = streamed(corpus, chunk, capacity)
    assert clusters == expected  # kinds, ids, templates and every member's addition
    templates = [cluster for cluster in expected if cluster.kind == "template"]
    assert len(templates) == 5 and all(cluster.additions for cluster in templates)
    in_letter = {opinion_id for cluster in templates for opinion_id in cluster.ids}
    assert [opinion_id for (opinion_id, _), copy in zip(corpus, found, strict=True) if copy] == sorted(in_letter)
    # Only a sample of each large group is read back, not the period.
    assert 0 < len(read_back) <= 24 * sum(1 for cluster in expected if len(cluster.ids) >= 5)


def test_an_empty_stream_has_no_clusters():
    stream = SimilarityStream(10)
    stream.add([(1, "。"), (2, "")])
    assert stream.clusters(lambda ids: {}) == []
    assert stream.additions([(1, "。")]) == [None]
