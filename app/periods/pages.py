"""What any page about a period needs first: the period the person asking may see."""

import time
from itertools import chain

from flask import abort, current_app, has_app_context, make_response, render_template
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, joinedload

from app.extensions import db
from app.periods.models import CommentPeriod, Section
from app.plans.models import Plan

# Built once: built at each call, the option cost a send about 2 % of its CPU (bench.send_cost, py-spy).
WITH_PLAN = (joinedload(CommentPeriod.plan),)
# What the opinion form and its confirmation page show of the sections: their titles, not their text, in the
# period's own query (a period has a handful of sections; their second query was 0.5 ms of a confirmation's
# 5.7 ms CPU, bench/README.md, eleventh session).
WITH_SECTION_TITLES = (*WITH_PLAN, joinedload(CommentPeriod.sections).load_only(Section.position, Section.label,
                                                                                  Section.title))


def public_period(period_id: int, options=WITH_PLAN) -> CommentPeriod:
    """A period the public may see; staff who can edit it may preview it before it is public.
    ``options``: how to load it (with its plan, unless told otherwise)."""
    return visible(db.session.get(CommentPeriod, period_id, options=options))


def visible(period: CommentPeriod | None) -> CommentPeriod:
    """``period`` if the person asking may see it (``public_period``); else the withdrawn page or a 404."""
    if period is None:
        abort(404)
    if period.is_public() or (period.can_edit(current_user) and period.status != "withdrawn"):
        return period
    if period.status == "withdrawn" and period.plan.is_published:
        # Someone may have bookmarked it: say what happened rather than pretend it never existed.
        abort(make_response(render_template("periods/withdrawn.html", period=period, title=period.title), 410))
    abort(404)


# --- the period the opinion form's steps read, kept a few seconds by each process ---

_KEPT = "meyasu_kept_periods"


def form_period(period_id: int, *, attach: bool = True) -> CommentPeriod | None:
    """The period with its plan and its sections' titles (``WITH_SECTION_TITLES``), in this request's
    session, for the steps of the opinion form (the form, the confirmation, the send).

    ``attach=False``, for a step that only reads the period (the send, on its way to the one statement that
    judges it under the lock): the kept copy itself, outside the session, when there is one. Merging it
    was 7 % of a send's CPU (bench/README.md, twenty-ninth session). Such a copy is shared by the process's
    requests: read its loaded values, never change it, and before anything else (rendering a page with
    it, a query that should find it) put it into the session with ``in_session``.

    Each process keeps a copy of what it read for ``PERIOD_KEEP_SECONDS`` and puts the copy into the
    session (``merge(load=False)``: no query, a tenth of the CPU of reading the row), so that a confirmation
    asks nothing of the database and a send one statement less (bench/README.md, twelfth session). A change
    committed by this process drops the copies at once; the other processes see it within those seconds,
    as they do on the pages they keep. What a send is judged by — the state, the times, the counter — is
    read again under the period's lock (``count_under_lock``, or the send's one statement on PostgreSQL,
    ``app.submissions.pgsend``), never taken from the copy.

    The copy shares its JSON values (lists, dicts) with the instance it was copied from and with every
    instance made from it: none of the form's steps changes them in place (a change assigns a new value)."""
    seconds = current_app.config["PERIOD_KEEP_SECONDS"]
    if seconds <= 0 or Session.identity_key(CommentPeriod, period_id) in db.session.identity_map:
        # Nothing kept, or the request has it already (and may have changed it): as the session has it.
        return db.session.get(CommentPeriod, period_id, options=WITH_SECTION_TITLES)
    kept = current_app.extensions.setdefault(_KEPT, {})
    held = kept.get(period_id)
    if held is not None and time.monotonic() - held[0] < seconds:
        return db.session.merge(held[1], load=False) if attach else held[1]
    period = db.session.get(CommentPeriod, period_id, options=WITH_SECTION_TITLES)
    if period is not None and not db.session.info.get("periods_changed"):
        holder = Session()  # bound to nothing: merging without loading asks no database
        copy = holder.merge(period, load=False)
        holder.close()  # the copy, its plan and its sections are detached, their loaded values kept
        kept[period_id] = (time.monotonic(), copy)
    return period


def in_session(period: CommentPeriod) -> CommentPeriod:
    """``period`` in this request's session: a kept copy (``form_period(attach=False)``) merged into it as
    ``form_period`` merges it, without loading; one in the session already as it is."""
    return db.session.merge(period, load=False) if inspect(period).detached else period


def forget_kept_periods() -> None:
    if has_app_context():
        current_app.extensions.pop(_KEPT, None)


@event.listens_for(Session, "before_flush")
def _note_period_changes(session: Session, _context, _instances) -> None:
    if any(isinstance(instance, CommentPeriod | Plan | Section)
           for instance in chain(session.new, session.dirty, session.deleted)):
        session.info["periods_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_changed_periods(session: Session) -> None:
    if session.info.pop("periods_changed", False):
        forget_kept_periods()


@event.listens_for(Session, "after_rollback")
def _changes_rolled_back(session: Session) -> None:
    session.info.pop("periods_changed", None)
