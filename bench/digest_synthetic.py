"""Synthetic comment period for the digest pipeline, and its benchmark.

``generate(n, seed)`` builds opinions about a (fictional) civic-activity promotion plan:
about 30% are copies of five form letters with small personal additions, about 10%
are near-duplicates of another opinion, the rest are unique. ``main()`` runs the pure
pipeline (similarity + keywords, no database) for 10k and 100k opinions, each in a fresh
subprocess so its peak memory is its own, and prints times, memory and pairwise
precision/recall against the known grouping.

    python -m bench.digest_synthetic            # both sizes
    python -m bench.digest_synthetic --one 10000
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.core.text import normalize_for_match
from app.digests.keywords import count_keywords_by_key, overall_keywords, top_keywords
from app.digests.similarity import Cluster, find_similar

FORM_SHARE = 0.30
NEAR_SHARE = 0.10
SECTIONS = range(1, 8)

# --- vocabulary ----------------------------------------------------------------------

# fmt: off

TOPICS = {
    1: ["計画の基本理念", "目指す将来像", "計画期間", "基本目標", "市民参加の考え方"],
    2: ["担い手の育成", "若い世代の参加", "ボランティア養成講座", "リーダー研修", "人材バンク"],
    3: ["公民館の利用", "市民活動センター", "活動拠点の整備", "会議室の予約", "施設の開館時間"],
    4: ["補助金制度", "活動助成金", "財政支援", "申請手続き", "クラウドファンディング"],
    5: ["情報発信", "ホームページ", "SNSの活用", "広報紙", "オンライン申請"],
    6: ["企業との協働", "大学との連携", "町内会との関係", "NPO同士の連携", "行政との役割分担"],
    7: ["推進体制", "進捗管理", "評価指標", "審議会の運営", "計画の見直し"],
}
PLACES = ["駅前", "中央地区", "北部", "南部の団地", "山間部", "沿岸部", "新興住宅地", "旧市街",
          "学校の近く", "商店街", "郊外", "市役所周辺", "川沿いの地区", "東部", "西部の農村部"]
GROUPS = ["高齢者", "子育て中の親", "高校生", "大学生", "外国人住民", "障がいのある方", "働く世代",
          "自治会の役員", "民生委員", "ひとり親家庭", "退職したばかりの方", "転入してきた方", "商店主"]
ISSUES = ["担い手が不足している", "参加者が固定化している", "情報が届いていない", "手続きが煩雑である",
          "活動場所が足りない", "資金が続かない", "世代間の交流が少ない", "駐車場が狭い",
          "夜間に使える施設がない", "申請書類が多すぎる", "団体同士のつながりが弱い",
          "若い人の意見が反映されにくい", "交通の便が悪い", "成果が見えにくい"]
REQUESTS = ["開館時間を延長してほしい", "手続きを簡素化してほしい", "補助の上限額を引き上げてほしい",
            "相談窓口を設けてほしい", "オンラインで予約できるようにしてほしい",
            "若者向けの講座を増やしてほしい", "送迎バスを運行してほしい", "成果指標を公表してほしい",
            "説明会を各地区で開いてほしい", "多言語での案内を用意してほしい",
            "活動団体の一覧を作ってほしい", "専門家による伴走支援をしてほしい",
            "利用料を無料にしてほしい", "審議会に公募委員を増やしてほしい"]
REASONS = ["仕事帰りでは間に合わない", "書類作成に慣れていない人も多い", "物価が上がっている",
           "どこに相談すればよいかわからない", "車を持たない人もいる", "担い手の高齢化が進んでいる",
           "子どもを連れて参加しにくい", "日本語が得意でない住民も増えている",
           "現場の声が届いていないと感じる", "他市ではすでに実施されている"]
ADJECTIVES = ["とても", "非常に", "かなり", "少し", "大いに", "ぜひ"]
STANCES = ["賛成です", "おおむね賛成です", "反対です", "疑問があります", "期待しています",
           "不安を感じています", "評価しています"]
OPENERS = ["{place}に住んでいる者です。", "{group}の立場から意見を述べます。",
           "{place}で市民活動をしています。", "計画案を読みました。", "いつも市政にご尽力いただきありがとうございます。",
           "{group}として日頃感じていることを書きます。", ""]
BODY = [
    "{topic}について{stance}。",
    "{topic}について、{place}では{issue}と感じます。",
    "{group}にとっては{issue}ので、{request}。",
    "{reason}ため、{topic}では{request}。",
    "{topic}に関しては{adj}重要だと思いますが、{issue}点が心配です。",
    "{place}の現状を見ると、{issue}のは明らかです。",
    "{group}が参加しやすいように、{request}。",
    "{topic}の記述が{adj}抽象的で、具体的な取り組みがわかりません。",
    "{reason}ので、{group}への配慮を計画に明記してください。",
    "{topic}の進め方について、{place}の実情を踏まえて検討してほしいです。",
    "特に{group}については{issue}ことを問題だと考えています。",
    "{topic}には{adj}期待していますが、{reason}ことも忘れないでください。",
    "数値目標として{topic}の達成度を示し、毎年公表してほしいです。",
    "{place}では{group}が中心となって活動していますが、{issue}状況です。",
]
CLOSERS = ["よろしくお願いします。", "ご検討ください。", "以上です。", "前向きな対応を期待します。", "", ""]

# Five form letters, each about one section (the section of the campaign).
FORM_LETTERS = [
    (3, "公民館の利用時間延長を求めます。現在の公民館は平日の夜九時で閉館しており、仕事を持つ市民が"
        "活動に参加することが困難です。市民活動推進計画の基本目標に掲げられた「誰もが参加できる"
        "まちづくり」を実現するためには、活動拠点の開館時間を延長し、土日祝日も含めて柔軟に利用"
        "できるようにすることが不可欠です。また、予約をオンラインで行えるようにし、利用料の減免"
        "制度を拡充することを強く要望します。"),
    (4, "市民活動団体への補助金削減に反対します。計画案では補助金制度を見直し、一律の助成から"
        "成果に応じた配分に切り替えるとされていますが、小規模な団体ほど成果を数値で示すことが"
        "難しく、活動の継続が危ぶまれます。地域の見守りや子ども食堂など、目立たないが大切な活動を"
        "支えてきたのは小さな団体です。現行の助成水準を維持し、申請手続きを簡素化するよう求めます。"),
    (2, "若い世代が市民活動に参加できる仕組みづくりを求めます。高校生や大学生が地域の課題に"
        "関わる機会は限られており、計画案にも具体的な施策が示されていません。学校と地域をつなぐ"
        "コーディネーターを配置し、ボランティア活動を単位として認める制度や、交通費の補助など、"
        "若者が無理なく参加できる環境を整えてください。次の世代の担い手を育てることが、この計画の"
        "成否を左右すると考えます。"),
    (6, "市民活動推進計画の策定にあたり、町内会・自治会の役割を明確に位置づけることを要望します。"
        "地域の防災や見守りの大部分は町内会が担っていますが、役員の高齢化と加入率の低下により"
        "存続が危ぶまれています。計画案ではNPOや企業との協働が強調される一方で、町内会への支援策が"
        "ほとんど記載されていません。町内会とNPOの橋渡しを行う窓口の設置と、役員の負担軽減策を"
        "計画に盛り込んでください。"),
    (7, "計画の進捗を市民が確認できるよう、評価の仕組みを改善してください。現在の案では評価指標が"
        "講座の開催回数や参加者数に偏っており、活動の質や市民の満足度が測られていません。外部の"
        "有識者と公募市民が参加する評価委員会を設け、毎年度の評価結果と改善策をホームページで公表"
        "することを求めます。透明性の高い進捗管理こそが、市民の信頼につながると考えます。"),
]
ADDITIONS = [
    "{place}に住む{group}の一人として、切実にお願いします。",
    "私自身、{reason}と日々感じています。",
    "{group}の声もぜひ聞いてください。",
    "{place}の集会所でもこの問題はよく話題になります。",
    "家族も同じ思いです。",
    "{reason}ことを付け加えます。",
    "私たちの{topic}に関する活動にも関わる問題です。",
    "特に{place}では深刻です。",
]
# Near-duplicate edits: word swaps between forms people really alternate between.
SWAPS = [("してほしい", "して欲しい"), ("ください", "下さい"), ("子ども", "子供"), ("思います", "考えます"),
         ("わかりません", "分かりません"), ("とても", "大変"), ("非常に", "大変"), ("活動", "取り組み"),
         ("心配", "不安"), ("問題", "課題"), ("ので", "から"), ("ため", "ので")]

# fmt: on


@dataclass
class Truth:
    """Ground truth per opinion id: its true cluster, section and kind; for
    form-letter copies the personal addition that was inserted ("" for none)."""

    cluster: dict[int, int] = field(default_factory=dict)
    section: dict[int, int] = field(default_factory=dict)
    kind: dict[int, str] = field(default_factory=dict)  # "form" | "near" | "base" | "unique"
    addition: dict[int, str] = field(default_factory=dict)


def _fill(template: str, rng: random.Random, section: int) -> str:
    """Fill the {slots} of one sentence template with random vocabulary."""
    return template.format(
        topic=rng.choice(TOPICS[section]),
        place=rng.choice(PLACES),
        group=rng.choice(GROUPS),
        issue=rng.choice(ISSUES),
        request=rng.choice(REQUESTS),
        reason=rng.choice(REASONS),
        adj=rng.choice(ADJECTIVES),
        stance=rng.choice(STANCES),
    )


def unique_opinion(rng: random.Random, section: int) -> str:
    """An opener, two to four body sentences (with their own section topics) and a closer."""
    parts = [_fill(rng.choice(OPENERS), rng, section)]
    parts += [_fill(body, rng, section) for body in rng.sample(BODY, rng.randint(2, 4))]
    parts.append(rng.choice(CLOSERS))
    return "".join(parts)


def form_copy(rng: random.Random, letter: str, section: int) -> tuple[str, str]:
    """A copy of a form letter: a third bare, the rest with one personal sentence put
    before, after, or between two sentences; sometimes re-spaced or re-punctuated.
    Returns (text, addition)."""
    text, addition = letter, ""
    if rng.random() >= 1 / 3:
        addition = _fill(rng.choice(ADDITIONS), rng, section)
        sentences = letter.split("。")[:-1]
        cut = rng.choice([0, len(sentences), rng.randint(1, len(sentences) - 1)])
        text = "".join(s + "。" for s in sentences[:cut]) + addition + "".join(s + "。" for s in sentences[cut:])
    if rng.random() < 0.1:
        # Pasted through different software: full-width spaces, line breaks, ASCII marks.
        text = text.replace("。", rng.choice(["。\n", "。　", ". "]))
    return text, addition


def near_copy(rng: random.Random, base: str) -> str:
    """One to three small edits: a swapped word, a changed or dropped punctuation mark,
    a character removed."""
    text = base
    for _ in range(rng.randint(1, 3)):
        edit = rng.random()
        swaps = [pair for pair in SWAPS if pair[0] in text]
        if edit < 0.5 and swaps:
            old, new = rng.choice(swaps)
            text = text.replace(old, new, 1)
        elif edit < 0.8:
            text = text.replace("、", "", 1) if rng.random() < 0.5 else text.replace("。", "！", 1)
        else:
            position = rng.randrange(len(text))
            text = text[:position] + text[position + 1 :]
    return text


def generate(n: int, seed: int = 0) -> tuple[list[tuple[int, str]], Truth]:
    """``n`` opinions (id, text), ids shuffled, and their ground truth.

    True clusters: all copies of one form letter; a near-duplicate with its base
    opinion. Unique opinions are kept distinct after normalize_for_match.
    """
    rng = random.Random(seed)
    truth = Truth()
    texts: list[tuple[str, int, int, str]] = []  # text, cluster, section, kind
    additions: dict[int, str] = {}  # by position in texts
    for index in range(round(n * FORM_SHARE)):
        letter_no = index % len(FORM_LETTERS)
        section, letter = FORM_LETTERS[letter_no]
        text, addition = form_copy(rng, letter, section)
        texts.append((text, letter_no, section, "form"))
        additions[len(texts) - 1] = addition
    seen: set[str] = set()
    uniques: list[tuple[str, int, int]] = []
    n_near = round(n * NEAR_SHARE)
    while len(uniques) < n - len(texts) - n_near:
        section = rng.choice(SECTIONS)
        text = unique_opinion(rng, section)
        if normalize_for_match(text) not in seen:
            seen.add(normalize_for_match(text))
            uniques.append((text, len(FORM_LETTERS) + len(uniques), section))
    bases = rng.sample(range(len(uniques)), n_near)
    for base in bases:
        text, cluster, section = uniques[base]
        texts.append((near_copy(rng, text), cluster, section, "near"))
    base_set = set(bases)
    texts += [(t, c, s, "base" if i in base_set else "unique") for i, (t, c, s) in enumerate(uniques)]
    ids = list(range(1, len(texts) + 1))
    rng.shuffle(ids)
    for position, (opinion_id, (_, cluster, section, kind)) in enumerate(zip(ids, texts, strict=True)):
        truth.cluster[opinion_id], truth.section[opinion_id], truth.kind[opinion_id] = cluster, section, kind
        if position in additions:
            truth.addition[opinion_id] = additions[position]
    items = sorted(zip(ids, (t[0] for t in texts), strict=True))
    return items, truth


# --- evaluation ----------------------------------------------------------------------


def _pairs(counts: np.ndarray) -> int:
    """Number of unordered pairs inside groups of the given sizes."""
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(ids: list[int], truth: Truth, clusters: list[Cluster]) -> tuple[float, float]:
    """Pairwise precision and recall of the predicted grouping, from a contingency
    table of (true cluster, predicted cluster) counts: pairs are never enumerated."""
    predicted_of = {opinion_id: index for index, cluster in enumerate(clusters) for opinion_id in cluster.ids}
    # Opinions in no cluster are singletons: give each its own negative label.
    predicted = np.array([predicted_of.get(i, -1 - i) for i in ids], dtype=np.int64)
    true = np.array([truth.cluster[i] for i in ids], dtype=np.int64)
    _, true_sizes = np.unique(true, return_counts=True)
    _, predicted_sizes = np.unique(predicted, return_counts=True)
    _, cell_sizes = np.unique(np.stack([true, predicted], axis=1), axis=0, return_counts=True)
    together = _pairs(cell_sizes)
    predicted_pairs, true_pairs = _pairs(predicted_sizes), _pairs(true_sizes)
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    return precision, recall


def detail_scores(truth: Truth, clusters: list[Cluster]) -> dict[str, float]:
    """Per-kind checks the pairwise figures hide: near-duplicates found with their base,
    form copies labelled "template", and additions recovered exactly."""
    cluster_of = {opinion_id: cluster for cluster in clusters for opinion_id in cluster.ids}
    base_of = {c: i for i, c in truth.cluster.items() if truth.kind[i] == "base"}
    near = [i for i, kind in truth.kind.items() if kind == "near"]
    near_found = sum(
        1 for i in near if cluster_of.get(i) is not None and base_of[truth.cluster[i]] in cluster_of[i].ids
    )
    forms = [i for i, kind in truth.kind.items() if kind == "form"]
    templated = [i for i in forms if cluster_of.get(i) is not None and cluster_of[i].kind == "template"]
    additions_ok = sum(
        1
        for i in templated
        if normalize_for_match(cluster_of[i].additions.get(i, "")) == normalize_for_match(truth.addition[i])
    )
    return {
        "near_with_base": near_found / max(len(near), 1),
        "form_in_template": len(templated) / max(len(forms), 1),
        "additions_exact": additions_ok / max(len(templated), 1),
    }


# --- benchmark -----------------------------------------------------------------------


def keyword_inputs(
    items: list[tuple[int, str]], truth: Truth, clusters: list[Cluster]
) -> dict[int, list[tuple[str, int]]]:
    """Per section, (text, copies) for the keyword counter: a form letter's template
    once with its number of copies plus each member's own addition; other opinions
    as they are (count_keywords merges equal texts)."""
    by_section: dict[int, list[tuple[str, int]]] = {section: [] for section in SECTIONS}
    templated: set[int] = set()
    for cluster in clusters:
        if cluster.kind != "template":
            continue
        templated.update(cluster.ids)
        copies = Counter(truth.section[i] for i in cluster.ids)
        for section, count in copies.items():
            by_section[section].append((cluster.template or "", count))
        for opinion_id, addition in cluster.additions.items():
            if addition:
                by_section[truth.section[opinion_id]].append((addition, 1))
    for opinion_id, text in items:
        if opinion_id not in templated:
            by_section[truth.section[opinion_id]].append((text, 1))
    return by_section


def run_one(n: int, seed: int = 0) -> dict:
    """Generate ``n`` opinions, run the pipeline, return figures (times in seconds)."""
    started = time.perf_counter()
    items, truth = generate(n, seed)
    figures: dict = {"n": n, "generate_s": time.perf_counter() - started}
    started = time.perf_counter()
    clusters = find_similar(items)
    figures["similarity_s"] = time.perf_counter() - started
    started = time.perf_counter()
    inputs = keyword_inputs(items, truth, clusters)
    distinct_texts = len({text for texts in inputs.values() for text, _ in texts})
    counts = count_keywords_by_key(inputs)
    per_section = {section: top_keywords(c, 20) for section, c in counts.items()}
    overall = overall_keywords(counts, 20)
    figures["keywords_s"] = time.perf_counter() - started
    figures["keyword_docs_per_s"] = distinct_texts / figures["keywords_s"]
    figures["pipeline_s"] = figures["similarity_s"] + figures["keywords_s"]
    figures["precision"], figures["recall"] = pairwise_scores([i for i, _ in items], truth, clusters)
    figures.update(detail_scores(truth, clusters))
    figures["clusters"] = dict(Counter(cluster.kind for cluster in clusters))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["overall_top5"] = overall[:5]
    figures["section3_top5"] = per_section[3][:5]
    return figures


def tokenizer_throughput(count: int = 5000, seed: int = 1) -> tuple[float, float]:
    """Sudachi docs/s and chars/s on distinct unique opinions (content-word extraction)."""
    from app.digests.keywords import content_words, tokenizer

    rng = random.Random(seed)
    texts = [unique_opinion(rng, rng.choice(SECTIONS)) for _ in range(count)]
    tokenizer()  # dictionary load is not throughput
    started = time.perf_counter()
    for text in texts:
        content_words(text)
    elapsed = time.perf_counter() - started
    return count / elapsed, sum(map(len, texts)) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, help="run one size in this process and print JSON")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one), ensure_ascii=False))
        return
    docs_per_s, chars_per_s = tokenizer_throughput()
    print(f"Sudachi content words (mode B): {docs_per_s:,.0f} docs/s, {chars_per_s:,.0f} chars/s")
    header = "n        generate  similarity  keywords  pipeline  peak RSS   precision  recall"
    print(header)
    for n in (10_000, 100_000):
        # A fresh interpreter per size: ru_maxrss is a process-lifetime peak.
        output = subprocess.run(
            [sys.executable, "-m", "bench.digest_synthetic", "--one", str(n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        f = json.loads(output.strip().splitlines()[-1])
        print(
            f"{n:<8} {f['generate_s']:7.2f}s  {f['similarity_s']:9.2f}s  {f['keywords_s']:7.2f}s  "
            f"{f['pipeline_s']:7.2f}s  {f['peak_rss_mb']:6.0f} MB  {f['precision']:9.6f}  {f['recall']:.6f}"
        )
        print(
            f"         near-dup with base {f['near_with_base']:.3f}, form copies in template clusters "
            f"{f['form_in_template']:.3f}, additions exact {f['additions_exact']:.3f}, "
            f"keyword texts {f['keyword_docs_per_s']:,.0f} docs/s, clusters {f['clusters']}"
        )
        print(f"         overall {f['overall_top5']}  section 3 {f['section3_top5']}")


if __name__ == "__main__":
    main()
