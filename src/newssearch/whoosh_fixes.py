"""Workarounds for two whoosh3 3.54.0 defects, kept in one place.

1. Top-N collection. Whoosh's default top-N collector "replaces" matchers and skips blocks using
estimated maximum scores. With boosted optional clauses (``AndMaybe``/``Or``
with boosts, as our ranking and ``more_like`` use) the estimates are wrong and
the best documents are dropped: the same query returned different first hits
with ``limit=3`` and ``limit=8`` (whoosh3 3.54.0). Every scored search in
newssearch goes through :func:`top_docs`, which scores every match exactly.

2. Disjunction-max. ``DisjunctionMaxMatcher.score`` takes the max of both
   sub-matchers' scores even when one of them is positioned on another
   document (and ignores ``tiebreak``), so every match got the same score.
   :class:`DisMax` is a correct replacement.
"""

from __future__ import annotations

from typing import Any

from whoosh import collectors
from whoosh import query as wq
from whoosh.matching import UnionMatcher
from whoosh.util import make_binary_tree


def top_docs(
    searcher: Any,
    q: Any,
    limit: int,
    *,
    allow: set[int] | None = None,
    exclude: set[int] | None = None,
) -> list[tuple[int, float]]:
    """(docnum, score) of the best ``limit`` documents, best first."""
    collector: Any = collectors.TopCollector(limit, usequality=False)
    collector.replace = 0
    if allow is not None or exclude is not None:
        collector = collectors.FilterCollector(collector, allow, exclude)
    searcher.search_with_collector(q, collector)
    results = collector.results()
    return [(int(results.docnum(i)), float(results.score(i))) for i in range(len(results.top_n))]


class DisMaxMatcher(UnionMatcher):  # type: ignore[misc]
    """Union of two matchers scored as max + tiebreak * the other (same document only)."""

    def __init__(self, a: Any, b: Any, tiebreak: float = 0.0) -> None:
        super().__init__(a, b)
        self.tiebreak = tiebreak

    def copy(self) -> DisMaxMatcher:
        return DisMaxMatcher(self.a.copy(), self.b.copy(), self.tiebreak)

    def replace(self, minquality: float = 0) -> Any:
        a, b = self.a, self.b
        if not a.is_active():
            return b.replace(minquality)
        if not b.is_active():
            return a.replace(minquality)
        return self

    def supports_block_quality(self) -> bool:
        return False

    def score(self) -> float:
        current = self.id()
        scores = [m.score() for m in (self.a, self.b) if m.is_active() and m.id() == current]
        if len(scores) == 1:
            return float(scores[0])
        hi, lo = max(scores), min(scores)
        return float(hi + self.tiebreak * lo)


class DisMax(wq.DisjunctionMax):  # type: ignore[misc]
    """``DisjunctionMax`` with a correct matcher: best field + tiebreak * the others."""

    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        matchers = [q.matcher(searcher, context) for q in subs]
        m = make_binary_tree(DisMaxMatcher, matchers, tiebreak=self.tiebreak)
        if self.boost != 1.0:
            from whoosh.matching import WrappingMatcher

            m = WrappingMatcher(m, self.boost)
        return m
