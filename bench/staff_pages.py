"""The staff work list of a period with 100,000 opinions, on PostgreSQL (issue 20).

Loads the period the way ``bench.digest_db`` does (its loader: COPY of n submissions with one
accepted opinion each, seven sections), then groups the first fifth of the opinions ten by ten and
gives two thirds of the rest an answer (draft, submitted or approved, categories A–E). Then, as a
logged-in staff member of the plan's department, it asks ``/staff/periods/1/responses`` through the
Flask test client (page 1, and a filtered page) and prints the time and HTML size of each.

    python -m bench.staff_pages [--database-url postgresql://postgres@127.0.0.1:5432/bench_scale]
                                [--opinions 100000] [--repeat 5] [--compare]

``--compare`` also times the old way (every target loaded, then counted in Python) for the ratio.
It works in the schema ``bench`` of that database, which it drops and recreates.
"""

import argparse
import os
import re
import statistics
import time

os.environ.setdefault("MEYASU_ENV", "testing")

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_scale"
TARGET_MS, TARGET_KB = 300.0, 500.0
EMAIL, PASSWORD = "bench-staff@example.jp", "bench staff password"


def shape(app, n: int) -> None:
    """Groups and answers on top of the loader's lone accepted opinions, and a staff member."""
    from sqlalchemy import text

    from app.accounts.services import create_user
    from app.extensions import db

    grouped = n // 5
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO opinion_groups (id, period_id, title, created_at)"
            " SELECT g, 1, '同じ趣旨の意見', now() FROM generate_series(1, :groups) AS g"), {"groups": grouped // 10})
        db.session.execute(text("UPDATE opinions SET group_id = (id - 1) / 10 + 1 WHERE id <= :grouped"),
                           {"grouped": grouped // 10 * 10})
        db.session.execute(text(
            "INSERT INTO responses (period_id, opinion_id, body, category, state, return_comment, created_at,"
            " updated_at) SELECT 1, id, '検討します。', (ARRAY['A','B','C','D','E'])[id % 5 + 1],"
            " (ARRAY['draft','submitted','approved'])[id % 3 + 1], '', now(), now()"
            " FROM opinions WHERE id > :grouped AND id % 3 <> 0"), {"grouped": grouped // 10 * 10})
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('opinion_groups', 'id'),"
                                " (SELECT max(id) FROM opinion_groups))"))
        create_user(EMAIL, PASSWORD, ["staff"], department="まちづくり政策課")
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def fetch(client, path: str, repeat: int) -> dict:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    return {"path": path, "ms": statistics.median(times), "ms_first": times[0], "kb": size / 1024,
            "rows": response.get_data(as_text=True).count("/responses/opinion/")
            + response.get_data(as_text=True).count("/responses/group/")}


def old_way(app) -> float:
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.responses import services

    with app.test_request_context():
        started = time.perf_counter()
        services.progress(services.period_targets(db.session.get(CommentPeriod, 1)))
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds * 1000


def main() -> None:
    from bench.digest_db import load, make_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page; the median is shown")
    parser.add_argument("--compare", action="store_true", help="also time the old in-Python list")
    args = parser.parse_args()
    loaded = load(args.database_url, args.opinions)
    app = make_app(args.database_url)
    started = time.perf_counter()
    shape(app, args.opinions)
    print(f"loaded {args.opinions:,} opinions in {loaded['load_s'] + time.perf_counter() - started:.1f}s")
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}).status_code == 303
    pages = [fetch(client, "/staff/periods/1/responses", args.repeat),
             fetch(client, "/staff/periods/1/responses?status=approved&section=3&category=C&page=2", args.repeat)]
    print(f"target: < {TARGET_MS:.0f} ms and < {TARGET_KB:.0f} KB per page")
    print(f"{'page':<72} {'median':>8} {'first':>8} {'HTML':>9} {'rows':>5}  ratio to target (time, size)")
    for p in pages:
        print(f"{p['path']:<72} {p['ms']:6.0f}ms {p['ms_first']:6.0f}ms {p['kb']:6.0f} KB {p['rows']:>5}  "
              f"{p['ms'] / TARGET_MS:.2f} {p['kb'] / TARGET_KB:.2f}")
    if args.compare:
        old = old_way(app)
        print(f"old way, loading and counting every target (no HTML): {old:,.0f} ms "
              f"({old / pages[0]['ms']:.0f}x page 1)")
    met = all(p["ms"] < TARGET_MS and p["kb"] < TARGET_KB for p in pages)
    print("targets met" if met else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
