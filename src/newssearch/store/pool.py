"""Whoosh's posting pool, grouped by term.

Whoosh's ``PostingPool`` keeps one tuple per posting, sorts them all, and
pickles and unpickles every posting *one call at a time* when a run spills
to disk, then merges the runs posting by posting through a heap: about a
third of the indexing time (profiled on 3,000 corpus records, pyinstrument).

:class:`TermPool` keeps the postings of each term together instead (an
in-memory inverted index, as Lucene's indexing buffer does): adding a posting
appends to its term's lists, a run is the sorted terms pickled a few thousand
at a time, and merging runs merges *terms*: a term's postings from successive
runs are concatenated, because documents are numbered in the order they are
added. Its :meth:`TermPool.iter_postings` returns a :class:`TermStream`,
which :class:`newssearch.store.postings.PostingsFileWriter` writes a term at a time;
iterated, it is the plain sorted posting tuples every other Whoosh consumer
expects (the multiprocessing writer's run merge, ``add_reader``).
"""

from __future__ import annotations

import contextlib
import itertools
import pickle
import random
from collections.abc import Iterable, Iterator
from heapq import merge
from typing import Any

#: A term's postings: document numbers, weights, encoded values.
Entry = tuple[list[int], list[float], list[bytes | None]]
#: One term of a field, with its postings.
Group = tuple[str, bytes, list[int], list[float], list[bytes | None]]

#: Postings per pickle call in a run file (a chunk of every run is in memory
#: while runs are merged, so this bounds the merge's memory).
CHUNK_POSTINGS = 16_384
#: Most runs merged at once (each is an open file and a chunk in memory).
MAX_OPEN_RUNS = 128
#: Estimated bytes per posting and per new term (list slots, a float, bytes header).
POSTING_BYTES = 100
TERM_BYTES = 250


def _ordered(ids: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(ids))


def _sorted_entry(ids: list[int], weights: list[float], values: list[bytes | None]) -> Entry:
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return [ids[i] for i in order], [weights[i] for i in order], [values[i] for i in order]


def _flatten(groups: Iterable[Group]) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
    for fieldname, tbytes, ids, weights, values in groups:
        for docnum, weight, value in zip(ids, weights, values, strict=True):
            yield fieldname, tbytes, docnum, weight, value


def merge_groups(sources: list[Iterable[Group]]) -> Iterator[Group]:
    """Merge term-sorted group streams; a term's postings are concatenated in
    source order and sorted by document number if that does not already order them."""
    current: Group | None = None
    for group in merge(*sources, key=lambda g: (g[0], g[1])):
        if current is not None and current[0] == group[0] and current[1] == group[1]:
            # The lists are the pool's own (unpickled or taken from memory): extend in place.
            ids, weights, values = current[2], current[3], current[4]
            ordered = not ids or not group[2] or ids[-1] < group[2][0]
            ids.extend(group[2])
            weights.extend(group[3])
            values.extend(group[4])
            if not ordered and not _ordered(ids):
                current = (current[0], current[1], *_sorted_entry(ids, weights, values))
            continue
        if current is not None:
            yield current
        current = group
    if current is not None:
        yield current


class TermStream:
    """Sorted postings as term groups (:meth:`groups`); iterating gives posting tuples."""

    def __init__(self, groups: Iterable[Group]) -> None:
        self._groups = groups

    def groups(self) -> Iterable[Group]:
        return self._groups

    def __iter__(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        return _flatten(self._groups)


class TermPool:
    """Drop-in for ``whoosh.writing.PostingPool`` (same constructor and methods)."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **_: Any) -> None:
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.fieldnames: set[str] = set()
        self.runs: list[str] = []
        self._terms: dict[str, dict[bytes, Entry]] = {}
        self._size = 0
        self._disordered = False

    # -- adding --------------------------------------------------------------
    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = ([], [], [])
            self._size += TERM_BYTES + len(tbytes)
        ids = entry[0]
        if ids and docnum <= ids[-1]:
            self._disordered = True
        ids.append(docnum)
        entry[1].append(weight)
        entry[2].append(vbytes)
        self._size += POSTING_BYTES + (len(vbytes) if vbytes else 0)
        if self._size > self.limit:
            self.save()

    def _memory_groups(self) -> Iterator[Group]:
        terms_by_field, disordered = self._terms, self._disordered
        self._terms, self._size, self._disordered = {}, 0, False
        for fieldname in sorted(terms_by_field):
            terms = terms_by_field[fieldname]
            for tbytes in sorted(terms):
                ids, weights, values = terms.pop(tbytes)
                if disordered and not _ordered(ids):
                    ids, weights, values = _sorted_entry(ids, weights, values)
                yield fieldname, tbytes, ids, weights, values

    # -- runs ------------------------------------------------------------------
    def _new_run(self) -> tuple[str, Any]:
        name = "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        path = f"{name}.run"
        return path, self.tempstore.create_file(path)

    def _write_groups(self, groups: Iterable[Group]) -> str:
        path, f = self._new_run()
        chunk: list[Group] = []
        size = 0
        for group in groups:
            chunk.append(group)
            size += len(group[2]) + 8
            if size >= CHUNK_POSTINGS:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                chunk, size = [], 0
        if chunk:
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()
        return path

    def _read_groups(self, path: str) -> Iterator[Group]:
        f = self.tempstore.open_file(path).raw_file()
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self.tempstore.delete_file(path)

    def save(self) -> None:
        if self._terms:
            self.runs.append(self._write_groups(self._memory_groups()))

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """One run's posting tuples (the multiprocessing writer reads sub-writer runs so)."""
        return _flatten(self._read_groups(path))

    def reduce_to(self, target: int, k: int) -> None:
        if k < 2 or target < 1:
            raise ValueError(f"reduce_to({target}, {k})")
        while len(self.runs) > target:
            # The oldest runs first, so the runs stay in document order.
            tomerge, rest = self.runs[:k], self.runs[k:]
            self.runs = [
                self._write_groups(merge_groups([self._read_groups(p) for p in tomerge])),
                *rest,
            ]

    def cleanup(self) -> None:
        for path in self.runs:
            with contextlib.suppress(OSError):
                self.tempstore.delete_file(path)
        self.runs = []

    # -- reading ---------------------------------------------------------------
    def iter_groups(self) -> Iterator[Group]:
        if not self.runs:
            return self._memory_groups()
        self.save()
        if len(self.runs) > MAX_OPEN_RUNS:  # as Whoosh's pool: bounded open files and merge memory
            self.reduce_to(MAX_OPEN_RUNS, MAX_OPEN_RUNS)
        runs, self.runs = self.runs, []
        return merge_groups([self._read_groups(p) for p in runs])

    def iter_postings(self) -> TermStream:
        return TermStream(self.iter_groups())

    def items(self) -> TermStream:
        return self.iter_postings()
