"""The public pages of the demo rendered in process, uncached, with and without the glossary's marking.

    python -m bench.public_pages [--database-url URL] [--rounds 5] [--no-seed]

Seeds the database (SQLite by default, a file under BENCH_WORKDIR; a PostgreSQL URL has its public
schema dropped and reseeded like ``bench.seed``), then renders every public page the load benchmark
reads (``bench.load.page_paths``) plus the glossary through ``app.test_client()`` with the page cache
emptied before each request (every page is rendered, as on a miss), ``--rounds`` times, alternating a round with the glossary's ``after_request`` and one without it.
Prints per page: CPU ms, SQL statements, and the CPU spent inside the glossary's hook (its share of
the page). CPU time, not the wall clock: the machine is shared.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from bench.stack import WORKDIR


def seed(url: str) -> dict:
    if url.startswith("postgresql"):
        from bench.seed import seed as seed_postgres

        return seed_postgres(url, 40)
    from flask_migrate import upgrade

    from app.core.demodata import load_all
    from app.extensions import db
    from bench.seed import make_app, targets

    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_all()
        db.session.commit()
    return targets(app)


def make_app(url: str):
    from bench.seed import make_app as seed_app

    app = seed_app(url)
    # The page cache on, as in production (what the glossary keeps its terms with), but emptied before
    # every request (``main``): each page is rendered, as a miss is.
    app.config.update(PUBLIC_PAGE_CACHE_SECONDS=60, RATELIMIT_ENABLED=False)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.public_pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=f"sqlite:///{WORKDIR / 'public_pages.sqlite3'}")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args(argv)
    WORKDIR.mkdir(parents=True, exist_ok=True)

    from sqlalchemy import event

    from app.extensions import db
    from bench.load import page_paths

    found = seed(args.database_url) if not args.no_seed else None
    app = make_app(args.database_url)
    if found is None:
        from bench.seed import targets

        found = targets(app)
    paths = sorted(set(page_paths(found))) + ["/glossary"]

    hooks = app.after_request_funcs[None]
    marking = next(f for f in hooks if getattr(f, "__name__", "") == "add_terms")
    spent = {"cpu": 0.0}

    def timed(response):
        started = time.process_time()
        try:
            return marking(response)
        finally:
            spent["cpu"] += time.process_time() - started

    statements = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__("n", statements["n"] + 1))
    client = app.test_client()
    kept = app.extensions["meyasu_page_cache"].entries

    def render(path: str):
        kept.clear()
        return client.get(path)

    for path in paths:  # warm: imports, templates, the dictionary
        assert render(path).status_code == 200, path

    slot = hooks.index(marking)
    results = {"with": [], "without": []}
    for n in range(args.rounds * 2):
        mode = "with" if n % 2 == 0 else "without"
        hooks[slot] = timed if mode == "with" else (lambda response: response)
        spent["cpu"], statements["n"] = 0.0, 0
        started = time.process_time()
        for path in paths:
            render(path)
        cpu = time.process_time() - started
        results[mode].append((cpu / len(paths), statements["n"] / len(paths), spent["cpu"] / len(paths)))

    print(f"database {args.database_url.split('@')[-1]}; {len(paths)} pages x {args.rounds} rounds each way, "
          f"every page rendered; load average {os.getloadavg()[0]:.2f}")
    for mode in ("with", "without"):
        for cpu, sql, hook in results[mode]:
            extra = f"; glossary hook {hook * 1000:.2f} ms ({100 * hook / cpu:.1f} % of the page)" if mode == "with" else ""
            print(f"  {mode:7} glossary: {cpu * 1000:6.2f} ms CPU/page, {sql:.2f} SQL statements/page{extra}")
    best = {mode: min(row[0] for row in rows) for mode, rows in results.items()}
    print(f"  best round: {best['with'] * 1000:.2f} ms with, {best['without'] * 1000:.2f} ms without "
          f"(+{100 * (best['with'] / best['without'] - 1):.1f} %); SQL per page with "
          f"{min(r[1] for r in results['with']):.2f}, without {min(r[1] for r in results['without']):.2f}; "
          f"glossary terms: {_count_terms(app)}")
    return 0


def _count_terms(app) -> int:
    from app.reading.glossary import terms

    with app.app_context():
        return len(terms())


if __name__ == "__main__":
    sys.exit(main())
