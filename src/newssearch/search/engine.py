"""The engine: ``Engine.search(SearchRequest) -> SearchResult``, and the
other reads a site makes (a document, related documents, autocomplete).

How a search runs (:meth:`Engine._select`, then :meth:`Engine._order`):

1. The query is read: listing filters written in words (price, area, rooms,
   type: :mod:`newssearch.listing_query`), then terms, phrases and exclusions
   (:func:`newssearch.query.parse_query`) and the places named
   (:mod:`.matching`).
2. Matching and scoring (:meth:`Engine._find`): every term is matched folded
   (accents optional, joined forms so ``halong`` finds ``Hạ Long``, a named
   place satisfied by the document's place) and scored with BM25F over the
   store's postings in NumPy (:mod:`newssearch.scorer`). A ladder relaxes a
   query that finds nothing: typo neighbours and synonyms for its words, then
   most of the words, then any word; a correction of the whole query
   (accents, Telex, typos: :mod:`newssearch.repair`) is shown instead when it
   finds clearly better results.
3. Filters and facets are masks and counts over the store's column arrays
   (:mod:`.filters`, :mod:`.facet_values`).
4. Ranking (:meth:`Engine._rank`, weights in :data:`newssearch.ranking.RANKING`):
   the score plus tiers and boosts, a remembered-sentence bonus, then an
   adjacency rescore of the best candidates. Column sorts (newest, price...)
   are argsorts over the filtered documents.
5. Hits carry snippets highlighted over the original accented text (:mod:`.hits`).

The engine reads the index only through :class:`newssearch.store.IndexSnapshot`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .. import clauses
from .. import facets as fc
from ..autocomplete import Completions, combine, completions
from ..budget import Deadline, bound_query, term_key, unlimited
from ..config import Settings
from ..errors import IndexDamaged, NewsSearchError, NotFound
from ..ids import normalize_id
from ..indexer import IndexStore, open_servable
from ..listing_filters import understood_mask, widen
from ..listing_query import ListingQuery
from ..models import FacetValue, Hit, SearchRequest, SearchResult
from ..order import best_first
from ..phrases import in_one_area, phrase_bonus, phrase_pattern
from ..places import (
    find_places,
)
from ..query import ParsedQuery, QTerm, parse_query, property_intent
from ..ranking import RANKING
from ..recency import recency_factor
from ..repair import (
    FULL,
    FUZZY,
    NONE,
    PARTIAL,
    Found,
    highlight_terms,
    merge_alternatives,
)
from ..scorer import (
    Adjacency,
    Alternative,
    match_term,
    required_count,
    score_terms,
)
from ..store import ORDER_COLUMN, ColumnCache, Columns, open_snapshot
from ..store import generations as gens
from ..synonyms import USER_FILE, SynonymTable
from .facet_values import MAX_FACET_VALUES, facet_values
from .filters import filter_masks, sort_docs, sort_key
from .hits import folded_texts, hit_from_doc, mention_dict, stored
from .matching import (
    Mentioned,
    has_term,
    in_place,
    listing_query,
    phrase_mask,
    place_groups,
    place_mentions,
)
from .readings import Plan, Reading, Trace
from .related import RelatedQuery, related, related_query, related_to
from .snapshot import Snapshot, place_aliases

T = TypeVar("T")
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]


@dataclass
class Selection:
    """What a request selects, before ordering and paging (see ``Engine._select``)."""

    parsed: ParsedQuery
    lq: ListingQuery
    mentions: list[Mentioned]
    facet_masks: dict[str, BoolArray]
    base_mask: BoolArray
    text_mask: BoolArray
    scores: FloatArray | None
    final: BoolArray
    total: int
    relaxed: bool
    ignored: dict[str, int]
    nearest: str | None
    #: What stood in for the query's words (typo neighbours, synonyms).
    alternatives: dict[int, list[Alternative]]
    #: How well the words matched (repair.NONE ... FULL).
    level: int
    #: The corrected query whose results are shown, or None.
    corrected: str | None
    #: A correction offered but not applied ("Có phải bạn muốn tìm"), or None.
    suggestion: str | None


class Engine:
    """Searches one index folder; thread-safe; follows rebuilds and updates."""

    def __init__(self, index_dir: Path | str, settings: Settings | None = None, shard: int | None = None) -> None:
        """``shard``: of a sharded index, search that shard alone, scored and
        decided with the whole index's statistics (what one shard's server
        does; see :meth:`search_shard`)."""
        self.settings = settings or Settings(index_dir=Path(index_dir))
        self.store = IndexStore(index_dir)
        self.shard = shard
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._columns = ColumnCache(place_aliases)
        self._recency_cache: tuple[tuple[str, int], FloatArray | None] | None = None
        self._month_cache: tuple[Columns, npt.NDArray[np.int32]] | None = None
        self.synonyms = SynonymTable(
            Path(self.settings.synonyms_file) if self.settings.synonyms_file else Path(index_dir) / USER_FILE
        )

    def snapshot(self) -> Snapshot:
        """The current snapshot, reopened or refreshed if the index changed."""
        gen = self.store.current_dir()
        snap = self._snap
        if snap is not None and gen == snap.live and snap.store.is_current():
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and gen == snap.live and snap.store.is_current():
                return snap
            live = gen
            degraded: str | None = None
            if snap is None or gen != snap.live:
                gen, ix, degraded = open_servable(self.store)
                self._columns = ColumnCache(place_aliases)
                index = open_snapshot(ix, self._columns, self.shard)
            else:
                gen, degraded = snap.gen, snap.degraded
                index = snap.store.refreshed()
            assert gen is not None
            find_places("hà nội")  # loads the place data now, not within a request's time budget
            # The snapshot it replaces is left to the garbage collector:
            # searches still running on it keep it open until they finish.
            self._snap = Snapshot(gen, index, f"{gen.name}.{index.version}", live=live, degraded=degraded)
            return self._snap

    def _guarded(self, op: Callable[[Snapshot], T]) -> T:
        """Run ``op`` on the current snapshot. When it fails on damaged files
        (damage that appeared while serving), serve a good generation instead."""
        snap = self.snapshot()
        try:
            return op(snap)
        except NewsSearchError as exc:
            # A damaged file the store found is served around like any damage;
            # other errors of ours (bad input, not found) are the answer.
            if not isinstance(exc, IndexDamaged) or not gens.verify(snap.gen):
                raise
        except Exception:
            if not gens.verify(snap.gen):
                raise  # not damage: a bug, reported as such
        with self._lock:
            if self._snap is snap:
                self._snap = None
        return op(self.snapshot())

    def version(self) -> str:
        """Changes whenever the index changes (for HTTP ETags)."""
        return self.snapshot().version

    def close(self) -> None:
        with self._lock:
            if self._snap is not None:
                with contextlib.suppress(Exception):
                    self._snap.store.close()
                self._snap = None

    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search (thread-safe)."""
        started = time.perf_counter()
        return self._guarded(lambda snap: self._search(snap, req, started))

    def search_shard(self, req: SearchRequest, plan: Plan) -> tuple[SearchResult, Trace]:
        """One search of this engine's shard, for a router that merges shards' answers.

        Decisions follow the whole index's readings in ``plan`` where it has
        them (:mod:`.readings`); the :class:`Trace` tells what this shard
        read alone. Facets of a shard of several list every value (the router
        adds them up and cuts), and each hit carries the key it was sorted by
        (the router merges by it)."""
        started = time.perf_counter()
        trace = Trace()
        result = self._guarded(lambda snap: self._search(snap, req, started, plan, trace))
        return result, trace

    def _search(
        self, snap: Snapshot, req: SearchRequest, started: float, plan: Plan | None = None, trace: Trace | None = None
    ) -> SearchResult:
        cols = snap.columns
        deadline = Deadline(self.settings.search_budget)
        sel = self._select(snap, req, deadline, plan=plan, trace=trace)
        parsed, lq, mentions, relaxed, total = sel.parsed, sel.lq, sel.mentions, sel.relaxed, sel.total

        facets: dict[str, list[FacetValue]] = {}
        facet_errors: dict[str, str] = {}
        if req.facets:
            facets, facet_errors = facet_values(
                req, cols, self._columns.vocab, self._months(cols), sel.text_mask & sel.base_mask, sel.facet_masks,
                # A shard of several lists every value: the router adds the lists up, then cuts.
                limit=None if trace is not None and self.shard is not None else MAX_FACET_VALUES,
            )

        start = (req.page - 1) * req.per_page
        ranked = self._order(snap, req, parsed, sel.final, sel.scores, start + req.per_page, deadline)
        page = ranked[start : start + req.per_page]
        terms = list({(term_key(t), t.exact): t for t in highlight_terms(parsed, sel.alternatives, partial=relaxed)}.values())
        hits = [hit_from_doc(snap.docs.get(docnum), score, terms if req.highlight else []) for docnum, score in page]
        if trace is not None:
            keys = cols.numbers[ORDER_COLUMN]
            sort = "newest" if req.sort == "relevance" else req.sort
            for hit, (docnum, score) in zip(hits, page, strict=True):
                # The key _order sorted by: the exact score (hits show it rounded), then the write order.
                hit.merge_key = (-score, float(keys[docnum])) if score is not None else sort_key(cols, docnum, sort)
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            relaxed=relaxed,
            hits=hits,
            facets=facets,
            suggestion=sel.suggestion,
            corrected=sel.corrected,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=req.sort,
            recognized=[mention_dict(m) for m in mentions] + [u.to_dict() for u in lq.understood],
            facet_errors=facet_errors,
            timed_out=deadline.timed_out,
            ignored=sel.ignored,
            nearest=sel.nearest,
            notes=parsed.notes,
        )

    def _select(
        self,
        snap: Snapshot,
        req: SearchRequest,
        deadline: Deadline,
        correct: bool = True,
        plan: Plan | None = None,
        trace: Trace | None = None,
    ) -> Selection:
        """What a request selects: its query read (listing filters apart from
        words), the filter masks, the text match and the final set (relaxed
        when all words find nothing; the nearest reading when the understood
        filters leave nothing).

        ``plan``: readings of the whole index to decide with instead of this
        index's own (a shard's search, :mod:`.readings`); ``trace`` collects
        what was read here."""
        forced = plan.get(req.q) if plan is not None else None
        if trace is not None:
            trace.used.append(req.q)
        cols = snap.columns
        # Price, area, rooms, type... written in the query are filters, not words to match.
        lq = listing_query(req)
        text = lq.rest if lq.understood else req.q
        parsed, ignored = bound_query(parse_query(text))
        mentions = place_mentions(text, parsed)

        facet_masks, base_mask = filter_masks(req, cols, self._columns.vocab)
        unfiltered_base = base_mask.copy()
        # A property query: a listing whose place is known must be in the place named
        # (a Quận 1 flat "near Quận 7" is not a Quận 7 flat); mentions count for the rest.
        in_places = cols.live.copy()
        for _covered, keys in place_groups(mentions):
            in_places &= in_place(snap, keys) | (cols.codes["province"] == 0)
        understood = self._understood(snap, lq)
        if understood is not None:
            understood &= in_places
            base_mask &= understood
        all_filters = base_mask.copy()
        for m in facet_masks.values():
            all_filters &= m
        found = self._find(snap, parsed, mentions, all_filters, deadline, forced)
        suggestion: str | None = None
        if found.level < FULL and correct and not deadline.expired():
            # Nothing good as typed: a correction of the whole query (understood
            # listing words included: "nha phoo" is "nhà phố") that finds all its
            # words is shown instead (for a verbatim search, only suggested).
            fix = snap.repair.correction(bound_query(parse_query(req.q))[0], every=found.level < FUZZY)
            if fix is not None:
                other = self._select(
                    snap, dataclasses.replace(req, q=fix.text), deadline, correct=False, plan=plan, trace=trace
                )
                # Results found through typo neighbours stay (they rank every
                # neighbour); a reading of Telex/VNI, or all the words where
                # only some matched, replaces them.
                replace = (fix.keyed or found.level < FUZZY) and not req.verbatim
                if other.level > found.level and other.level >= FUZZY and not deadline.timed_out:
                    if replace:
                        if trace is not None and forced is None:
                            trace.found[req.q] = Reading(found.step, found.level)
                        return dataclasses.replace(other, corrected=fix.text)
                    suggestion = fix.text
        text_mask, scores, final, total = found.mask, found.scores, found.final, found.total
        relaxed = found.level == PARTIAL
        nearest: str | None = None
        widened: int | None = None
        if total == 0 and understood is not None:
            # Say so, and show the nearest reading (the band above...), never drop a filter silently.
            nearest = "Không có tin nào khớp mọi điều kiện: " + "; ".join(u.label for u in lq.understood)
            for i, (wider, said) in enumerate(widen(lq)):
                if forced is not None and i != forced.widen:
                    continue  # the whole index widens where some shard finds something
                mask = self._understood(snap, wider)
                if mask is None:
                    continue
                mask &= in_places
                candidate = text_mask & unfiltered_base & mask
                for m in facet_masks.values():
                    candidate &= m
                if candidate.any() or forced is not None:
                    base_mask = unfiltered_base & mask
                    final, total = candidate, int(np.count_nonzero(candidate))
                    nearest += f". Kết quả gần nhất: {said}"
                    widened = i
                    break
        if trace is not None and forced is None:
            trace.found[req.q] = Reading(found.step, found.level, widened)
        return Selection(
            parsed, lq, mentions, facet_masks, base_mask, text_mask, scores, final, total, relaxed, ignored,
            nearest, found.alternatives, found.level, None, suggestion,
        )

    def _order(
        self,
        snap: Snapshot,
        req: SearchRequest,
        parsed: ParsedQuery,
        final: BoolArray,
        scores: FloatArray | None,
        limit: int,
        deadline: Deadline | None = None,
    ) -> list[tuple[int, float | None]]:
        """The first ``limit`` documents of ``final`` in the request's order."""
        sort = req.sort
        if sort == "relevance" and parsed.is_empty:
            sort = "newest"
        if sort == "relevance" and scores is not None:
            return self._rank(snap, parsed, final, scores, limit, deadline)
        return [(int(d), None) for d in sort_docs(snap.columns, final, sort)[:limit]]

    def iter_documents(self, req: SearchRequest, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every document matching ``req``, in its order, not only one page
        (exports, feeds). The matching runs now (errors surface here); the
        stored documents are read ``batch`` at a time as the iterator is
        consumed, so memory stays bounded by one batch of documents plus the
        document numbers of the matches."""
        snap = self.snapshot()
        sel = self._select(snap, req, unlimited())
        ranked = self._order(snap, req, sel.parsed, sel.final, sel.scores, sel.total)
        docs = np.fromiter((d for d, _ in ranked), dtype=np.int64, count=len(ranked))
        del ranked
        return stored(snap, docs, batch)

    def _understood(self, snap: Snapshot, lq: ListingQuery) -> BoolArray | None:
        """The documents that satisfy every filter read from the query (None: no such filter)."""
        vocab = self._columns.vocab
        cols = snap.columns

        def text_has(phrases: Any) -> BoolArray:
            """Documents whose title has one of the phrases: its words, each adjacent pair
            as a title bigram (cached postings; a Whoosh phrase query over bodies took
            40 ms on 100 documents, and a listing's title states its kind)."""
            found = np.zeros(snap.text.n, dtype=bool)
            for words in phrases:
                if words:
                    terms = [("title_f", w) for w in words]
                    terms += [("title_bi", f"{a}_{b}") for a, b in itertools.pairwise(words)]
                    found |= np.logical_and.reduce([has_term(snap, f, t) for f, t in terms])
            return found

        mask = understood_mask(lq, cols.codes, cols.numbers, vocab.labels, text_has)
        return None if mask is None else mask & cols.live

    def _find(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        mentions: list[Mentioned],
        filters: BoolArray,
        deadline: Deadline,
        forced: Reading | None = None,
    ) -> Found:
        """Match with every word (typo neighbours standing in for unknown or
        rare words), then with neighbours for every word, then most of the
        words, then any word: the first that finds something, while
        ``deadline`` lasts (the first step always runs).

        ``forced``: the whole index's reading of this query (a shard's
        search): its step and level, whatever this shard finds there."""
        synonyms = snap.repair.synonym_alternatives(parsed, self.synonyms.get())
        typos = snap.repair.typo_alternatives(parsed, every=False)
        n = len(parsed.terms)
        # (every word may have a typo, relaxed to any word, words needed)
        steps: list[tuple[bool, bool, int | None]] = [(False, False, None)]
        if n:
            steps.append((True, False, None))
        if n >= 3:
            steps.append((False, False, required_count(n)))
        if n >= 2:
            steps.append((False, True, None))
        first: Found | None = None
        for step, (every, relaxed, need) in enumerate(steps):
            if forced is not None and forced.step is not None and step != forced.step:
                continue
            if first is not None and deadline.expired():
                break
            fuzzy = typos
            if every:
                fuzzy = snap.repair.typo_alternatives(parsed, every=True)
                if fuzzy == typos:
                    continue  # no word has more neighbours: the same query again
            alternatives = merge_alternatives(synonyms, fuzzy)
            mask, scores, exact = self._match(snap, parsed, mentions, relaxed, alternatives, need, deadline)
            final = mask & filters
            total = int(np.count_nonzero(final))
            if forced is not None and forced.step is not None:
                return Found(forced.level, mask, scores, final, total, alternatives, step)
            if not total:
                # Kept for the facets: their counts ignore their own selection.
                first = first or Found(NONE, mask, scores, final, 0, alternatives)
                continue
            if relaxed or need is not None:
                level = PARTIAL
            elif not fuzzy or (exact is not None and (exact & filters).any()):
                level = FULL
            else:
                level = FUZZY
            return Found(level, mask, scores, final, total, alternatives, step)
        assert first is not None
        return first

    def _match(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        mentions: list[Mentioned],
        relaxed: bool,
        alternatives: dict[int, list[Alternative]] | None = None,
        need: int | None = None,
        deadline: Deadline | None = None,
    ) -> tuple[BoolArray, FloatArray | None, BoolArray | None]:
        """Documents matching the query (live ones only), their base scores,
        and those matching every word as typed (when ``alternatives`` were given).

        A phrase's positions are checked only when some candidate has all its
        words, and only while ``deadline`` lasts: the documents it did not
        reach keep the phrase's words required, unordered; an excluded phrase
        is not applied to them."""
        deadline = deadline or unlimited()
        cols = snap.columns
        ti = snap.text
        exact: BoolArray | None = None
        if parsed.is_empty:
            mask, scores = cols.live.copy(), None
        else:
            groups = place_groups(mentions)
            if parsed.terms:
                # A place and a kind of property ("can ho my tho"): listings first.
                tiers: list[BoolArray] = []
                listing = self._columns.vocab.index["type"].get("listing")
                if groups and listing is not None and property_intent(parsed.terms):
                    tiers.append(cols.codes["type"] == listing)
                scored = score_terms(
                    ti, parsed, groups, relaxed, tiers, deadline, self._recency(snap), alternatives, need
                )
                mask, scores = scored.mask & cols.live, scored.score
                if scored.exact is not None:
                    exact = scored.exact & mask
            else:
                mask, scores = cols.live.copy(), np.zeros(ti.n, dtype=np.float32)
            for phrase in parsed.phrases:
                if not mask.any():
                    break  # nothing left for the other phrases to narrow
                for t in phrase.terms:
                    m = match_term(ti, t)
                    mask &= m.present
                    scores += m.score
                if mask.any() and not deadline.expired():
                    mask &= phrase_mask(snap, phrase, deadline, unreached=True)
            for group in parsed.any_of:
                present, best = clauses.alternatives(
                    ti, group, lambda p: phrase_mask(snap, p, deadline, unreached=True)
                )
                mask &= present
                scores += best
        restricted = clauses.restrict(
            ti, parsed, cols.codes["category"], self._columns.vocab.labels["category"], cols.numbers["published"]
        )
        if restricted is not None:
            mask &= restricted
        for x in parsed.excluded:
            if not mask.any():
                break
            if isinstance(x, QTerm):
                mask &= ~match_term(ti, x).present
                continue
            has_words = mask.copy()
            for t in x.terms:
                has_words &= match_term(ti, t).present
            if has_words.any() and not deadline.expired():
                mask &= ~phrase_mask(snap, x, deadline, unreached=False)
        if exact is not None:
            exact &= mask
        return mask, scores, exact

    def _rank(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        final: BoolArray,
        scores: FloatArray,
        limit: int,
        deadline: Deadline | None = None,
    ) -> list[tuple[int, float | None]]:
        """The best ``limit`` documents by score; the top of the list is
        rescored with adjacency found in summaries and bodies.

        Candidates are the documents that could reach the best ``limit`` with
        the largest bonus (at most :data:`RANKING.rescore_window` beyond
        ``limit``), rescored best first; the rescore stops at the first one
        that could not reach the best ``limit`` even with the largest bonus:
        the same ``limit`` documents, in the same order, as rescoring all of
        them. So the answer does not depend on which other documents are in
        the index (shards searched apart merge into it), unless more than the
        window's documents score within a bonus of the last place. It also
        stops when ``deadline`` expires."""
        deadline = deadline or unlimited()
        docs = np.flatnonzero(final)
        if limit <= 0 or not len(docs):
            return []
        doc_scores = scores[docs].astype(np.float64)
        # Equal scores in write order, not by document number (see newssearch.order).
        keys = snap.columns.numbers[ORDER_COLUMN]
        doc_keys = keys[docs]  # the tie-break of equal scores, independent of the layout
        covered = {i for _, terms in place_mentions(parsed.raw, parsed) for i in terms} | set(property_intent(parsed.terms))
        pattern = phrase_pattern(parsed.terms, parsed.last_is_prefix, len(covered))
        if pattern is not None:  # a remembered sentence: where it stands word for word, first
            # An unfinished last word has no postings of its own: the others decide.
            known = parsed.terms[:-1] if parsed.last_is_prefix else parsed.terms
            eligible = in_one_area(snap.text, known, docs)
            doc_scores += phrase_bonus(
                pattern, docs, doc_scores, eligible, lambda d: folded_texts(snap, d, full=True), doc_keys
            )
        adjacency = Adjacency(parsed.terms)
        top = best_first(doc_scores, doc_keys, limit + RANKING.rescore_window if adjacency.max_bonus else limit)
        if len(top) > limit:  # only those within the largest bonus of the last place can reach it
            reach = doc_scores[top[limit - 1]] - adjacency.max_bonus
            top = top[: max(limit, int(np.count_nonzero(doc_scores[top] >= reach)))]
        docs, doc_scores = docs[top], doc_scores[top]
        rescored = doc_scores
        if adjacency.max_bonus:
            best: list[float] = []  # min-heap of the best ``limit`` rescored values so far
            for i in np.argsort(-rescored, kind="stable"):
                if len(best) >= limit and rescored[i] + adjacency.max_bonus < best[0]:
                    break  # this candidate and every later one stay below the best ``limit``
                if deadline.expired():
                    break
                rescored[i] += adjacency.bonus(folded_texts(snap, int(docs[i])))
                if len(best) < limit:
                    heapq.heappush(best, float(rescored[i]))
                else:
                    heapq.heappushpop(best, float(rescored[i]))
        order = np.lexsort((keys[docs], -rescored))[:limit]
        return [(int(docs[i]), float(rescored[i])) for i in order]

    def _months(self, cols: Columns) -> npt.NDArray[np.int32]:
        """Every document's month code (for the month facet), cached per column set."""
        cached = self._month_cache
        if cached is None or cached[0] is not cols:
            cached = self._month_cache = (cols, fc.month_codes(cols.numbers["published"]))
        return cached[1]

    def _recency(self, snap: Snapshot) -> FloatArray | None:
        """The freshness factor of every document (recomputed hourly and per snapshot).

        Computed at the start of the hour, not at the moment the cache fills,
        so every worker and replica scores the same documents alike."""
        key = (snap.version, int(time.time() // 3600))
        cached = self._recency_cache
        if cached is None or cached[0] != key:
            cols = snap.columns
            listing = self._columns.vocab.index["type"].get("listing", -1)
            factor = recency_factor(cols.numbers["published"], cols.codes["type"] == listing, self.settings, key[1] * 3600.0)
            cached = self._recency_cache = (key, factor)
        return cached[1]

    def _docnum(self, snap: Snapshot, doc_id: str) -> int:
        n = snap.store.docnum(normalize_id(doc_id))
        if n is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return n

    def get(self, doc_id: str) -> dict[str, Any]:
        """The stored document, as indexed."""
        return self._guarded(lambda snap: snap.store.document(self._docnum(snap, doc_id)))

    def related(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents most similar to ``doc_id`` (same type first): "Tin liên quan"."""
        return self._guarded(lambda snap: related(snap, self._docnum(snap, doc_id), limit))

    def related_query(self, doc_id: str) -> RelatedQuery:
        """What documents related to ``doc_id`` are looked for with (for a router:
        the shard that holds the document reads it, every shard answers it)."""
        return self._guarded(lambda snap: related_query(snap, self._docnum(snap, doc_id)))

    def related_to(self, query: RelatedQuery, limit: int = 5) -> list[Hit]:
        """This index's documents most related to ``query``'s, with merge keys."""
        return self._guarded(lambda snap: related_to(snap, query, limit))

    def suggest(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Autocomplete for a partial query: frequent phrases, then matching titles.

        Bounded by ``deadline`` (by default the settings' search budget);
        ``deadline.timed_out`` tells the caller whether the list was cut short."""
        return combine([self.completions(prefix, limit, deadline)], limit)

    def completions(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> Completions:
        """What :meth:`suggest` combines, for a router that combines the lists of several shards."""
        budget = deadline or Deadline(self.settings.search_budget)

        def parts(snap: Snapshot) -> Completions:
            budget.start()
            return completions(snap.suggester, snap.repair, prefix, limit, budget)

        return self._guarded(parts)

    def restore(self, text: str) -> str:
        """``text`` with the diacritics of its unaccented words restored (lowercase)."""
        return self._guarded(lambda snap: snap.repair.restore(text))

    def stats(self) -> dict[str, Any]:
        """Statistics of the generation being served (``degraded`` says why when it
        is not the live one)."""
        snap = self.snapshot()
        data = self.store.stats(snap.gen, check=False)
        if snap.degraded:
            data["degraded"] = snap.degraded
        return data
