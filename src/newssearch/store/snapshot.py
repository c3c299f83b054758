"""The Whoosh implementation of :class:`~newssearch.store.interface.IndexSnapshot`.

Postings are read from each segment's postings file
(:mod:`newssearch.store.postings`), memory-mapped and lock-free; a segment
without one, or whose file is damaged, is read through Whoosh's own postings.
Everything else that goes through a Whoosh reader (stored documents, id
lookups, phrases, the term dictionary) holds the snapshot's lock for the
duration of that one read: Whoosh readers share file handles (seek, then
read), so two threads reading through one reader at once corrupt each
other's reads. A search holds no lock otherwise, so the threads of a worker
search concurrently.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq

from .columns import ColumnCache, field_lengths
from .interface import EMPTY_POSTINGS, BoolArray, FloatArray, IntArray, Postings
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
        self.version = str(ix.latest_generation())
        self._leaves: list[tuple[Any, int]] = list(self._reader.leaf_readers()) if self.doc_count else []
        # Each segment's own postings file, or None (then Whoosh decodes them).
        self._files: list[SegmentPostings | None] = [SegmentPostings.open(leaf) for leaf, _ in self._leaves]
        self._deleted = [_deleted_mask(leaf) for leaf, _ in self._leaves]
        self._lengths: dict[str, FloatArray] = {}
        self._avg: dict[str, float] = {}
        self.columns = columns.load(self._reader)
        self.vocab = columns.vocab

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
        # The postings files first: they hold views of the segments' mappings.
        for side in self._files:
            if side is not None:
                with contextlib.suppress(Exception):
                    side.close()
        self._files = [None] * len(self._files)
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
                    log.warning("postings file of segment %s unusable (%s); reading Whoosh's postings", i, exc)
                    self._files[i] = side = None
            if side is None:
                with self._lock:
                    p = _leaf_postings(leaf, field, term, off)
            if p is not None:
                parts.append(p)
        if not parts:
            return EMPTY_POSTINGS
        if len(parts) == 1:
            return parts[0]
        return Postings(np.concatenate([p.ids for p in parts]), np.concatenate([p.tf for p in parts]))

    def field_lengths(self, field: str) -> FloatArray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.zeros(self.doc_count, dtype=np.float32)
            with self._lock:
                for leaf, off in self._leaves:
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

    def doc_frequency(self, field: str, term: str) -> int:
        with self._lock:
            try:
                return int(self._reader.doc_frequency(field, term))
            except (KeyError, ValueError):
                return 0

    def terms_with_prefix(self, field: str, prefix: str, limit: int = 5000) -> dict[str, int]:
        # Each segment's term table once: the multi-segment reader's own prefix
        # walk looks every term up again in every segment.
        found: dict[str, int] = {}
        with self._lock:
            for leaf, _offset in self._leaves:
                try:
                    for i, (raw, info) in enumerate(leaf.iter_prefix(field, prefix)):
                        if i >= limit:
                            break
                        term = _text(raw)
                        found[term] = found.get(term, 0) + int(info.doc_frequency())
                except Exception:  # a field this segment never saw
                    continue
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
        with self._lock:
            raw: dict[str, Any] = self._searcher.stored_fields(docnum).get("raw") or {}
        return raw

    def docnum(self, doc_id: str) -> int | None:
        with self._lock:
            try:
                n: int | None = self._searcher.document_number(id=doc_id)
            except UnicodeEncodeError:  # a lone surrogate cannot be an indexed id
                return None
        return n
