"""Take a result list away: every match of a search as CSV or JSON Lines.

Used by ``GET /api/export`` and ``newssearch export``. Rows are produced from
:meth:`newssearch.search.Engine.iter_documents` one batch at a time, so an
export of the whole index streams in bounded memory. CSV opens correctly in
Excel: UTF-8 with a byte-order mark, CRLF line ends, a header row (the only
row when nothing matches).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

#: Columns of an export, in order.
EXPORT_FIELDS = ("id", "type", "title", "url", "published", "author", "category", "places", "views")
FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: The site's time zone: stored dates are local times in Vietnam.
UTC_OFFSET = "+07:00"
#: Rows per chunk written to the stream.
CHUNK_ROWS = 200


def with_offset(value: Any) -> str | None:
    """An ISO date-time with the site's UTC offset ("2022-06-17T00:00:00+07:00")."""
    if not value:
        return None
    text = str(value)
    if "T" not in text:
        text += "T00:00:00"
    tail = text[10:]
    if tail.endswith("Z") or "+" in tail or "-" in tail:
        return text
    return text + UTC_OFFSET


def export_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The export fields of one stored document."""
    is_listing = raw.get("type") == "listing"
    places = [p for p in (raw.get("ward"), raw.get("district"), raw.get("province")) if p]
    return {
        "id": raw.get("id"),
        "type": raw.get("type"),
        "title": raw.get("title"),
        "url": raw.get("url"),
        "published": with_offset(raw.get("posted") if is_listing else raw.get("published")),
        "author": raw.get("author"),
        "category": raw.get("category"),
        "places": ", ".join(places) or None,
        "views": raw.get("views"),
    }


def iter_csv(documents: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """CSV text in chunks: BOM and header first, then the rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(EXPORT_FIELDS)
    for n, raw in enumerate(documents, 1):
        row = export_row(raw)
        writer.writerow(["" if row[f] is None else row[f] for f in EXPORT_FIELDS])
        if n % CHUNK_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def iter_jsonl(documents: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """JSON Lines in chunks: one object per document (nothing when nothing matches)."""
    lines: list[str] = []
    for raw in documents:
        lines.append(json.dumps(export_row(raw), ensure_ascii=False) + "\n")
        if len(lines) >= CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def iter_export(documents: Iterable[Mapping[str, Any]], fmt: str) -> Iterator[str]:
    """The export of ``documents`` in ``fmt`` (one of :data:`FORMATS`), in chunks."""
    return iter_csv(documents) if fmt == "csv" else iter_jsonl(documents)
