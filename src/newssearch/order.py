"""The order of documents that rank equal, the same in every index layout.

Document numbers depend on how an index is laid out (one index, or shards
laid end to end, and on segment merges), so they must not decide between
equal scores: two layouts of the same documents would show different
pages. Ties go to each document's write order instead
(:data:`newssearch.store.ORDER_COLUMN`, ``Columns.numbers``), which a
generation's documents share however they are stored.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def best_first(scores: npt.NDArray[np.floating], keys: npt.NDArray[np.floating], limit: int) -> IntArray:
    """Positions of the ``limit`` highest ``scores``, best first, equal scores
    by ascending ``keys``: a partial selection (only the documents scoring at
    least the ``limit``-th best are sorted), whose ties at the cut are decided
    by ``keys`` too, not by where the documents stand."""
    n = len(scores)
    if limit <= 0 or not n:
        return np.zeros(0, dtype=np.int64)
    if n > limit:
        negated = -scores
        kth = np.partition(negated, limit - 1)[limit - 1]
        candidates = np.flatnonzero(negated <= kth)
    else:
        candidates = np.arange(n, dtype=np.int64)
    order = np.lexsort((keys[candidates], -scores[candidates]))
    return candidates[order][:limit].astype(np.int64)
