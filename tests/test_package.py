"""The library API exported from ``newssearch`` (what the CLI and the web layer use)."""

from __future__ import annotations

from pathlib import Path

import newssearch
from newssearch.cli import sample_paths


def test_the_documented_example_runs(tmp_path: Path) -> None:
    report = newssearch.IndexStore(tmp_path).write(newssearch.read_paths(sample_paths()))
    assert (report.articles, report.listings, report.skipped) == (50, 72, 0)
    engine = newssearch.Engine(tmp_path, newssearch.Settings(index_dir=tmp_path))
    try:
        result = engine.search(newssearch.SearchRequest(q="nha pho ha long"))
    finally:
        engine.close()
    assert isinstance(result, newssearch.SearchResult)
    assert result.total > 0 and result.to_dict()["hits"][0]["title"]


def test_exports() -> None:
    assert sorted(newssearch.__all__) == sorted(
        ["Engine", "IndexStore", "SearchRequest", "SearchResult", "Settings", "__version__", "read_paths"]
    )
    assert all(getattr(newssearch, name) is not None for name in newssearch.__all__)
