"""The search page: server-rendered, usable without JavaScript.

It renders the same data object as ``/api/search`` (see :mod:`.views`), with
links pointing at the page instead of the API. Unknown parameters (tracking
tags such as ``utm_source``) are ignored here, unlike in the API; a page
number a visitor can reach by editing the URL (``page=0``, a page past the
last one) shows the nearest real page; other bad values show the page with
the problem explained in Vietnamese and status 400.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..config import Settings
from ..errors import BadRequest
from ..models import PARAMS, SearchRequest, SearchResult
from . import etag, get_engine, get_settings
from .messages import vietnamese_message
from .observe import record_search
from .views import page_context, page_limits, search_data

bp = Blueprint("pages", __name__)


def _html(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html")


def _whole(values: list[str]) -> int | None:
    """The one whole number in ``values``, or None (the validator then explains)."""
    given = [v.strip() for v in values if v.strip()]
    if len(given) != 1:
        return None
    try:
        return int(given[0])
    except ValueError:
        return None


def reachable_page(params: dict[str, list[str]], settings: Settings) -> None:
    """Bring ``page`` into range in place: below 1 is page 1, past the result window its last page."""
    page = _whole(params.get("page", []))
    if page is None:
        return
    per_page = _whole(params.get("per_page", [])) or 10
    if page < 1:
        params.pop("page")
    elif 1 <= per_page <= settings.max_per_page and page * per_page > settings.max_result_window:
        params["page"] = [str(max(1, settings.max_result_window // per_page))]


def search_last_page(req: SearchRequest, settings: Settings) -> tuple[SearchRequest, SearchResult]:
    """Search ``req``; a page past the last one is answered with the last page instead."""
    engine = get_engine()
    result = engine.search(req)
    if not result.hits and result.total > 0 and req.page > 1:
        last = max(1, min(math.ceil(result.total / req.per_page), settings.max_result_window // req.per_page))
        req = dataclasses.replace(req, page=last)
        result = engine.search(req)
    return req, result


@bp.get("/")
def index() -> Response:
    """Search box, tabs, facets, results and pagination for the query in the URL."""
    settings = get_settings()
    raw = request.args.to_dict(flat=False)
    params = {k: v for k, v in raw.items() if k in PARAMS}
    reachable_page(params, settings)
    base = url_for(".index")
    robots = {"noindex": bool(params)}
    try:
        req = SearchRequest.from_params(params, settings)
    except BadRequest as exc:
        q = params.get("q", [""])[0][: settings.max_query_length]
        value = params.get(exc.param or "", [None])[0] if exc.param else None
        message = vietnamese_message(exc.status, settings, exc.param, value)
        context: dict[str, Any] = {
            "q": q,
            "error": {**exc.to_dict()["error"], "message": message},
            "search_hidden": [],
            **robots,
            **page_limits(settings),
        }
        response = _html(render_template("search.html", **context), exc.status)
        response.headers["Cache-Control"] = "no-store"
        return response
    tag = etag()
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        req, result = search_last_page(req, settings)
        record_search(req, result, "page")
        data = search_data(req, result, base, settings)
        context = page_context(req, data, base, settings)
        context["canonical_url"] = request.host_url.rstrip("/") + data["links"]["self"]
        response = _html(render_template("search.html", **context, **robots))
        if result.timed_out:  # cut short by the time budget: next time it may complete
            response.headers["Cache-Control"] = "no-store"
            return response
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CACHE_SECONDS"])
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    response = Response(status=301, headers={"Location": url_for("static", filename="favicon.svg")})
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
