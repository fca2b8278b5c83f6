"""The ふりがな switch: ``?furigana=1`` on the address, so a reader who only reads needs no cookie and
the page cache keeps the two versions apart (it keys pages by path and query). Every link the page
builds with ``url_for`` keeps the parameter; the page's text is annotated after it is rendered and
before the cache keeps it."""

from urllib.parse import urlencode

from flask import Response, request

from app.reading.html import annotate_html
from app.reading.services import city_dictionary

PARAMETER = "furigana"


def wanted() -> bool:
    return request.args.get(PARAMETER) == "1"


def keep_parameter(endpoint: str, values: dict) -> None:
    """``url_defaults``: links built on a page with readings lead to pages with readings."""
    if endpoint != "static" and PARAMETER not in values and wanted():
        values[PARAMETER] = "1"


def switch() -> dict:
    """Template global: where the header's switch leads (this page with readings turned the other way)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != PARAMETER]
    on = wanted()
    if not on:
        args.append((PARAMETER, "1"))
    return {"on": on, "href": request.path + ("?" + urlencode(args) if args else "")}


def add_readings(response: Response) -> Response:
    """After the view (and before the page cache keeps the page), ruby on the Japanese text."""
    if not wanted() or response.mimetype != "text/html" or response.direct_passthrough \
            or response.headers.get("X-Page-Cache") == "hit":
        return response
    response.set_data(annotate_html(response.get_data(as_text=True), city_dictionary()))
    return response
