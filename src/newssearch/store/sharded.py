"""Several index snapshots read as one: :class:`ShardedSnapshot`.

The shards' document numbers are laid end to end (shard 0's first, then
shard 1's, shifted by the documents before them), so everything the engine
reads (postings, field lengths, columns) is the concatenation of the shards'
and every statistic is the sum over shards: a search scores with corpus-wide
document counts, document frequencies and average lengths, and finds what
the single index of the same documents finds. Written against
:class:`~newssearch.store.interface.IndexSnapshot` only, so a shard may be a
local Whoosh snapshot or anything else that answers the same questions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import numpy as np

from .columns import Columns, Vocabulary
from .interface import (
    FloatArray,
    IndexSnapshot,
    IntArray,
    Postings,
    concat_postings,
)
from .schema import KEYWORD_COLUMNS, NUMERIC_COLUMNS

T = TypeVar("T")

#: Statistics remembered per snapshot (document frequencies, term lists) before the
#: memory is cleared; a snapshot lives until the index changes.
STATISTICS_CACHE_ENTRIES = 100_000


def _unified_columns(shards: Sequence[IndexSnapshot], vocab: Vocabulary) -> Columns:
    """The shards' columns end to end, keyword codes translated into ``vocab``
    (each shard numbers its values in its own dictionary)."""
    live = np.concatenate([s.columns.live for s in shards])
    numbers = {name: np.concatenate([s.columns.numbers[name] for s in shards]) for name in NUMERIC_COLUMNS}
    codes: dict[str, Any] = {}
    for name in KEYWORD_COLUMNS:
        parts = []
        for s in shards:
            labels = s.vocab.labels[name]
            mapping = np.fromiter((vocab.code(name, v) for v in labels), dtype=np.int32, count=len(labels))
            parts.append(mapping[s.columns.codes[name]])
        codes[name] = np.concatenate(parts)
    return Columns(live, codes, numbers)



def _end_to_end(shards: Sequence[IndexSnapshot], offsets: IntArray, field: str, term: str) -> Postings:
    """A term's postings in every shard, each shard's document numbers shifted by its offset."""
    parts = []
    for s, off in zip(shards, offsets, strict=False):
        p = s.postings(field, term)
        if len(p.ids):
            parts.append(Postings(p.ids + off, p.tf))
    return concat_postings(parts)


class AcrossShards:
    """What reading the shards of one index has in common: their lifecycle, and
    the whole index's statistics (every shard's, added up), which both
    :class:`ShardedSnapshot` and :class:`ShardView` score with."""

    shards: list[IndexSnapshot]
    #: Every shard's documents (deleted ones too, as each counts them).
    corpus_docs: int
    _avg: dict[str, float]

    def is_current(self) -> bool:
        return all(s.is_current() for s in self.shards)

    def close(self) -> None:
        for s in self.shards:
            with contextlib.suppress(Exception):
                s.close()

    def field_length(self, field: str) -> int:
        return sum(s.field_length(field) for s in self.shards)

    def avg_field_length(self, field: str) -> float:
        # From the summed totals, divided as the single index divides them.
        avg = self._avg.get(field)
        if avg is None:
            avg = self._avg[field] = (self.field_length(field) / (self.corpus_docs or 1)) or 1.0
        return avg

    def doc_frequency(self, field: str, term: str) -> int:
        return self._cached(("df", field, term), lambda: sum(s.doc_frequency(field, term) for s in self.shards))

    def terms_with_prefix(self, field: str, prefix: str, limit: int = 5000) -> dict[str, int]:
        def read() -> dict[str, int]:
            # Each shard's first ``limit`` terms hold the first ``limit`` of all of them.
            found: dict[str, int] = {}
            for s in self.shards:
                for term, df in s.terms_with_prefix(field, prefix, limit).items():
                    found[term] = found.get(term, 0) + df
            return {term: found[term] for term in sorted(found)[:limit]}

        return dict(self._cached(("prefix", field, prefix, limit), read))

    def terms_within(self, field: str, term: str, maxdist: int, prefix: int = 1) -> list[str]:
        def read() -> list[str]:
            found: set[str] = set()
            for s in self.shards:
                found.update(s.terms_within(field, term, maxdist, prefix))
            return sorted(found)

        return list(self._cached(("within", field, term, maxdist, prefix), read))

    def _cached(self, key: tuple[Any, ...], read: Callable[[], T]) -> T:
        """``read()``, remembered for this snapshot: every shard is asked for each
        statistic, and a search asks for the same ones again and again."""
        cache = self.__dict__.setdefault("_statistics", {})
        if key in cache:
            return cast(T, cache[key])
        if len(cache) >= STATISTICS_CACHE_ENTRIES:
            cache.clear()
        value = cache[key] = read()
        return value

class ShardedSnapshot(AcrossShards):
    """One snapshot over ``shards`` (see the module doc).

    ``vocab`` is the dictionary the keyword codes are translated into (the
    caller's, so its codes stay valid across snapshots); ``owner`` tells
    which shard holds an id (without it every shard is asked); ``reopen``
    makes the snapshot :meth:`refreshed` returns.
    """

    def __init__(
        self,
        shards: Sequence[IndexSnapshot],
        vocab: Vocabulary | None = None,
        owner: Callable[[str], int] | None = None,
        reopen: Callable[[], ShardedSnapshot] | None = None,
    ) -> None:
        if not shards:
            raise ValueError("a sharded snapshot needs at least one shard")
        self.shards = list(shards)
        self._owner = owner
        self._reopen = reopen
        counts = [s.doc_count for s in self.shards]
        self.offsets = np.cumsum([0, *counts]).astype(np.int64)
        self.doc_count = int(self.offsets[-1])
        self.corpus_docs = self.doc_count
        self.version = "+".join(s.version for s in self.shards)
        self.vocab = vocab or Vocabulary()
        self.columns = _unified_columns(self.shards, self.vocab)
        self._lengths: dict[str, FloatArray] = {}
        self._avg: dict[str, float] = {}

    # -- lifecycle -------------------------------------------------------------
    def refreshed(self) -> ShardedSnapshot:
        """The shards' latest state (this snapshot when it cannot be reopened)."""
        return self._reopen() if self._reopen is not None else self

    # -- postings and statistics -----------------------------------------------
    def postings(self, field: str, term: str) -> Postings:
        return _end_to_end(self.shards, self.offsets, field, term)

    def corpus_postings(self, field: str, term: str) -> Postings:
        return self.postings(field, term)

    def field_lengths(self, field: str) -> FloatArray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = self._lengths[field] = np.concatenate([s.field_lengths(field) for s in self.shards])
        return arr

    def phrase_docs(
        self, fields: Sequence[str], words: Sequence[str], stop: Callable[[], bool] | None = None
    ) -> tuple[IntArray, int]:
        parts: list[IntArray] = []
        for s, off in zip(self.shards, self.offsets, strict=False):
            docs, reached = s.phrase_docs(fields, words, stop)
            parts.append(docs + off)
            if reached < s.doc_count:  # stopped inside this shard
                return np.concatenate(parts), int(off) + reached
        return np.concatenate(parts), self.doc_count

    # -- documents -------------------------------------------------------------
    def _locate(self, docnum: int) -> tuple[int, int]:
        if not 0 <= docnum < self.doc_count:
            raise IndexError(f"document number {docnum} is out of range (0-{self.doc_count - 1})")
        i = int(np.searchsorted(self.offsets, docnum, side="right")) - 1
        return i, docnum - int(self.offsets[i])

    def document(self, docnum: int) -> dict[str, Any]:
        i, local = self._locate(docnum)
        return self.shards[i].document(local)

    def docnum(self, doc_id: str) -> int | None:
        candidates = range(len(self.shards)) if self._owner is None else [self._owner(doc_id)]
        for i in candidates:
            n = self.shards[i].docnum(doc_id)
            if n is not None:
                return int(self.offsets[i]) + n
        return None


class ShardView(AcrossShards):
    """One shard of a sharded index, read with the whole index's statistics.

    Its documents, postings, columns and phrases are the shard's own
    (``shards[mine]``), numbered from 0; document counts, document
    frequencies, field lengths and the term lists (prefixes, typo
    neighbours) are those of every shard. A search of this view scores
    the shard's documents exactly as a search of the whole index scores
    them, and decides with the same statistics, so the answers of every
    shard merge into the whole index's answer (the DFS phase of Lucene's
    distributed search, read once from the shared folder instead of asked
    per query). The other shards are read for statistics only.
    """

    def __init__(
        self,
        shards: Sequence[IndexSnapshot],
        mine: int,
        reopen: Callable[[], ShardView] | None = None,
    ) -> None:
        if not 0 <= mine < len(shards):
            raise ValueError(f"no shard {mine} among {len(shards)}")
        self.shards = list(shards)
        self.mine = mine
        self.own = self.shards[mine]
        self._reopen = reopen
        self.doc_count = self.own.doc_count
        self.corpus_docs = sum(s.doc_count for s in self.shards)
        self._offsets = np.cumsum([0, *(s.doc_count for s in self.shards)])[:-1].astype(np.int64)
        self.version = "+".join(s.version for s in self.shards)
        self.columns = self.own.columns
        self.vocab = self.own.vocab
        self._avg: dict[str, float] = {}

    # -- lifecycle -------------------------------------------------------------
    def refreshed(self) -> ShardView:
        """The shards' latest state (this view when it cannot be reopened)."""
        return self._reopen() if self._reopen is not None else self

    # -- the shard's own documents ----------------------------------------------
    def postings(self, field: str, term: str) -> Postings:
        return self.own.postings(field, term)

    def field_lengths(self, field: str) -> FloatArray:
        return self.own.field_lengths(field)

    def corpus_postings(self, field: str, term: str) -> Postings:
        # Every shard's, numbered shard after shard (as ShardedSnapshot numbers them).
        return _end_to_end(self.shards, self._offsets, field, term)

    def phrase_docs(
        self, fields: Sequence[str], words: Sequence[str], stop: Callable[[], bool] | None = None
    ) -> tuple[IntArray, int]:
        return self.own.phrase_docs(fields, words, stop)

    def document(self, docnum: int) -> dict[str, Any]:
        return self.own.document(docnum)

    def docnum(self, doc_id: str) -> int | None:
        return self.own.docnum(doc_id)

