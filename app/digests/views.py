from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.core.pagination import paginate
from app.core.runs import latest_run
from app.digests import services
from app.digests.forms import AcceptClusterForm, ExportForm, RebuildForm
from app.digests.heard import MIN_OPINIONS
from app.digests.heard import heard as heard_of
from app.digests.models import DigestCluster, can_view_digest
from app.digests.pages import cluster_views, day_chart
from app.digests.tasks import DIGEST, EXPORT
from app.extensions import db
from app.periods.labels import CHANNEL_LABELS
from app.periods.models import CommentPeriod
from app.responses.results import is_public

bp = Blueprint("digests", __name__)
ROLES = ("staff", "moderator", "admin")
CLUSTERS_PER_PAGE = 20
STATES = {"pending": _l("Not yet decided"), "accepted": _l("Accepted"), "withheld": _l("Withheld")}
KINDS = {"template": _l("Form letter"), "near": _l("Near-identical opinions"), "exact": _l("Identical opinions")}


def viewable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, can_view_digest)


def accept_form(cluster: DigestCluster, formdata=None) -> AcceptClusterForm:
    return AcceptClusterForm(formdata=formdata, prefix=f"cluster{cluster.id}")


def render_digest(period: CommentPeriod, *, failed: AcceptClusterForm | None = None, failed_cluster: int | None = None,
                  error: str = "", status: int = 200):
    """The digest page; after a refused acceptance, with that cluster's form and its message."""
    digest = services.digest_of(period)
    clusters = None
    if digest is not None:
        clusters = paginate(services.clusters_query(digest), request.args.get("page", 1, type=int), CLUSTERS_PER_PAGE)
    views = cluster_views(clusters.items, period.id) if clusters else []
    forms = {view.cluster.id: accept_form(view.cluster) for view in views}
    if failed is not None:
        forms[failed_cluster] = failed
    return render_template(
        "digests/show.html", period=period, digest=digest, clusters=clusters, cluster_views=views,
        accept_forms=forms, cluster_error=(failed_cluster, error),
        chart=day_chart(digest.counts.get("per_day", [])) if digest else None,
        digest_run=latest_run(DIGEST, period), export_run=latest_run(EXPORT, period),
        rebuild_form=RebuildForm(), export_form=ExportForm(), channels=CHANNEL_LABELS, states=STATES, kinds=KINDS,
        title=_("Digest: %(title)s", title=period.title),
    ), status


@bp.get("/periods/<int:period_id>/digest")
@roles_required(*ROLES)
def show(period_id: int):
    return render_digest(viewable_period(period_id))


@bp.post("/periods/<int:period_id>/digest/rebuild")
@roles_required(*ROLES)
def rebuild(period_id: int):
    period = viewable_period(period_id)
    return run_action(lambda: services.request_digest(period, actor=current_user), form=RebuildForm(),
                      done=_("The digest is being rebuilt. This page shows the progress."),
                      then=url_for("digests.show", period_id=period.id))


@bp.post("/periods/<int:period_id>/digest/export")
@roles_required(*ROLES)
def export(period_id: int):
    period = viewable_period(period_id)
    return run_action(lambda: services.request_export(period, actor=current_user), form=ExportForm(),
                      done=_("The CSV file is being built. A download link appears here when it is ready."),
                      then=url_for("digests.show", period_id=period.id, _anchor="export"))


@bp.post("/periods/<int:period_id>/digest/clusters/<int:cluster_id>/accept")
@roles_required(*ROLES)
def accept(period_id: int, cluster_id: int):
    period = viewable_period(period_id)
    cluster = services.cluster_of(period, cluster_id) or abort(404)
    form = accept_form(cluster, request.form)
    if not form.validate():
        return render_digest(period, failed=form, failed_cluster=cluster.id, status=400)
    # A refusal is shown beside its cluster, as a conflict with what others did meanwhile.
    return run_action(
        lambda: services.accept_cluster(cluster, actor=current_user, title=form.title.data or ""),
        refused=lambda error: render_digest(period, failed=form, failed_cluster=cluster.id, error=error.message,
                                            status=409),
        done=lambda result: ngettext("%(num)d opinion is now in the opinion group.",
                                     "%(num)d opinions are now one opinion group.", result[1]),
        then=url_for("digests.show", period_id=period.id, page=request.args.get("page", 1, type=int),
                     _anchor=f"cluster-{cluster.id}"))


@bp.get("/workshops/<int:workshop_id>/digest")
@roles_required("staff", "facilitator", "admin")
def workshop(workshop_id: int):
    from app.digests.workshop import build_workshop_digest
    from app.workshops.models import Workshop

    item = load_permitted(Workshop, workshop_id, Workshop.can_facilitate)
    return render_template("digests/workshop.html", workshop=item, digest=build_workshop_digest(item),
                           title=_("Workshop digest: %(title)s", title=item.title))


@bp.get("/periods/<int:period_id>/heard")
def heard(period_id: int):
    """What we heard: public once the result is published."""
    period = db.get_or_404(CommentPeriod, period_id)
    if not is_public(period):
        abort(404)
    summary = heard_of(period)
    return render_template("digests/heard.html", heard=summary, chart=day_chart(summary.per_day), min_opinions=MIN_OPINIONS,
                           title=_("What we heard: %(title)s", title=summary.title))
