"""How well and how fast the personal-data detector (app/privacy/detect.py) works.

    python -m bench.pii             per-kind precision/recall/F1 on the labelled set, time per sentence
    python -m bench.pii --misses    also every missed and every false finding, to tune the rules

The labelled set is tests/privacy/data/labelled.jsonl: one sentence a line with its expected spans
(kind, start, end) and, for some, the submitter's own details. A finding counts as a true positive
when it overlaps an expected span of the same kind; an expected span is found when a finding of its
kind overlaps it. The test suite asserts on the same figures (tests/privacy/test_detect.py).
"""

import argparse
import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from app.privacy.detect import KINDS, Known, find_personal_data

DATA = Path(__file__).resolve().parent.parent / "tests" / "privacy" / "data" / "labelled.jsonl"
OPINION_LENGTH = 200


@dataclass
class Score:
    findings: int = 0  # what the detector reported
    correct: int = 0  # of those, overlapping an expected span of the same kind
    expected: int = 0  # labelled spans
    found: int = 0  # of those, overlapped by a finding of the same kind

    @property
    def precision(self) -> float:
        return self.correct / self.findings if self.findings else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def detect(row: dict):
    known = Known(**row["known"]) if row.get("known") else None
    return find_personal_data(row["text"], known)


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(rows: list[dict], misses: list[str] | None = None) -> dict[str, Score]:
    """Scores per kind and overall ("all"); wrong and missed spans are appended to ``misses``."""
    scores = {kind: Score() for kind in (*KINDS, "all")}
    for row in rows:
        findings = detect(row)
        for finding in findings:
            right = any(
                span["kind"] == finding.kind and _overlaps(finding.start, finding.end, span["start"], span["end"])
                for span in row["spans"]
            )
            for key in (finding.kind, "all"):
                scores[key].findings += 1
                scores[key].correct += right
            if not right and misses is not None:
                misses.append(f"false {finding.kind:<11} {finding.text!r} ({finding.score}, {finding.source}) in {row['text']}")
        for span in row["spans"]:
            hit = any(
                finding.kind == span["kind"] and _overlaps(finding.start, finding.end, span["start"], span["end"])
                for finding in findings
            )
            for key in (span["kind"], "all"):
                scores[key].expected += 1
                scores[key].found += hit
            if not hit and misses is not None:
                misses.append(f"missed {span['kind']:<10} {span['text']!r} in {row['text']}")
    return scores


def _opinions(rows: list[dict], length: int = OPINION_LENGTH) -> list[str]:
    """The set's sentences joined into opinions of about ``length`` characters."""
    opinions, current = [], ""
    for row in rows:
        current += row["text"]
        if len(current) >= length:
            opinions.append(current[:length])
            current = ""
    return opinions


def time_per_text(texts: list[str], rounds: int = 5, clock=time.process_time) -> float:
    """Median over ``rounds`` of the mean seconds per text; CPU time by default, which other work
    on a shared machine does not inflate as much as it does the wall clock."""
    find_personal_data(texts[0])  # loads the dictionary outside the clock
    means = []
    for _ in range(rounds):
        started = clock()
        for text in texts:
            find_personal_data(text)
        means.append((clock() - started) / len(texts))
    return statistics.median(means)


def _table(title: str, scores: dict[str, Score]) -> None:
    print(title)
    print(f"{'kind':<12} {'expected':>8} {'found':>6} {'findings':>8} {'right':>6} {'precision':>9} {'recall':>7} {'F1':>6}")
    for kind, score in scores.items():
        print(
            f"{kind:<12} {score.expected:>8} {score.found:>6} {score.findings:>8} {score.correct:>6}"
            f" {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f}"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--misses", action="store_true", help="print every missed and every false finding")
    args = parser.parse_args()
    rows = load(args.data)
    misses: list[str] = []
    started = time.perf_counter()
    scores = evaluate(rows, misses)
    elapsed = time.perf_counter() - started
    positives = sum(bool(row["spans"]) for row in rows)
    print(f"{len(rows)} sentences ({positives} with personal data, {len(rows) - positives} without), {args.data}")
    print("A finding is right when it overlaps an expected span of the same kind.\n")
    _table("All sentences", scores)
    held_out = [row for row in rows if row.get("part") == "held-out"]
    if held_out:
        _table(
            f"Held out ({len(held_out)} sentences written after the first round of tuning; see bench/README.md)",
            evaluate(held_out),
        )
    sentences = [row["text"] for row in rows]
    opinions = _opinions(rows)
    mean_length = statistics.mean(map(len, sentences))
    print(f"first pass over the set, dictionary load included: {elapsed:.2f} s wall clock")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times below are CPU time per text")
    print(f"per sentence ({mean_length:.0f} characters on average): {time_per_text(sentences) * 1000:.3f} ms")
    print(
        f"per {OPINION_LENGTH}-character opinion ({len(opinions)} made of the set's sentences):"
        f" {time_per_text(opinions) * 1000:.3f} ms CPU, {time_per_text(opinions, clock=time.perf_counter) * 1000:.3f} ms wall"
    )
    if args.misses:
        print("\n" + "\n".join(misses))


if __name__ == "__main__":
    main()
