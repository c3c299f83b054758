"""Engine adapters: build an index from corpus files, then answer :class:`QuerySpec` s.

Each adapter module provides ``build(files, out_dir, procs) -> int`` (documents
indexed) and ``open_engine(out_dir) -> Searcher``. Searching returns the ids of
the top 10; ``full=True`` also computes what a results page shows (total,
facet counts, highlighted title and snippet), which is what users wait for.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Protocol

from ..workload import QuerySpec

#: Engine name -> adapter module (imported lazily: a missing peer only fails its own run).
ENGINES: dict[str, str] = {
    "newssearch": "benchmarks.engines.newssearch_lib",
    "fts5": "benchmarks.engines.fts5",
    "fts5_unidecode": "benchmarks.engines.fts5",
    "tantivy": "benchmarks.engines.tantivy_engine",
}


class Searcher(Protocol):
    """What the query worker needs from an engine."""

    def search(self, spec: QuerySpec, full: bool) -> list[str]:
        """Ids of the top 10 for ``spec``; with ``full``, also facets and snippets."""
        ...

    def close(self) -> None:
        """Release the index."""
        ...


def adapter(name: str) -> ModuleType:
    """The adapter module of engine ``name``."""
    if name not in ENGINES:
        raise KeyError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    return importlib.import_module(ENGINES[name])


def build(name: str, files: list[Path], out_dir: Path, procs: int) -> int:
    """Build engine ``name``'s index of ``files`` in ``out_dir``; returns the document count."""
    count: int = adapter(name).build(name, files, out_dir, procs)
    return count


def open_engine(name: str, out_dir: Path) -> Searcher:
    """Open engine ``name``'s index in ``out_dir`` for searching."""
    engine: Searcher = adapter(name).open_engine(name, out_dir)
    return engine


def dir_size(path: Path) -> int:
    """Bytes of all regular files under ``path`` (symlinks not followed)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
