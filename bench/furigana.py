"""How right and how fast ふりがな are (app/reading).

    python -m bench.furigana           accuracy on the reading set, added time on the longest demo page
    python -m bench.furigana --misses  also every phrase read wrong

The set is tests/reading/data/readings.tsv: phrases from the Shimonoseki case and the city's
vocabulary with their correct readings, read with the demo's city dictionary (app/reading/demo.py)
as a city would have it. The time is that of annotating the longest public page of the demo, the
first time (every text node new) and again (each text cached), against the targets of issue 19.
"""

import argparse
import time
from pathlib import Path

from app.reading.demo import ENTRIES
from app.reading.ruby import CityDictionary, annotate_text, hiragana, reading_of

DATA = Path(__file__).resolve().parent.parent / "tests" / "reading" / "data" / "readings.tsv"
DEMO_DICTIONARY = CityDictionary((surface, reading) for surface, reading, _note in ENTRIES)


def reading_set() -> list[tuple[str, str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrase, reading = line.split("\t")
            rows.append((phrase, reading))
    return rows


def accuracy(city: CityDictionary = DEMO_DICTIONARY) -> tuple[float, list[tuple[str, str, str]]]:
    """The share of phrases read exactly right, and the misses (phrase, expected, read)."""
    rows = reading_set()
    misses = [(phrase, expected, got) for phrase, expected in rows
              if (got := hiragana(reading_of(phrase, city))) != expected]
    return 1 - len(misses) / len(rows), misses


def longest_demo_page() -> tuple[str, str]:
    """(path, html) of the longest public page of the demo, rendered by a test app on SQLite."""
    from app import create_app
    from app.core.demodata import load_all
    from app.extensions import db
    from config import TestConfig

    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        load_all()
        client = app.test_client()
        pages = {}
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith("api."):
                continue
            values = {name: 1 for name in rule.arguments}
            try:
                path = rule.build(values, append_unknown=False)[1]
            except Exception:  # noqa: BLE001,S112  (a rule with converters that 1 does not fit)
                continue
            response = client.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages[path] = response.get_data(as_text=True)
        path = max(pages, key=lambda p: len(pages[p]))
        return path, pages[path]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    score, misses = accuracy()
    print(f"accuracy: {score:.1%} of {len(reading_set())} phrases ({len(misses)} wrong; target ≥ 97 %)")
    if args.misses:
        for phrase, expected, got in misses:
            print(f"  {phrase}\texpected {expected}\tread {got}")
    from app.reading.html import annotate_html

    path, html = longest_demo_page()
    annotate_text.cache_clear()
    started = time.perf_counter()
    annotate_html(html, DEMO_DICTIONARY)
    cold = (time.perf_counter() - started) * 1000
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        annotate_html(html, DEMO_DICTIONARY)
    warm = (time.perf_counter() - started) * 1000 / runs
    print(f"longest demo page: {path} ({len(html):,} characters)")
    print(f"added time: {warm:.1f} ms per page with its texts cached (target < 15 ms); {cold:.1f} ms the first time")


if __name__ == "__main__":
    main()
