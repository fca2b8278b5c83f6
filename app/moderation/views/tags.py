from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.extensions import db
from app.moderation import services
from app.moderation.forms import ActionForm, TagForm
from app.moderation.models import Tag
from app.moderation.services.tags import tag_usage
from app.moderation.views import bp
from app.moderation.views.submissions import period_tags
from app.periods.models import CommentPeriod


def editable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, services.can_manage_tags)


def render_tags(period, form=None, rename_forms=None, status=200):
    tags = period_tags(period.id)
    rename_forms = rename_forms or {}
    forms = {tag.id: rename_forms.get(tag.id) or TagForm(prefix=f"tag{tag.id}", data={"name": tag.name}) for tag in tags}
    return render_template("moderation/tags.html", period=period, tags=tags, usage=tag_usage([t.id for t in tags]),
                           form=form or TagForm(), rename_forms=forms, delete_form=ActionForm(),
                           title=_("Tags: %(period)s", period=period.title)), status


@bp.route("/staff/periods/<int:period_id>/tags", methods=["GET", "POST"])
@roles_required("staff", "admin")
def tags(period_id: int):
    period = editable_period(period_id)
    form = TagForm()
    if request.method != "POST":
        return render_tags(period, form)
    return run_action(lambda: services.create_tag(period, current_user, form.name.data), form=form, error_field=form,
                      page=lambda: render_tags(period, form, status=400), done=_("The tag has been added."),
                      then=url_for("moderation.tags", period_id=period.id))


def editable_tag(tag_id: int) -> Tag:
    tag = db.get_or_404(Tag, tag_id)
    editable_period(tag.period_id)
    return tag


@bp.post("/staff/tags/<int:tag_id>")
@roles_required("staff", "admin")
def rename_tag(tag_id: int):
    tag = editable_tag(tag_id)
    form = TagForm(prefix=f"tag{tag.id}")
    period = editable_period(tag.period_id)
    return run_action(lambda: services.rename_tag(tag, current_user, form.name.data), form=form, error_field=form,
                      page=lambda: render_tags(period, rename_forms={tag.id: form}, status=400),
                      done=_("The tag has been renamed."), then=url_for("moderation.tags", period_id=period.id))


@bp.post("/staff/tags/<int:tag_id>/delete")
@roles_required("staff", "admin")
def delete_tag(tag_id: int):
    tag = editable_tag(tag_id)
    period_id = tag.period_id
    return run_action(lambda: services.delete_tag(tag, current_user), form=ActionForm(),
                      done=lambda used: ngettext("The tag has been deleted and removed from %(num)d opinion.",
                                                 "The tag has been deleted and removed from %(num)d opinions.", used),
                      then=url_for("moderation.tags", period_id=period_id))
