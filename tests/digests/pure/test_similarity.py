import numpy as np
from datasketch import MinHash

from app.core.text import char_ngrams, normalize, normalize_for_match
from app.digests.similarity import (
    _bucket_pairs,
    addition_of,
    find_similar,
    shingle_hash,
    shingle_hashes,
    signatures,
)

LETTER = (
    "市民活動団体への補助金削減に反対します。計画案では補助金制度を見直し、成果に応じた配分に切り替えると"
    "されていますが、小規模な団体ほど成果を数値で示すことが難しく、活動の継続が危ぶまれます。"
    "現行の助成水準を維持し、申請手続きを簡素化するよう求めます。"
)
UNRELATED = [
    "公民館の開館時間を夜十時まで延長してほしいです。仕事帰りでは間に合いません。",
    "SNSでの情報発信をもっと増やしてください。若い世代は広報紙を読みません。",
    "町内会の役員の負担が大きすぎます。担い手の高齢化への対策を計画に書いてください。",
    "評価指標が参加者数ばかりで、活動の質が測られていないと思います。",
    "外国人住民向けに多言語の案内を用意してほしい。",
    "駐車場が狭く、車いすでの利用がしにくい施設が多いです。",
]


def _by_kind(clusters, kind):
    return [cluster for cluster in clusters if cluster.kind == kind]


def test_exact_duplicates_after_normalisation():
    items = [
        (1, "公民館の利用時間を延長してください。"),
        (2, "公民館の利用時間を延長してください"),
        (3, "公民館の　利用時間を、延長して下さい。"),  # 下さい: a different word, not a duplicate
        (4, " 公民館の利用時間を延長してください！\n"),
        (5, "ＳＮＳで発信してほしい。"),
        (6, "snsで発信してほしい"),
    ]
    clusters = find_similar(items)
    exact_ids = sorted(cluster.ids for cluster in _by_kind(clusters, "exact"))
    assert [1, 2, 4] in exact_ids
    assert [5, 6] in exact_ids
    assert all(3 not in cluster.ids or len(cluster.ids) > 3 for cluster in clusters)


def test_unrelated_opinions_not_grouped():
    items = list(enumerate(UNRELATED, start=1))
    assert find_similar(items) == []


def test_opinions_without_words_are_left_out():
    items = [(1, "。。。"), (2, "　"), (3, ""), (4, "！？")]
    assert find_similar(items) == []


def test_near_duplicate_with_small_edits_grouped_with_its_base():
    base = "公民館の開館時間を夜十時まで延長してほしいです。仕事帰りでは間に合わず、活動に参加できません。"
    edited = "公民館の開館時間を夜十時まで延長して欲しいです。仕事帰りでは間に合わず活動に参加できません！"
    items = [(10, base), (11, edited)] + [(20 + i, text) for i, text in enumerate(UNRELATED)]
    clusters = find_similar(items)
    assert [(cluster.kind, cluster.ids) for cluster in clusters] == [("near", [10, 11])]


def test_form_letter_copies_grouped_with_their_additions():
    sentences = [s + "。" for s in LETTER.split("。")[:-1]]
    personal = {
        101: ("", LETTER),
        102: ("", LETTER),
        103: ("中央地区に住む者として切実にお願いします。", "中央地区に住む者として切実にお願いします。" + LETTER),
        104: ("子ども食堂を運営しています。", LETTER + "子ども食堂を運営しています。"),
        105: ("家族も同じ思いです。", sentences[0] + "家族も同じ思いです。" + "".join(sentences[1:])),
        106: ("", LETTER.replace("。", "。\n")),  # re-wrapped by a mail program: still a bare copy
        107: ("高齢者の見守り活動への影響も心配です。", LETTER + "高齢者の見守り活動への影響も心配です。"),
    }
    items = [(opinion_id, text) for opinion_id, (_, text) in personal.items()]
    items += [(200 + i, text) for i, text in enumerate(UNRELATED)]
    clusters = find_similar(items)
    assert len(clusters) == 1
    campaign = clusters[0]
    assert campaign.kind == "template"
    assert campaign.ids == sorted(personal)
    assert campaign.template == LETTER
    assert campaign.additions == {opinion_id: addition for opinion_id, (addition, _) in personal.items()}


def test_template_is_the_shared_text_even_when_every_copy_adds_something():
    additions = [
        "賛成できません。",
        "私も困っています。",
        "よく考えてください。",
        "小さな団体の声を聞いて。",
        "再考を。",
        "反対です。",
    ]
    items = [(i, LETTER + addition) for i, addition in enumerate(additions, start=1)]
    [campaign] = find_similar(items)
    assert campaign.kind == "template"
    assert campaign.template == LETTER
    assert campaign.additions == {i: addition for i, addition in enumerate(additions, start=1)}


def test_large_campaign_is_one_cluster():
    places = ["駅前", "北部", "南部", "東部", "西部", "中央", "沿岸部", "山間部", "旧市街", "商店街"]
    items = [(i, f"{places[i % 10]}の住民{i}番です。" + LETTER) for i in range(3000)]
    items += [(10_000 + i, text) for i, text in enumerate(UNRELATED)]
    clusters = find_similar(items)
    assert len(clusters) == 1
    assert clusters[0].kind == "template"
    assert clusters[0].ids == list(range(3000))
    # What every sender wrote, the frame "…の住民…番です。" included, is the template (as in
    # a fill-in-the-blank letter); the filled-in parts are the additions.
    assert clusters[0].template.endswith(LETTER)
    assert "住民" in clusters[0].template
    assert "42" in clusters[0].additions[42]
    assert "住民" not in clusters[0].additions[42]


def test_results_are_deterministic():
    items = [(i, LETTER + f"{i}番目の意見です。") for i in range(50)] + list(enumerate(UNRELATED, start=100))
    assert find_similar(items) == find_similar(items)


def test_addition_of_collects_inserted_and_replaced_parts():
    template = "公民館の利用時間を延長してください。予約もオンラインにしてください。"
    assert addition_of(template, template) == ""
    assert addition_of(template, "至急、" + template) == "至急、"
    text = "公民館の利用時間を夜まで延長してください。予約も電話とオンラインにしてください。"
    assert addition_of(template, text) == "夜まで … 電話と"
    # An added sentence starting like the text after it is still reported as that sentence.
    letter = "計画に反対します。市民活動を守ってください。"
    assert addition_of(letter, "計画に反対します。市役所の近くに住んでいます。市民活動を守ってください。") == (
        "市役所の近くに住んでいます。"
    )
    # Punctuation-only differences are not additions.
    assert addition_of(template, template.replace("。", "！")) == ""


def test_bulk_shingle_hashes_equal_the_reference_hash():
    texts = [normalize_for_match(text) for text in UNRELATED] + ["ab", "x"]
    hashes, offsets = shingle_hashes(texts, 3)
    for text, start in zip(texts, offsets, strict=True):
        expected = [shingle_hash(shingle) for shingle in char_ngrams(text, 3)]
        assert hashes[start : start + len(expected)].tolist() == expected


def test_signatures_equal_datasketch_minhash():
    texts = [normalize_for_match(text) for text in UNRELATED] + ["短い"]
    sigs = signatures(texts, ngram=3, num_perm=64, seed=7)
    for text, sig in zip(texts, sigs, strict=True):
        minhash = MinHash(num_perm=64, seed=7, hashfunc=shingle_hash)
        minhash.update_batch(char_ngrams(text, 3))
        assert np.array_equal(minhash.hashvalues, sig)


def test_bucket_walk_checks_at_most_two_pairs_per_member():
    keys = np.array([7] * 1000 + [3, 3] + list(range(100, 200)), dtype=np.uint64)
    left, right = _bucket_pairs(keys, np.random.default_rng(0).permutation(len(keys)))
    assert len(left) <= 2 * 999 + 1
    # Every member of a bucket is paired with another member of the same bucket.
    assert set(left.tolist()) | set(right.tolist()) == set(range(1002))
    assert np.all(keys[left] == keys[right])


def test_template_text_keeps_original_punctuation():
    items = [(i, LETTER) for i in range(3)] + [(i, LETTER + "反対です。") for i in range(3, 6)]
    [campaign] = find_similar(items)
    assert campaign.template == normalize(LETTER)
    assert "、" in campaign.template


def test_signatures_do_not_depend_on_batching():
    texts = [normalize_for_match(f"{i}番目の意見です。{UNRELATED[i % len(UNRELATED)]}") for i in range(4200)]
    together = signatures(texts, ngram=3, num_perm=32, seed=1)
    for index in (0, 63, 64, 4095, 4096, 4199):
        alone = signatures(texts[index : index + 1], ngram=3, num_perm=32, seed=1)
        assert np.array_equal(together[index], alone[0])
