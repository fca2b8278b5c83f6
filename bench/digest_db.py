"""The digest job end to end on PostgreSQL: a synthetic period of 10,000 and 100,000 opinions (or --sizes).

For each size: load the period from ``bench.digest_synthetic`` into PostgreSQL (COPY), then, in a
fresh process so that its peak memory is its own, run the digest job the way the worker runs it
(``run_outbox_job`` on the outbox row ``request_digest`` wrote, inside an app context: read from the
database, write the groups and counts back), then score the stored groups against the generator's
ground truth.

    python -m bench.digest_db [--database-url postgresql://postgres@127.0.0.1:5432/test_digests]
    python -m bench.digest_db --sizes 10000,100000,1000000

Then the growth from each size to the next (time, CPU time, peak memory) and, issue 20's checks, the
largest size's time against 11x the time of a tenth of it and its peak memory against 1.5 GB.

It works in its own schema ``bench`` of that database, which it drops and recreates.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_digests"
SCHEMA = "bench"
TARGETS = {"seconds": 40.0, "peak_rss_mb": 1200.0, "precision": 0.97, "recall": 0.97}
SIZES = (10_000, 100_000)
GROWTH_LIMIT = 11.0  # issue 20: ten times the opinions in at most eleven times the time
PEAK_LIMIT_MB = 1536.0  # issue 20: below 1.5 GB at a million opinions
CHANNELS = ["web"] * 6 + ["email"] * 2 + ["fax", "post", "in_person"]
ATTRIBUTES = ["resident"] * 7 + ["worker", "student", "business"]


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-c search_path={SCHEMA}"}}
        REDIS_URL = None

    return create_app(BenchConfig)


def load(url: str, n: int) -> dict:
    """Recreate the schema and COPY a plan, a period with seven sections, and n submissions each
    carrying one opinion (opinion id = the generator's id)."""
    from flask_migrate import upgrade
    from psycopg import sql
    from sqlalchemy import text

    from app.extensions import db
    from bench.digest_synthetic import SECTIONS, generate

    app = make_app(url)
    started = time.perf_counter()
    items, truth = generate(n)
    _save_truth(n, [opinion_id for opinion_id, _ in items], truth)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        upgrade()
        now = datetime.now(UTC)
        opens = now - timedelta(days=40)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("INSERT INTO plans (id, title, summary, department, contact, status, created_at, updated_at)"
                           " VALUES (1, '第5次下関市市民活動促進基本計画', '', 'まちづくり政策課', '', 'published', %s, %s)",
                           (now, now))
            cursor.execute(
                "INSERT INTO comment_periods (id, plan_id, title, description, opens_at, closes_at, short_period_reason,"
                " viewing_places, eligibility, channels, field_rules, contact_department, contact, body_max_length,"
                " max_attachments, max_attachment_bytes, status, receipt_prefix, receipt_counter, created_at, updated_at)"
                " VALUES (1, 1, 'ベンチマーク', '', %s, %s, '', '[]', '[]', '{}', '{}', '', '', 4000, 3, 1, 'scheduled',"
                " '', 0, %s, %s)", (opens, now - timedelta(days=8), now, now))
            for section in SECTIONS:
                cursor.execute("INSERT INTO sections (id, period_id, position, label, title, body)"
                               " VALUES (%s, 1, %s, %s, %s, '')", (section, section, f"第{section}章", f"第{section}章の施策"))
            rng = random.Random(1)
            with cursor.copy("COPY submissions (id, period_id, receipt_no, channel, received_at, created_at, name,"
                             " address, attribute, email, phone, lookup_token_hash, state) FROM STDIN") as copy:
                for opinion_id, _ in items:
                    received = opens + timedelta(seconds=rng.random() ** 0.5 * 32 * 86400)
                    copy.write_row((opinion_id, 1, f"R{opinion_id:07d}", rng.choice(CHANNELS), received, received,
                                    "", "", rng.choice(ATTRIBUTES), "", "", "0" * 64, "done"))
            with cursor.copy("COPY opinions (id, period_id, submission_id, position, excerpt, section_id, summary,"
                             " state, withhold_reason, withhold_note, created_at) FROM STDIN") as copy:
                for opinion_id, text_ in items:
                    copy.write_row((opinion_id, 1, opinion_id, 0, text_, truth.section[opinion_id], "", "accepted",
                                    "", "", now))
            for table in ("plans", "comment_periods", "sections", "submissions", "opinions"):
                cursor.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({name}, 'id'), (SELECT max(id) FROM {table}))")
                               .format(name=sql.Literal(table), table=sql.Identifier(table)))
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    return {"n": n, "load_s": time.perf_counter() - started}


def _truth_path(n: int) -> str:
    return os.path.join(os.environ.get("BENCH_WORKDIR") or tempfile.gettempdir(), f"digest_db-truth-{n}.npz")


def _save_truth(n: int, ids: list[int], truth) -> None:
    """The true group of each opinion, for the score stage (generating a million again takes minutes)."""
    import numpy as np

    os.makedirs(os.path.dirname(_truth_path(n)), exist_ok=True)
    np.savez(_truth_path(n), ids=np.array(ids, dtype=np.int64),
             clusters=np.array([truth.cluster[i] for i in ids], dtype=np.int64))


def _load_truth(n: int):
    import numpy as np

    from bench.digest_synthetic import Truth, generate

    if not os.path.exists(_truth_path(n)):
        items, truth = generate(n)
        return [opinion_id for opinion_id, _ in items], truth
    saved = np.load(_truth_path(n))
    ids = saved["ids"].tolist()
    return ids, Truth(cluster=dict(zip(ids, saved["clusters"].tolist(), strict=True)))


def digest(url: str) -> dict:
    """Run the digest job exactly as a worker does, and report its wall time and peak memory."""
    from sqlalchemy import select

    from app.core.jobs import run_outbox_job
    from app.core.models import JobRun, OutboxJob
    from app.digests.services import request_digest
    from app.extensions import db
    from app.periods.models import CommentPeriod

    app = make_app(url)
    with app.app_context():
        run = request_digest(db.session.get(CommentPeriod, 1), actor=None)
        db.session.commit()
        job_id = db.session.scalars(select(OutboxJob.id).where(OutboxJob.state == "pending")).one()
        run_id = run.id
        db.session.remove()
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.app_context():
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        run_outbox_job(job_id)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        run = db.session.get(JobRun, run_id)
        assert run.state == "done", run.error
    return {"seconds": seconds, "peak_rss_mb": after.ru_maxrss / 1024, "baseline_rss_mb": baseline_mb,
            "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "load_average": os.getloadavg()[0]}


def score(url: str, n: int) -> dict:
    """Pairwise precision and recall of the stored groups against the generator's truth."""
    from sqlalchemy import select

    from app.digests.models import DigestCluster, DigestClusterMember
    from app.digests.similarity import Cluster
    from app.extensions import db
    from bench.digest_synthetic import pairwise_scores

    ids, truth = _load_truth(n)
    app = make_app(url)
    with app.app_context():
        members: dict[int, list[int]] = {}
        kinds: dict[int, str] = {}
        for cluster_id, kind, opinion_id in db.session.execute(
            select(DigestCluster.id, DigestCluster.kind, DigestClusterMember.opinion_id)
            .join(DigestClusterMember, DigestClusterMember.cluster_id == DigestCluster.id)
        ):
            members.setdefault(cluster_id, []).append(opinion_id)
            kinds[cluster_id] = kind
    clusters = [Cluster(kind=kinds[key], ids=sorted(ids)) for key, ids in members.items()]
    precision, recall = pairwise_scores(ids, truth, clusters)
    return {"precision": precision, "recall": recall, "clusters": len(clusters),
            "clustered_opinions": sum(len(ids) for ids in members.values())}


def _child(stage: str, url: str, n: int) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.digest_db", "--database-url", url, "--stage", stage,
                             "--n", str(n)], check=True, capture_output=True, text=True,
                            env={**os.environ, "MEYASU_ENV": "testing"}).stdout
    return json.loads(output.strip().splitlines()[-1])


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated numbers of opinions, smallest first (default 10000,100000)")
    parser.add_argument("--stage", choices=("load", "digest", "score"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        result = {"load": lambda: load(args.database_url, args.n), "digest": lambda: digest(args.database_url),
                  "score": lambda: score(args.database_url, args.n)}[args.stage]()
        print(json.dumps(result))
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    figures = {}
    print(f"{'opinions':>9} {'load':>7} {'digest':>8} {'CPU':>8} {'peak RSS':>9} {'precision':>10} {'recall':>8}  "
          "ratio to target (time, memory, precision, recall)")
    for n in sizes:
        f = {**_child("load", args.database_url, n), **_child("digest", args.database_url, n),
             **_child("score", args.database_url, n)}
        figures[n] = f
        ratios = (f["seconds"] / TARGETS["seconds"], f["peak_rss_mb"] / TARGETS["peak_rss_mb"],
                  f["precision"] / TARGETS["precision"], f["recall"] / TARGETS["recall"])
        print(f"{n:>9,} {f['load_s']:6.1f}s {f['seconds']:7.2f}s {f['cpu_s']:7.1f}s {f['peak_rss_mb']:6.0f} MB "
              f"{f['precision']:10.6f} {f['recall']:8.6f}  {ratios[0]:.2f} {ratios[1]:.2f} {ratios[2]:.3f} "
              f"{ratios[3]:.3f}  ({f['clusters']:,} groups, {f['clustered_opinions']:,} opinions in them; "
              f"process before the job {f['baseline_rss_mb']:.0f} MB; load average {f['load_average']:.1f})",
              flush=True)
    print()
    print("growth     opinions  digest  x prev   CPU  x prev  peak RSS  x prev  load avg")
    previous = None
    for n in sizes:
        f = figures[n]
        growth = ["" if previous is None else f"x{f[key] / previous[key]:5.1f}"
                  for key in ("seconds", "cpu_s", "peak_rss_mb")]
        print(f"       {n:>12,} {f['seconds']:6.1f}s {growth[0]:>7} {f['cpu_s']:5.0f}s {growth[1]:>7} "
              f"{f['peak_rss_mb']:6.0f} MB {growth[2]:>7}  {f['load_average']:5.1f}")
        previous = f
    largest = sizes[-1]
    if largest // 10 in figures:
        small, large = figures[largest // 10], figures[largest]
        print(f"{largest:,} time <= {GROWTH_LIMIT:.0f}x {largest // 10:,} time: {large['seconds']:.1f}s vs "
              f"{GROWTH_LIMIT * small['seconds']:.1f}s (x{large['seconds'] / small['seconds']:.1f}; CPU "
              f"x{large['cpu_s'] / small['cpu_s']:.1f}): {_met(large['seconds'] <= GROWTH_LIMIT * small['seconds'])}")
    print(f"{largest:,} peak < {PEAK_LIMIT_MB / 1024:.1f} GB: {figures[largest]['peak_rss_mb']:.0f} MB: "
          f"{_met(figures[largest]['peak_rss_mb'] < PEAK_LIMIT_MB)}")
    if 100_000 in figures:
        large = figures[100_000]
        met = all([large["seconds"] < TARGETS["seconds"], large["peak_rss_mb"] < TARGETS["peak_rss_mb"],
                   large["precision"] >= TARGETS["precision"], large["recall"] >= TARGETS["recall"]])
        print("targets at 100,000 (issue 7) met" if met else "targets at 100,000 (issue 7) NOT MET")
    workdir = os.environ.get("BENCH_WORKDIR")
    if workdir:
        os.makedirs(workdir, exist_ok=True)
        with open(os.path.join(workdir, "digest_db.json"), "w") as handle:
            json.dump({str(n): f for n, f in figures.items()}, handle, indent=1)


if __name__ == "__main__":
    main()
