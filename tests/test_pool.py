"""The term-grouped indexing pool (``newssearch.store.pool``): sorted postings
out, however many runs were spilled and merged."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from whoosh.filedb.filestore import RamStorage

from newssearch.store import pool


def test_term_pool_gives_postings_sorted_by_field_term_and_document() -> None:
    """Many runs, a disordered document number, reduce_to and _read_run."""
    rng = random.Random(7)
    storage = RamStorage()
    p = pool.TermPool(storage, None, limitmb=1)
    p.limit = 3000  # spill every ~30 postings
    items = []
    for doc in range(200):
        for term in rng.sample([b"a", b"b", b"c", b"d", b"e\xc3\xa1"], 3):
            field = rng.choice(["body", "title"])
            items.append((field, term, doc, 1.0 + doc % 3, bytes([doc % 256])))
    items.append(("body", b"a", 0, 1.0, None))  # out of document order
    for item in items:
        p.add(item)
    assert len(p.runs) > 5
    assert list(p.iter_postings()) == sorted(items, key=lambda t: (t[0], t[1], t[2]))
    again = pool.TermPool(storage, None)
    again.limit = 3000
    for item in items[:-1]:
        again.add(item)
    again.save()
    again.reduce_to(1, 3)
    assert len(again.runs) == 1
    assert list(again._read_run(again.runs[0])) == sorted(items[:-1], key=lambda t: (t[0], t[1], t[2]))


def test_term_pool_merges_at_most_max_open_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "MAX_OPEN_RUNS", 4)
    p = pool.TermPool(RamStorage(), None)
    p.limit = 1
    items = [("body", bytes([97 + d % 3]), d, 1.0, None) for d in range(30)]
    for item in items:
        p.add(item)
    assert len(p.runs) >= 29
    fan_in: list[int] = []
    original = pool.merge_groups

    def counting(sources: list[Any]) -> Iterator[Any]:
        fan_in.append(len(sources))
        return original(sources)

    monkeypatch.setattr(pool, "merge_groups", counting)
    assert list(p.iter_postings()) == sorted(items, key=lambda t: (t[0], t[1], t[2]))
    assert len(p.runs) == 0 and fan_in and max(fan_in) <= 4
