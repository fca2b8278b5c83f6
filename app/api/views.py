"""``/api/v1``: read-only JSON and CSV of what the public pages show, described by ``openapi.json``."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from app.api import http, serialize, services
from app.api.docs import doc_page
from app.api.openapi import openapi_document
from app.api.services import QueryError
from app.core.spreadsheet import csv_text
from app.digests.heard import heard as heard_of
from app.extensions import limiter
from app.periods.labels import attribute_labels
from app.responses.exports import public_csv
from app.responses.report import result_page
from app.responses.results import result_for
from app.workshops.facilitation import report_groups
from app.workshops.services import counts_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="open-data")(bp)


@bp.errorhandler(QueryError)
def bad_query(error: QueryError):
    return http.query_problem(error)


@bp.after_request
def open_to_all(response):
    return http.add_cors(response)


def listing(page, items: list[dict], endpoint: str, **args) -> dict:
    """A page of items with links to its neighbours: ``page``/``per_page`` as asked, in id order."""

    def page_link(number: int) -> str:
        return url_for(endpoint, _external=True, page=number, per_page=page.per_page, **args)

    links = {"self": page_link(page.page), "first": page_link(1), "last": page_link(page.pages),
             "prev": page_link(min(page.page - 1, page.pages)) if page.page > 1 else None,
             "next": page_link(page.page + 1) if page.page < page.pages else None}
    return {"data": items, "meta": {"page": page.page, "per_page": page.per_page, "total": page.total,
                                    "pages": page.pages}, "links": links}


def not_found():
    return http.problem(404)


# --- plans ---


@bp.get("/plans")
def plans():
    page = services.plan_page(services.parse_paging(request.args))
    items = [serialize.plan_summary(plan) for plan in page.items]
    return http.json_response(listing(page, items, "api.plans"),
                              last_modified=services.newest(*(plan.updated_at for plan in page.items)))


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    from app.council.services import members_of
    from app.plans.services import plan_timeline

    found = services.public_plan(plan_id)
    if found is None:
        return not_found()
    workshops = services.plan_workshops(found)
    counts = counts_for([workshop.id for workshop in workshops])
    data = serialize.plan_detail(found, plan_timeline(found), services.plan_periods(found),
                                 [(workshop, counts[workshop.id]) for workshop in workshops], members_of(found))
    return http.json_response(data)


@bp.get("/plans.csv")
def plans_csv():
    rows = [[plan.id, plan.title, plan.department, plan.start_year or "", plan.end_year or "",
             serialize.iso(plan.published_at), serialize.link("plans.show", plan_id=plan.id)]
            for plan in services.all_plans()]
    headers = ["id", "title", "department", "start_year", "end_year", "published_at", "url"]
    return http.csv_response(csv_text(headers, rows), "plans.csv")


# --- comment periods ---


@bp.get("/periods")
def periods():
    state = services.parse_state(request.args)
    page = services.period_page(state, services.parse_paging(request.args))
    items = [serialize.period_summary(period) for period in page.items]
    return http.json_response(listing(page, items, "api.periods", **({"state": state} if state else {})))


@bp.get("/periods/<int:period_id>")
def period(period_id: int):
    found = services.public_period(period_id)
    if found is None:
        return not_found()
    return http.json_response(serialize.period_detail(found, attribute_labels()))


@bp.get("/periods.csv")
def periods_csv():
    state = services.parse_state(request.args)
    rows = [[p.id, p.plan_id, p.title, services.period_state(p), serialize.iso(p.opens_at),
             serialize.iso(p.closes_at), serialize.iso(p.results_published_at) or "",
             serialize.link("periods.show", period_id=p.id)] for p in services.public_periods(state)]
    headers = ["id", "plan_id", "title", "state", "opens_at", "closes_at", "results_published_at", "url"]
    return http.csv_response(csv_text(headers, rows), "periods.csv")


def published_period(period_id: int):
    """The period and whether its result may be read; a problem response when it may not."""
    found = services.public_period(period_id)
    if found is None:
        return None, not_found()
    if not services.result_is_public(found):
        return None, http.problem(404, "The result of this comment period has not been published yet.",
                                  code="result_not_published")
    return found, None


def result_changed_at(report):
    return services.newest(report.period.results_published_at, *(erratum.created_at for erratum in report.errata))


@bp.get("/periods/<int:period_id>/result")
def result(period_id: int):
    found, refused = published_period(period_id)
    if refused is not None:
        return refused
    paging = services.parse_paging(request.args)
    if "per_page" not in request.args:  # a whole small result, as before paging, in one answer
        paging = services.Paging(paging.page, services.MAX_PER_PAGE)
    report = result_page(found, paging.page, paging.per_page)
    data = serialize.result_detail(report)
    paged = listing(report.page, [], "api.result", period_id=found.id)
    data["meta"] = paged["meta"]
    data["links"].update({key: paged["links"][key] for key in ("self", "first", "prev", "next", "last")})
    return http.json_response(data, last_modified=result_changed_at(report))


@bp.get("/periods/<int:period_id>/heard")
def heard(period_id: int):
    found, refused = published_period(period_id)
    if refused is not None:
        return refused
    report = heard_of(found)
    return http.json_response(serialize.heard_detail(report), last_modified=found.results_published_at)


@bp.get("/periods/<int:period_id>/result.csv")
def result_csv(period_id: int):
    found, refused = published_period(period_id)
    if refused is not None:
        return refused
    result = result_for(found)
    return http.csv_response(public_csv(found), f"result-{found.id}.csv", last_modified=services.newest(
        found.results_published_at, *(erratum.created_at for erratum in (result.errata if result else []))))


# --- workshops ---


@bp.get("/workshops")
def workshops():
    page = services.workshop_page(services.parse_paging(request.args))
    counts = counts_for([workshop.id for workshop in page.items])
    items = [serialize.workshop_summary(workshop, counts[workshop.id]) for workshop in page.items]
    return http.json_response(listing(page, items, "api.workshops"))


@bp.get("/workshops/<int:workshop_id>")
def workshop(workshop_id: int):
    found = services.public_workshop(workshop_id)
    if found is None:
        return not_found()
    counts = counts_for([found.id])[found.id]
    groups = report_groups(found) if found.report_is_published else None
    return http.json_response(serialize.workshop_detail(found, counts, groups))


@bp.get("/workshops.csv")
def workshops_csv():
    found = services.all_workshops()
    counts = counts_for([workshop.id for workshop in found])
    rows = []
    for workshop in found:
        summary = serialize.workshop_summary(workshop, counts[workshop.id])
        rows.append([workshop.id, workshop.plan_id, workshop.title, workshop.theme, summary["starts_at"],
                     summary["ends_at"], workshop.venue_name, summary["signup_state"],
                     summary["report_published_at"] or "", summary["links"]["html"]])
    headers = ["id", "plan_id", "title", "theme", "starts_at", "ends_at", "venue_name", "signup_state",
               "report_published_at", "url"]
    return http.csv_response(csv_text(headers, rows), "workshops.csv")


# --- the description ---


@bp.get("/openapi.json")
def openapi():
    return http.json_response(openapi_document())


@bp.get("/docs")
def docs():
    spec = openapi_document()
    return render_template("api/docs.html", spec=spec, doc=doc_page(spec), title=_("Open data API"))
