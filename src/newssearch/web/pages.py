"""The search page: server-rendered, usable without JavaScript.

It renders the same data object as ``/api/search`` (see :mod:`.views`), with
links pointing at the page instead of the API. Unknown parameters (tracking
tags such as ``utm_source``) are ignored here, unlike in the API; bad values
show the page with the problem explained and status 400.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..errors import BadRequest
from ..models import PARAMS, SearchRequest
from . import etag, get_engine, get_settings
from .views import page_context, page_limits, search_data

bp = Blueprint("pages", __name__)


def _html(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html")


@bp.get("/")
def index() -> Response:
    """Search box, tabs, facets, results and pagination for the query in the URL."""
    settings = get_settings()
    raw = request.args.to_dict(flat=False)
    params = {k: v for k, v in raw.items() if k in PARAMS}
    base = url_for(".index")
    try:
        req = SearchRequest.from_params(params, settings)
    except BadRequest as exc:
        q = params.get("q", [""])[0][: settings.max_query_length]
        context: dict[str, Any] = {
            "q": q,
            "error": exc.to_dict()["error"],
            "search_hidden": [],
            **page_limits(settings),
        }
        response = _html(render_template("search.html", **context), exc.status)
        response.headers["Cache-Control"] = "no-store"
        return response
    tag = etag()
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        result = get_engine().search(req)
        data = search_data(req, result, base, settings)
        response = _html(render_template("search.html", **page_context(req, data, base, settings)))
        if result.timed_out:  # cut short by the time budget: next time it may complete
            response.headers["Cache-Control"] = "no-store"
            return response
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CACHE_SECONDS"])
    return response
