"""The OpenAPI 3.1 description of the HTTP API, served at ``/api/openapi.json``.

Built from what the code validates with (the table of search parameters in
:mod:`newssearch.params`, ``Settings`` limits), so the description cannot
drift from the behaviour silently; ``tests/test_web.py`` checks every route
and parameter is described and validates the document.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..budget import AUTOCOMPLETE_WORDS, MAX_EXCLUDED, MAX_PHRASES, MAX_TERMS
from ..config import Settings
from ..export import FORMATS
from ..params import RANGE_PAIRS, SORTS, TYPES, openapi_parameters, or_blank

#: Gunicorn's largest request line (``server.REQUEST_LINE_LIMIT``; not imported, to keep gunicorn out).
REQUEST_LINE_LIMIT = 8190


def _nullable(schema_type: str, **extra: Any) -> dict[str, Any]:
    return {"type": [schema_type, "null"], **extra}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema_ref: str, description: str, cached: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }
    if cached:
        out["headers"] = {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
        }
    return out


def _responses(ok: dict[str, Any], *, cached: bool = True, not_found: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"200": ok}
    if cached:
        out["304"] = {
            "description": "Not modified: the `If-None-Match` tag matches (same index version, same URL).",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        }
    out["400"] = {"$ref": "#/components/responses/BadRequest"}
    if not_found:
        out["404"] = {"$ref": "#/components/responses/NotFound"}
    out["413"] = {"$ref": "#/components/responses/TooLarge"}
    out["414"] = {"$ref": "#/components/responses/RequestLineTooLong"}
    out["503"] = {"$ref": "#/components/responses/Unavailable"}
    return out


def _rate_limited(responses: dict[str, Any], rate: str) -> dict[str, Any]:
    """``responses`` plus the 429 a client over ``rate`` gets (none when no limit is set)."""
    return {**responses, "429": {"$ref": "#/components/responses/TooManyRequests"}} if rate else responses


_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An `ETag` from an earlier response: 304 when the answer has not changed.",
    "schema": {"type": "string"},
}
_LIMIT = {
    "name": "limit",
    "in": "query",
    "description": "How many items to return, 1 to 20.",
    "schema": or_blank({"type": "integer", "minimum": 1, "maximum": 20}),
}
_DOC_ID = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "A document id, as in search hits (`id`).",
    "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
}

_HIT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "type": {"type": "string", "enum": list(TYPES)},
    "title": {"type": "string"},
    "title_html": {"type": "string", "description": "Title, HTML-escaped, query words in `<mark>`."},
    "url": _nullable("string"),
    "snippet": {"type": "string", "description": "Excerpt, HTML-escaped, query words in `<mark>`."},
    "published": _nullable("string", description="ISO date-time (articles: published; listings: posted)."),
    "category": _nullable("string"),
    "author": _nullable("string"),
    "province": _nullable("string"),
    "district": _nullable("string"),
    "ward": _nullable("string"),
    "districts": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Every pre-2025 district of the place (a 2025 ward may span several).",
    },
    "province_2025": _nullable("string", description="Province under the 2025 layout."),
    "ward_2025": _nullable("string", description="Ward under the 2025 layout."),
    "property_type": _nullable("string"),
    "transaction": _nullable("string"),
    "price_vnd": _nullable("number"),
    "price_text": _nullable("string"),
    "area_m2": _nullable("number"),
    "bedrooms": _nullable("integer"),
    "views": _nullable("integer"),
    "score": _nullable("number"),
    "price_per_m2_vnd": _nullable("number", description="Sale price per m² (listings for sale)."),
    "price_min_vnd": _nullable("number", description="Lower end of a price written as a range."),
    "price_max_vnd": _nullable("number", description="Upper end of a price written as a range."),
    "direction": _nullable("string"),
    "legal_status": _nullable("string"),
    "project": _nullable("string"),
    "image_url": _nullable("string"),
}


def _schemas(settings: Settings) -> dict[str, Any]:
    string_or_null = _nullable("string")
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message", "param"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"type": "integer", "description": "The HTTP status, repeated."},
                        "message": {"type": "string", "description": "What is wrong and how to fix it."},
                        "param": _nullable("string", description="The offending parameter, if any."),
                    },
                }
            },
        },
        "FacetValue": {
            "type": "object",
            "required": ["value", "label", "count", "selected", "toggle_url"],
            "properties": {
                "value": {
                    "type": "string",
                    "description": (
                        "Keyword facets: the value to filter by. `price`/`area`: a band `min..max` "
                        "(open ends empty) that sets `price_min`/`price_max`. `bedrooms`: N = at least N."
                    ),
                },
                "label": {"type": "string"},
                "count": {"type": "integer", "minimum": 0},
                "selected": {"type": "boolean"},
                "toggle_url": _nullable(
                    "string", description="This endpoint with the value toggled (multi-select), page reset."
                ),
            },
        },
        "Hit": {
            "type": "object",
            "required": list(_HIT_PROPERTIES),
            "properties": {
                **_HIT_PROPERTIES,
                "display": {
                    "type": "object",
                    "description": "Vietnamese display strings (search results only).",
                    "properties": {
                        k: string_or_null
                        for k in ("type", "date", "place", "category", "price", "area", "bedrooms", "views")
                    },
                },
            },
        },
        "SearchResult": {
            "type": "object",
            "required": [
                "query", "total", "page", "per_page", "relaxed", "sort", "hits", "facets",
                "suggestion", "corrected", "recognized", "took_ms", "pages", "links", "facet_errors", "limits",
                "timed_out", "ignored", "nearest", "notes",
            ],
            "properties": {
                "query": {"type": "string"},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": settings.max_per_page},
                "pages": {"type": "integer", "minimum": 1, "description": "Last reachable page."},
                "relaxed": {
                    "type": "boolean",
                    "description": "True when no document had every word and any-word matches are shown.",
                },
                "sort": {"type": "string", "enum": list(SORTS)},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {
                    "type": "object",
                    "description": (
                        "Facet name (type, category, author, province, district, ward, property_type, "
                        "transaction, ward_2025, province_2025, direction, legal_status, project, year, month, "
                        "price (sale prices), price_rent (monthly rents; only when there are rentals), area, "
                        "price_per_m2, bedrooms) -> values with counts. `month`: `YYYY-MM`, oldest first "
                        "(coverage over time); its toggle sets `date_from`/`date_to`."
                    ),
                    "additionalProperties": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/FacetValue"},
                    },
                },
                "facet_errors": {
                    "type": "object",
                    "description": "Facets that could not be computed (the rest are still served).",
                    "additionalProperties": {"type": "string"},
                },
                "suggestion": _nullable("string", description="Did you mean (Có phải bạn muốn tìm)."),
                "timed_out": {
                    "type": "boolean",
                    "description": (
                        f"True when the time budget ({settings.search_budget:g} s of work, "
                        "`NEWSSEARCH_SEARCH_BUDGET`) ran out: the hits are what was found by then "
                        "(later words, phrase positions, exclusions or the any-word retry may be "
                        "missing). Such answers are not cached."
                    ),
                },
                "ignored": {
                    "type": "object",
                    "description": (
                        f"Query parts over the caps, ignored: distinct words beyond {MAX_TERMS}, "
                        f"phrases beyond {MAX_PHRASES}, exclusions beyond {MAX_EXCLUDED} "
                        "(repeats are not counted). Empty when nothing was ignored."
                    ),
                    "properties": {
                        k: {"type": "integer", "minimum": 1} for k in ("terms", "phrases", "excluded")
                    },
                    "additionalProperties": False,
                },
                "nearest": _nullable(
                    "string",
                    description=(
                        "When no listing met every filter read from the query: what was missing, and the "
                        "nearest reading the hits show instead (the price band above...)."
                    ),
                ),
                "notes": {
                    "type": "array",
                    "description": "Parts of the query that were ignored or read as plain text, explained (Vietnamese).",
                    "items": {"type": "string"},
                },
                "partial": {
                    "type": "boolean",
                    "const": True,
                    "description": (
                        "Only under `serve --ray`, when an index shard did not answer within "
                        "`ray_shard_timeout`: the hits, total and facets are the other shards'."
                    ),
                },
                "partial_shards": {
                    "type": "array",
                    "description": "With `partial`: the shards (numbered from 0) left out.",
                    "items": {"type": "integer", "minimum": 0},
                },
                "corrected": _nullable(
                    "string",
                    description=(
                        "The corrected query whose results are shown (Đang hiển thị kết quả cho …), "
                        "when the query as typed found nothing good; `links.verbatim` searches it as typed."
                    ),
                ),
                "recognized": {
                    "type": "array",
                    "description": (
                        "Places recognised in the query, and the listing filters read from it (`level` "
                        "price, area, bedrooms, transaction, property_type, direction, legal_status, with "
                        "`label`, `min`, `max`, `value`)."
                    ),
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "level": {"type": "string"},
                            "province": string_or_null,
                            "district": string_or_null,
                            "ward": string_or_null,
                            "districts": {"type": "array", "items": {"type": "string"}},
                            "province_2025": string_or_null,
                            "ward_2025": string_or_null,
                            "label": {"type": "string"},
                            "min": _nullable("number"),
                            "max": _nullable("number"),
                            "value": string_or_null,
                        },
                    },
                },
                "took_ms": {"type": "number", "minimum": 0},
                "links": {
                    "type": "object",
                    "required": ["self", "prev", "next", "suggestion", "verbatim"],
                    "properties": {
                        "self": {"type": "string"},
                        "prev": string_or_null,
                        "next": string_or_null,
                        "suggestion": string_or_null,
                        "verbatim": string_or_null,
                    },
                },
                "limits": {"$ref": "#/components/schemas/Limits"},
            },
        },
        "Limits": {
            "type": "object",
            "required": ["max_query_length", "max_per_page", "max_result_window"],
            "properties": {
                "max_query_length": {"type": "integer", "const": settings.max_query_length},
                "max_per_page": {"type": "integer", "const": settings.max_per_page},
                "max_result_window": {"type": "integer", "const": settings.max_result_window},
            },
        },
        "Suggestions": {
            "type": "object",
            "required": ["query", "suggestions", "timed_out"],
            "properties": {
                "query": {"type": "string"},
                "timed_out": {
                    "type": "boolean",
                    "description": "True when the time budget ran out and the list may be incomplete (not cached).",
                },
                "suggestions": {
                    "type": "array",
                    "maxItems": 20,
                    "items": {
                        "type": "object",
                        "required": ["text", "kind"],
                        "properties": {
                            "text": {"type": "string"},
                            "kind": {
                                "type": "string",
                                "enum": ["phrase", "title"],
                                "description": "`phrase`: a query completion; `title`: a document.",
                            },
                            "count": {"type": "integer"},
                            "id": {"type": "string"},
                            "type": {"type": "string", "enum": list(TYPES)},
                            "url": string_or_null,
                        },
                    },
                },
            },
        },
        "Document": {
            "type": "object",
            "description": "The stored document: an article or a listing, with all its fields.",
            "required": ["id", "type", "title"],
            "properties": {
                "id": {"type": "string"},
                "type": {"type": "string", "enum": list(TYPES)},
                "title": {"type": "string"},
                "url": string_or_null,
            },
            "additionalProperties": True,
        },
        "WriteReport": {
            "type": "object",
            "required": ["counts", "errors", "records", "took_ms"],
            "properties": {
                "counts": {
                    "type": "object",
                    "description": "How many records ended in each status.",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
                "errors": {"type": "integer", "minimum": 0, "description": "Records that could not be read."},
                "records": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["index", "status"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0, "description": "Position in the body, from 0."},
                            "status": {
                                "type": "string",
                                "enum": ["created", "replaced", "unchanged", "deleted", "not_found", "error"],
                            },
                            "id": {"type": "string"},
                            "type": {"type": "string", "enum": list(TYPES)},
                            "line": {"type": "integer", "description": "JSON Lines: the record's line."},
                            "message": {"type": "string", "description": "Why the record could not be read."},
                            "warnings": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
                "took_ms": {"type": "number", "minimum": 0},
            },
        },
        "Related": {
            "type": "object",
            "required": ["id", "hits"],
            "properties": {
                "id": {"type": "string"},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            },
        },
        "Stats": {
            "type": "object",
            "required": ["documents", "by_type", "schema_version"],
            "properties": {
                "generation": {"type": "string"},
                "documents": {"type": "integer", "minimum": 0},
                "by_type": {
                    "type": "object",
                    "properties": {t: {"type": "integer", "minimum": 0} for t in TYPES},
                },
                "segments": {"type": "integer"},
                "size_bytes": {"type": "integer"},
                "schema_version": {"type": "integer"},
                "created": string_or_null,
                "updated": string_or_null,
                "fields": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "index", "documents", "schema_version", "version"],
            "properties": {
                "status": {"type": "string", "const": "ok"},
                "index": {"type": "string", "const": "open"},
                "documents": {"type": "integer", "minimum": 0},
                "schema_version": {"type": "integer"},
                "version": {"type": "string", "description": "Changes whenever the index changes."},
                "updated": string_or_null,
            },
        },
    }


_WRITE_NOTE = (
    " Needs `Authorization: Bearer <key>` with the `write` (or `admin`) scope; answers 404 while the "
    "server has no such key (writing is off). The answer comes once the change is committed and on "
    "disk; searches see it on their next request. A request waits for another writer up to a limit, "
    "then gets 503 with `Retry-After`."
)


def _write_responses(ok: str, max_write_bytes: int) -> dict[str, Any]:
    report = {"application/json": {"schema": {"$ref": "#/components/schemas/WriteReport"}}}
    return {
        "200": {"description": ok, "content": report},
        "207": {
            "description": "Some records could not be read (status `error`, with the reason); the others were written.",
            "content": report,
        },
        "400": _error_response("No record could be read (the reasons are in `message`), or a bad parameter."),
        "401": _error_response("No API key, or a wrong or revoked one."),
        "403": _error_response("The key's scope does not allow writing."),
        "404": _error_response("Writing is off: no API key with the write scope exists."),
        "413": _error_response(f"The body is over {max_write_bytes} bytes: send smaller batches."),
        "415": _error_response("The body is not `application/json` or JSON Lines (`application/x-ndjson`)."),
        "503": _error_response("Another writer held the index too long; retry after `Retry-After` seconds."),
    }


def _write_paths(settings: Settings) -> dict[str, Any]:
    """``POST /api/documents``, ``DELETE /api/documents/{doc_id}``, ``POST /api/documents/delete``."""
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    upsert = {
        "operationId": "upsertDocuments",
        "summary": "Add or replace documents by id",
        "description": (
            "One document, an array, or `{\"articles\": [...], \"listings\": [...]}` as JSON; or one "
            "document a line as JSON Lines. The fields are those of `newssearch index` input (a record "
            "with `\"deleted\": true` deletes). Each record's outcome is listed in order." + _WRITE_NOTE
        ),
        "security": security,
        "parameters": [
            {
                "name": "type",
                "in": "query",
                "description": "Type of records that have no `type` field (otherwise guessed from their fields).",
                "schema": {"type": "string", "enum": list(TYPES)},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Document"},
                            {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Document"}},
                        ]
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string", "description": "One JSON document a line."}},
            },
        },
        "responses": _write_responses("Every record was written (or was unchanged).", settings.max_write_bytes),
    }
    delete_one = {
        "operationId": "deleteDocument",
        "summary": "Delete one document",
        "description": "The id may contain any character, `/` included." + _WRITE_NOTE,
        "security": security,
        "parameters": [{**_DOC_ID, "schema": {"type": "string", "minLength": 1}}],
        "responses": {
            **_write_responses("The document was deleted.", settings.max_write_bytes),
            "404": _error_response("No document with this id, or writing is off."),
        },
    }
    delete_many = {
        "operationId": "deleteDocuments",
        "summary": "Delete several documents",
        "description": "Each id's outcome (`deleted` or `not_found`) is listed in order." + _WRITE_NOTE,
        "security": security,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["ids"],
                        "properties": {"ids": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
                    }
                }
            },
        },
        "responses": _write_responses("Every id was deleted or was not there.", settings.max_write_bytes),
    }
    return {"upsert": upsert, "delete_one": delete_one, "delete_many": delete_many}


def openapi_spec(settings: Settings, max_url_bytes: int = 8000, max_body_bytes: int = 16384) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``settings`` and the app's size limits."""
    no_params_note = " Takes no query parameters (unknown ones are a 400)."
    ranges = ", ".join(f"`{low}` ≤ `{high}`" for low, high in RANGE_PAIRS)
    writes = _write_paths(settings)
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "newssearch",
            "version": __version__,
            "description": (
                "Vietnamese full-text search over news articles (Tin tức) and property listings "
                "(Nhà đất): accent-insensitive, faceted. Errors always have the shape "
                '`{"error": {"status", "message", "param"}}`. Unknown query parameters are rejected '
                "(400); empty ones are ignored, as HTML forms send them for empty fields. Values that "
                f"depend on each other are checked too (400): {ranges}. "
                f"Limits: query at most {settings.max_query_length} characters, per_page at most "
                f"{settings.max_per_page}, page × per_page at most {settings.max_result_window}; "
                f"request URL at most {max_url_bytes} bytes and body at most {max_body_bytes} bytes "
                f"(413; the write API takes bodies up to {settings.max_write_bytes} bytes). The write API (POST and "
                "DELETE under `/api/documents`) needs an API key with the write scope; other methods than "
                "GET/HEAD/OPTIONS get 405 with an `Allow` header. Responses carry an `ETag` tied to "
                "the index version; CORS is enabled for the configured site origins."
            ),
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search articles and listings",
                    "parameters": [*openapi_parameters(settings), _IF_NONE_MATCH],
                    "responses": _rate_limited(
                        _responses(_ok("SearchResult", "Hits, facets with counts, links.")), settings.rate_limit_search
                    ),
                }
            },
            "/api/export": {
                "get": {
                    "operationId": "export",
                    "summary": "Every match of a search as CSV or JSON Lines",
                    "description": (
                        "The parameters of `/api/search` but `page` and `per_page` (every match is "
                        "streamed, not only the first 10,000; giving them is a 400) plus `format`. Columns: id, type, title, url, "
                        "published (with +07:00), author, category, places, views. CSV is UTF-8 with a BOM "
                        "(opens in Excel); no match gives the header row only."
                    ),
                    "parameters": [
                        *openapi_parameters(settings, paging=False),
                        {
                            "name": "format",
                            "in": "query",
                            "description": "`csv` (default) or `jsonl`.",
                            "schema": or_blank({"type": "string", "enum": list(FORMATS)}),
                        },
                    ],
                    "responses": {
                        **_responses({}, cached=False),
                        "200": {
                            "description": "The export, streamed.",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/x-ndjson": {"schema": {"type": "string"}},
                            },
                        },
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Autocomplete a partial query",
                    "description": (
                        "Frequent phrases, then matching titles. Empty `q` returns no suggestions. "
                        f"Only the last {AUTOCOMPLETE_WORDS} words of `q` are used."
                    ),
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "description": f"What was typed so far (at most {settings.max_query_length} characters).",
                            "schema": {"type": "string", "maxLength": settings.max_query_length},
                        },
                        {**_LIMIT, "description": "How many suggestions, 1 to 20 (default 8)."},
                        _IF_NONE_MATCH,
                    ],
                    "responses": _rate_limited(
                        _responses(_ok("Suggestions", "Suggestions, best first.")), settings.rate_limit_suggest
                    ),
                }
            },
            "/api/documents/{doc_id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One stored document",
                    "description": "Takes no query parameters (unknown ones are a 400).",
                    "parameters": [_DOC_ID, _IF_NONE_MATCH],
                    "responses": _responses(_ok("Document", "The document."), not_found=True),
                },
                "delete": writes["delete_one"],
            },
            "/api/documents": {"post": writes["upsert"]},
            "/api/documents/delete": {"post": writes["delete_many"]},
            "/api/documents/{doc_id}/related": {
                "get": {
                    "operationId": "relatedDocuments",
                    "summary": "Documents similar to one document (Tin liên quan)",
                    "parameters": [
                        _DOC_ID,
                        {**_LIMIT, "description": "How many documents, 1 to 20 (default 5)."},
                        _IF_NONE_MATCH,
                    ],
                    "responses": _responses(_ok("Related", "Similar documents, same type."), not_found=True),
                }
            },
            "/api/stats": {
                "get": {
                    "operationId": "stats",
                    "summary": "Index statistics",
                    "description": "Counts by type, size, schema version, last update." + no_params_note,
                    "parameters": [_IF_NONE_MATCH],
                    "responses": _responses(_ok("Stats", "Index statistics.")),
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "description": no_params_note.strip(),
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "400": {"$ref": "#/components/responses/BadRequest"},
                        "413": {"$ref": "#/components/responses/TooLarge"},
                        "414": {"$ref": "#/components/responses/RequestLineTooLong"},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness and readiness",
                    "description": "200 when the index is open; 503 when there is no usable index yet."
                    + no_params_note,
                    "responses": {
                        "200": {
                            "description": "The index is open.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                            },
                        },
                        "400": {"$ref": "#/components/responses/BadRequest"},
                        "413": {"$ref": "#/components/responses/TooLarge"},
                        "414": {"$ref": "#/components/responses/RequestLineTooLong"},
                        "503": {"$ref": "#/components/responses/Unavailable"},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `newssearch keys create --scope search|write|admin`.",
                }
            },
            "schemas": _schemas(settings),
            "headers": {
                "ETag": {
                    "description": "Weak tag over the index version and the URL; send it back in `If-None-Match`.",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {"description": "`public, max-age=60`.", "schema": {"type": "string"}},
            },
            "responses": {
                "BadRequest": _error_response(
                    "A bad parameter: `param` names it and `message` says why (unknown parameter, "
                    "wrong type, out of range, page too deep, query too long...)."
                ),
                "NotFound": _error_response("No document with this id."),
                "TooManyRequests": {
                    **_error_response("This client sent more requests than the configured per-client limit."),
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until the client may send again.",
                            "schema": {"type": "integer"},
                        }
                    },
                },
                "TooLarge": _error_response(
                    f"The request is too large: URL over {max_url_bytes} bytes or body over "
                    f"{max_body_bytes} bytes."
                ),
                "RequestLineTooLong": {
                    "description": (
                        f"The request line is over {REQUEST_LINE_LIMIT} bytes: gunicorn (`newssearch serve`) "
                        "refuses it before the application sees it, with a small HTML page rather than "
                        f"the JSON error shape. Between {max_url_bytes} and {REQUEST_LINE_LIMIT} bytes "
                        "the application answers 413 itself."
                    ),
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                "Unavailable": _error_response(
                    "No index yet (or it was built by another schema version): build one with "
                    "`newssearch index`."
                ),
            },
        },
    }
    if settings.require_search_key:
        # Searching needs a key too; the description and the health check stay open.
        spec["security"] = [{"bearerAuth": []}]
        for path in ("/api/openapi.json", "/healthz"):
            spec["paths"][path]["get"]["security"] = []
    return spec
