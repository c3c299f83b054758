"""Document ids: one normalisation for every place an id comes in.

An id is written by a feed when indexing and typed by a person (or a URL)
when deleting, fetching or asking for related documents. All of them go
through :func:`normalize_id`, so ``doc-hoà`` (old tone placement), ``doc-hòa``,
NFD input and ``ﬁ`` ligatures name the same document everywhere.
"""

from __future__ import annotations

from .vietnamese import normalize

__all__ = ["MAX_ID_CHARS", "normalize_id"]

#: Longest id accepted from a feed.
MAX_ID_CHARS = 200


def normalize_id(value: str) -> str:
    """The canonical form of an id: NFKC, canonical tone placement, invisible
    characters dropped, whitespace collapsed and trimmed (as for indexed text)."""
    return normalize(value)
