"""The demo answers the closed Shimonoseki period through the real workflow and leaves the open one mid-way."""

from sqlalchemy import func, select

from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import demo
from app.responses.models import DraftChange, Response, Result


def _demo_users(make_user):
    make_user("staff", email="staff@example.jp", department="まちづくり政策課")
    make_user("staff", email="approver@example.jp", department="まちづくり政策課")


def test_demo_publishes_the_closed_period_and_leaves_the_open_one_midway(
        app, make_user, make_period, make_opinion, make_group, run_jobs):
    _demo_users(make_user)
    closed_id = make_period(title="第5次下関市市民活動促進基本計画（案）")
    open_id = make_period(state="open", title="下関市市民活動センター運営方針（案）")
    group_id = make_group(closed_id)
    make_opinion(closed_id, group=group_id, summary="ふくふくサポートの開館時間を延ばしてほしい。")
    make_opinion(closed_id, group=group_id, summary="センターを夜も使いたい。")
    make_opinion(closed_id, summary="まちづくり協議会の担い手が足りない。", section=None)
    make_opinion(closed_id, state="withheld", withhold_reason="unrelated")
    for text in ("若者が参加しやすい仕組みを。", "補助金を増やしてほしい。", "情報発信を強めて。"):
        make_opinion(open_id, summary=text)
    with app.app_context():
        lines = demo.load()
        db.session.commit()
    run_jobs()
    assert any("result published" in line for line in lines), lines
    with app.app_context():
        closed = db.session.get(CommentPeriod, closed_id)
        assert closed.state() == "published"
        answers = db.session.scalars(select(Response).where(Response.period_id == closed_id)).all()
        assert len(answers) == 2 and {a.state for a in answers} == {"approved"}
        assert all(a.author_id != a.approver_id for a in answers)
        assert db.session.scalar(select(func.count()).select_from(DraftChange)) == 1
        result = db.session.scalar(select(Result).where(Result.period_id == closed_id))
        assert result.title.startswith("「第5次下関市") and result.counts["withheld"] == 1
        midway = db.session.scalars(select(Response.state).where(Response.period_id == open_id)
                                    .order_by(Response.id)).all()
        assert midway == ["submitted", "draft"]
        again = demo.load()
        db.session.commit()
        assert any("already published" in line for line in again)
        assert any("already under way" in line for line in again)
        assert db.session.scalar(select(func.count()).select_from(Response)) == 4


def test_demo_reports_what_is_missing_instead_of_moderating(app, make_user, make_period, make_opinion):
    _demo_users(make_user)
    period_id = make_period(title="第5次下関市市民活動促進基本計画（案）")
    make_opinion(period_id, summary="期間が短い。")
    make_opinion(period_id, state="pending")
    with app.app_context():
        lines = demo.load()
        period = db.session.get(CommentPeriod, period_id)
        assert period.results_published_at is None
        assert any("pending_opinions (1)" in line for line in lines), lines


def test_demo_without_opinions_does_nothing_but_say_so(app, make_user, make_period):
    _demo_users(make_user)
    make_period(title="第5次下関市市民活動促進基本計画（案）")
    with app.app_context():
        lines = demo.load()
        assert any("no opinions yet" in line for line in lines), lines
        assert db.session.scalar(select(func.count()).select_from(Result)) == 0
