"""The JSON API blueprint: search, suggest, documents, related, stats, health, OpenAPI.

Every answer that depends on the index carries ``ETag`` (over the index
version and the URL) and ``Cache-Control``; a matching ``If-None-Match`` gets
a 304 before any searching is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from ..budget import Deadline
from ..errors import BadRequest
from ..export import FORMATS, MEDIA_TYPES, iter_export
from ..models import SearchRequest
from ..params import PAGING_PARAMS
from . import etag, get_engine, get_settings, stats_cached
from .observe import record_search
from .openapi import openapi_spec
from .views import search_data

bp = Blueprint("api", __name__, url_prefix="/api")
health_bp = Blueprint("health", __name__)

#: Largest ``limit`` for suggest and related.
MAX_LIMIT = 20
#: Statistics fields not published over HTTP (server paths).
PRIVATE_STATS = ("index_dir",)


def cached(build: Callable[[], Any]) -> Response:
    """A JSON response with ETag/Cache-Control; 304 when the client's copy is current.

    An answer cut short by the time budget (``"timed_out": true``) is not
    cached: the same request may well complete next time."""
    tag = etag()
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        data = build()
        response = jsonify(data)
        if isinstance(data, dict) and data.get("timed_out"):
            response.cache_control.no_store = True
            return response
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CACHE_SECONDS"])
    return response


def only_params(*names: str) -> dict[str, list[str]]:
    """The query parameters, rejecting unknown ones (typos must not be ignored silently)."""
    params = request.args.to_dict(flat=False)
    for name in params:
        if name not in names:
            known = f"known parameters: {', '.join(names)}" if names else "it takes no parameters"
            raise BadRequest(f"unknown parameter {name!r}; {known}", param=name)
    return params


def single(params: dict[str, list[str]], name: str) -> str | None:
    """One value of ``name`` (repeating it with different values is an error)."""
    values = [v for v in params.get(name, []) if v.strip()]
    if len(set(values)) > 1:
        raise BadRequest(f"{name} was given {len(values)} times; give it once", param=name)
    return values[0].strip() if values else None


def limit_param(params: dict[str, list[str]], default: int) -> int:
    """``limit``: a whole number from 1 to :data:`MAX_LIMIT`."""
    raw = single(params, "limit")
    if raw is None:
        return default
    try:
        number = float(raw)  # "5.0" is a whole number too (JSON Schema's integer)
    except ValueError:
        number = math.nan
    if not number.is_integer():
        raise BadRequest(f"limit must be a whole number, not {raw!r}", param="limit")
    n = int(number)
    if not 1 <= n <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {n}", param="limit")
    return n


@bp.get("/search")
def search() -> Response:
    """Full-text search with filters, facets, sort and paging."""
    settings = get_settings()
    req = SearchRequest.from_params(request.args.to_dict(flat=False), settings)

    def build() -> dict[str, Any]:
        result = get_engine().search(req)
        record_search(req, result, "api")
        return search_data(req, result, url_for(".search"), settings)

    return cached(build)


@bp.get("/export")
def export() -> Response:
    """Every match of a search (not one page) as CSV (``format=csv``, the
    default) or JSON Lines (``format=jsonl``), streamed."""
    settings = get_settings()
    params = request.args.to_dict(flat=False)
    fmt = single(params, "format") or "csv"
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}", param="format")
    params.pop("format", None)
    for name in PAGING_PARAMS:
        if name in params:
            raise BadRequest(f"an export has every match: {name} does not apply", param=name)
    req = SearchRequest.from_params(params, settings)
    documents = get_engine().iter_documents(req)
    response = Response(stream_with_context(iter_export(documents, fmt)), content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="newssearch-export.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/suggest")
def suggest() -> Response:
    """Autocomplete for a partial query (one call per keystroke)."""
    params = only_params("q", "limit")
    q = single(params, "q") or ""
    max_len = get_settings().max_query_length
    if len(q) > max_len:
        raise BadRequest(f"the query is {len(q)} characters long; the limit is {max_len}", param="q")
    limit = limit_param(params, 8)

    def build() -> dict[str, Any]:
        # The engine may return up to ``limit`` phrases plus ``limit`` titles: keep ``limit``.
        deadline = Deadline(get_settings().search_budget)
        items = get_engine().suggest(q, limit, deadline)[:limit] if q else []
        return {"query": q, "suggestions": items, "timed_out": deadline.timed_out}

    return cached(build)


@bp.get("/documents/<doc_id:doc_id>")
def document(doc_id: str) -> Response:
    """One stored document."""
    only_params()
    return cached(lambda: get_engine().get(doc_id))


@bp.get("/documents/<path:doc_id>/related")
def related(doc_id: str) -> Response:
    """Documents most similar to one document ("Tin liên quan")."""
    params = only_params("limit")
    limit = limit_param(params, 5)

    def build() -> dict[str, Any]:
        hits = get_engine().related(doc_id, limit)
        return {"id": doc_id, "hits": [h.to_dict() for h in hits]}

    return cached(build)


@bp.get("/stats")
def stats() -> Response:
    """Counts by type, size on disk, schema version, last update."""
    only_params()

    def build() -> dict[str, Any]:
        data = stats_cached()
        for key in PRIVATE_STATS:
            data.pop(key, None)
        return data

    return cached(build)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    only_params()
    config = current_app.config
    spec = openapi_spec(
        get_settings(),
        max_url_bytes=int(config["MAX_URL_BYTES"]),
        max_body_bytes=int(config["MAX_CONTENT_LENGTH"]),
    )
    response = jsonify(spec)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CACHE_SECONDS"])
    return response


@health_bp.get("/healthz")
def healthz() -> Response:
    """200 when the index is open (with its document count), 503 when there is none."""
    only_params()
    data = stats_cached()  # IndexUnavailable -> 503 in the error shape
    version = get_engine().version()
    response = jsonify(
        {
            "status": "ok",
            "index": "open",
            "documents": data.get("documents"),
            "schema_version": data.get("schema_version"),
            "version": version,
            "updated": data.get("updated"),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
