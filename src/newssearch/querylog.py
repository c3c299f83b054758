"""The query log: one JSON line per search, beside the index, and the report over it.

Each line holds what was searched and what came back -- the query, the
filters, sort, page, total and time taken, and a UTC timestamp -- and nothing
about who searched (no address, no cookie, no user agent). Several gunicorn
workers append to the same file: every write takes an exclusive ``flock`` on
it, and the file is rotated (``queries.jsonl.1`` ...) when it passes a size,
so the log stays bounded. A log that cannot be written (a read-only index
folder, a full disk) is reported once and never fails a search.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import BadRequest
from .models import SearchRequest, SearchResult
from .vietnamese import fold

__all__ = ["QUERY_LOG_NAME", "QueryLog", "QueryReport", "entry", "parse_period", "read_entries", "report"]

#: The log's file name inside the index folder.
QUERY_LOG_NAME = "queries.jsonl"

logger = logging.getLogger(__name__)

_PERIOD_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_PERIOD_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def entry(req: SearchRequest, result: SearchResult, now: datetime | None = None) -> dict[str, Any]:
    """The log line for one search: query, filters, sort, page, total, took_ms, timestamp."""
    params = req.to_params()
    filters = {k: v for k, v in params.items() if k not in ("q", "sort", "page", "per_page")}
    return {
        "ts": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "q": req.q,
        "filters": filters,
        "sort": req.sort,
        "page": req.page,
        "total": result.total,
        "took_ms": round(result.took_ms, 2),
    }


class QueryLog:
    """Appends entries to ``path``, rotating at ``max_bytes`` and keeping ``backups`` old files."""

    def __init__(self, path: Path, max_bytes: int = 10_000_000, backups: int = 5) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = max(1, backups)
        self._failed = False

    def write(self, record: dict[str, Any]) -> None:
        """Append one record; a failure is logged once and otherwise ignored."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self._append(line)
        except OSError as exc:
            if not self._failed:
                logger.warning("the query log %s cannot be written: %s", self.path, exc.strerror or exc)
            self._failed = True
        else:
            self._failed = False

    def _append(self, line: bytes) -> None:
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                # Another worker may have rotated the file while we waited: write to the new one.
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:
                    continue
                size = os.fstat(fd).st_size
                if size and size + len(line) > self.max_bytes:
                    self._rotate()
                    continue
                os.write(fd, line)
                return
            finally:
                os.close(fd)

    def _rotate(self) -> None:
        """Shift ``queries.jsonl.N`` up by one (dropping the oldest); called holding the lock."""
        for n in range(self.backups, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            newer = self.path if n == 1 else self.path.with_name(f"{self.path.name}.{n - 1}")
            if newer.exists():
                os.replace(newer, older)


def log_files(path: Path) -> list[Path]:
    """The log and its rotated files, oldest first."""
    rotated = []
    for p in path.parent.glob(path.name + ".*"):
        suffix = p.name[len(path.name) + 1 :]
        if suffix.isdigit():
            rotated.append((int(suffix), p))
    return [p for _, p in sorted(rotated, reverse=True)] + ([path] if path.exists() else [])


def read_entries(path: Path, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Entries of the log and its rotated files at or after ``since``; unreadable lines are skipped."""
    for p in log_files(path):
        with p.open("rb") as fh:
            for raw in fh:
                try:
                    rec = json.loads(raw)
                    ts = datetime.fromisoformat(rec["ts"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a crash or a full disk
                if not isinstance(rec.get("q"), str) or not isinstance(rec.get("total"), int):
                    continue
                if since is None or ts >= since:
                    yield rec


def parse_period(text: str) -> timedelta:
    """``30m``, ``24h``, ``7d``, ``2w`` as a duration."""
    m = _PERIOD_RE.match(text)
    if not m or int(m.group(1)) == 0:
        raise BadRequest(
            f"the period {text!r} is not valid; write a number and a unit, e.g. 30m, 24h, 7d or 2w",
            param="since",
        )
    return timedelta(**{_PERIOD_UNITS[m.group(2)]: int(m.group(1))})


@dataclass
class QueryReport:
    """The most frequent queries of a period, and those that found nothing."""

    since: datetime | None
    searches: int = 0
    with_query: int = 0
    zero_results: int = 0
    top: list[dict[str, Any]] = field(default_factory=list)
    top_zero: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(timespec="seconds") if self.since else None,
            "searches": self.searches,
            "with_query": self.with_query,
            "zero_results": self.zero_results,
            "top": self.top,
            "top_zero": self.top_zero,
        }


def _key(q: str) -> str:
    # "Nhà phố", "nha pho" and "nhà  phố " are one query for the report.
    return " ".join(fold(q).split())


def report(path: Path, since: datetime | None = None, limit: int = 20) -> QueryReport:
    """Count the log's queries since ``since``: the ``limit`` most frequent, overall and with no result.

    Queries are grouped accent- and case-insensitively and shown in their most
    frequent spelling; searches without a query (browsing by filters) are
    counted but not listed.
    """
    out = QueryReport(since=since)
    counts: Counter[str] = Counter()
    zero: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for rec in read_entries(path, since):
        out.searches += 1
        if rec["total"] == 0:
            out.zero_results += 1
        key = _key(rec["q"])
        if not key:
            continue
        out.with_query += 1
        counts[key] += 1
        spellings.setdefault(key, Counter())[" ".join(rec["q"].split())] += 1
        if rec["total"] == 0:
            zero[key] += 1

    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"query": spellings[k].most_common(1)[0][0], "count": n}
            for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        ]

    out.top = rows(counts)
    out.top_zero = rows(zero)
    return out
