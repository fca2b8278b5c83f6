"""``/api/v1/surveys``: published surveys, their questions, and the published result with small cells
suppressed exactly as the report page shows them (a count below the survey's k is null). No answer
row is ever sent: only the counts the report shows."""

from flask import request
from sqlalchemy import select

from app.api import http, serialize, services
from app.api.views import bp, listing, not_found
from app.extensions import db
from app.plans.models import Plan
from app.surveys import results, screening
from app.surveys.labels import SUPPRESSED
from app.surveys.models import Survey


def _public_query():
    return select(Survey).join(Plan, Plan.id == Survey.plan_id).where(Survey.status == "published",
                                                                      Plan.status == "published")


def public_survey(survey_id: int) -> Survey | None:
    if survey_id > services.MAX_ID:
        return None
    return db.session.scalar(_public_query().where(Survey.id == survey_id))


def survey_summary(survey: Survey) -> dict:
    published = survey.report_published_at is not None
    return {"id": survey.id, "plan_id": survey.plan_id, "title": survey.title, "state": survey.state(),
            "opens_at": serialize.iso(survey.opens_at), "closes_at": serialize.iso(survey.closes_at),
            "sample": survey.uses_codes, "report_published_at": serialize.iso(survey.report_published_at),
            "links": {"self": serialize.link("api.survey", survey_id=survey.id),
                      "html": serialize.link("surveys.show", survey_id=survey.id),
                      "result": serialize.link("api.survey_result", survey_id=survey.id) if published else None}}


def survey_detail(survey: Survey) -> dict:
    return survey_summary(survey) | {
        "plan": {"id": survey.plan.id, "title": survey.plan.title}, "purpose": survey.purpose,
        "method": survey.method,
        "groups": [{"label": group.label, "target": group.description, "sampling": group.sampling,
                    "distributed": group.distributed} for group in survey.groups],
        "questions": [{"number": question.number, "kind": question.kind, "text": question.text,
                       "required": question.required, "choices": question.options(), "rows": list(question.rows),
                       "max_choices": question.max_choices,
                       "shown_if": _condition(survey, question)} for question in survey.questions]}


def _condition(survey: Survey, question) -> dict | None:
    if question.show_if_id is None:
        return None
    earlier = next((other for other in survey.questions if other.id == question.show_if_id), None)
    return {"question": earlier.number, "choice": question.show_if_choice} if earlier else None


def survey_report_entries(limit: int) -> list[dict]:
    """Published survey reports as entries of the results feed, the latest first."""
    from flask_babel import gettext as _

    reports = db.session.scalars(_public_query().where(Survey.report_published_at.is_not(None))
                                 .order_by(Survey.report_published_at.desc()).limit(limit))
    return [{
        "id": serialize.link("surveys.report", survey_id=survey.id), "title": survey.title,
        "published": survey.report_published_at, "updated": survey.report_published_at,
        "html": serialize.link("surveys.report", survey_id=survey.id),
        "json": serialize.link("api.survey_result", survey_id=survey.id),
        "summary": _("Survey report published. Plan: %(plan)s", plan=survey.plan.title),
    } for survey in reports]


def _count(shown: str) -> int | None:
    return None if shown in (SUPPRESSED, "") else int(shown.replace(",", ""))


def result_data(survey: Survey) -> dict:
    table1 = results.table1(survey)
    digests = screening.digests(survey, public=True, only_report=True)
    questions = []
    for table in results.question_tables(survey, public=True, only_report=True):
        digest = digests.get(table.question.id) if not table.row_label else None
        questions.append({
            "number": table.question.number, "kind": table.question.kind, "text": table.question.text,
            "row": table.row_label or None, "base": table.base,
            "answers": [{"label": line.label, "count": _count(line.shown_count),
                         "percent": None if line.percent == SUPPRESSED else line.percent} for line in table.lines],
            "answered": _count(table.summary["count"]) if table.summary else None,
            "keywords": [{"word": word, "count": n} for word, n in digest.words] if digest else None})
    return {"survey_id": survey.id, "title": survey.title, "plan": {"id": survey.plan.id, "title": survey.plan.title},
            "published_at": serialize.iso(survey.report_published_at), "notes": survey.report_notes,
            "small_cell": survey.small_cell,
            "table1": {"rows": list(table1["rows"]),
                       "columns": [{"label": column["label"], "cells": column["cells"]}
                                   for column in table1["columns"]]},
            "questions": questions,
            "links": {"self": serialize.link("api.survey_result", survey_id=survey.id),
                      "html": serialize.link("surveys.report", survey_id=survey.id),
                      "survey": serialize.link("api.survey", survey_id=survey.id)}}


@bp.get("/surveys")
def surveys():
    page = services.page_of(_public_query().order_by(Survey.id), services.parse_paging(request.args))
    return http.json_response(listing(page, [survey_summary(survey) for survey in page.items], "api.surveys"))


@bp.get("/surveys/<int:survey_id>")
def survey(survey_id: int):
    found = public_survey(survey_id)
    return http.json_response(survey_detail(found)) if found is not None else not_found()


@bp.get("/surveys/<int:survey_id>/result")
def survey_result(survey_id: int):
    found = public_survey(survey_id)
    if found is None:
        return not_found()
    if found.report_published_at is None:
        return http.problem(404, "The report of this survey has not been published yet.", code="report_not_published")
    return http.json_response(result_data(found), last_modified=found.report_published_at)
