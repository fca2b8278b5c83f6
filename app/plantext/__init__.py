"""The plan's text (計画の本文): its versions from 素案 to 計画, chapters and sections, the reading page."""

from flask import Flask

from app.core import signals


def plan_page_text(plan, user=None) -> tuple[str, dict] | None:
    """The plan page links to each published version's text, and staff to where it is imported."""
    from app.plantext.services import public_versions

    can_edit = plan.can_edit(user)
    published = public_versions(plan)
    if not published and not can_edit:
        return None
    return "plantext/_plan_links.html", {"plan": plan, "versions": published, "can_edit": can_edit}


def adoption_step(plan, public: bool = True) -> list:
    """The plan's timeline ends with 策定・公表: the adopted text (計画), once published."""
    from flask import url_for
    from flask_babel import gettext as _

    from app.plans.services import TimelineEntry
    from app.plantext.services import versions

    return [TimelineEntry("adoption", _("The plan adopted and published"), version.published_at, None,
                          url_for("plantext.read", plan_id=plan.id, version_id=version.id), _("Published"),
                          kind_label=_("Adoption and publication"))
            for version in versions(plan)
            if version.stage == "keikaku" and version.is_published and version.published_at is not None]


def period_sections_offer(period) -> tuple[str, dict]:
    """The period's sections page offers to make them from the plan's text (本文の章・節から作成)."""
    return "plantext/_period_sections_offer.html", {"period": period}


def cacheable_pages(_app) -> set[str]:
    return {"plantext.read", "plantext_diff.compare"}


def init_app(app: Flask) -> None:
    from app.plantext import edit_views  # noqa: F401  (its routes join the blueprint)
    from app.plantext.changes import result_changes
    from app.plantext.compare_views import bp as compare_bp
    from app.plantext.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(compare_bp)
    signals.result_changes.connect(result_changes)
    signals.plan_page_sections.connect(plan_page_text)
    signals.plan_timeline.connect(adoption_step)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.period_section_sources.connect(period_sections_offer)
