"""The public comparison of two versions, and staff's pages for a period's 修正内容 from the plan's text."""

from collections import Counter

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.extensions import db
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.plantext import changes
from app.plantext.change_forms import NO_VERSION, ChangeOpinionsForm, CommentedVersionForm
from app.plantext.diff import compare as compare_versions
from app.plantext.labels import CHANGE_LABELS
from app.responses.services import period_targets

bp = Blueprint("plantext_diff", __name__)


def _chosen(choices, name: str, default):
    """The version named by ?from= or ?to=: one the reader may see, else a 404 (drafts stay hidden)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    version = next((v for v in choices if str(v.id) == raw), None)
    if version is None:
        abort(404)
    return version


@bp.get("/plans/<int:plan_id>/text/compare")
def compare(plan_id: int):
    """Two versions side by side, section by section: what was added, removed or changed."""
    plan = db.get_or_404(Plan, plan_id)
    if not plan.can_view(current_user):
        abort(404)
    choices = changes.visible_versions(plan, current_user)
    old = _chosen(choices, "from", choices[-2] if len(choices) > 1 else None)
    new = _chosen(choices, "to", choices[-1] if len(choices) > 1 else None)
    same = old is not None and old == new
    diffs = compare_versions(old, new) if old is not None and new is not None and not same else []
    counts = Counter(diff.status for diff in diffs)
    title = _("%(plan)s: changes between versions", plan=plan.title)
    if diffs:
        title = _("%(plan)s: changes from %(old)s to %(new)s", plan=plan.title, old=old.stage_label,
                  new=new.stage_label)
    return render_template("plantext/compare.html", plan=plan, choices=choices, old=old, new=new, same=same,
                           diffs=diffs, counts=counts, labels=CHANGE_LABELS, title=title)


def _period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)


@bp.route("/staff/periods/<int:period_id>/text-changes", methods=["GET", "POST"])
@roles_required("staff", "admin")
def period_changes(period_id: int):
    """Which version the period put to comment, and the changed sections with their opinions."""
    period = _period(period_id)
    commented = changes.commented_version(period)
    form = CommentedVersionForm(changes.in_order(period.plan),
                                data=None if request.method == "POST" else {"version": commented.id if commented
                                                                             else NO_VERSION})

    def page():
        text = changes.text_changes(period, published_only=False)
        return render_template("plantext/period_changes.html", period=period, form=form, commented=commented,
                               text=text, labels=CHANGE_LABELS,
                               title=_("Changes to the plan's text: %(title)s", title=period.title))

    if request.method == "GET":
        return page()
    return run_action(lambda: changes.set_commented_version(period, form.version.data or None, actor=current_user),
                      form=form, page=page, done=_("The version put to comment has been saved."),
                      then=url_for("plantext_diff.period_changes", period_id=period.id))


def _target_choices(period: CommentPeriod) -> tuple[list, dict[int, object]]:
    """One box per answered row of the result (an opinion, or a group by its first opinion)."""
    targets = [target for target in period_targets(period) if target.response is not None]
    choices = [(target.lead.id, public_text(target.lead)) for target in targets]
    return choices, {target.lead.id: target for target in targets}


@bp.route("/staff/periods/<int:period_id>/text-changes/<anchor>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def change_opinions(period_id: int, anchor: str):
    """Staff pick the opinions that caused one section's change."""
    period = _period(period_id)
    text = changes.text_changes(period, published_only=False)
    diff = text.section(anchor) if text else None
    if diff is None:
        abort(404)
    choices, targets = _target_choices(period)
    linked = set(text.opinions.get(anchor, []))
    chosen = [lead for lead, target in targets.items() if linked & {o.id for o in target.opinions}]
    form = ChangeOpinionsForm(choices, data=None if request.method == "POST" else {"opinions": chosen})

    def page():
        return render_template("plantext/change_opinions.html", period=period, diff=diff, form=form,
                               targets=targets, labels=CHANGE_LABELS,
                               title=_("Opinions behind the change: %(section)s", section=diff.display))

    if request.method == "GET":
        return page()
    return run_action(lambda: changes.link_opinions(period, anchor, form.opinions.data or [], actor=current_user),
                      form=form, page=page, done=_("The opinions behind this change have been saved."),
                      then=url_for("plantext_diff.period_changes", period_id=period.id))
