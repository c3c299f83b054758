"""Merging the answers of index shards into the answer of one index.

With one shard the merge cuts the facet lists (a shard lists every value).
With several, totals and facet counts add up and hits are merged in the request's order,
which gives the single index's answer when every shard scores with the
corpus-wide statistics (document counts, document frequencies, average field
lengths) rather than its own: BM25 scores are then comparable across shards.

A shard that did not answer leaves its part out, and the result says so
(:class:`PartialResult`: ``"partial": true`` and ``"partial_shards"``).
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import facets as fc
from ..models import FacetValue, Hit, SearchRequest, SearchResult
from ..search.facet_values import MAX_FACET_VALUES
from ..search.filters import SORT_COLUMNS
from ..search.readings import Plan, Reading, Trace, combine

log = logging.getLogger(__name__)


@dataclass
class PartialResult(SearchResult):
    """A search some shards did not answer in time: what the others found."""

    #: The shards (0-based) left out of this answer.
    partial_shards: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["partial"] = True
        data["partial_shards"] = list(self.partial_shards)
        return data


#: Rounds of a search before the shards' answers are merged as they are (each
#: round settles at least one more reading; a search reads at most two texts).
MAX_ROUNDS = 4

#: Asks shards ``to`` for ``search_shard(request, plan)``; None for a shard that did not answer.
AskShards = Callable[[SearchRequest, Plan, list[int]], Sequence[tuple[SearchResult, Trace] | None]]


def search_shards(req: SearchRequest, total: int, ask: AskShards) -> SearchResult:
    """The whole index's answer to ``req`` from its ``total`` shards.

    Each shard decides with its own readings of the query and says which
    (:mod:`newssearch.search.readings`); the shards whose answer rests on a
    reading the whole index does not share are asked again with the
    combined readings, until every answer rests on the whole index's: one
    round when the shards agree, as they do for most queries."""
    sreq = shard_request(req, total)
    plan: dict[str, Reading] = {}
    read: dict[str, dict[int, Reading]] = {}
    answers: list[tuple[SearchResult, Trace] | None] = [None] * total
    asked = list(range(total))
    for _round in range(MAX_ROUNDS):
        for n, answer in zip(asked, ask(sreq, dict(plan), asked), strict=True):
            answers[n] = answer
            for text, reading in answer[1].found.items() if answer is not None else ():
                read.setdefault(text, {})[n] = reading
        heard = {n: answer for n, answer in enumerate(answers) if answer is not None}
        for text, by_shard in read.items():
            if text not in plan and all(n in by_shard for n in heard):
                plan[text] = combine([by_shard[n] for n in heard])
        asked = [n for n, answer in heard.items() if not answer[1].agrees(plan)]
        if not asked:
            break
    else:
        log.warning("shards %s still decide %r on readings of their own after %d rounds", asked, req.q, MAX_ROUNDS)
    return merge_search(req, [answer[0] if answer is not None else None for answer in answers])


def merge_search(req: SearchRequest, answers: Sequence[SearchResult | None]) -> SearchResult:
    """One result from the shards' answers to ``req`` (``None``: the shard did not answer).

    Each shard must have been asked for the first ``page × per_page`` hits
    (:func:`shard_request`); the requested page is cut from the merged list.
    A result with missing shards is a :class:`PartialResult` that also says
    ``timed_out`` (so it is not cached).
    """
    missing = [i for i, answer in enumerate(answers) if answer is None]
    found = [answer for answer in answers if answer is not None]
    if len(answers) == 1 and found:
        # A shard lists every facet value; the one index lists the first ones.
        return dataclasses.replace(found[0], facets=_merge_facets([found[0].facets]))
    start = (req.page - 1) * req.per_page
    if found:
        first = found[0]
        keyed = all(h.merge_key is not None for a in found for h in a.hits)
        order = _merge_key if keyed else _hit_order(req.sort)
        hits = list(heapq.merge(*(a.hits for a in found), key=order))
        merged = dataclasses.replace(
            first,
            total=sum(a.total for a in found),
            page=req.page,
            per_page=req.per_page,
            relaxed=any(a.relaxed for a in found),
            hits=hits[start : start + req.per_page],
            facets=_merge_facets([a.facets for a in found]),
            took_ms=max(a.took_ms for a in found),
            facet_errors={k: v for a in found for k, v in a.facet_errors.items()},
            timed_out=any(a.timed_out for a in found),
        )
    else:
        merged = SearchResult(
            query=req.q, total=0, page=req.page, per_page=req.per_page, relaxed=False, hits=[],
            facets={}, suggestion=None, took_ms=0.0, sort=req.sort,
        )
    if not missing:
        return merged
    values = {f.name: getattr(merged, f.name) for f in dataclasses.fields(SearchResult)}
    values["timed_out"] = True
    return PartialResult(**values, partial_shards=missing)


def shard_request(req: SearchRequest, shards: int) -> SearchRequest:
    """What each shard is asked for ``req``: with several shards, the first
    ``page × per_page`` hits, since any of them may fall on the requested page."""
    if shards == 1:
        return req
    return dataclasses.replace(req, page=1, per_page=req.page * req.per_page)


def _hit_order(sort: str) -> Any:
    """The merge key of a hit without a shard's :attr:`~newssearch.models.Hit.merge_key`:
    higher score first, or the sort column with missing values last."""
    if sort not in SORT_COLUMNS:
        return lambda hit: -(hit.score or 0.0)
    column, descending = SORT_COLUMNS[sort]

    def key(hit: Hit) -> tuple[bool, Any]:
        value = getattr(hit, column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return (True, 0)
        if isinstance(value, str):  # ISO dates: compare as text, newest first by inverting the order
            return (False, _Reversed(value) if descending else value)
        return (False, -value if descending else value)

    return key


@dataclass(frozen=True, order=False)
class _Reversed:
    """Text that sorts in reverse (for descending order of ISO dates)."""

    text: str

    def __lt__(self, other: _Reversed) -> bool:
        return self.text > other.text


def _merge_facets(all_facets: Sequence[dict[str, list[FacetValue]]]) -> dict[str, list[FacetValue]]:
    """Facet counts added up per value, in the engine's order for each facet.

    Keyword facets list their most frequent values first, at most
    :data:`MAX_FACET_VALUES` (selected ones always): a value cut from one
    shard's list is missing from the sum, so such counts are exact when each
    shard lists every value it has.
    """
    merged: dict[str, dict[str, FacetValue]] = {}
    for facets in all_facets:
        for name, values in facets.items():
            into = merged.setdefault(name, {})
            for fv in values:
                seen = into.get(fv.value)
                if seen is None:
                    into[fv.value] = dataclasses.replace(fv)
                else:
                    seen.count += fv.count
                    seen.selected = seen.selected or fv.selected
    return {name: _facet_order(name, list(values.values())) for name, values in merged.items()}


#: The fixed order of range facets' values (their bands).
_BANDS = {
    "price": fc.PRICE_BANDS,
    "price_rent": fc.RENT_BANDS,
    "area": fc.AREA_BANDS,
    "price_per_m2": fc.PRICE_PER_M2_BANDS,
}


def _facet_order(name: str, values: list[FacetValue]) -> list[FacetValue]:
    """``values`` in the order :func:`~newssearch.search.facet_values.facet_values` gives them."""
    if name == "year":
        return sorted(values, key=lambda fv: -int(fv.value))
    if name == "month":
        return sorted(values, key=lambda fv: fv.value)
    if name == "bedrooms":
        return sorted(values, key=lambda fv: int(fv.value))
    if name in _BANDS:
        position = {band.value: i for i, band in enumerate(_BANDS[name])}
        return sorted(values, key=lambda fv: position.get(fv.value, len(position)))
    top = sorted(values, key=lambda fv: (-fv.count, fv.value))[:MAX_FACET_VALUES]
    return top + sorted((fv for fv in values if fv.selected and fv not in top), key=lambda fv: fv.value)


def merge_related(answers: Sequence[list[Hit]], limit: int) -> list[Hit]:
    """The ``limit`` most related documents of several shards' lists (each best
    first, with merge keys): what the one index lists."""
    return list(heapq.merge(*answers, key=_merge_key))[:limit]


def _merge_key(hit: Hit) -> tuple[float, ...]:
    return hit.merge_key or ()
