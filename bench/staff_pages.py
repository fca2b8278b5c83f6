"""The staff pages of responses with 100,000 opinions in a period, on PostgreSQL (issue 20).

Loads the period the way ``bench.digest_db`` does (its loader: COPY of n submissions with one
opinion each, seven sections), then writes what staff would, each step a statement of its own and so a
version of each row it touches, as in a real period: every opinion accepted by a moderator, half of
them with a summary; the first fifth grouped ten by ten; two thirds of the rest answered (categories
A–E, by another member of staff) as drafts, all sent for approval and half of those approved by a
third member; every text screened for personal data. Then it vacuums the tables as autovacuum would
once the answers are written. Then, as a logged-in staff member of
the plan's department, it asks through the Flask test client, one request at a time: the work list
(page 1, a filtered page), the answer editor of an opinion and of a group (and its "start from
another answer" search, with words in every answer and in none), the approver's list (page 1, page
300), the staff result page; and calls the publication check. It prints each one's median time and
HTML size against the targets (300 ms and 500 KB a page, 1 s the check), MET or NOT MET, and the
load average.

    python -m bench.staff_pages [--database-url postgresql://postgres@127.0.0.1:5432/bench_scale]
                                [--opinions 100000] [--repeat 5] [--compare]

``--compare`` also times the old ways once (every target loaded, then counted in Python; the old
publication check, and the staff result page with it).
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
CHECK_MS = 1000.0
EMAIL, AUTHOR, APPROVER, PASSWORD = (
    "bench-staff@example.jp", "bench-author@example.jp", "bench-approver@example.jp", "bench staff password")


def shape(app, n: int) -> None:
    """Groups, summaries and answers on top of the loader's lone opinions, written as staff write them
    (each a version of its row: a real period's tables and indexes carry them until vacuumed), and the
    staff members."""
    from sqlalchemy import text

    from app.accounts.services import create_user
    from app.extensions import db

    grouped = n // 5
    with app.app_context():
        author = create_user(AUTHOR, PASSWORD, ["staff"], department="まちづくり政策課")
        approver = create_user(APPROVER, PASSWORD, ["staff"], department="まちづくり政策課")
        db.session.flush()
        # Moderation: every opinion accepted by a moderator, half of them with a summary written (the
        # loader stores them accepted; this is the second version of each row that moderation writes).
        db.session.execute(text(
            "UPDATE opinions SET decided_by_id = :author, decided_at = now() - id * interval '1 second',"
            " summary = CASE WHEN id % 2 = 0 THEN '（概要）' || left(excerpt, 40) ELSE '' END"), {"author": author.id})
        db.session.execute(text(
            "INSERT INTO opinion_groups (id, period_id, title, created_at)"
            " SELECT g, 1, '同じ趣旨の意見', now() FROM generate_series(1, :groups) AS g"), {"groups": grouped // 10})
        db.session.execute(text("UPDATE opinions SET group_id = (id - 1) / 10 + 1 WHERE id <= :grouped"),
                           {"grouped": grouped // 10 * 10})
        # Answers: written as drafts, sent for approval, and a half of those approved by another member
        # of staff (three versions of an approved answer's row).
        db.session.execute(text(
            "INSERT INTO responses (period_id, opinion_id, body, category, state, return_comment, author_id,"
            " created_at, updated_at) SELECT 1, id, '検討します。（' || id || '）',"
            " (ARRAY['A','B','C','D','E'])[id % 5 + 1], 'draft', '', :author, now(), now()"
            " FROM opinions WHERE id > :grouped AND id % 3 <> 0"), {"grouped": grouped // 10 * 10, "author": author.id})
        db.session.execute(text(
            "UPDATE responses SET state = 'submitted', submitted_at = now() - opinion_id * interval '1 second',"
            " updated_at = now() - opinion_id * interval '1 second'"))
        db.session.execute(text(
            "UPDATE responses SET state = 'approved', approver_id = :approver, approved_at = now(), updated_at = now()"
            " WHERE opinion_id % 3 = 2"), {"approver": approver.id})
        # Every text screened for personal data when it was accepted or approved, as the privacy feature
        # does: its share of the publication check then takes its everyday path (nothing to screen again).
        db.session.execute(text(
            "INSERT INTO privacy_screenings (period_id, opinion_id, field, text_sha256, screened_at)"
            " SELECT 1, id, CASE WHEN summary = '' THEN 'excerpt' ELSE 'summary' END,"
            " encode(sha256(convert_to(CASE WHEN summary = '' THEN excerpt ELSE summary END, 'UTF8')), 'hex'),"
            " now() FROM opinions"))
        db.session.execute(text(
            "INSERT INTO privacy_screenings (period_id, response_id, field, text_sha256, screened_at)"
            " SELECT 1, id, 'body', encode(sha256(convert_to(body, 'UTF8')), 'hex'), now() FROM responses"))
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('opinion_groups', 'id'),"
                                " (SELECT max(id) FROM opinion_groups))"))
        create_user(EMAIL, PASSWORD, ["staff"], department="まちづくり政策課")
        db.session.commit()
        # What autovacuum does to a period's tables once its answers are written (and to a bulk load at
        # once): statistics, and the visibility map that lets the check's counts read indexes alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


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


def timed(app, call, repeat: int) -> dict:
    """Median and first wall time of ``call(period)`` in a request context, a fresh session each time."""
    from app.extensions import db
    from app.periods.models import CommentPeriod

    times, value = [], None
    for _ in range(repeat):
        with app.test_request_context():
            period = db.session.get(CommentPeriod, 1)
            started = time.perf_counter()
            value = call(period)
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    return {"ms": statistics.median(times), "ms_first": times[0], "value": value}


def targets(app) -> dict:
    """A lone opinion with an answer (its editor), by the shape ``shape`` gave the period."""
    from sqlalchemy import select

    from app.extensions import db
    from app.responses.models import Response

    with app.app_context():
        opinion_id = db.session.scalar(select(Response.opinion_id).where(Response.opinion_id.is_not(None))
                                       .order_by(Response.opinion_id).offset(5000).limit(1))
        db.session.remove()
    return {"opinion": opinion_id, "group": 7}


def verdict(ms: float, kb: float | None, limit_ms: float) -> str:
    met = ms < limit_ms and (kb is None or kb < TARGET_KB)
    return "MET" if met else "NOT MET"


def main() -> None:
    from bench.digest_db import load, make_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page; the median is shown")
    parser.add_argument("--compare", action="store_true",
                        help="also time the old ways once: the in-Python work list and publication check, and the "
                             "staff result page with the old check")
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

    from app.privacy import services as privacy
    from app.responses import checks

    ids = targets(app)
    editor = f"/staff/periods/1/responses/opinion/{ids['opinion']}"
    pages = [fetch(client, "/staff/periods/1/responses", args.repeat),
             fetch(client, "/staff/periods/1/responses?status=approved&section=3&category=C&page=2", args.repeat),
             fetch(client, editor, args.repeat),
             fetch(client, f"/staff/periods/1/responses/group/{ids['group']}", args.repeat),
             fetch(client, editor + "?copy_q=%E6%A4%9C%E8%A8%8E", args.repeat),  # 検討: in every answer
             fetch(client, editor + "?copy_q=%E8%A6%8B%E3%81%A4%E3%81%8B%E3%82%89%E3%81%AA%E3%81%84", args.repeat),
             fetch(client, "/staff/responses", args.repeat),
             fetch(client, "/staff/responses?page=300", args.repeat)]
    # The staff result page runs the publication check (``checks.publication_problems``, counted in SQL).
    result_page = fetch(client, "/staff/periods/1/result", args.repeat)
    check = timed(app, checks.publication_problems, args.repeat)
    private = timed(app, privacy.publication_problems, args.repeat)
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())

    print(f"load average {load_average}; median of {args.repeat}")
    print(f"targets: a page < {TARGET_MS:.0f} ms and < {TARGET_KB:.0f} KB; the publication check < {CHECK_MS:.0f} ms")
    print(f"{'page':<72} {'median':>8} {'first':>8} {'HTML':>9} {'rows':>5}  ratio (time, size)")
    for p in pages:
        print(f"{p['path']:<72} {p['ms']:6.0f}ms {p['ms_first']:6.0f}ms {p['kb']:6.0f} KB {p['rows']:>5}  "
              f"{p['ms'] / TARGET_MS:.2f} {p['kb'] / TARGET_KB:.2f}  {verdict(p['ms'], p['kb'], TARGET_MS)}")
    p = result_page
    print(f"{p['path']:<72} {p['ms']:6.0f}ms {p['ms_first']:6.0f}ms {p['kb']:6.0f} KB {'':>5}  "
          f"{p['ms'] / TARGET_MS:.2f} {p['kb'] / TARGET_KB:.2f}  {verdict(p['ms'], p['kb'], TARGET_MS)}")
    found = ", ".join(f"{problem.code} {problem.count}" for problem in check["value"])
    print(f"{'checks.publication_problems (function)':<72} {check['ms']:6.0f}ms {check['ms_first']:6.0f}ms "
          f"{'':>9} {'':>5}  {check['ms'] / CHECK_MS:.2f}       {verdict(check['ms'], None, CHECK_MS)}")
    print(f"{'  of which the privacy feature (publication_check receiver)':<72} {private['ms']:6.0f}ms "
          f"{private['ms_first']:6.0f}ms")
    print(f"  findings: {found}")
    met = (all(p["ms"] < TARGET_MS and p["kb"] < TARGET_KB for p in [*pages, result_page])
           and check["ms"] < CHECK_MS)
    if args.compare:
        from app.responses import services

        old = timed(app, lambda period: services.progress(services.period_targets(period)), 1)
        print(f"old work list, loading and counting every target (no HTML): {old['ms']:,.0f} ms")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("all targets MET" if met else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
