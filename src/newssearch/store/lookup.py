"""What the indexer asks of an index while it writes: which ids it holds and
their content hashes, counts and statistics, the segments a commit uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from ..documents import Article, Listing
from .schema import ORDER_COLUMN, to_fields
from .shards import OtherShards, ShardSet


class IdLookup:
    """Whether an id is in the committed index, and its content hash."""

    def __init__(self, ix: Any) -> None:
        self._searcher = ix.searcher()
        self._hashes = _hash_column(self._searcher)

    def refresh(self, ix: Any) -> None:
        """Follow a commit."""
        self._searcher.close()
        self._searcher = ix.searcher()
        self._hashes = _hash_column(self._searcher)

    def close(self) -> None:
        self._searcher.close()

    def _docnum(self, doc_id: str) -> int | None:
        try:
            n: int | None = self._searcher.document_number(id=doc_id)
        except UnicodeEncodeError:  # a lone surrogate cannot be an indexed id
            return None
        return n

    def has(self, doc_id: str) -> bool:
        return self._docnum(doc_id) is not None

    def hash_of(self, doc_id: str) -> str | None:
        n = self._docnum(doc_id)
        if n is None:
            return None
        return self._hashes(n)

    def is_full(self, doc_id: str) -> bool:
        """True for a full document (not a stub of a "Các tin khác" list)."""
        h = self.hash_of(doc_id)
        return h is not None and not h.startswith("s:")


class ShardedLookup:
    """:class:`IdLookup` over a :class:`ShardSet`: each id asked of its shard
    (with ``others``, ids of the shards a build task does not write are
    asked of ``others``)."""

    def __init__(self, shards: ShardSet, others: OtherShards | None = None) -> None:
        self._shards = shards
        self._others = others
        self._lookups = [IdLookup(ix) for ix in shards.indexes]

    def refresh(self, shards: ShardSet) -> None:
        """Follow a commit (of any shard)."""
        for lookup, ix in zip(self._lookups, shards.indexes, strict=True):
            lookup.refresh(ix)

    def close(self) -> None:
        for lookup in self._lookups:
            lookup.close()

    def has(self, doc_id: str) -> bool:
        return self.hash_of(doc_id) is not None

    def hash_of(self, doc_id: str) -> str | None:
        i = self._shards.owner(doc_id)
        if self._others is not None and i != self._others.mine:
            return self._others.hash_of(doc_id)
        return self._lookups[i].hash_of(doc_id)

    def is_full(self, doc_id: str) -> bool:
        """True for a full document (not a stub of a "Các tin khác" list)."""
        h = self.hash_of(doc_id)
        return h is not None and not h.startswith("s:")


def open_lookup(ix: Any, others: OtherShards | None = None) -> IdLookup | ShardedLookup:
    """The id lookup of a Whoosh index or of a :class:`ShardSet`."""
    return ShardedLookup(ix, others) if isinstance(ix, ShardSet) else IdLookup(ix)


def _hash_column(searcher: Any) -> Callable[[int], str | None]:
    if searcher.doc_count_all() == 0:
        return lambda _docnum: None
    column = searcher.reader().column_reader("chash")

    def lookup(docnum: int) -> str | None:
        value = column[docnum]
        text = value.decode() if isinstance(value, bytes) else str(value)
        return text or None

    return lookup


def write_document(writer: Any, doc: Article | Listing, content_hash: str, replace: bool, seq: int) -> None:
    """Write one document: a plain add for a new id (no delete-by-term lookup),
    an update for an id the index has (committed, or written earlier in this run
    and committed before this version). ``seq``: its place in the generation's
    write order (:data:`~newssearch.store.schema.ORDER_COLUMN`)."""
    fields = {**to_fields(doc), "chash": content_hash.encode(), ORDER_COLUMN: float(seq)}
    if replace:
        writer.update_document(**fields)
    else:
        writer.add_document(**fields)


def document_count(ix: Any) -> int:
    """Live documents of the latest commit (over every shard of a :class:`ShardSet`)."""
    if isinstance(ix, ShardSet):
        return ix.doc_count()
    return int(ix.doc_count())


def index_stats(ix: Any) -> dict[str, Any]:
    """Live documents in all and by type, segments, field names (summed over shards)."""
    if isinstance(ix, ShardSet):
        parts = [index_stats(one) for one in ix.indexes]
        by_type: dict[str, int] = {}
        for part in parts:
            for key, n in part["by_type"].items():
                by_type[key] = by_type.get(key, 0) + n
        return {
            "documents": sum(p["documents"] for p in parts),
            "by_type": by_type,
            "segments": sum(p["segments"] for p in parts),
            "fields": parts[0]["fields"],
            "shards": len(parts),
        }
    with ix.searcher() as s:
        counts: dict[str, int] = {}
        if s.doc_count_all():  # an empty index has no columns
            col = s.reader().column_reader("type")
            for docnum in s.reader().all_doc_ids():
                t = col[docnum]
                key = t.decode() if isinstance(t, bytes) else str(t)
                counts[key] = counts.get(key, 0) + 1
        total = s.doc_count()
        segments = len(s.reader().leaf_readers())
    return {"documents": total, "by_type": counts, "segments": segments, "fields": sorted(ix.schema.names())}


def live_segment_ids(folder: Path) -> set[str] | None:
    """Ids of the segments the latest commit of the index in ``folder`` uses;
    None when it cannot be read."""
    try:
        ix = whoosh_index.open_dir(str(folder))
        return {seg.segment_id() for seg in ix._segments()}
    except Exception:  # Whoosh raises many unrelated types for a damaged TOC
        return None
