"""Benchmarks: newssearch against SQLite FTS5 and Tantivy on the same corpus.

Run everything with one command (see ``docs/benchmarks.md``)::

    .venv/bin/python -m benchmarks.compare --corpus ../shared/corpus [--limit N] [--skip-http]

Corpus-derived files (query sets, per-query failures, sliced corpora, indexes)
go to ``benchmarks/work/`` (git-ignored); aggregate figures to
``benchmarks/results/``.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (``benchmarks/`` lives directly under it).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Corpus-derived scratch space: never committed.
WORK_DIR = REPO_ROOT / "benchmarks" / "work"
#: Aggregate figures only (no corpus text): committed.
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
#: Where the shared corpus lives next to the repository.
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
