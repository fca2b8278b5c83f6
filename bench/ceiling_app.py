"""The stack's ceiling on this machine: a bare Flask + SQLAlchemy app under the same gunicorn settings.

Two views, and nothing else (no sessions, CSRF, i18n, limiter or outbox):
- ``POST /insert`` inserts one row into its own table ``bench_ceiling_rows`` and commits;
- ``GET /template`` renders a Jinja template of about the size of a Meyasu page (a list of 20 rows).

    gunicorn -c gunicorn.conf.py bench.ceiling_app:app      (DATABASE_URL as for Meyasu)
"""

import os
import time
from datetime import UTC, datetime

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import DateTime, String, Text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><header><nav><ul>{% for item in nav %}<li><a href="/{{ item }}">{{ item }}</a></li>{% endfor %}</ul></nav></header>
<main><h1>{{ title }}</h1>
<table><thead><tr><th scope="col">番号</th><th scope="col">件名</th><th scope="col">期間</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.n }}</td><td>{{ row.title }}</td><td>{{ row.when }}</td></tr>{% endfor %}
</tbody></table>{% for p in paragraphs %}<p>{{ p }}</p>{% endfor %}</main></body></html>"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    __tablename__ = "bench_ceiling_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_table() -> None:
    """Every gunicorn worker imports this app at once: the first creates the table, the others find
    it (on PostgreSQL two concurrent CREATE TABLEs collide rather than wait for each other)."""
    for attempt in range(5):
        try:
            Row.__table__.create(db.engine, checkfirst=True)
            return
        except (IntegrityError, ProgrammingError):
            time.sleep(0.2 * (attempt + 1))
    Row.__table__.create(db.engine, checkfirst=True)


def create_app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"page.html": PAGE})  # compiled once and cached, as Meyasu's are
    url = os.environ.get("DATABASE_URL", "sqlite:////tmp/meyasu-ceiling.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)
    with app.app_context():
        create_table()

    @app.post("/insert")
    def insert():
        row = Row(name=request.form.get("name", ""), body=request.form.get("body", ""), created_at=datetime.now(UTC))
        db.session.add(row)
        db.session.commit()
        return {"id": row.id}, 201

    @app.get("/template")
    def template():
        rows = [{"n": n, "title": f"下関市総合計画 第{n}章 意見募集", "when": "2025年10月6日 – 11月6日"} for n in range(20)]
        return render_template("page.html", title="意見募集の一覧", rows=rows, nav=["periods", "results", "lookup"],
                                      paragraphs=["市の考え方を公表しました。"] * 5)

    return app


app = create_app()
