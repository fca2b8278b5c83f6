"""What the API may read: the public queries of each feature, paged, and single public rows.

Nothing here decides what is public on its own: plans, periods, results and workshops each keep
that rule (``public_query``, ``is_public``, ``report_is_published``); this module only pages
through them in a stable order (by id) and treats an id the public may not see as unknown.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.errors import DomainError
from app.core.pagination import Page, paginate
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods import services as periods
from app.periods.models import CommentPeriod
from app.plans import services as plans
from app.plans.models import Plan
from app.responses import results
from app.workshops import services as workshops
from app.workshops.models import Workshop

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE_ASKED = 999_999_999  # anything up to this is served, as MAX_PER_PAGE rows
MAX_PAGE = 100_000
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
MAX_ID = 2**31 - 1  # the columns are 32-bit integers: larger ids cannot exist
# What a period's state is called outside: "scheduled" reads as "upcoming" to the public.
STATE_NAMES = {"scheduled": "upcoming", "open": "open", "closed": "closed", "published": "published"}
PERIOD_STATES = tuple(STATE_NAMES.values())


class QueryError(DomainError, ValueError):
    """A malformed query parameter; ``parameter`` names it, ``code`` says what is wrong."""

    def __init__(self, parameter: str, code: str):
        super().__init__(code, parameter)
        self.args = (f"{parameter}: {code}",)
        self.parameter = parameter


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


def parse_paging(args) -> Paging:
    """``page`` from 1; ``per_page`` from 1, capped at ``MAX_PER_PAGE`` rather than refused."""
    return Paging(_positive(args, "page", 1, MAX_PAGE),
                  min(_positive(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE_ASKED), MAX_PER_PAGE))


def _positive(args, name: str, default: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.fullmatch(raw):
        raise QueryError(name, "not_a_number")
    if raw.startswith("-") or int(raw) < 1:
        raise QueryError(name, "too_small")
    if len(raw) > 12 or int(raw) > maximum:
        raise QueryError(name, "too_large")
    return int(raw)


def parse_state(args) -> str | None:
    state = args.get("state")
    if state is None:
        return None
    if state not in PERIOD_STATES:
        raise QueryError("state", "unknown_state")
    return state


def _page(query, paging: Paging) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if (paging.page - 1) * paging.per_page >= total:
        return Page(items=[], page=paging.page, per_page=paging.per_page, total=total)
    return paginate(query, paging.page, paging.per_page)


def page_of(query, paging: Paging) -> Page:
    """A page of any public query, for the features' own endpoints (surveys)."""
    return _page(query, paging)


def _list_page(items: list, paging: Paging) -> Page:
    start = (paging.page - 1) * paging.per_page
    return Page(items=items[start:start + paging.per_page], page=paging.page, per_page=paging.per_page,
                total=len(items))


# --- plans ---


def plan_page(paging: Paging) -> Page:
    return _page(plans.public_query().order_by(Plan.id), paging)


def all_plans() -> list[Plan]:
    return list(db.session.scalars(plans.public_query().order_by(Plan.id)))


def public_plan(plan_id: int) -> Plan | None:
    plan = db.session.get(Plan, plan_id) if plan_id <= MAX_ID else None
    return plan if plan is not None and plan.is_published else None


def plan_periods(plan: Plan) -> list[CommentPeriod]:
    return list(db.session.scalars(periods.public_query().where(CommentPeriod.plan_id == plan.id)
                                   .order_by(CommentPeriod.id)))


def plan_workshops(plan: Plan) -> list[Workshop]:
    return list(db.session.scalars(workshops.public_query().where(Workshop.plan_id == plan.id)
                                   .order_by(Workshop.id)))


# --- comment periods ---


def period_state(period: CommentPeriod, now: datetime | None = None) -> str:
    return STATE_NAMES[period.state(now or utcnow())]


def public_periods(state: str | None, now: datetime | None = None) -> list[CommentPeriod]:
    """Every public period in id order, of one state if asked: the state follows the clock, so it
    is read from ``CommentPeriod.state`` rather than restated in SQL."""
    now = now or utcnow()
    rows = db.session.scalars(periods.public_query().order_by(CommentPeriod.id))
    return [period for period in rows if state is None or period_state(period, now) == state]


def period_page(state: str | None, paging: Paging) -> Page:
    return _list_page(public_periods(state), paging)


def public_period(period_id: int) -> CommentPeriod | None:
    if period_id > MAX_ID:
        return None
    return db.session.scalar(periods.public_query().where(CommentPeriod.id == period_id)
                             .options(selectinload(CommentPeriod.sections), selectinload(CommentPeriod.documents)))


def result_is_public(period: CommentPeriod) -> bool:
    return results.is_public(period)


# --- workshops ---


def workshop_page(paging: Paging) -> Page:
    return _page(workshops.public_query().order_by(Workshop.id), paging)


def all_workshops() -> list[Workshop]:
    return list(db.session.scalars(workshops.public_query().order_by(Workshop.id)))


def public_workshop(workshop_id: int) -> Workshop | None:
    workshop = db.session.get(Workshop, workshop_id) if workshop_id <= MAX_ID else None
    return workshop if workshop is not None and workshop.is_public else None


# --- what changed last, for Last-Modified ---


def newest(*values: datetime | None) -> datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None
