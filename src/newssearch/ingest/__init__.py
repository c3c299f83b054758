"""Readers: files and directories -> documents, deletions and problems.

:func:`read_paths` is the entry point. It streams (constant memory: one line
or one page at a time) and never raises on bad input: every file or record it
cannot use becomes a :class:`Problem` with the path, the line and the reason.

Formats, picked by extension (``.gz`` looked through) or by peeking at the
bytes: JSON Lines, JSON (array or object), CSV (Vietnamese or English headers;
rows are listings unless told otherwise), HTML article pages, and scraped page
text (``.txt``). Directories are walked recursively in name order, skipping
hidden files. The path ``-`` is standard input, read as JSON Lines.

Example::

    summary = IngestSummary()
    for item in summary.track(read_paths(["feeds/"])):
        ...
    print(summary.line(report="problems.txt"))
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from newssearch.documents import Article, DocType, Listing
from newssearch.errors import BadRequest
from newssearch.ingest.base import IngestItem, Problem
from newssearch.ingest.csv import read_csv
from newssearch.ingest.detect import Format, describe_unknown, detect_format, is_hidden
from newssearch.ingest.html import read_html
from newssearch.ingest.jsonl import read_json, read_jsonl, read_jsonl_stream
from newssearch.ingest.pagetext import read_page_text
from newssearch.ingest.records import (
    Deletion,
    article_from_record,
    from_record,
    listing_from_record,
    record_type,
)

__all__ = [
    "Deletion",
    "IngestItem",
    "IngestSummary",
    "Problem",
    "article_from_record",
    "check_type",
    "format_counts",
    "from_record",
    "listing_from_record",
    "read_path",
    "read_paths",
    "read_stdin",
    "record_type",
]

Reader = Callable[[Path, DocType | None], Iterator[IngestItem]]
READERS: dict[Format, Reader] = {
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "html": read_html,
    "txt": read_page_text,
}


def read_paths(paths: Iterable[str | Path], doc_type: str | None = None) -> Iterator[IngestItem]:
    """Documents, deletions and problems from files and directories, in order.

    ``doc_type`` ("article" or "listing") is used for records without a
    ``type`` field (CSV rows are listings when it is not given). Raises
    :class:`~newssearch.errors.BadRequest` at once for any other value.
    """
    kind = check_type(doc_type)
    return (item for p in paths for item in _read_path(p, kind))


def read_path(path: str | Path, doc_type: str | None = None) -> Iterator[IngestItem]:
    """Everything :func:`read_paths` yields for one file or directory."""
    return _read_path(path, check_type(doc_type))


def check_type(doc_type: str | None) -> DocType | None:
    """``doc_type`` checked: "article", "listing" or None; BadRequest for anything else."""
    if doc_type is None:
        return None
    if doc_type == "article":
        return "article"
    if doc_type == "listing":
        return "listing"
    raise BadRequest(f"unknown document type {doc_type!r}; use 'article' or 'listing'", param="type")


def read_stdin(doc_type: str | None = None, stream: IO[bytes] | None = None) -> Iterator[IngestItem]:
    """JSON Lines from standard input (or ``stream``), reported as ``<stdin>:LINE``."""
    return read_jsonl_stream(stream or sys.stdin.buffer, "<stdin>", check_type(doc_type))


def _read_path(path: str | Path, doc_type: DocType | None) -> Iterator[IngestItem]:
    if str(path) == "-":
        yield from read_stdin(doc_type)
        return
    p = Path(path)
    if p.is_dir():
        yield from _walk(p, doc_type)
    elif p.exists():
        yield from _read_file(p, doc_type)
    else:
        yield Problem(str(p), None, "no such file or directory")


def _walk(root: Path, doc_type: DocType | None) -> Iterator[IngestItem]:
    def onerror(exc: OSError) -> None:
        errors.append(Problem(exc.filename or str(root), None, f"cannot list the directory: {exc.strerror}"))

    errors: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        yield from errors
        errors.clear()
        dirnames[:] = sorted(d for d in dirnames if not is_hidden(Path(d)))
        for fname in sorted(filenames):
            f = Path(dirpath) / fname
            if not is_hidden(f):
                yield from _read_file(f, doc_type)
    yield from errors


def _read_file(path: Path, doc_type: DocType | None) -> Iterator[IngestItem]:
    name = str(path)
    try:
        if path.stat().st_size == 0:
            yield Problem(name, None, "file is empty", "warning")
            return
        fmt = detect_format(path)
    except OSError as exc:
        yield Problem(name, None, f"cannot read the file: {exc.strerror or exc}")
        return
    if fmt is None:
        yield Problem(name, None, describe_unknown(path))
        return
    try:
        yield from READERS[fmt](path, doc_type)
    except OSError as exc:  # e.g. the file vanished or became unreadable mid-way
        yield Problem(name, None, f"cannot read the file: {exc.strerror or exc}")


def format_counts(
    articles: int,
    listings: int,
    skipped: int,
    *,
    deletions: int = 0,
    verb: str = "indexed",
    report: str | None = None,
) -> str:
    """The one-line outcome: ``"indexed 12 articles, 3 listings, skipped 2 — see report.txt"``."""
    parts = [f"{verb} {articles} article{'s' * (articles != 1)}, {listings} listing{'s' * (listings != 1)}"]
    if deletions:
        parts.append(f"{deletions} deletion{'s' * (deletions != 1)}")
    parts.append(f"skipped {skipped}")
    line = ", ".join(parts)
    if skipped and report:
        line += f" — see {report}"
    return line


@dataclass
class IngestSummary:
    """Counts of what was READ (the indexer reports what it wrote).

    ``skipped`` counts error problems (records or files not read);
    ``warnings`` those read with a caveat. ``problems`` keeps the first
    ``max_problems`` of either kind, for display.
    """

    articles: int = 0
    stubs: int = 0
    listings: int = 0
    deletions: int = 0
    skipped: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    max_problems: int = 20

    def add(self, item: IngestItem) -> None:
        """Count one item."""
        if isinstance(item, Problem):
            if item.skipped:
                self.skipped += 1
            else:
                self.warnings += 1
            if len(self.problems) < self.max_problems:
                self.problems.append(item)
        elif isinstance(item, Deletion):
            self.deletions += 1
        elif isinstance(item, Listing):
            self.listings += 1
        elif isinstance(item, Article):
            self.articles += 1
            self.stubs += item.stub

    def track(self, items: Iterable[IngestItem]) -> Iterator[IngestItem]:
        """Pass items through, counting them."""
        for item in items:
            self.add(item)
            yield item

    def line(self, report: str | None = None, verb: str = "read") -> str:
        """``"read 120 articles, 35 listings, skipped 3 — see report.txt"``."""
        return format_counts(
            self.articles, self.listings, self.skipped, deletions=self.deletions, verb=verb, report=report
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "articles": self.articles,
            "stubs": self.stubs,
            "listings": self.listings,
            "deletions": self.deletions,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
        }
