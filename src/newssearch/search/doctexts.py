"""Stored documents with their texts folded once, cached per snapshot.

A search reads the same candidates' texts up to three times (the remembered
phrase check, the adjacency rescore, the page's highlights), and the best
candidates of one query are often those of the next. Each read decoded the
stored document and folded its texts again; a :class:`DocCache` keeps the
decoded document with the folded texts it has been asked for, in an LRU
bounded by bytes, so each is decoded and folded once while it stays cached.
It belongs to one snapshot and goes with it: a changed index is a new
snapshot with an empty cache.
"""

from __future__ import annotations

from typing import Any

from ..highlight import fold_same_length
from ..scorer import ByteLru
from ..store import IndexSnapshot

#: Memory budget of the per-snapshot cache of folded documents (~2,000 articles).
DOC_CACHE_BYTES = 32 * 1024 * 1024
#: The stored texts a document is read through (``captions`` joined by newlines).
TEXT_NAMES = ("title", "summary", "captions", "body", "description")


class DocText:
    """A stored document and its texts, each folded with
    :func:`~newssearch.highlight.fold_same_length` on first use and kept.

    ``raw`` is shared with every reader of the cache: read it, never change it.
    """

    __slots__ = ("_folded", "_texts", "raw")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self._texts = {name: _text(raw, name) for name in TEXT_NAMES}
        self._folded: dict[str, str] = {}

    def text(self, name: str) -> str:
        """The stored text ``name`` (one of :data:`TEXT_NAMES`; "" when absent)."""
        return self._texts[name]

    def folded(self, name: str, limit: int | None = None) -> str:
        """``fold_same_length(self.text(name)[:limit])``, folding only what no
        earlier call folded (folding keeps offsets, so a prefix of the folded
        text is the folded prefix)."""
        text = self._texts[name]
        want = len(text) if limit is None else min(limit, len(text))
        done = self._folded.get(name)
        if done is None or len(done) < want:
            # Threads may fold the same text at once: both results are equal.
            done = self._folded[name] = fold_same_length(text[:want])
        return done if len(done) == want else done[:want]

    def nbytes(self) -> int:
        """About the memory its texts and their folded copies take (a
        Vietnamese character is two bytes in a Python string)."""
        return 1024 + 4 * sum(len(t) for t in self._texts.values())


def _text(raw: dict[str, Any], name: str) -> str:
    if name == "captions":
        return "\n".join(raw.get("captions") or ())
    return raw.get(name) or ""


class DocCache:
    """The documents of one snapshot as :class:`DocText`, in an LRU bounded
    by :data:`DOC_CACHE_BYTES` (thread-safe)."""

    def __init__(self, store: IndexSnapshot, budget: int = DOC_CACHE_BYTES) -> None:
        self._store = store
        self._items: ByteLru[int, DocText] = ByteLru(budget, DocText.nbytes)

    def get(self, docnum: int) -> DocText:
        """Document ``docnum``, decoded from the store on its first read; raises
        what :meth:`~newssearch.store.interface.IndexSnapshot.document` raises."""
        doc = self._items.get(docnum)
        if doc is None:
            doc = DocText(self._store.document(docnum))
            self._items.put(docnum, doc)
        return doc
