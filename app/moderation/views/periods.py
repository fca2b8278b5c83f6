from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.actions import run_action
from app.core.ids import id_arg
from app.core.pagination import paginate
from app.moderation import services
from app.moderation.forms import BulkForm, GroupTitleForm, ReasonForm
from app.moderation.models import OPINION_STATES, Opinion, opinion_tags
from app.moderation.services.stats import group_rows, period_counts
from app.moderation.views import bp, load_group, load_period, moderator_required
from app.moderation.views.submissions import period_tags

GROUPS_PER_PAGE = 100  # a period's groups list
MEMBERS_PER_PAGE = 100  # a group's members (a form letter sent by thousands makes one group)


def _list_filters() -> dict:
    state = request.args.get("state", "")
    return {"state": state if state in OPINION_STATES else "",
            "section": id_arg(request.args.get("section")),
            "tag": id_arg(request.args.get("tag")),
            "grouped": request.args.get("grouped", "") if request.args.get("grouped") in ("yes", "no") else ""}


def render_opinions(period, bulk_form=None, status=200):
    filters = _list_filters()
    query = select(Opinion).where(Opinion.period_id == period.id)
    if filters["state"]:
        query = query.where(Opinion.state == filters["state"])
    if filters["section"]:
        query = query.where(Opinion.section_id == filters["section"])
    if filters["tag"]:
        query = query.where(Opinion.id.in_(select(opinion_tags.c.opinion_id).where(
            opinion_tags.c.tag_id == filters["tag"])))
    if filters["grouped"] == "yes":
        query = query.where(Opinion.group_id.is_not(None))
    elif filters["grouped"] == "no":
        query = query.where(Opinion.group_id.is_(None))
    query = query.order_by(Opinion.section_id, Opinion.submission_id, Opinion.position).options(
        selectinload(Opinion.tags), selectinload(Opinion.section), selectinload(Opinion.submission),
        selectinload(Opinion.redactions), selectinload(Opinion.group))
    page = paginate(query, request.args.get("page", 1, type=int), per_page=100)
    tags = period_tags(period.id)
    return render_template(
        "moderation/opinions.html", period=period, page=page, filters=filters, tags=tags,
        counts=period_counts([period.id]).get(period.id),
        bulk_form=bulk_form or BulkForm(tags=tags),
        args={k: v for k, v in request.args.items() if k != "page"},
        title=_("Opinions: %(period)s", period=period.title),
    ), status


@bp.get("/moderation/periods/<int:period_id>/opinions")
@moderator_required
def opinions(period_id: int):
    return render_opinions(load_period(period_id))


@bp.post("/moderation/periods/<int:period_id>/opinions")
@moderator_required
def bulk(period_id: int):
    period = load_period(period_id)
    form = BulkForm(tags=period_tags(period.id))
    return run_action(
        lambda: services.bulk_apply(
            period, form.opinion_ids.data, form.action.data, current_user,
            tag_id=int(form.tag.data) if form.tag.data else None, withhold_reason=form.withhold_reason.data or "",
            note=form.note.data or "", reason=form.reason.data or "", title=form.title.data or ""),
        form=form, error_field=form, page=lambda: render_opinions(period, form, 400),
        done=lambda changed: ngettext("%(num)d opinion changed.", "%(num)d opinions changed.", changed),
        then=url_for("moderation.opinions", period_id=period.id, **request.args))


@bp.get("/moderation/periods/<int:period_id>/groups")
@moderator_required
def groups(period_id: int):
    """The period's groups, a page at a time, each with its number of members."""
    period = load_period(period_id)
    page = paginate(group_rows(period.id), request.args.get("page", 1, type=int), per_page=GROUPS_PER_PAGE, rows=True)
    return render_template("moderation/groups.html", period=period, page=page,
                           title=_("Groups of similar opinions: %(period)s", period=period.title))


@bp.get("/moderation/groups/<int:group_id>")
@moderator_required
def group(group_id: int, title_form=None, status=200):
    group = load_group(group_id)
    members = paginate(
        select(Opinion).where(Opinion.group_id == group.id).order_by(Opinion.id)
        .options(selectinload(Opinion.submission), selectinload(Opinion.redactions)),
        request.args.get("page", 1, type=int), per_page=MEMBERS_PER_PAGE)
    return render_template("moderation/group.html", group=group, period=services.group_period(group), members=members,
                           title_form=title_form or GroupTitleForm(data={"title": group.title}),
                           dissolve_form=ReasonForm(prefix="dissolve"),
                           title=_("Group: %(title)s", title=group.title)), status


@bp.post("/moderation/groups/<int:group_id>")
@moderator_required
def rename_group(group_id: int):
    group_row = load_group(group_id)
    form = GroupTitleForm()
    return run_action(lambda: services.rename_group(group_row, current_user, form.title.data), form=form,
                      error_field=form, page=lambda: group(group_id, form, 400),
                      done=_("The group has been renamed."), then=url_for("moderation.group", group_id=group_id))


@bp.post("/moderation/groups/<int:group_id>/dissolve")
@moderator_required
def dissolve(group_id: int):
    group_row = load_group(group_id)
    form = ReasonForm(prefix="dissolve")
    if not form.validate_on_submit():
        return group(group_id, status=400)
    return run_action(lambda: services.dissolve_group(group_row, current_user, form.reason.data),
                      done=_("The group has been dissolved; its opinions are answered one by one again."),
                      then=url_for("moderation.opinions", period_id=group_row.period_id),
                      back=url_for("moderation.group", group_id=group_id))
