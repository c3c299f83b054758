"""JSON Lines (streamed, one record per line) and JSON (array or object) readers.

Files are read by path; :func:`read_jsonl_stream` and :func:`read_json_stream`
read the same formats from an open binary stream (standard input, an HTTP
request body), with the same problems reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from newssearch.documents import DocType
from newssearch.ingest.base import IngestItem, LineSource, Problem, items_from_record

__all__ = ["MAX_JSON_BYTES", "read_json", "read_json_stream", "read_jsonl", "read_jsonl_stream"]

#: A ``.json`` document is parsed whole; larger ones must be JSON Lines.
MAX_JSON_BYTES = 512 * 1024 * 1024
#: Keys of a wrapping object whose list holds the records ({"articles": [...]}).
_CONTAINERS: dict[str, DocType | None] = {
    "articles": "article",
    "listings": "listing",
    "items": None,
    "records": None,
    "data": None,
    "documents": None,
}


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"invalid JSON: {exc.msg} (column {exc.colno})"


def read_jsonl(path: Path, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """One record per line; blank lines ignored; a bad line is a Problem naming it."""
    src = LineSource(path)
    return _jsonl_items(src.lines(), str(path), doc_type, src.take_problems)


def read_jsonl_stream(stream: IO[bytes], name: str, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """:func:`read_jsonl` over an open binary stream; ``name`` stands for the path in problems."""
    src = LineSource(Path(name), stream=stream)
    return _jsonl_items(src.lines(), name, doc_type, src.take_problems)


def _jsonl_items(
    lines: Iterable[tuple[int, str]],
    name: str,
    doc_type: DocType | None,
    take_problems: Callable[[], list[Problem]] = list,
) -> Iterator[IngestItem]:
    for lineno, line in lines:
        yield from take_problems()
        s = line.strip()
        if not s:
            continue
        try:
            rec = json.loads(s)
        except json.JSONDecodeError as exc:
            yield Problem(name, lineno, _json_error(exc))
            continue
        except RecursionError:
            yield Problem(name, lineno, "invalid JSON: nested too deeply")
            continue
        yield from items_from_record(rec, name, lineno, doc_type)
    yield from take_problems()


def read_json(path: Path, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """A JSON array of records, a single record, or ``{"articles": [...], "listings": [...]}``.

    The document is parsed whole (arrays are small; stream big data as JSON
    Lines). A file that turns out to be JSON Lines is read as such.
    """
    return _json_items(LineSource(path), str(path), doc_type)


def read_json_stream(stream: IO[bytes], name: str, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """:func:`read_json` over an open binary stream; ``name`` stands for the path in problems."""
    return _json_items(LineSource(Path(name), stream=stream), name, doc_type)


def _json_items(src: LineSource, name: str, doc_type: DocType | None) -> Iterator[IngestItem]:
    text = src.read_text(MAX_JSON_BYTES)
    yield from src.take_problems()
    if text is None:
        return
    if not text.strip():
        yield Problem(name, None, "file is empty", "warning")
        return
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects: JSON Lines named .json
            yield from _jsonl_items(enumerate(text.split("\n"), 1), name, doc_type)
            return
        yield Problem(name, exc.lineno, _json_error(exc))
        return
    except RecursionError:
        yield Problem(name, None, "invalid JSON: nested too deeply")
        return
    del text
    if isinstance(doc, dict) and not _is_record(doc):
        lists = [(k, v) for k, v in doc.items() if k in _CONTAINERS and isinstance(v, list)]
        if not lists:
            yield Problem(name, None, "a JSON object without records: expected a record, a list of "
                          "records, or {\"articles\": [...], \"listings\": [...]}")
            return
        for key, records in lists:
            yield from _items(records, name, _CONTAINERS[key] or doc_type, f"{key}[")
        return
    if isinstance(doc, list):
        yield from _items(doc, name, doc_type, "[")
        return
    yield from items_from_record(doc, name, None, doc_type)


def _is_record(obj: dict[str, Any]) -> bool:
    return any(k in obj for k in ("id", "title", "type", "body", "url", "deleted"))


def _items(records: list[Any], name: str, doc_type: DocType | None, label: str) -> Iterator[IngestItem]:
    for i, rec in enumerate(records):
        yield from _located(items_from_record(rec, name, None, doc_type), f"{label}{i}]")


def _located(items: Iterator[IngestItem], where: str) -> Iterator[IngestItem]:
    """Prefix problems with the record's position in the array (JSON has no line per record)."""
    for item in items:
        if isinstance(item, Problem):
            yield Problem(item.path, item.line, f"{where}: {item.reason}", item.level)
        else:
            yield item
