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
from ..highlight import highlight_all
from ..models import PARAMS, Hit, SearchRequest, SearchResult
from ..params import PAGING_PARAMS
from ..query import parse_query
from ..search import hit_from_raw
from . import etag, get_engine, get_settings
from .atom import FEED_ENTRIES, atom_feed
from .messages import vietnamese_message
from .observe import record_search
from .views import (
    feed_url,
    hit_display,
    link,
    page_context,
    page_limits,
    safe_href,
    search_data,
    without,
)

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
        context["feed_url"] = feed_url(url_for(".feed"), req)
        context["export_url"] = feed_url(url_for("api.export"), req)
        for hit in context["hits"]:  # a result without its own URL opens its page here
            hit["href"] = hit["href"] or document_url(hit["id"], req.q)
        response = _html(render_template("search.html", **context, **robots))
        if result.timed_out:  # cut short by the time budget: next time it may complete
            response.headers["Cache-Control"] = "no-store"
            return response
    return _cached(response, tag)


def _cached(response: Response, tag: str) -> Response:
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


def document_url(doc_id: str, q: str = "", external: bool = False) -> str:
    """The link to a document's page (with the query, to highlight its words)."""
    return url_for("pages.document", doc_id=doc_id, q=q or None, _external=external)


@bp.get("/feed.atom")
def feed() -> Response:
    """An Atom feed of the newest matches of a search (the search page's parameters)."""
    raw = request.args.to_dict(flat=False)
    params = {k: v for k, v in raw.items() if k in PARAMS and k not in ("sort", *PAGING_PARAMS)}
    req = SearchRequest.from_params(params, get_settings())
    req.sort, req.per_page, req.facets = "newest", FEED_ENTRIES, False
    tag = etag()
    if request.if_none_match.contains_weak(tag):
        return _cached(Response(status=304), tag)
    result = get_engine().search(req)

    def entry_url(hit: Hit) -> str:
        href = safe_href(hit.url)
        return href if href and href.startswith("http") else document_url(hit.id, external=True)

    title = f"{req.q} – tin mới" if req.q else "Tin mới"
    page = link(url_for(".index", _external=True), without(req.to_params(), "sort", "per_page"))
    body = atom_feed(title, request.url, page, result.hits, entry_url)
    return _cached(Response(body, content_type="application/atom+xml; charset=utf-8"), tag)


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str) -> Response:
    """One document: title, date, author, places, its text with the query's
    words highlighted (``?q=``), and "Tin liên quan"."""
    settings = get_settings()
    q = (request.args.get("q") or "")[: settings.max_query_length]
    tag = etag()
    if request.if_none_match.contains_weak(tag):
        return _cached(Response(status=304), tag)
    engine = get_engine()
    raw = engine.get(doc_id)  # NotFound -> 404 page
    terms = parse_query(q).positive_terms() if q else []
    hit = hit_from_raw(raw, None, terms)
    text = (raw.get("description") if hit.type == "listing" else raw.get("body")) or ""
    related = [
        {"title": r.title, "href": safe_href(r.url) or document_url(r.id), "display": hit_display(r)}
        for r in engine.related(doc_id, 5)
    ]
    context = {
        "q": q,
        "doc": hit,
        "display": hit_display(hit),
        "places": ", ".join(p for p in (hit.ward, hit.district, hit.province) if p),
        "summary_html": highlight_all(raw.get("summary") or "", terms),
        "paragraphs": [highlight_all(p, terms) for p in text.split("\n") if p.strip()],
        "captions": [highlight_all(c, terms) for c in raw.get("captions") or []],
        "source_url": safe_href(hit.url),
        "back_url": url_for(".index", q=q) if q else None,
        "related": related,
        "search_hidden": [],
        **page_limits(settings),
    }
    return _cached(_html(render_template("document.html", **context)), tag)
