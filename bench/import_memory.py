"""Memory and time of the batch import on the largest files it accepts (issue 14).

Builds, in a temporary folder, a 20 MB CSV of 20,000 submissions, a 20 MB CSV of blank lines, a
20 MB CSV with more rows than the limit, and an XLSX of the same 20,000 submissions. Each file is
uploaded to the import page in a fresh process (the web worker's share: check the file, store it,
queue the job), and a file that passes is then imported by the queued job in another fresh process
(the RQ worker's share: check again, write every row). Each line prints the process's peak RSS
(``ru_maxrss``), its RSS before the upload, and the seconds the step took.

    python -m bench.import_memory                      # this checkout's code
    python -m bench.import_memory --code /path/to/wt   # another checkout's code (e.g. main), same files

SQLite in the temporary folder and inline jobs: no services are needed.
"""

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

MB = 1024 * 1024
LIMIT_BYTES = 20 * MB
ROWS = 20_000
HEADER = ["受付日", "提出方法", "氏名", "住所", "属性", "メールアドレス", "電話番号", "意見"]
DEPARTMENT = "まちづくり政策課"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
KANJI = "市民活動公園道路図書館開館時間延長駐車場子育支援高齢者交通計画意見要望施設利用料金地域防災"


def _text(rng: random.Random, length: int) -> str:
    alphabet = KANA + KANJI
    return "".join(rng.choice(alphabet) for _ in range(length - 1)) + "。"


def build_files(folder: Path) -> dict[str, Path]:
    """The files, each just under the import's 20 MB limit (the XLSX holds the same rows as the CSV)."""
    rng = random.Random(14)
    day = (datetime.now(ZoneInfo("Asia/Tokyo")).date() - timedelta(days=1)).isoformat()  # in the open period
    prefix_bytes = len(",".join([day, "郵送", "取込 00000", "下関市", "在住", "", "", ""]).encode()) + 2
    body_chars = (LIMIT_BYTES - 4096) // ROWS - prefix_bytes
    body_chars //= 3  # three bytes a character in UTF-8
    table = [[day, "郵送", f"取込 {n:05d}", "下関市", "在住", "", "", _text(rng, body_chars)] for n in range(ROWS)]
    files = {}

    path = folder / "submissions-20000.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([HEADER, *table])
    files["csv"] = path

    path = folder / "blank-lines.csv"
    with path.open("wb") as handle:
        handle.write((",".join(HEADER) + "\r\n").encode("utf-8-sig"))
        handle.write(b"\r\n" * ((LIMIT_BYTES - 200) // 2))
    files["blank"] = path

    path = folder / "too-many-rows.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        short = [day, "FAX", "", "", "", "", "", "短い意見"]
        for _ in range((LIMIT_BYTES - 200) // (len(",".join(short).encode()) + 2)):
            writer.writerow(short)
    files["rows"] = path

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in table:
        sheet.append(row)
    path = folder / "submissions-20000.xlsx"
    book.save(path)
    files["xlsx"] = path
    return files


# --- the child process: one step, in the code of the checkout it runs in -------------------------


def _app(folder: Path):
    from app import create_app
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite3'}"
        UPLOAD_FOLDER = str(folder / "uploads")
        REDIS_URL = None
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        MAIL_SUPPRESS_SEND = True

    return create_app(BenchConfig)


def _setup(folder: Path) -> None:
    """A fresh database with one staff member and one open period."""
    from flask_migrate import upgrade

    from app.accounts.services import create_user
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.periods.models import CommentPeriod, default_field_rules
    from app.plans import services as plans

    (folder / "bench.sqlite3").unlink(missing_ok=True)
    app = _app(folder)
    with app.app_context():
        upgrade()
        staff = create_user("bench@example.jp", "correct horse battery", ("staff",), department=DEPARTMENT)
        plan = plans.create_plan({"title": "計画", "summary": "", "department": DEPARTMENT, "contact": "",
                                  "start_year": 2026, "end_year": 2030}, actor=staff)
        plans.publish_plan(plan, actor=staff)
        now = utcnow()
        period = CommentPeriod(plan_id=plan.id, title="意見募集", opens_at=now - timedelta(days=5),
                               closes_at=now + timedelta(days=30), channels={"post": "下関市南部町1-1"},
                               field_rules=default_field_rules(), eligibility=["resident"], viewing_places=[],
                               contact_department=DEPARTMENT, status="scheduled")
        db.session.add(period)
        db.session.commit()
        print(json.dumps({"period_id": period.id}))


def _upload(folder: Path, period_id: int, path: Path) -> dict:
    import app.core.jobs as jobs
    from app.core.models import JobRun
    from app.extensions import db

    app = _app(folder)
    jobs.dispatch = lambda: 0  # the job is the worker's: run it in its own process, as production does
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.jp", "password": "correct horse battery"})
    assert response.status_code == 303, response.status_code
    before = _start_measuring()
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = client.post(f"/staff/periods/{period_id}/submissions/import",
                               data={"file": (handle, path.name)}, content_type="multipart/form-data")
    seconds = time.perf_counter() - started
    outcome = f"HTTP {response.status_code}"
    if response.status_code == 303:
        outcome += " -> " + response.headers["Location"]
    else:  # the reason given next to the file field
        found = re.search(r'<a href="#file">([^<]+)</a>', response.get_data(as_text=True))
        outcome += " " + (found.group(1) if found else "(no reason shown)")
    with app.app_context():
        queued = db.session.query(JobRun).count()
    return {"seconds": seconds, "before_mb": before, "peak_mb": _peak_mb(), "outcome": outcome, "queued": queued}


def _job(folder: Path) -> dict:
    from sqlalchemy import func, select

    from app.core.jobs import run_outbox_job
    from app.core.models import JobRun, OutboxJob
    from app.extensions import db
    from app.submissions.models import Submission

    app = _app(folder)
    with app.app_context():
        job_id = db.session.scalar(select(OutboxJob.id).order_by(OutboxJob.created_at.desc()).limit(1))
        db.session.remove()
        before = _start_measuring()
        started = time.perf_counter()
        run_outbox_job(job_id)
        seconds = time.perf_counter() - started
        run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()).limit(1))
        count = db.session.scalar(select(func.count()).select_from(Submission))
        outcome = f"run {run.state}: {count} submissions {run.error[:120]}"
    return {"seconds": seconds, "before_mb": before, "peak_mb": _peak_mb(), "outcome": outcome}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _start_measuring() -> float:
    """The RSS now, with the peak reset to it: the app alone holds ~170 MB, and logging in (argon2,
    64 MiB) or building the app leaves a high-water mark that is not the import's."""
    Path("/proc/self/clear_refs").write_text("5")
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) / 1024


def child(step: str, folder: Path, file: str, period_id: int) -> None:
    if step == "setup":
        _setup(folder)
        return
    result = _upload(folder, period_id, Path(file)) if step == "upload" else _job(folder)
    print(json.dumps(result))


# --- the parent: files once, then each step in a fresh process -----------------------------------


def _run(code: Path, *args: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    env = {**os.environ, "PYTHONPATH": str(code), "MEYASU_ENV": "development"}
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return {"outcome": "crashed: " + done.stderr.strip().splitlines()[-1][:200] if done.stderr else "crashed",
                "seconds": 0, "peak_mb": 0, "before_mb": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                        help="checkout whose app/ to run (default: this one)")
    parser.add_argument("--only", choices=["csv", "blank", "rows", "xlsx"], action="append")
    parser.add_argument("--child", nargs=4, metavar=("STEP", "FOLDER", "FILE", "PERIOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, folder, file, period = args.child
        child(step, Path(folder), file, int(period))
        return
    with tempfile.TemporaryDirectory(prefix="meyasu-import-bench-") as tmp:
        folder = Path(tmp)
        files = build_files(folder)
        print(f"code: {args.code.resolve()}")
        print(f"{'file':<24} {'MB':>5}  {'step':<6} {'seconds':>7} {'RSS before':>10} {'peak RSS':>9} "
              f"{'growth':>8}  outcome")
        for name, path in files.items():
            if args.only and name not in args.only:
                continue
            period_id = _run(args.code, "setup", tmp, "-", "0")["period_id"]
            size = path.stat().st_size / MB
            steps = [("upload", _run(args.code, "upload", tmp, str(path), str(period_id)))]
            if steps[0][1].get("queued"):
                steps.append(("job", _run(args.code, "job", tmp, "-", str(period_id))))
            for step, result in steps:
                growth = result["peak_mb"] - result["before_mb"]
                print(f"{path.name:<24} {size:>5.1f}  {step:<6} {result['seconds']:>7.2f} {result['before_mb']:>7.0f} MB "
                      f"{result['peak_mb']:>6.0f} MB {growth:>5.0f} MB  {result['outcome']}", flush=True)


if __name__ == "__main__":
    main()
