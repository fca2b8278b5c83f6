"""The print kit for the viewing places (閲覧場所): the opinion form, a poster and the draft in large
print as PDFs built by a job, and the form number that takes staff to the right period's paper entry."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem

STEPS = {"printkit.form": _l("Drawing the opinion form"), "printkit.poster": _l("Drawing the poster"),
         "printkit.large_print": _l("Setting the draft in large print")}


def nav_items(_app) -> list[NavItem]:
    return [NavItem("printkit.lookup", _l("Enter a paper form by number"), roles=("staff", "admin"))]


def step_labels(_sender=None) -> dict:
    return STEPS


def period_section(period, place: str, user=None) -> tuple[str, dict] | None:
    """Staff who may edit the period get the kit's section; the public page links the blank forms
    once a kit is built (it depends on the period only, so the cached page stays right)."""
    from app.printkit import services
    from app.printkit.formid import form_id
    from app.printkit.forms import BuildKitForm
    from app.printkit.sources import text_version

    run = services.latest_kit(period)
    files = services.kit_files(run)
    if place == "public":
        if "form" not in files or period.state() not in services.PUBLIC_STATES:
            return None
        return "printkit/_public_links.html", {"period": period, "files": files}
    if not period.can_edit(user):
        return None
    from app.core.runs import active_run, subject_type
    from app.plantext.labels import STAGE_LABELS
    from app.printkit.tasks import KIT

    stage = (run.result or {}).get("stage", "") if run is not None else ""
    return "printkit/_staff_section.html", {
        "period": period, "run": run, "files": files, "form": BuildKitForm(), "stale": services.is_stale(period, run),
        "active": active_run(KIT, subject_type(type(period)), period.id), "version": text_version(period.plan),
        "form_id": form_id(period.id), "stage_label": STAGE_LABELS.get(stage, "")}


def init_app(app: Flask) -> None:
    from app.printkit.views import bp

    app.register_blueprint(bp)
    signals.nav_items.connect(nav_items)
    signals.job_steps.connect(step_labels)
    signals.period_page_sections.connect(period_section)
