"""The write API: a site's CMS adds, replaces and deletes documents over HTTP.

* ``POST /api/documents``: one JSON document, a JSON array (or
  ``{"articles": [...], "listings": [...]}``) with ``Content-Type:
  application/json``, or JSON Lines with ``application/x-ndjson`` (or
  ``application/jsonl``). Documents are upserted by id.
* ``DELETE /api/documents/<id>``: one document; the id may hold any
  character, ``/`` included.
* ``POST /api/documents/delete`` with ``{"ids": [...]}``: several.

Every endpoint needs ``Authorization: Bearer <key>`` with the ``write`` scope
and answers 404 while no such key exists (writing is off, never open). The
order of refusals: 404 (off), 401 (no, wrong or revoked key), 403 (weaker
scope), 413 (body too large), 415 (not JSON / JSON Lines), 400 (unreadable
body, or no record usable). Floods (429) are the rate limiter's business: it
wraps this blueprint like the search API, and can count per key through
``g.api_key``.

A batch is written in one commit under the indexer lock (a request waits up
to ``Settings.write_lock_timeout`` for another writer, then gets 503 with
``Retry-After``). The answer comes after the commit is on disk, and every
worker's engine sees the new index version on its next request. It lists
each record's outcome: 200 when all were usable, 207 when some were not (the
others are written), 400 in the error shape when none was.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..batch import BatchReport, BodyFormat, apply_batch, deletions, read_body
from ..errors import BadRequest, Busy, IndexLocked, NotFound, UnsupportedMediaType
from ..indexer import IndexStore
from ..ingest import IngestItem
from . import get_settings
from .auth import require, require_writes_enabled

__all__ = ["JSON_LINES_TYPES", "RETRY_AFTER_SECONDS", "bp"]

bp = Blueprint("write", __name__, url_prefix="/api")

#: Content types read as JSON Lines (``application/json`` is read as JSON).
JSON_LINES_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines"}
)
#: What a 503 asks the client to wait before retrying, in seconds.
RETRY_AFTER_SECONDS = 5
#: Most ids in one batch delete.
MAX_DELETE_IDS = 10_000
#: How many record errors the 400 message quotes when no record was usable.
QUOTED_ERRORS = 5


@bp.before_request
def _authorize() -> None:
    """Off (404) without a write key; then 401/403 for the request's key."""
    require_writes_enabled()
    require("write")


@bp.post("/documents")
def upsert() -> Response:
    """Add or replace documents by id; a per-record report."""
    fmt = _body_format()
    only_type = _type_param()
    items = read_body(_body(), fmt, only_type)
    return _answer(_apply(items))


@bp.delete("/documents/<doc_id:doc_id>")
def delete(doc_id: str) -> Response:
    """Delete one document (404 when there is none with this id)."""
    for name in request.args:
        raise BadRequest(f"unknown parameter {name!r}; it takes no parameters", param=name)
    report = _apply(deletions([doc_id]))
    result = report.records[0]
    if not result.ok:
        raise BadRequest(result.message or "not a usable id", param="doc_id")
    if result.status == "not_found":
        raise NotFound(f"no document with id {result.id!r}", param="doc_id")
    return jsonify(report.to_dict())


@bp.post("/documents/delete")
def delete_many() -> Response:
    """Delete several documents: ``{"ids": [...]}``; a per-id report."""
    if _body_format() != "json":
        raise UnsupportedMediaType(
            'send the ids as JSON: Content-Type: application/json, body {"ids": ["id1", "id2"]}',
            param="Content-Type",
        )
    try:
        data = json.loads(_body())
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"invalid JSON: {exc}", param="body") from None
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not ids:
        raise BadRequest('expected a JSON object {"ids": ["id1", "id2"]} with at least one id', param="ids")
    if len(ids) > MAX_DELETE_IDS:
        raise BadRequest(f"{len(ids)} ids in one request; at most {MAX_DELETE_IDS}", param="ids")
    return _answer(_apply(deletions(ids)))


def _type_param() -> str | None:
    unknown = [k for k in request.args if k != "type"]
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; known parameters: type", param=unknown[0])
    return request.args.get("type") or None


def _body_format() -> BodyFormat:
    """JSON or JSON Lines, by Content-Type; 415 for anything else."""
    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the body must be UTF-8, not {charset}", param="Content-Type")
    if mimetype == "application/json":
        return "json"
    if mimetype in JSON_LINES_TYPES:
        return "jsonl"
    got = f"got {mimetype!r}" if mimetype else "no Content-Type was sent"
    raise UnsupportedMediaType(
        f"send JSON (Content-Type: application/json) or JSON Lines (application/x-ndjson); {got}",
        param="Content-Type",
    )


def _body() -> bytes:
    """The request body (at most ``max_write_bytes``: larger is a 413), checked to be UTF-8."""
    limit = get_settings().max_write_bytes
    # A chunked body has no Content-Length: Werkzeug then stops reading at the limit without an
    # error, so read one byte more and see whether it was there.
    request.max_content_length = limit + 1
    body = request.get_data(cache=True)
    if len(body) > limit:
        raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
    if not body.strip():
        raise BadRequest("the request body is empty; send one document, an array, or JSON Lines", param="body")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})", param="body") from None
    return body


def _apply(items: list[IngestItem]) -> BatchReport:
    settings = get_settings()
    try:
        report = apply_batch(IndexStore(settings.index_dir), items, lock_timeout=settings.write_lock_timeout)
    except IndexLocked:
        raise Busy(
            f"another writer has held the index for over {settings.write_lock_timeout:g} s; "
            f"nothing was written, try again in {RETRY_AFTER_SECONDS} s",
            retry_after=RETRY_AFTER_SECONDS,
        ) from None
    return report


def _answer(report: BatchReport) -> Response:
    """200 all usable, 207 some not, 400 (error shape) none usable."""
    if not report.records:
        raise BadRequest("the body holds no records", param="body")
    if report.errors == len(report.records):
        quoted = "; ".join(
            ("" if len(report.records) == 1 else f"record {r.index}: ")
            + (f"line {r.line}: " if r.line else "") + (r.message or "")
            for r in report.records[:QUOTED_ERRORS]
        )
        more = f"; and {len(report.records) - QUOTED_ERRORS} more" if len(report.records) > QUOTED_ERRORS else ""
        raise BadRequest(f"no record could be indexed, nothing was written: {quoted}{more}", param="body")
    body: dict[str, Any] = report.to_dict()
    response = jsonify(body)
    response.status_code = 207 if report.errors else 200
    response.headers["Cache-Control"] = "no-store"
    return response
