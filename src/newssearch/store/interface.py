"""What the rest of newssearch may read from an index: :class:`IndexSnapshot`.

Query parsing, matching, ranking, facets and suggestions are written against
this interface only; how segments, term tables, postings, columns and stored
documents are laid out on disk is the store's business (:mod:`newssearch.store`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .columns import Columns, Vocabulary

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Postings:
    """A term's postings in one field: ascending document numbers of live
    documents and the term's frequency in each."""

    ids: IntArray
    tf: FloatArray


EMPTY_POSTINGS = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def concat_postings(parts: Sequence[Postings]) -> Postings:
    """Postings of consecutive document ranges (segments, shards) as one."""
    if not parts:
        return EMPTY_POSTINGS
    if len(parts) == 1:
        return parts[0]
    return Postings(np.concatenate([p.ids for p in parts]), np.concatenate([p.tf for p in parts]))


class IndexSnapshot(Protocol):
    """One committed state of an index, read-only, safe to share between threads.

    Document numbers run from 0 to :attr:`doc_count` - 1, deleted documents
    included (``columns.live`` tells which are live).
    """

    #: Document numbers in use (live and deleted).
    doc_count: int
    #: The documents the statistics count (scoring's N): :attr:`doc_count`, or
    #: every shard's for one shard read with the whole index's statistics.
    corpus_docs: int
    #: Changes whenever the index changes (HTTP ETags, cache keys).
    version: str

    @property
    def columns(self) -> Columns:
        """Facet, filter and sort values of every document."""
        ...

    #: The keyword columns' value dictionaries.
    vocab: Vocabulary

    def is_current(self) -> bool:
        """False once a newer commit of the same index exists."""
        ...

    def postings(self, field: str, term: str) -> Postings:
        """The live documents containing ``term`` in ``field``."""
        ...

    def corpus_postings(self, field: str, term: str) -> Postings:
        """The live documents of the whole index containing ``term`` in ``field``:
        :meth:`postings`, or every shard's for one shard read with the whole
        index's statistics (numbered shard after shard; for counting and
        intersecting, not for this snapshot's documents)."""
        ...

    def field_lengths(self, field: str) -> FloatArray:
        """Every document's length of ``field`` in tokens (0 when absent)."""
        ...

    def field_length(self, field: str) -> int:
        """The total length of ``field`` in tokens over every document (for
        averages over several snapshots)."""
        ...

    def avg_field_length(self, field: str) -> float:
        """The average length of ``field`` over the documents that have it."""
        ...

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents contain ``term`` in ``field`` (deleted ones too
        until their segment is merged, as Lucene counts them)."""
        ...

    def terms_with_prefix(self, field: str, prefix: str, limit: int = 5000) -> dict[str, int]:
        """The first ``limit`` terms of ``field`` beginning with ``prefix``, in
        order, and their document frequencies."""
        ...

    def terms_within(self, field: str, term: str, maxdist: int, prefix: int = 1) -> list[str]:
        """Terms of ``field`` within ``maxdist`` edits of ``term`` (sharing its first ``prefix`` letters), in order."""
        ...

    def phrase_docs(
        self, fields: Sequence[str], words: Sequence[str], stop: Callable[[], bool] | None = None
    ) -> tuple[IntArray, int]:
        """Documents where ``words`` stand next to each other, in order, in any
        of ``fields``, found in document order until ``stop()`` says so; and
        how far it got (documents from that number on were not examined)."""
        ...

    def document(self, docnum: int) -> dict[str, Any]:
        """The stored document (as indexed); :class:`~newssearch.errors.IndexDamaged`
        when its stored copy fails its checks."""
        ...

    def docnum(self, doc_id: str) -> int | None:
        """The live document number of an id, or None."""
        ...

    def close(self) -> None:
        """Let go of the files behind the snapshot."""
        ...
