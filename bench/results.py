"""The published result of a period with 20,000 opinions, on PostgreSQL (issue 20, "big results").

Loads the period the way ``bench.digest_db`` does (its loader: COPY of n submissions with one accepted
opinion each, seven sections), then, each step a statement of its own and so a version of each row it
touches as in a real period, marks every opinion decided, groups the first tenth of them five by five,
answers every lone opinion and every group (categories A–E, some with a Markdown list, a typed change
of the draft on every 400th) as drafts, sends them and approves them, publishes the result (its counts
snapshotted as ``publish_result`` does) and vacuums the tables as autovacuum would. Then:

- the public result page ``/periods/1/result`` (page 1 at the old address, a middle page, the last
  page) through the Flask test client, uncached (``PUBLIC_PAGE_CACHE_SECONDS`` = 0): median of
  ``--repeat`` requests, and its size;
- each public file (CSV, XLSX, the printable HTML report, PDF), each written in a fresh process the
  way the export job writes it: seconds, peak RSS (the process's own ``VmHWM``) and size;
- the API's result, paged through ``links.next`` from page 1 to the end: requests, time, rows.

    python -m bench.results [--database-url postgresql://postgres@127.0.0.1:5432/test_results]
                            [--opinions 20000] [--repeat 9] [--skip-load] [--formats csv,xlsx,html,pdf]

It works in the schema ``bench`` of that database, which it drops and recreates (``--skip-load``
reuses what the last run loaded). The machine's load average is printed with every timing.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MEYASU_ENV", "testing")

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_results"
PAGE_MS, EXPORT_S, EXPORT_MB = 200.0, 60.0, 500.0
FORMATS = ("csv", "xlsx", "html", "pdf")
GROUP_SIZE = 5
ANSWERS = [
    "ご意見ありがとうございます。いただいたご意見は、計画の推進にあたっての参考とさせていただきます。",
    "ご指摘の点については、{topic}の中で取り組むこととしており、関係部署と連携しながら具体的な施策を検討してまいります。"
    "\n\n- 令和8年度に検討会を設置します。\n- 進捗は毎年度公表します。",
    "ご意見を踏まえ、素案の該当箇所に「市民活動団体との協働」を明記しました。今後も多様な主体との連携を進めてまいります。",
    "本計画は市全体の方向性を定めるものであり、個別の事業については各分野の計画において検討します。"
    "いただいたご意見は担当課に伝え、今後の事業実施の参考とさせていただきます。",
]


def load_average() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def shape(app, n: int) -> dict:
    """Groups, an approved answer for every target, some typed changes, and the published result."""
    from sqlalchemy import text

    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.responses.models import Result
    from app.responses.results import compute_counts

    grouped = n // 10 // GROUP_SIZE * GROUP_SIZE
    answers = "ARRAY[" + ", ".join("'" + a.replace("'", "''") + "'" for a in ANSWERS) + "]"
    with app.app_context():
        # Each step a statement of its own, as staff write a period (a version of each row it touches):
        # every opinion's decision recorded, the groups, the answers drafted, sent and approved.
        db.session.execute(text("UPDATE opinions SET decided_at = now() - id * interval '1 second'"))
        db.session.execute(text(
            "INSERT INTO opinion_groups (id, period_id, title, created_at)"
            " SELECT g, 1, '同じ趣旨の意見', now() FROM generate_series(1, :groups) AS g"),
            {"groups": grouped // GROUP_SIZE})
        db.session.execute(text("UPDATE opinions SET group_id = (id - 1) / :size + 1 WHERE id <= :grouped"),
                           {"size": GROUP_SIZE, "grouped": grouped})
        common = "'', now(), now()"
        db.session.execute(text(
            "INSERT INTO responses (period_id, opinion_id, body, category, state, return_comment, created_at,"  # noqa: S608  (constants of this script)
            " updated_at) SELECT 1, id,"
            f" replace(({answers})[id % 4 + 1], '{{topic}}', '第' || (id % 7 + 1) || '章の施策'),"
            " (ARRAY['A','B','C','D','E'])[id % 5 + 1], 'draft', " + common
            + " FROM opinions WHERE group_id IS NULL"))
        db.session.execute(text(
            "INSERT INTO responses (period_id, group_id, body, category, state, return_comment, created_at,"  # noqa: S608
            " updated_at) SELECT 1, id,"
            f" replace(({answers})[id % 4 + 1], '{{topic}}', '関連する施策'), 'B', 'draft', " + common
            + " FROM opinion_groups"))
        db.session.execute(text("UPDATE responses SET state = 'submitted', submitted_at = now(), updated_at = now()"))
        db.session.execute(text("UPDATE responses SET state = 'approved', approved_at = now(), updated_at = now()"))
        db.session.execute(text(
            "INSERT INTO draft_changes (response_id, section_id, before, after)"
            " SELECT id, (id % 7) + 1, '市民活動を支援します。', '市民活動団体と協働し、その活動を支援します。'"
            " FROM responses WHERE id % 400 = 0"))
        for table in ("opinion_groups", "responses", "draft_changes"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                                    f" (SELECT max(id) FROM {table}))"))
        period = db.session.get(CommentPeriod, 1)
        now = utcnow()
        db.session.add(Result(period_id=1, title="第5次市民活動促進基本計画（案）に対する意見募集の結果について",
                              draft_published_on=period.opens_at.date(), full_text_note="", introduction="",
                              counts=compute_counts(period), published_at=now))
        period.results_published_at = now
        db.session.commit()
        targets = db.session.scalar(text("SELECT count(*) FROM responses"))
        db.session.commit()
        db.session.remove()
        # What autovacuum does once the answers are written: statistics and the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return {"targets": targets, "grouped": grouped}


def fetch(client, path: str, repeat: int) -> dict:
    times, cpu, size, body = [], [], 0, ""
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        body = response.get_data(as_text=True)
        size = len(response.data)
    return {"path": path, "ms": statistics.median(times), "ms_first": times[0], "cpu_ms": statistics.median(cpu),
            "kb": size / 1024,
            "rows": len(re.findall(r'<tr id="result-row-', body)), "load": load_average()}


def page_through_api(client, per_page: int) -> dict:
    url, requests, rows, numbers = f"/api/v1/periods/1/result?per_page={per_page}", 0, 0, set()
    times = []
    while url:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        data = response.get_json()
        requests += 1
        for part in data["sections"]:
            for row in part["opinions"]:
                rows += 1
                numbers.add(row["number"])
        url = data["links"]["next"]
        if url:
            url = url.split("://", 1)[1].split("/", 1)[1]
            url = "/" + url
    return {"requests": requests, "rows": rows, "distinct": len(numbers), "total_s": sum(times) / 1000,
            "median_ms": statistics.median(times), "max_ms": max(times), "total": data["meta"]["total"],
            "load": load_average()}


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def export_one(url: str, fmt: str) -> dict:
    """One public file, written as the export job writes it, in this (fresh) process."""
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.responses.exports import PUBLIC_FORMATS, WRITERS, write_pdf
    from bench.digest_db import make_app

    app = make_app(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-results-", dir=os.environ.get("BENCH_WORKDIR") or None))
    path = folder / PUBLIC_FORMATS[fmt][0]
    with app.app_context():
        period = db.session.get(CommentPeriod, 1)
        before = vm_hwm_mb()
        cpu, started = time.process_time(), time.perf_counter()
        (WRITERS.get(fmt) or write_pdf)(period, path)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = path.stat().st_size
    path.unlink()
    folder.rmdir()
    return {"format": fmt, "seconds": seconds, "cpu_s": cpu, "peak_rss_mb": vm_hwm_mb(), "rss_before_mb": before,
            "mb": size / 1e6, "load": load_average()}


def _child(url: str, fmt: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.results", "--database-url", url, "--stage", fmt],
                            check=True, capture_output=True, text=True,
                            env={**os.environ, "MEYASU_ENV": "testing"}).stdout
    return json.loads(output.strip().splitlines()[-1])


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--opinions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9, help="requests per page; the median is shown")
    parser.add_argument("--skip-load", action="store_true", help="reuse the period the last run loaded")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--stage", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(export_one(args.database_url, args.stage)))
        return

    from bench.digest_db import load, make_app

    if not args.skip_load:
        loaded = load(args.database_url, args.opinions)
        started = time.perf_counter()
        shaped = shape(make_app(args.database_url), args.opinions)
        print(f"loaded {args.opinions:,} accepted opinions ({shaped['grouped']:,} in groups of {GROUP_SIZE}), "
              f"{shaped['targets']:,} approved answers, result published, in "
              f"{loaded['load_s'] + time.perf_counter() - started:.1f}s")
    app = make_app(args.database_url)
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    client = app.test_client()
    with app.app_context():
        from app.extensions import db
        from app.periods.models import CommentPeriod
        from app.responses.report import PER_PAGE, section_index

        total = sum(entry.count for entry in section_index(db.session.get(CommentPeriod, 1)))
        db.session.remove()
    last = max(1, -(-total // PER_PAGE))
    client.get("/periods/1/result")  # the first request of a process compiles templates: not timed
    pages = [fetch(client, "/periods/1/result", args.repeat),
             fetch(client, f"/periods/1/result?page={last // 2}", args.repeat),
             fetch(client, f"/periods/1/result?page={last}", args.repeat)]
    print(f"\npublic result page, {total:,} rows, {PER_PAGE} a page, uncached, median of {args.repeat} "
          f"(target < {PAGE_MS:.0f} ms)")
    for p in pages:
        print(f"  {p['path']:<28} {p['ms']:6.0f} ms (first {p['ms_first']:.0f} ms, CPU {p['cpu_ms']:.0f} ms) "
              f"{p['kb']:6.0f} KB "
              f"{p['rows']:>4} rows  {p['ms'] / PAGE_MS:.2f} of target  {verdict(p['ms'] < PAGE_MS)}  "
              f"[{p['load']}]")

    print(f"\npublic files, each in a fresh process (targets < {EXPORT_S:.0f} s, peak RSS < {EXPORT_MB:.0f} MB)")
    files = []
    for fmt in args.formats.split(","):
        f = _child(args.database_url, fmt)
        files.append(f)
        print(f"  {fmt:<5} {f['seconds']:7.1f} s (CPU {f['cpu_s']:.1f} s)  peak RSS {f['peak_rss_mb']:5.0f} MB "
              f"(before writing {f['rss_before_mb']:.0f} MB)  {f['mb']:6.1f} MB  "
              f"{f['seconds'] / EXPORT_S:.2f} / {f['peak_rss_mb'] / EXPORT_MB:.2f} of target  "
              f"{verdict(f['seconds'] < EXPORT_S and f['peak_rss_mb'] < EXPORT_MB)}  [{f['load']}]")

    api = page_through_api(client, 100)
    print(f"\nAPI /api/v1/periods/1/result?per_page=100 through links.next: {api['requests']} requests, "
          f"{api['rows']:,} rows ({api['distinct']:,} distinct numbers of {api['total']:,}), "
          f"{api['total_s']:.1f} s in all, median {api['median_ms']:.0f} ms, slowest {api['max_ms']:.0f} ms  "
          f"{verdict(api['rows'] == api['distinct'] == api['total'] and api['median_ms'] < PAGE_MS)}  "
          f"[{api['load']}]")
    met = (all(p["ms"] < PAGE_MS for p in pages)
           and all(f["seconds"] < EXPORT_S and f["peak_rss_mb"] < EXPORT_MB for f in files)
           and api["rows"] == api["distinct"] == api["total"])
    print("\ntargets met" if met else "\nTARGETS NOT MET")


if __name__ == "__main__":
    main()
