"""The paged work list counts and pages in SQL exactly what the in-Python list of every target gave."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.responses import services, worklist


def _old_filter(targets, filters: worklist.Filters):
    """What the page did before: every target loaded, then filtered in Python."""
    return [t for t in targets
            if (not filters.status or t.status == filters.status)
            and (not filters.section or (str(t.section.id) if t.section else "none") == filters.section)
            and (not filters.category or (t.response is not None and t.response.category == filters.category))]


def _keys(targets):
    return [(t.kind, t.id, [o.id for o in t.opinions], t.response.id if t.response else None) for t in targets]


def test_progress_counted_in_sql_equals_the_old_count(ctx, mixed_period):
    period = db.session.get(CommentPeriod, mixed_period)
    old = services.progress(services.period_targets(period))
    assert worklist.progress(period) == old == worklist.progress(period, worklist.counts(period))
    assert set(old.by_status.values()) != {0} and len(old.by_section) == 4 and len(old.by_category) == 4


def test_an_empty_period_counts_nothing(ctx, make_period):
    period = db.session.get(CommentPeriod, make_period())
    assert worklist.progress(period) == services.progress([])
    assert worklist.page(period, worklist.Filters(), 1).items == []


def test_each_filter_and_page_returns_the_old_targets_in_the_old_order(ctx, mixed_period):
    period = db.session.get(CommentPeriod, mixed_period)
    targets = services.period_targets(period)
    sections = [str(s.id) for s in period.sections]
    counts = worklist.counts(period)
    cases = [worklist.Filters()]
    cases += [worklist.Filters(status=s) for s in (*services.STATUSES, "bogus")]
    cases += [worklist.Filters(section=s) for s in (*sections, "none", "x1", "99999999999")]
    cases += [worklist.Filters(category=c) for c in ("A", "B", "E", "D")]
    cases += [worklist.Filters(status="draft", section=sections[0], category="A")]
    for filters in cases:
        expected = _old_filter(targets, filters)
        pages = worklist.page(period, filters, 1, per_page=4).pages
        got = [t for number in range(1, pages + 1) for t in worklist.page(period, filters, number, per_page=4).items]
        assert _keys(got) == _keys(expected), filters
        assert worklist.page(period, filters, 1, per_page=4).total == len(expected)  # counted by the query
        shared = worklist.page(period, filters, 1, per_page=4, rows=counts)  # summed from the progress counts
        assert shared.total == len(expected) and _keys(shared.items) == _keys(expected[:4])
        # Read part by part of the draft, as the counts place each page: the same targets in the same order.
        for per_page in (1, 3, 4, 50):
            got = [t for number in range(1, pages * 4 // per_page + 2)
                   for t in worklist.page(period, filters, number, per_page=per_page, rows=counts).items]
            assert _keys(got) == _keys(expected), (filters, per_page)
    assert len(targets) > 8 and worklist.page(period, worklist.Filters(), 99, per_page=4).items == []


def test_one_target_read_alone_is_the_one_of_the_whole_list(ctx, mixed_period, make_period, make_opinion):
    period = db.session.get(CommentPeriod, mixed_period)
    for target in services.period_targets(period):
        assert _keys([services.find_target(period, target.kind, target.id)]) == _keys([target])
    pending = db.session.scalars(select(Opinion.id).where(Opinion.period_id == period.id,
                                                          Opinion.state != "accepted")).first()
    other = make_opinion(make_period())
    grouped = db.session.scalars(select(Opinion.id).where(Opinion.period_id == period.id,
                                                          Opinion.group_id.is_not(None))).first()
    for kind, target_id in (("opinion", pending), ("opinion", other), ("opinion", grouped), ("group", 10**6),
                            ("section", 1)):
        with pytest.raises(services.ResponseError):
            services.find_target(period, kind, target_id)


def test_the_work_page_shows_fifty_targets_and_a_pager(app, login_as, make_period, make_opinion):
    period_id = make_period()
    for _ in range(worklist.PER_PAGE + 3):
        make_opinion(period_id)
    staff, _user_id = login_as("staff")
    first = staff.get(f"/staff/periods/{period_id}/responses").get_data(as_text=True)
    assert first.count(f"/staff/periods/{period_id}/responses/opinion/") == worklist.PER_PAGE
    assert 'rel="next"' in first and "53" in first  # the progress still counts all of them
    second = staff.get(f"/staff/periods/{period_id}/responses?page=2&status=none").get_data(as_text=True)
    assert second.count(f"/staff/periods/{period_id}/responses/opinion/") == 3 and 'rel="prev"' in second
    assert staff.get(f"/staff/periods/{period_id}/responses?status=approved").status_code == 200

