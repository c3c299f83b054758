"""The Whoosh implementation of :class:`~newssearch.store.interface.IndexSnapshot`.

What a search reads on every query comes from the project's own files beside
each segment, memory-mapped and read without a lock:

* postings, document frequencies and terms by prefix from the postings file
  (:mod:`newssearch.store.postings`);
* field lengths, columns and stored documents from the per-document file
  (:mod:`newssearch.store.perdoc`).

A segment without those files (written by other code), or whose file fails
its checks, is read through Whoosh instead. Deletions are read through
Whoosh's reader API when the snapshot opens. What still goes through a
Whoosh reader (phrases over positions, terms within an edit distance, id
look-ups, the fallbacks) holds the snapshot's lock for the duration of that
one read: Whoosh readers share file handles (seek, then read), so two threads
reading through one reader at once corrupt each other's reads. A search holds
no lock otherwise, so the threads of a worker search concurrently.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq

from ..errors import IndexDamaged
from .columns import LENGTH_TABLE, ColumnCache, Columns, field_lengths
from .interface import BoolArray, FloatArray, IntArray, Postings, concat_postings
from .perdoc import DamagedFile, SegmentDocs
from .postings import SegmentPostings

log = logging.getLogger(__name__)


def _leaf_postings(leaf: Any, field: str, term: str, offset: int) -> Postings | None:
    """A term's postings in one segment through Whoosh's matcher (fallback path)."""
    try:
        m = leaf.postings(field, term)
    except Exception:  # TermNotFound, or a field this segment never saw
        return None
    ids: list[int] = []
    tfs: list[float] = []
    while m.is_active():
        ids.append(m.id())
        tfs.append(m.weight())
        m.next()
    if not ids:
        return None
    return Postings(np.asarray(ids, dtype=np.int64) + offset, np.asarray(tfs, dtype=np.float32))


def _deleted_mask(leaf: Any) -> BoolArray | None:
    """The deleted documents of a segment as a mask, or None if it has none."""
    try:
        deleted = leaf.deleted_docs_set if leaf.has_deletions() else None
    except Exception:
        return None
    if not deleted:
        return None
    mask = np.zeros(int(leaf.doc_count_all()), dtype=bool)
    mask[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = True
    return mask


def _file_postings(
    side: SegmentPostings, deleted: BoolArray | None, field: str, term: str, offset: int
) -> Postings | None:
    """A term's postings of live documents in one segment's postings file (ids
    offset to the whole index); ValueError if the file is damaged."""
    found = side.get(field, term)
    if found is None:
        return None
    ids, tf = found
    if deleted is not None:
        keep = ~deleted[ids]
        ids, tf = ids[keep], tf[keep]
        if not len(ids):
            return None
    return Postings(ids + offset, tf)


def _segment_docs(leaf: Any, i: int) -> SegmentDocs | None:
    """A segment's per-document file, or None (no file, or one that fails its
    checks: then Whoosh's columns are read, and its documents raise IndexDamaged)."""
    try:
        return SegmentDocs.open(leaf._storage, leaf._segment)
    except DamagedFile as exc:
        log.warning("per-document file of segment %s unusable (%s); reading Whoosh's columns", i, exc)
        return None


def _text(raw: Any) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


class WhooshSnapshot:
    """One commit of a Whoosh index (see the module doc)."""

    def __init__(self, ix: Any, columns: ColumnCache) -> None:
        self._ix = ix
        self._column_cache = columns
        self._searcher = ix.searcher()
        self._reader = self._searcher.reader()
        self._lock = threading.Lock()
        self.doc_count = int(self._reader.doc_count_all())
        self.corpus_docs = self.doc_count
        self.version = str(ix.latest_generation())
        self._leaves: list[tuple[Any, int]] = list(self._reader.leaf_readers()) if self.doc_count else []
        # Each segment's own postings file, or None (then Whoosh decodes them).
        self._files: list[SegmentPostings | None] = [SegmentPostings.open(leaf) for leaf, _ in self._leaves]
        # Each segment's per-document file, or None (then Whoosh reads them).
        self._docs = [_segment_docs(leaf, i) for i, (leaf, _) in enumerate(self._leaves)]
        self._starts = [off for _, off in self._leaves]
        self._deleted = [_deleted_mask(leaf) for leaf, _ in self._leaves]
        self._lengths: dict[str, FloatArray] = {}
        self._avg: dict[str, float] = {}
        self.vocab = columns.vocab

    @functools.cached_property
    def columns(self) -> Columns:
        """Every document's column values, read when first asked for (a shard read
        for its statistics alone never is)."""
        return self._column_cache.load(self._reader, self._docs)

    # -- lifecycle -------------------------------------------------------------
    def is_current(self) -> bool:
        with self._lock:
            return bool(self._searcher.up_to_date())

    def refreshed(self) -> WhooshSnapshot:
        """The index's latest commit (segment columns already read are reused).

        A new searcher rather than Whoosh's ``Searcher.refresh()``, which reuses
        segment readers by segment and can keep stale deletions."""
        return WhooshSnapshot(self._ix, self._column_cache)

    def close(self) -> None:
        # The project's files first: they hold views of the segments' mappings.
        for side in [*self._files, *self._docs]:
            if side is not None:
                with contextlib.suppress(Exception):
                    side.close()
        self._files = [None] * len(self._files)
        self._docs = [None] * len(self._docs)
        with self._lock, contextlib.suppress(Exception):
            self._searcher.close()

    # -- postings and statistics -----------------------------------------------
    def postings(self, field: str, term: str) -> Postings:
        parts = []
        for i, ((leaf, off), deleted) in enumerate(zip(self._leaves, self._deleted, strict=True)):
            side = self._files[i]
            p = None
            if side is not None:
                try:
                    p = _file_postings(side, deleted, field, term, off)
                except Exception as exc:  # a damaged postings file: read this segment through Whoosh
                    self._drop_file(i, exc)
                    side = None
            if side is None:
                with self._lock:
                    p = _leaf_postings(leaf, field, term, off)
            if p is not None:
                parts.append(p)
        return concat_postings(parts)

    def corpus_postings(self, field: str, term: str) -> Postings:
        return self.postings(field, term)

    def field_lengths(self, field: str) -> FloatArray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.zeros(self.doc_count, dtype=np.float32)
            for (leaf, off), docs in zip(self._leaves, self._docs, strict=True):
                if docs is not None:
                    codes = docs.lengths(field)
                    if codes is not None:  # else no document of the segment has the field
                        arr[off : off + docs.doc_count] = LENGTH_TABLE[codes]
                    continue
                with self._lock:
                    size = leaf.doc_count_all()
                    arr[off : off + size] = field_lengths(leaf, field, size)
            self._lengths[field] = arr
        return arr

    def field_length(self, field: str) -> int:
        with self._lock:
            try:
                return int(self._searcher.field_length(field) or 0)
            except (KeyError, ValueError):  # a field the index never saw
                return 0

    def avg_field_length(self, field: str) -> float:
        avg = self._avg.get(field)
        if avg is None:
            with self._lock:
                avg = float(self._searcher.avg_field_length(field) or 1.0) or 1.0
            self._avg[field] = avg
        return avg

    def _drop_file(self, i: int, exc: Exception) -> None:
        log.warning("postings file of segment %s unusable (%s); reading Whoosh's postings", i, exc)
        self._files[i] = None

    def doc_frequency(self, field: str, term: str) -> int:
        total = 0
        for i, (leaf, _off) in enumerate(self._leaves):
            side = self._files[i]
            if side is not None:
                try:
                    total += side.doc_frequency(field, term)
                    continue
                except Exception as exc:  # a damaged postings file: ask Whoosh for this segment
                    self._drop_file(i, exc)
            with self._lock, contextlib.suppress(Exception):  # a field this segment never saw
                total += int(leaf.doc_frequency(field, term))
        return total

    def terms_with_prefix(self, field: str, prefix: str, limit: int = 5000) -> dict[str, int]:
        # Each segment's term table once: the multi-segment reader's own prefix
        # walk looks every term up again in every segment.
        found: dict[str, int] = {}
        for i, (leaf, _off) in enumerate(self._leaves):
            side = self._files[i]
            if side is not None:
                try:
                    terms = [(_text(raw), df) for raw, df in side.with_prefix(field, prefix, limit)]
                except Exception as exc:  # a damaged postings file: ask Whoosh for this segment
                    self._drop_file(i, exc)
                    side = None
            if side is None:
                terms = []
                with self._lock, contextlib.suppress(Exception):  # a field this segment never saw
                    for j, (raw, info) in enumerate(leaf.iter_prefix(field, prefix)):
                        if j >= limit:
                            break
                        terms.append((_text(raw), int(info.doc_frequency())))
            for term, df in terms:
                found[term] = found.get(term, 0) + df
        # In term order and cut at ``limit``, however the terms are spread over
        # segments (or shards): the same answer for the same documents.
        return {term: found[term] for term in sorted(found)[:limit]}

    def terms_within(self, field: str, term: str, maxdist: int, prefix: int = 1) -> list[str]:
        with self._lock:
            try:
                return sorted({_text(t) for t in self._reader.terms_within(field, term, maxdist, prefix=prefix)})
            except Exception:  # a field the index never saw
                return []

    def phrase_docs(
        self, fields: Sequence[str], words: Sequence[str], stop: Callable[[], bool] | None = None
    ) -> tuple[IntArray, int]:
        q = wq.Or([wq.Phrase(f, list(words)) for f in fields])
        found: list[int] = []
        reached = self.doc_count
        with self._lock:
            for docnum in self._searcher.docs_for_query(q):  # ascending document numbers
                found.append(docnum)
                if stop is not None and stop():
                    reached = docnum + 1
                    break
        return np.unique(np.asarray(found, dtype=np.int64)), reached

    # -- documents -------------------------------------------------------------
    def document(self, docnum: int) -> dict[str, Any]:
        if not 0 <= docnum < self.doc_count:
            raise IndexError(f"no document {docnum} in an index of {self.doc_count}")
        i = bisect.bisect_right(self._starts, docnum) - 1
        docs = self._docs[i]
        try:
            if docs is not None:
                return docs.document(docnum - self._starts[i])
            with self._lock:
                raw: dict[str, Any] = self._searcher.stored_fields(docnum).get("raw") or {}
            return raw
        except DamagedFile as exc:
            raise IndexDamaged(
                f"a stored document of segment {i} cannot be read ({exc}): roll back or rebuild the index"
            ) from exc

    def docnum(self, doc_id: str) -> int | None:
        with self._lock:
            try:
                n: int | None = self._searcher.document_number(id=doc_id)
            except UnicodeEncodeError:  # a lone surrogate cannot be an indexed id
                return None
        return n
