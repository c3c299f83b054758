"""Workaround for a whoosh3 3.54.0 defect, kept in one place.

Top-N collection: Whoosh's default top-N collector "replaces" matchers and skips blocks using
estimated maximum scores. With boosted optional clauses (``AndMaybe``/``Or``
with boosts, as our ranking and ``more_like`` use) the estimates are wrong and
the best documents are dropped: the same query returned different first hits
with ``limit=3`` and ``limit=8`` (whoosh3 3.54.0). Every scored search in
newssearch goes through :func:`top_docs`, which scores every match exactly.

"""

from __future__ import annotations

from typing import Any

from whoosh import collectors


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

