"""The query log: entries without client data, rotation under concurrent writers, the report."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newssearch.errors import BadRequest
from newssearch.models import SearchRequest, SearchResult
from newssearch.querylog import QueryLog, entry, log_files, parse_period, read_entries, report

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def result(total: int, took: float = 12.345) -> SearchResult:
    return SearchResult(query="", total=total, page=1, per_page=10, relaxed=False, hits=[], facets={},
                        suggestion=None, took_ms=took)


def test_entry_is_the_search_and_nothing_about_the_client() -> None:
    req = SearchRequest.from_params({"q": "nhà phố hạ long", "district": ["Hạ Long"], "price_max": "5000000000",
                                     "sort": "newest", "page": "2"})
    assert entry(req, result(7), NOW) == {
        "ts": "2026-03-14T09:30:00+00:00",
        "q": "nhà phố hạ long",
        "filters": {"district": ["Hạ Long"], "price_max": ["5000000000"]},
        "sort": "newest",
        "page": 2,
        "total": 7,
        "took_ms": 12.35,
    }


def test_write_and_rotate(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    log = QueryLog(path, max_bytes=300, backups=2)
    for i in range(30):
        log.write({"ts": NOW.isoformat(), "q": f"tìm {i}", "total": i})
    files = log_files(path)
    assert [p.name for p in files] == ["queries.jsonl.2", "queries.jsonl.1", "queries.jsonl"]
    assert all(p.stat().st_size <= 300 for p in files)
    kept = [rec["q"] for rec in read_entries(path)]
    assert kept == [f"tìm {i}" for i in range(30 - len(kept), 30)]  # oldest dropped, order kept


def _writer(path: str, n: int, tag: str) -> None:
    log = QueryLog(Path(path), max_bytes=2_000, backups=50)
    for i in range(n):
        log.write({"ts": NOW.isoformat(), "q": f"{tag}-{i}", "total": 1})


def test_concurrent_processes_lose_no_line(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(path), 100, t)) for t in ("a", "b", "c")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    seen = sorted(rec["q"] for rec in read_entries(path))
    assert seen == sorted(f"{t}-{i}" for t in "abc" for i in range(100))


def test_unwritable_log_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = QueryLog(tmp_path / "missing-folder" / "queries.jsonl")
    log.write({"q": "x"})
    log.write({"q": "y"})
    assert [r.message for r in caplog.records if "cannot be written" in r.message] != []
    assert len([r for r in caplog.records if "cannot be written" in r.message]) == 1  # once, not per search


def test_report(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    rows = [
        (10, "nhà phố hạ long", 11), (9, "nha pho ha long", 11), (8, "Nhà phố  Hạ Long", 11),
        (7, "căn hộ q7", 5), (6, "can ho q7", 5),
        (5, "biệt thự sân golf", 0), (4, "biet thu san golf", 0), (3, "xyzzy", 0),
        (2, "", 40),  # browsing by filters
        (200, "tin cũ", 0),  # outside the period
    ]
    lines = [json.dumps({"ts": (NOW - timedelta(hours=h)).isoformat(), "q": q, "filters": {}, "total": t})
             for h, q, t in rows]
    path.write_text("\n".join([*lines, '{"ts": "broken', "not json"]) + "\n", "utf-8")
    got = report(path, since=NOW - timedelta(days=7), limit=2).to_dict()
    assert got == {
        "since": "2026-03-07T09:30:00+00:00",
        "searches": 9,
        "with_query": 8,
        "zero_results": 3,
        # Ties: alphabetical by folded text; a group shows its most frequent (then first) spelling.
        "top": [{"query": "nhà phố hạ long", "count": 3}, {"query": "biệt thự sân golf", "count": 2}],
        "top_zero": [{"query": "biệt thự sân golf", "count": 2}, {"query": "xyzzy", "count": 1}],
    }


def test_report_without_a_log(tmp_path: Path) -> None:
    assert report(tmp_path / "queries.jsonl").to_dict()["searches"] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
     ("2w", timedelta(weeks=2)), (" 90s ", timedelta(seconds=90))],
)
def test_parse_period(text: str, expected: timedelta) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "0d", "-1d", "7 days", "1y"])
def test_bad_period(text: str) -> None:
    with pytest.raises(BadRequest, match="is not valid"):
        parse_period(text)
