"""The HTTP manners of the open data: problem details, caching validators and CORS.

Every error on a path under ``/api/`` is an RFC 9457 problem (``application/problem+json``), with
a fixed wording per status: an error never repeats what was asked for beyond the parameter's name.
"""

import hashlib
import json
import time
from datetime import datetime
from http import HTTPStatus

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.core.spreadsheet import CSV_CONTENT_TYPE
from app.extensions import limiter

PROBLEM_TYPE = "application/problem+json"
CACHE_CONTROL = "public, max-age=60"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After, Link",
    "Access-Control-Max-Age": "86400",
}
DETAILS = {
    400: "The request could not be understood.",
    404: "There is no public resource at this address.",
    405: "The open data API is read-only: use GET.",
    429: "Too many requests in a short time. Wait for the number of seconds in Retry-After.",
    500: "Something went wrong on our side. Please try again later.",
}
QUERY_DETAILS = {
    "not_a_number": "The query parameter '{name}' must be a whole number.",
    "too_small": "The query parameter '{name}' must be 1 or more.",
    "too_large": "The query parameter '{name}' is too large.",
    "unknown_state": "The query parameter 'state' must be one of: upcoming, open, closed, published.",
}


def is_api_path() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str | None = None, *, code: str | None = None, **extra) -> Response:
    generic = DETAILS[400] if status < 500 else DETAILS[500]
    body = {"type": f"about:blank#{code}" if code else "about:blank", "title": HTTPStatus(status).phrase,
            "status": status, "detail": detail or DETAILS.get(status, generic), "instance": request.path, **extra}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    response.headers.update(CORS_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response


def query_problem(error) -> Response:
    return problem(400, QUERY_DETAILS[error.code].format(name=error.parameter), code=error.code,
                   parameter=error.parameter)


def retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def render_problem(error: Exception) -> Response | None:
    """The error renderer for ``/api/`` paths (connected to ``signals.error_response``)."""
    if not is_api_path():
        return None
    if not isinstance(error, HTTPException):
        current_app.logger.exception("unhandled error on %s", request.path)
        return problem(500)
    status = error.code or 500
    response = problem(status)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        response.headers["Retry-After"] = str(retry_after())
    return response


def json_response(data, *, last_modified: datetime | None = None) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")
    return cacheable(response, last_modified)


def csv_response(text: str, filename: str, *, last_modified: datetime | None = None) -> Response:
    response = Response(text.encode("utf-8"), content_type=CSV_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cacheable(response, last_modified)


def cacheable(response: Response, last_modified: datetime | None = None) -> Response:
    """A weak ETag from the body, Last-Modified where one is meaningful, and 304 when the client
    already holds this version."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32], weak=True)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers.update(CORS_HEADERS)
    return response.make_conditional(request)


def add_cors(response: Response) -> Response:
    """Open to every origin for reading: the API holds only what is public anyway."""
    response.headers.update(CORS_HEADERS)
    return response
