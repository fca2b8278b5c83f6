from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.auth import roles_required
from app.extensions import db
from app.moderation import services
from app.moderation.forms import ActionForm, TagForm
from app.moderation.labels import attach_error
from app.moderation.models import Tag
from app.moderation.services.tags import tag_usage
from app.moderation.views import bp, refuse
from app.moderation.views.submissions import period_tags
from app.periods.models import CommentPeriod


def editable_period(period_id: int) -> CommentPeriod:
    period = db.session.get(CommentPeriod, period_id) or abort(404)
    if not services.can_manage_tags(period, current_user):
        abort(403)
    return period


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
    if form.validate_on_submit():
        try:
            services.create_tag(period, current_user, form.name.data)
        except services.ModerationError as error:
            db.session.rollback()
            attach_error(form, error)
            return render_tags(period, form, status=400)
        db.session.commit()
        flash(_("The tag has been added."), "success")
        return redirect(url_for("moderation.tags", period_id=period.id), code=303)
    return render_tags(period, form, status=400 if form.errors else 200)


def editable_tag(tag_id: int) -> Tag:
    tag = db.session.get(Tag, tag_id) or abort(404)
    editable_period(tag.period_id)
    return tag


@bp.post("/staff/tags/<int:tag_id>")
@roles_required("staff", "admin")
def rename_tag(tag_id: int):
    tag = editable_tag(tag_id)
    form = TagForm(prefix=f"tag{tag.id}")
    period = db.session.get(CommentPeriod, tag.period_id)
    if not form.validate_on_submit():
        return render_tags(period, rename_forms={tag.id: form}, status=400)
    try:
        services.rename_tag(tag, current_user, form.name.data)
    except services.ModerationError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_tags(period, rename_forms={tag.id: form}, status=400)
    db.session.commit()
    flash(_("The tag has been renamed."), "success")
    return redirect(url_for("moderation.tags", period_id=period.id), code=303)


@bp.post("/staff/tags/<int:tag_id>/delete")
@roles_required("staff", "admin")
def delete_tag(tag_id: int):
    tag = editable_tag(tag_id)
    period_id = tag.period_id
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        used = services.delete_tag(tag, current_user)
    except services.ModerationError as error:
        return refuse(error, "moderation.tags", period_id=period_id)
    db.session.commit()
    flash(ngettext("The tag has been deleted and removed from %(num)d opinion.", "The tag has been deleted and removed from %(num)d opinions.", used), "success")
    return redirect(url_for("moderation.tags", period_id=period_id), code=303)
