"""Survey tables at scale on PostgreSQL (issue 15): 100,000 answers to a 40-question survey with a
10-row matrix, then every question's table, 表1 and a cross-tab, timed, in a fresh process so that
its peak memory is its own.

    python -m bench.surveys [--database-url postgresql://postgres@127.0.0.1:5432/test_surveys] [--answers N]

It works in its own schema ``bench`` of that database, which it drops and recreates. Targets: all
tables in under 10 s and under 500 MB.
"""

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_surveys"
SCHEMA = "bench"
TARGETS = {"seconds": 10.0, "peak_rss_mb": 500.0}


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-c search_path={SCHEMA}"}}
        REDIS_URL = None

    return create_app(BenchConfig)


def _questions():
    from app.surveys.services import QuestionData

    kinds = []
    for number in range(40):
        if number == 5:
            kinds.append(QuestionData(kind="matrix", text=f"問{number + 1}", rows=[f"項目{r}" for r in range(10)]))
        elif number % 4 == 1:
            kinds.append(QuestionData(kind="multiple", text=f"問{number + 1}", choices=[f"選択肢{c}" for c in range(8)],
                                      max_choices=3, has_other=True))
        elif number % 4 == 2:
            kinds.append(QuestionData(kind="scale", text=f"問{number + 1}"))
        elif number == 39:
            kinds.append(QuestionData(kind="text", text=f"問{number + 1}"))
        elif number == 38:
            kinds.append(QuestionData(kind="number", text=f"問{number + 1}"))
        else:
            kinds.append(QuestionData(kind="single", text=f"問{number + 1}", choices=[f"選択肢{c}" for c in range(6)]))
    return kinds


def load(url: str, n: int) -> dict:
    """Recreate the schema, build the survey through the services, COPY n answers and their items."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.plans.services import create_plan
    from app.surveys import services

    app = make_app(url)
    started = time.perf_counter()
    rng = random.Random(15)
    with app.test_request_context():
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        upgrade()
        from app.accounts.services import create_user

        staff = create_user("bench@example.jp", "correct horse battery staple", ("staff",), department="", display_name="")
        plan = create_plan({"title": "計画", "summary": "", "department": "", "contact": "", "start_year": 2026,
                            "end_year": 2030}, actor=staff)
        now = datetime.now(UTC)
        survey = services.create_survey(plan, {"title": "大規模調査", "purpose": "", "method": "郵送法",
                                               "opens_at": now - timedelta(days=30), "closes_at": now,
                                               "min_answered": 3}, actor=None)
        groups = [services.add_group(survey, label=label, description="", sampling="random", distributed=80_000,
                                     actor=None) for label in ("市民", "団体")]
        for data in _questions():
            services.add_question(survey, data, actor=None)
        services.publish_survey(survey, actor=None)
        db.session.commit()
        questions = [(q.id, q.kind, len(q.options()), len(q.rows)) for q in survey.questions]
        survey_id, group_ids = survey.id, [group.id for group in groups]
        # End the session's transaction: its snapshot would keep VACUUM from marking the COPYed rows
        # visible to all, and a cross-tab could not read them from the index alone.
        db.session.close()
        raw = db.engine.raw_connection()
        try:
            answers, items = io.StringIO(), io.StringIO()
            item_count = 0
            for answer_id in range(1, n + 1):
                answered = 0
                for qid, kind, options, rows in questions:
                    if rng.random() < 0.06:
                        continue
                    answered += 1
                    if kind == "matrix":
                        for row in range(rows):
                            items.write(f"{answer_id}\t{qid}\t{row}\t{rng.randint(1, 5)}\t\\N\t\n")
                            item_count += 1
                    elif kind == "multiple":
                        for choice in rng.sample(range(1, options + 1), rng.randint(1, 3)):
                            items.write(f"{answer_id}\t{qid}\t0\t{choice}\t\\N\t\n")
                            item_count += 1
                    elif kind == "number":
                        items.write(f"{answer_id}\t{qid}\t0\t\\N\t{rng.randint(0, 90)}\t\n")
                        item_count += 1
                    elif kind == "text":
                        items.write(f"{answer_id}\t{qid}\t0\t\\N\t\\N\t意見{answer_id}\n")
                        item_count += 1
                    else:
                        items.write(f"{answer_id}\t{qid}\t0\t{rng.randint(1, options)}\t\\N\t\n")
                        item_count += 1
                channel = "web" if answer_id % 5 == 0 else "paper"
                answers.write(f"{answer_id}\t{survey_id}\t{group_ids[answer_id % 2]}\t{channel}\t{answered}\t"
                              f"{now.isoformat()}\n")
            with raw.cursor() as cursor:
                with cursor.copy("COPY survey_answers (id, survey_id, group_id, channel, answered, created_at) "
                                 "FROM STDIN") as copy:
                    copy.write(answers.getvalue())
                with cursor.copy("COPY survey_answer_items (answer_id, question_id, row, choice, number, text) "
                                 "FROM STDIN") as copy:
                    copy.write(items.getvalue())
                cursor.execute("SELECT setval('survey_answers_id_seq', %s)", (n,))
            raw.commit()
            # What autovacuum does within a minute of a bulk insert: statistics, and the visibility map
            # that lets a cross-tab read the values from the index alone.
            raw.driver_connection.autocommit = True
            with raw.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE survey_answers")
                cursor.execute("VACUUM ANALYZE survey_answer_items")
        finally:
            raw.close()
    return {"answers": n, "items": item_count, "load_seconds": round(time.perf_counter() - started, 1),
            "survey_id": survey_id}


def measure(url: str, survey_id: int) -> dict:
    """Every table of the staff results page and one cross-tab, as the page builds them."""
    from sqlalchemy import event

    from app.extensions import db
    from app.surveys import results
    from app.surveys.crosstab import cross
    from app.surveys.models import Survey

    app = make_app(url)
    queries = []
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        survey.groups, survey.questions  # noqa: B018  (loaded before the clock starts, as a page has them)
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
        started = time.perf_counter()
        table1 = results.table1(survey)
        tables = results.question_tables(survey, public=True)
        tables_seconds = time.perf_counter() - started
        table_queries = len(queries)
        started = time.perf_counter()
        crossed = cross(survey, survey.questions[2], survey.questions[0])
        cross_seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    return {"tables": len(tables), "table1_valid": [column["valid"] for column in table1["columns"]],
            "tables_seconds": round(tables_seconds, 2), "crosstab_seconds": round(cross_seconds, 2),
            "crosstab_rows": len(crossed.rows), "peak_rss_mb": round(peak, 1),
            "queries": {"tables": table_queries, "crosstab": len(queries) - table_queries}}


def peak_rss_mb() -> float:
    """This process's own peak resident memory since it started. ``ru_maxrss`` is not: Linux carries the
    parent's high-water mark over a fork and exec, so it reported the loader's 550 MB of COPY buffers."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--measure", type=int, metavar="SURVEY_ID",
                        help="only measure a survey loaded by an earlier run (the schema is kept)")
    args = parser.parse_args()
    if args.measure:
        figures = measure(args.database_url, args.measure)
        print(json.dumps(figures))
        report(figures)
        return
    loaded = load(args.database_url, args.answers)
    print(json.dumps(loaded))
    out = subprocess.run([sys.executable, "-m", "bench.surveys", "--database-url", args.database_url,
                          "--measure", str(loaded["survey_id"])], check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-2])
    print(json.dumps(figures))
    report(figures)


def report(figures: dict) -> None:
    total = figures["tables_seconds"] + figures["crosstab_seconds"]
    print(f"all tables and a cross-tab: {total:.2f} s = {total / TARGETS['seconds']:.0%} of the target "
          f"{TARGETS['seconds']:g} s; peak {figures['peak_rss_mb']} MB = "
          f"{figures['peak_rss_mb'] / TARGETS['peak_rss_mb']:.0%} of the target {TARGETS['peak_rss_mb']:g} MB")


if __name__ == "__main__":
    main()
