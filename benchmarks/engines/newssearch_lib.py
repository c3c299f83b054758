"""newssearch through its library: ``IndexStore.write`` and ``Engine.search``.

This is the real code path: ``read_paths`` parses the corpus files exactly as
``newssearch index`` does, and ``full`` searches keep the defaults (facets
and snippets on), as the web API does.
"""

from __future__ import annotations

from pathlib import Path

from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.models import SearchRequest
from newssearch.search import Engine

from ..workload import QuerySpec


def build(name: str, files: list[Path], out_dir: Path, procs: int) -> int:
    """Index ``files`` into a fresh newssearch index in ``out_dir``."""
    report = IndexStore(out_dir).write(read_paths(files), rebuild=True, procs=procs)
    return report.articles + report.listings


def index_dir(out_dir: Path) -> Path:
    """The live generation (what the size figure measures)."""
    gen = IndexStore(out_dir).current_dir()
    return gen if gen is not None else out_dir


def request(spec: QuerySpec, full: bool) -> SearchRequest:
    """The library request for one query."""
    req = SearchRequest(q=spec.q, per_page=10, sort=spec.sort, facets=full, highlight=full)
    if spec.district:
        req.filters["district"] = [spec.district]
    req.price_min = spec.price_min
    req.price_max = spec.price_max
    return req


class NewsSearch:
    """The library engine; ``full`` searches compute facets and snippets."""

    def __init__(self, out_dir: Path) -> None:
        self.engine = Engine(out_dir)

    def search(self, spec: QuerySpec, full: bool) -> list[str]:
        result = self.engine.search(request(spec, full))
        return [h.id for h in result.hits]

    def close(self) -> None:
        self.engine.close()


def open_engine(name: str, out_dir: Path) -> NewsSearch:
    """Open the index built by :func:`build`."""
    return NewsSearch(out_dir)
