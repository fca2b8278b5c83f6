"""Staff change the text after import: the next version, one section at a time, and a comment
period's sections made from the headings."""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.plantext import editing, period_sections
from app.plantext.edit_forms import NextVersionForm, PeriodSectionsForm, SectionForm
from app.plantext.models import TextSection
from app.plantext.views import bp


@bp.post("/staff/plans/<int:plan_id>/text/next")
@roles_required("staff", "admin")
def next_version(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    return run_action(lambda: editing.create_next_version(plan, actor=current_user), form=NextVersionForm(),
                      done=lambda version: _("The %(stage)s has been started as a copy of the text before it. "
                                             "Edit its sections, then publish it.", stage=version.stage_label),
                      then=url_for("plantext.staff", plan_id=plan.id))


@bp.route("/staff/plans/<int:plan_id>/text/<int:version_id>/sections/<int:section_id>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit_section(plan_id: int, version_id: int, section_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    section = db.get_or_404(TextSection, section_id)
    version = section.version
    if version.id != version_id or version.plan_id != plan.id:
        abort(404)
    form = SectionForm(data=None if version.is_published else {"text": editing.section_source(section)})

    def page():
        title = _("Edit %(section)s", section=section.display or _("the opening text"))
        return render_template("plantext/edit_section.html", plan=version.plan, version=version, section=section,
                               form=form, source=editing.section_source(section), title=title)

    if not form.is_submitted():
        return page()
    return run_action(lambda: editing.edit_section(section, form.text.data or "", actor=current_user), form=form,
                      page=page, done=_("The section has been saved."),
                      then=url_for("plantext.staff", plan_id=plan_id) + f"#edit-{section.anchor}")


@bp.route("/staff/periods/<int:period_id>/sections/from-text", methods=["GET", "POST"])
@roles_required("staff", "admin")
def period_sections_from_text(period_id: int):
    period = load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)
    versions = period_sections.text_versions(period)
    form = PeriodSectionsForm(versions)

    def page():
        return render_template("plantext/period_sections.html", period=period, form=form, versions=versions,
                               headings={version.id: period_sections.headings(version, 3) for version in versions},
                               title=_("Sections from the plan's text: %(title)s", title=period.title))

    if not form.is_submitted():
        return page()
    version = next((version for version in versions if version.id == form.version.data), None)

    def done(kept: int) -> str:
        made = _("The sections have been made from the plan's text.")
        if kept:
            made += " " + _("%(count)d sections that opinions point at matched no heading and were kept at the end.",
                            count=kept)
        return made

    return run_action(lambda: period_sections.sections_from_text(period, version, form.depth.data,
                                                                 actor=current_user),
                      form=form, page=page, done=done, then=url_for("periods.sections", period_id=period.id))


def staff_extras(plan: Plan, version) -> dict:
    """What the text's staff page shows besides the import: every version, the next one to start,
    and for a version not yet published a link to edit each section."""
    stage = editing.next_stage(version)
    return {"versions": editing.versions_of(plan), "next_form": NextVersionForm(),
            "next_label": editing.STAGE_LABELS[stage] if stage and version.is_published else None}
