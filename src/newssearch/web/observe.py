"""What the service tells its operators: request ids, access lines, metrics, the query log.

Every request gets an id (the client's ``X-Request-ID`` when it sends a sane
one, else a new one), returned in ``X-Request-ID`` and carried by every log
line written while serving it. Every answer is counted in the Prometheus
metrics (:mod:`.metrics`, served on ``/metrics``) and logged as one access
line; every search is counted and appended to the query log
(:mod:`newssearch.querylog`).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, current_app, g, request

from ..config import Settings
from ..models import SearchRequest, SearchResult
from ..querylog import QUERY_LOG_NAME, QueryLog, entry
from . import metrics

__all__ = ["install", "record_search"]

#: Incoming request ids we keep: short, printable, no spaces (they end up in logs).
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("newssearch.access")


def install(app: Flask, settings: Settings) -> None:
    """Request ids, access lines and metrics on every request; ``/metrics``; the query log."""
    # First of all before_request functions, so that requests refused early are timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.extensions["newssearch.querylog"] = (
        QueryLog(settings.index_dir / QUERY_LOG_NAME, settings.query_log_max_bytes, settings.query_log_backups)
        if settings.query_log
        else None
    )
    if settings.metrics:
        app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


def _start() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = rid
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.observe_request(endpoint, request.method, response.status_code, seconds)
    access_log.info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "request_id": rid,
        },
    )
    return response


def record_search(req: SearchRequest, result: SearchResult, source: str) -> None:
    """Count a search run for the API (``source="api"``) or the page (``"page"``) and log it."""
    metrics.observe_search(source, result.total)
    log = current_app.extensions.get("newssearch.querylog")
    if isinstance(log, QueryLog):
        log.write(entry(req, result))


def metrics_view() -> Response:
    """Prometheus text format: this service's counters and the index gauges."""
    from . import stats_cached

    response = Response(metrics.exposition(stats_cached), mimetype=None)
    response.headers["Content-Type"] = metrics.CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
