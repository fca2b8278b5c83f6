"""Data for the load benchmarks: the demo case, plus enough public periods for the lists to be real.

    python -m bench.seed [--database-url postgresql://postgres@127.0.0.1:5432/test_load_bench] [--periods 40]

Drops and recreates the public schema of that database (never point it at a database you keep),
migrates to head, loads the demo (jobs inline, mail suppressed), adds ``--periods`` more published
plans each with a period, and prints the ids the load script uses as JSON.
"""

import argparse
import json
from datetime import timedelta

from bench.stack import DEFAULT_DB


def make_app(url: str):
    import os

    os.environ.pop("REDIS_URL", None)
    from app import create_app
    from config import DevelopmentConfig

    class SeedConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)
        REDIS_URL = None
        MAIL_SUPPRESS_SEND = True
        RATELIMIT_STORAGE_URI = "memory://"

    return create_app(SeedConfig)


def targets(app) -> dict:
    """The pages and the period the load script uses, read from the database."""
    from sqlalchemy import select

    from app.extensions import db
    from app.periods.models import CommentPeriod

    with app.app_context():
        periods = db.session.scalars(select(CommentPeriod).where(CommentPeriod.status == "scheduled")
                                     .order_by(CommentPeriod.id)).all()
        open_period = next(p for p in periods if p.receipt_prefix == "DEMO")
        published = [p.id for p in periods if p.results_published_at is not None]
        return {"open_period": open_period.id, "period_pages": [p.id for p in periods][:20],
                "result_pages": published, "plans": sorted({p.plan_id for p in periods})[:10]}


def ensure_database(url: str) -> None:
    """Create the benchmark's database on its server if it is not there yet (a fresh machine)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if not target.drivername.startswith("postgresql"):
        return
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


def seed(url: str, extra_periods: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from app.accounts.models import User
    from app.core.demodata import load_all
    from app.core.timeutil import jst_end_of_day, jst_start_of_day, jst_today
    from app.extensions import db
    from app.periods import services as period_services
    from app.periods.demo import _base
    from app.plans.models import Plan

    ensure_database(url)
    app = make_app(url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_all()
        staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
        demo_plan = db.session.scalar(select(Plan).order_by(Plan.id).limit(1))
        today = jst_today()
        for n in range(extra_periods):
            plan = Plan(title=f"ベンチマーク用計画 {n + 1}", department=demo_plan.department,
                        summary="負荷試験のための計画です。", status="published")
            db.session.add(plan)
            db.session.flush()
            opens = today - timedelta(days=60 - n)
            period = period_services.create_period(
                plan, {**_base(plan), "title": f"ベンチマーク用計画 {n + 1}（案）への意見募集",
                       "opens_at": jst_start_of_day(opens), "closes_at": jst_end_of_day(opens + timedelta(days=30)),
                       "description": "## 概要\n\n負荷試験のための**意見募集**です。\n\n- 一つ目\n- 二つ目\n"},
                actor=staff)
            period_services.schedule_period(period, actor=staff)
        db.session.commit()
    return targets(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--periods", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(seed(args.database_url, args.periods)))


if __name__ == "__main__":
    main()
