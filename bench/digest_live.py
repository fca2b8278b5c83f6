"""The live digest (issue 20) on PostgreSQL: 100,000 opinions taken in, then 1,000 more.

Loads ``bench.digest_db``'s synthetic period with 101,000 opinions, parks the last 1,000 in another
period, builds the live state from nothing (``live.update_live_digest``), brings the 1,000 back and
times the incremental update (wall and CPU time, SQL statements), then runs the full rebuild
(``builder.compile_digest``) on the same opinions and compares the two stored digests: groups (as
sets of opinions, with kind, template, additions, sample and order), counts and keywords.

    python -m bench.digest_live [--database-url postgresql://postgres@127.0.0.1:5432/bench_live]
                                [--opinions 100000] [--new 1000]

It works in the schema ``bench`` of that database, which it drops and recreates.
"""

import argparse
import json
import os
import time
from collections import Counter

from sqlalchemy import event, select, text

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_live"
TARGET_SECONDS = 5.0


def snapshot(period_id: int) -> dict:
    from app.digests.models import Digest, DigestCluster, DigestClusterMember
    from app.extensions import db

    digest = db.session.scalars(select(Digest).where(Digest.period_id == period_id)).one()
    clusters: dict[int, dict] = {}
    for cluster in db.session.scalars(select(DigestCluster).where(DigestCluster.digest_id == digest.id)):
        clusters[cluster.id] = {"position": cluster.position, "kind": cluster.kind, "size": cluster.size,
                                "template": cluster.template, "sample": cluster.sample, "members": []}
    for cluster_id, opinion_id, addition in db.session.execute(
        select(DigestClusterMember.cluster_id, DigestClusterMember.opinion_id, DigestClusterMember.addition)
        .join(DigestCluster, DigestCluster.id == DigestClusterMember.cluster_id)
        .where(DigestCluster.digest_id == digest.id).order_by(DigestClusterMember.opinion_id)
    ):
        clusters[cluster_id]["members"].append((opinion_id, addition))
    return {"counts": json.loads(json.dumps(digest.counts)), "keywords": json.loads(json.dumps(digest.keywords)),
            "submissions": digest.submission_count, "opinions": digest.opinion_count,
            "clusters": sorted(clusters.values(), key=lambda cluster: cluster["position"])}


def differences(live: dict, full: dict) -> list[str]:
    found = [f"{key} differ" for key in ("counts", "keywords", "submissions", "opinions") if live[key] != full[key]]
    if live["clusters"] != full["clusters"]:
        as_sets = Counter(frozenset(m for m, _ in c["members"]) for c in live["clusters"])
        full_sets = Counter(frozenset(m for m, _ in c["members"]) for c in full["clusters"])
        found.append(f"clusters differ ({len(live['clusters'])} live, {len(full['clusters'])} full; "
                     f"{sum((as_sets - full_sets).values())} groups only live, "
                     f"{sum((full_sets - as_sets).values())} only full)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the live update (its CPU time grows)")
    parser.add_argument("--slowest", type=int, default=0, help="list the N slowest SQL statements of each stage")
    args = parser.parse_args()
    os.environ.setdefault("MEYASU_ENV", "testing")

    from app.core.timeutil import utcnow
    from app.digests import live
    from app.digests.builder import compile_digest
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from bench.digest_db import load, make_app

    total = args.opinions + args.new
    loaded = load(args.database_url, total)
    print(f"loaded {total:,} opinions in {loaded['load_s']:.1f}s; the last {args.new:,} parked in period 2")
    app = make_app(args.database_url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE parked AS SELECT * FROM comment_periods WHERE id = 1"))
            conn.execute(text("UPDATE parked SET id = 2"))
            conn.execute(text("INSERT INTO comment_periods SELECT * FROM parked"))
            conn.execute(text("UPDATE submissions SET period_id = 2 WHERE id > :n"), {"n": args.opinions})
            conn.execute(text("UPDATE opinions SET period_id = 2 WHERE id > :n"), {"n": args.opinions})

        statements: list[list] = []  # [seconds, statement]

        def before(_conn, _cursor, statement, *_):
            statements.append([time.perf_counter(), " ".join(statement.split())[:110]])

        def after(*_):
            statements[-1][0] = time.perf_counter() - statements[-1][0]

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        bulk_insert = live.bulk_insert

        def copied(table, rows):  # COPY goes around the cursor events: time it here
            rows = list(rows)
            started = time.perf_counter()
            bulk_insert(table, rows)
            statements.append([time.perf_counter() - started, f"COPY {table.name} ({len(rows):,} rows)"])

        live.bulk_insert = copied

        def timed(label: str, work) -> dict:
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            committing = time.perf_counter()
            db.session.commit()
            statements.append([time.perf_counter() - committing, "COMMIT"])
            figures = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                       "statements": len(statements), "load": os.getloadavg()[0]}
            print(f"{label}: {figures['seconds']:.2f}s wall, {figures['cpu']:.2f}s CPU, "
                  f"{figures['statements']} SQL statements (load average {figures['load']:.2f})", flush=True)
            for seconds, statement in sorted(statements, reverse=True)[:args.slowest]:
                print(f"    {seconds:6.3f}s  {statement}")
            return figures

        period = db.session.get(CommentPeriod, 1)
        timed(f"live state from nothing, {args.opinions:,} opinions", lambda: live.update_live_digest(period))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE submissions SET period_id = 1 WHERE id > :n"), {"n": args.opinions})
            conn.execute(text("UPDATE opinions SET period_id = 1 WHERE id > :n"), {"n": args.opinions})
        db.session.expire_all()
        period = db.session.get(CommentPeriod, 1)
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            step = timed(f"live update, {args.new:,} new opinions (profiled)",
                         lambda: profile.runcall(live.update_live_digest, period))
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            step = timed(f"live update, {args.new:,} new opinions", lambda: live.update_live_digest(period))
        db.session.expire_all()
        live_digest = snapshot(1)

        class Run:
            id = None

        timed(f"full rebuild, {total:,} opinions", lambda: compile_digest(db.session.get(CommentPeriod, 1), Run()))
        db.session.expire_all()
        full_digest = snapshot(1)
        found = differences(live_digest, full_digest)
        print(f"groups {len(live_digest['clusters']):,} ({sum(c['size'] for c in live_digest['clusters']):,} opinions "
              f"in them); identical: {'no (' + '; '.join(found) + ')' if found else 'yes'}")
        met = step["seconds"] < TARGET_SECONDS and not found
        print(f"{utcnow():%Y-%m-%d %H:%M} UTC: " + ("target met" if met else "TARGET NOT MET")
              + f" (update < {TARGET_SECONDS:.0f}s wall and identical); the update's own CPU time "
              f"{step['cpu']:.2f}s {'<' if step['cpu'] < TARGET_SECONDS else '>='} {TARGET_SECONDS:.0f}s "
              f"(load average {step['load']:.2f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
