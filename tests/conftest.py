"""Shared fixtures: the sample index (built once per session) and an Engine over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newssearch.cli import sample_paths
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.search import Engine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped sample data (read-only for tests: copy it to modify)."""
    root = tmp_path_factory.mktemp("sample-index")
    report = IndexStore(root).write(read_paths(sample_paths()))
    assert report.skipped == 0, report.problems
    return root


@pytest.fixture(scope="session")
def engine(sample_index: Path) -> Iterator[Engine]:
    e = Engine(sample_index)
    yield e
    e.close()


@pytest.fixture
def shared_corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (it lives beside the project in ../shared)")
    return CORPUS
