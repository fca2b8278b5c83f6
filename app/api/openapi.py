"""The OpenAPI 3.1 description of ``/api/v1``, written as data from small schema helpers.

Objects are closed (``additionalProperties: false``) and every field is required, so the
description says exactly what is sent; the tests hold the routes and this document to each other.
"""

from flask import current_app

from app.api.services import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_PER_PAGE_ASKED, PERIOD_STATES

# --- schema helpers ---

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with its offset (Japan time)."}
DATE = {"type": "string", "format": "date"}
URL = {"type": "string", "format": "uri"}
HTML = {"type": "string", "description": "Staff text as the page shows it: sanitised HTML."}


def obj(description: str = "", **properties) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}
    return {"description": description, **schema} if description else schema


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


ID_REF = obj(id=INTEGER, title=STRING)


def list_of(item: str) -> dict:
    return obj(data=array(ref(item)), meta=ref("PageMeta"), links=ref("PageLinks"))


SCHEMAS = {
    "Problem": obj("An error, as RFC 9457 problem details.", type=STRING, title=STRING, status=INTEGER,
                   detail=STRING, instance=STRING) | {"required": ["type", "title", "status", "detail"],
                                                      "additionalProperties": True},
    "PageMeta": obj(page=INTEGER, per_page=INTEGER, total=COUNT, pages=INTEGER),
    "PageLinks": obj(self=URL, first=URL, last=URL, prev=nullable(URL), next=nullable(URL)),
    "PlanSummary": obj(
        "A published plan (案件).", id=INTEGER, title=STRING, department=STRING,
        start_year=nullable(INTEGER) | {"description": "First fiscal year (April to March)."},
        end_year=nullable(INTEGER), published_at=nullable(DATETIME), updated_at=DATETIME,
        links=obj(self=URL, html=URL),
    ),
    "TimelineEntry": obj(
        "One public step of the plan, in date order: a briefing (説明会), workshop or other event, a survey, a "
        "council meeting (審議会), a comment period, its result, or the adopted plan (策定・公表).",
        kind=enum("briefing", "workshop", "event", "survey", "council", "period", "result", "adoption"),
        kind_label=STRING, title=STRING, starts_at=DATETIME, ends_at=nullable(DATETIME), status=STRING,
        current=BOOLEAN | {"description": "The step the plan is at now (いまここ); at most one is true."},
        url=URL, result_url=nullable(URL) | {"description": "Where a step's outcome is read (report, minutes, "
                                                            "result), once there is one."},
    ),
    "CouncilMember": obj(
        "A member of the council (審議会委員) as the plan's page lists them; no contact data is kept.",
        name=STRING, category=enum("academic", "civic_group", "public", "business", "city_staff", "other"),
        category_label=STRING, role=enum("", "chair", "vice_chair"), affiliation=STRING, term_from=DATE, term_to=DATE,
    ),
    "PeriodSummary": obj(
        "A public comment period (意見募集).", id=INTEGER, plan_id=INTEGER, title=STRING,
        state=enum(*PERIOD_STATES), opens_at=DATETIME, closes_at=DATETIME, results_published_at=nullable(DATETIME),
        links=obj(self=URL, html=URL, result=nullable(URL)),
    ),
    "WorkshopSummary": obj(
        "A public workshop (ワークショップ).", id=INTEGER, plan_id=INTEGER, title=STRING, theme=STRING,
        starts_at=DATETIME, ends_at=DATETIME, venue_name=STRING, cancelled=BOOLEAN,
        signup_state=enum("not_yet", "open", "closed", "past", "cancelled"), status_label=STRING,
        report_published_at=nullable(DATETIME), links=obj(self=URL, html=URL, report=nullable(URL)),
    ),
}
SCHEMAS |= {
    "PlanList": list_of("PlanSummary"),
    "PeriodList": list_of("PeriodSummary"),
    "WorkshopList": list_of("WorkshopSummary"),
    "Plan": obj(
        "A plan with its public timeline, council members, comment periods and workshops.",
        **SCHEMAS["PlanSummary"]["properties"], summary_html=HTML, contact=STRING, timeline=array(ref("TimelineEntry")),
        council_members=array(ref("CouncilMember")),
        periods=array(ref("PeriodSummary")), workshops=array(ref("WorkshopSummary")),
    ),
    "Period": obj(
        "A comment period with its draft: documents and sections.",
        **SCHEMAS["PeriodSummary"]["properties"], plan=ID_REF, description_html=HTML, short_period_reason=STRING,
        eligibility=array(obj(code=STRING, label=STRING)),
        channels=array(obj(channel=enum("web", "email", "fax", "post", "in_person"), label=STRING, detail=STRING)),
        viewing_places=array(STRING), contact_department=STRING, contact=STRING,
        documents=array(obj(id=INTEGER, title=STRING, filename=STRING, content_type=STRING, size=COUNT,
                            sha256=STRING, url=URL)),
        sections=array(obj(id=INTEGER, position=INTEGER, label=STRING, title=STRING, body=STRING)),
    ),
    "Result": obj(
        "The published result (結果公表): counts, each published opinion with the city's view, grouped by the "
        "part of the draft it concerns, the changes made and any corrections. Withheld opinions are only counted, "
        "by reason. The opinions come a page at a time (``page``, ``per_page``, in row-number order; ``links.next`` "
        "is the next page); everything else is on every page.",
        period_id=INTEGER, title=STRING, plan=ID_REF, opens_at=DATETIME, closes_at=DATETIME,
        draft_published_on=nullable(DATE), published_at=DATETIME, introduction_html=HTML, full_text_note=STRING,
        counts=obj(
            submitters=COUNT, opinions=COUNT, published=COUNT, withheld=COUNT,
            withheld_by_reason=array(obj(reason=STRING, label=STRING, opinions=COUNT)),
            by_channel=array(obj(channel=STRING, label=STRING, submitters=COUNT, opinions=COUNT)),
            by_attribute=array(obj(attribute=STRING, label=STRING, submitters=COUNT, opinions=COUNT)),
        ),
        sections=array(obj(
            section=nullable(STRING) | {"description": "The part of the draft; null for the draft as a whole."},
            opinions=array(obj(number=INTEGER, opinion=STRING, similar=COUNT, response_html=HTML,
                               response_text=STRING, category=STRING, category_label=STRING)),
        )),
        changes=array(obj(number=nullable(INTEGER) | {"description": "The first opinion row behind the change; null "
                                                                     "when none is linked."},
                          numbers=array(INTEGER) | {"description": "Every opinion row behind the change."},
                          section=nullable(STRING), before=STRING, after=STRING)),
        errata=array(obj(created_at=DATETIME, location=STRING, before=STRING, after=STRING, reason=STRING)),
        categories=array(obj(code=STRING, label=STRING)),
        meta=ref("PageMeta"),
        links=obj(self=URL, csv=URL, html=URL, period=URL, first=URL, last=URL, prev=nullable(URL),
                  next=nullable(URL)),
    ),
    "Heard": obj(
        "What we heard (いただいたご意見のまとめ), once the result is published: counts, the words most opinions used "
        "(only words used by at least five opinions that are not a person's name or a personal-data finding), the "
        "submissions per day and the groups of similar opinions answered together (at least two opinions each).",
        period_id=INTEGER, title=STRING, submitters=COUNT, opinions=COUNT,
        keywords=array(obj(word=STRING, opinions=COUNT)),
        per_day=array(obj(date=DATE, submissions=COUNT)),
        sections=array(obj(
            section=nullable(STRING) | {"description": "The part of the draft; null for the draft as a whole."},
            opinions=COUNT, keywords=array(obj(word=STRING, opinions=COUNT)),
            groups=array(obj(number=INTEGER, opinion=STRING, similar=COUNT, response_html=HTML, category=STRING,
                             category_label=STRING)),
        )),
        counted_at=nullable(DATETIME), links=obj(self=URL, html=URL, result=URL),
    ),
    "Workshop": obj(
        "A workshop; ``report`` is there once its report is published.",
        **SCHEMAS["WorkshopSummary"]["properties"], plan=ID_REF, content_html=HTML, venue_address=STRING,
        venue_access=STRING, venue_accessibility=STRING, online_url=STRING, eligibility=STRING, capacity=COUNT,
        seats_left=nullable(COUNT) | {"description": "Only while sign-up is open."},
        signup_opens_at=DATETIME, signup_closes_at=DATETIME, cancelled_at=nullable(DATETIME), cancel_reason=STRING,
        report=nullable(ref("WorkshopReport")),
    ),
    "WorkshopReport": obj(
        published_at=DATETIME, summary_html=HTML, participants=COUNT,
        groups=array(obj(name=STRING, participants=COUNT, notes=array(obj(kind=STRING, text=STRING, votes=COUNT)))),
    ),
}
SURVEY_COUNT = nullable(COUNT) | {"description": "null where the count is below the survey's small_cell (and above "
                                                 "zero), so that no respondent can be singled out."}
SCHEMAS |= {
    "SurveySummary": obj(
        "A published survey (意識調査). ``sample`` is false for a survey open to everyone, whose results are not "
        "a sample.", id=INTEGER, plan_id=INTEGER, title=STRING, state=enum("scheduled", "open", "closed"),
        opens_at=DATETIME, closes_at=DATETIME, sample=BOOLEAN, report_published_at=nullable(DATETIME),
        links=obj(self=URL, html=URL, result=nullable(URL)),
    ),
    "SurveyList": list_of("SurveySummary"),
}
SCHEMAS |= {
    "Survey": obj(
        "A survey with its target groups and questions.", **SCHEMAS["SurveySummary"]["properties"], plan=ID_REF,
        purpose=STRING, method=STRING,
        groups=array(obj(label=STRING, target=STRING, sampling=enum("random", "census"), distributed=COUNT)),
        questions=array(obj(number=INTEGER, kind=enum("single", "multiple", "scale", "matrix", "number", "text"),
                            text=STRING, required=BOOLEAN, choices=array(STRING), rows=array(STRING),
                            max_choices=nullable(INTEGER), shown_if=nullable(obj(question=INTEGER, choice=INTEGER)))),
    ),
    "SurveyResult": obj(
        "The published survey report: 表1 per target group and, per question (per row of a matrix), the counts and "
        "shares of valid answers. Only counts; never an answer.",
        survey_id=INTEGER, title=STRING, plan=ID_REF, published_at=DATETIME, notes=STRING, small_cell=COUNT,
        table1=obj(rows=array(STRING), columns=array(obj(label=STRING, cells=array(STRING)))),
        questions=array(obj(
            number=INTEGER, kind=STRING, text=STRING, row=nullable(STRING), base=COUNT,
            answers=array(obj(label=STRING, count=SURVEY_COUNT, percent=nullable(STRING))),
            answered=SURVEY_COUNT,
            keywords=nullable(array(obj(word=STRING, count=COUNT))) | {
                "description": "Free-text questions and questions with “Other”: the most used words of the texts "
                               "that passed the personal-data screening (or that staff released), with the number "
                               "of answers using each; words used by fewer than small_cell answers are left out."})),
        links=obj(self=URL, html=URL, survey=URL),
    ),
}
# Detail shapes repeat their summary's properties: a closed object cannot be extended with allOf.

# --- parameters and responses ---

PAGE = {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}}
PER_PAGE = {"name": "per_page", "in": "query", "required": False,
            "description": f"Items per page; more than {MAX_PER_PAGE} is served as {MAX_PER_PAGE}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE_ASKED, "default": DEFAULT_PER_PAGE}}
RESULT_PER_PAGE = {**PER_PAGE, "description": f"Opinions per page; more than {MAX_PER_PAGE} is served as {MAX_PER_PAGE}.",
                   "schema": {**PER_PAGE["schema"], "default": MAX_PER_PAGE}}
STATE = {"name": "state", "in": "query", "required": False,
         "description": "Only periods in this state now: upcoming, open for comment, closed, or with the result "
                        "published.", "schema": enum(*PERIOD_STATES)}


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


CACHE_HEADERS = {
    "ETag": {"description": "A weak validator: send it back as If-None-Match.", "schema": STRING},
    "Cache-Control": {"schema": STRING},
}
PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}


def problem(description: str) -> dict:
    return {"description": description, "content": PROBLEM}


ERRORS = {
    "429": problem("Too many requests; see the Retry-After header (seconds)."),
}


def ok_json(schema: str, description: str) -> dict:
    return {"description": description, "headers": CACHE_HEADERS,
            "content": {"application/json": {"schema": ref(schema)}}}


def ok_csv(description: str) -> dict:
    return {"description": f"{description} CSV in UTF-8 with a byte order mark, one row per item. A text that "
                           "would start a spreadsheet formula (= + - @, a tab or CR) begins with a single quote.",
            "headers": CACHE_HEADERS, "content": {"text/csv": {"schema": STRING}}}


def operation(operation_id: str, summary: str, ok: dict, *, parameters=(), bad_query=False, not_found=None) -> dict:
    responses = {"200": ok, "304": {"description": "Not modified: the If-None-Match validator still holds."}}
    if bad_query:
        responses["400"] = problem("A malformed query parameter.")
    if not_found:
        responses["404"] = problem(not_found)
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": list(parameters),
                    "responses": responses | ERRORS}}


NOT_PUBLIC = "No such id, or not public (both answer the same)."
PATHS = {
    "/api/v1/plans": operation("listPlans", "Published plans, by id", ok_json("PlanList", "A page of plans."),
                               parameters=(PAGE, PER_PAGE), bad_query=True),
    "/api/v1/plans.csv": operation("plansCsv", "Published plans as CSV", ok_csv("Every published plan.")),
    "/api/v1/plans/{plan_id}": operation("getPlan", "A plan with its timeline", ok_json("Plan", "The plan."),
                                         parameters=(path_id("plan_id"),), not_found=NOT_PUBLIC),
    "/api/v1/periods": operation("listPeriods", "Public comment periods, by id",
                                 ok_json("PeriodList", "A page of comment periods."),
                                 parameters=(STATE, PAGE, PER_PAGE), bad_query=True),
    "/api/v1/periods.csv": operation("periodsCsv", "Public comment periods as CSV",
                                     ok_csv("Every public comment period (of the state asked)."),
                                     parameters=(STATE,), bad_query=True),
    "/api/v1/periods/{period_id}": operation("getPeriod", "A comment period with its documents and sections",
                                             ok_json("Period", "The comment period."),
                                             parameters=(path_id("period_id"),), not_found=NOT_PUBLIC),
    "/api/v1/periods/{period_id}/result": operation(
        "getResult", "The published result of a comment period, its opinions a page at a time",
        ok_json("Result", "The result, with one page of its opinions."),
        parameters=(path_id("period_id"), PAGE, RESULT_PER_PAGE), bad_query=True,
        not_found=f"{NOT_PUBLIC} Also before the result is published (type ends in #result_not_published)."),
    "/api/v1/periods/{period_id}/heard": operation(
        "getHeard", "What we heard: a published period's opinions summarised by part of the draft",
        ok_json("Heard", "The summary."), parameters=(path_id("period_id"),),
        not_found=f"{NOT_PUBLIC} Also before the result is published (type ends in #result_not_published)."),
    "/api/v1/periods/{period_id}/result.csv": operation(
        "resultCsv", "The published result as CSV, as the result page offers it",
        ok_csv("Each published opinion with the city's view."), parameters=(path_id("period_id"),),
        not_found=f"{NOT_PUBLIC} Also before the result is published."),
    "/api/v1/workshops": operation("listWorkshops", "Public workshops, by id",
                                   ok_json("WorkshopList", "A page of workshops."), parameters=(PAGE, PER_PAGE),
                                   bad_query=True),
    "/api/v1/workshops.csv": operation("workshopsCsv", "Public workshops as CSV", ok_csv("Every public workshop.")),
    "/api/v1/workshops/{workshop_id}": operation(
        "getWorkshop", "A workshop, with its report once published", ok_json("Workshop", "The workshop."),
        parameters=(path_id("workshop_id"),), not_found=NOT_PUBLIC),
    "/api/v1/surveys": operation("listSurveys", "Published surveys, by id",
                                 ok_json("SurveyList", "A page of surveys."), parameters=(PAGE, PER_PAGE),
                                 bad_query=True),
    "/api/v1/surveys/{survey_id}": operation("getSurvey", "A survey with its groups and questions",
                                             ok_json("Survey", "The survey."), parameters=(path_id("survey_id"),),
                                             not_found=NOT_PUBLIC),
    "/api/v1/surveys/{survey_id}/result": operation(
        "getSurveyResult", "The published survey report, small counts suppressed",
        ok_json("SurveyResult", "The report's figures."), parameters=(path_id("survey_id"),),
        not_found=f"{NOT_PUBLIC} Also before the report is published (type ends in #report_not_published)."),
    "/api/v1/openapi.json": operation("openapi", "This description", {
        "description": "The OpenAPI 3.1 document.", "headers": CACHE_HEADERS,
        "content": {"application/json": {"schema": {"type": "object"}}}}),
    "/api/v1/docs": operation("docs", "This description as a page to read", {
        "description": "An HTML page.", "content": {"text/html": {"schema": STRING}}}),
}


def openapi_document() -> dict:
    city = current_app.config["CITY_NAME"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Meyasu open data API",
            "version": "1.0.0",
            "summary": f"{city}: public comment and workshops, what the city has published, as data.",
            "description": "Read-only. Everything here is on the public pages already; nothing personal, "
                           "withheld or unpublished is. Lists are paged (page, per_page) in id order with links "
                           "to the neighbouring pages. Times are ISO 8601 in Japan time with the offset. "
                           "Responses carry a weak ETag (send If-None-Match for 304) and are open to every origin. "
                           "Errors are problem details (application/problem+json).",
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }

