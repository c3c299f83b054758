"""The search engine: ``Engine.search(SearchRequest) -> SearchResult``.

How a search runs:

1. :func:`newssearch.query.parse_query` turns the text into terms, phrases and
   exclusions; :func:`newssearch.places.find_places` recognises places in it.
2. :func:`newssearch.scorer.score_terms` matches every term (folded, so
   accents are optional; joined forms so ``halong`` finds ``Hạ Long``; a
   recognised place may be satisfied by the document's place instead of its
   words) and scores it with BM25F over the store's postings, in NumPy. When
   nothing matches with AND, the terms are relaxed to OR.
3. Filters and facets are computed with NumPy over the store's column arrays
   (dictionary codes for keywords, floats for numbers).
4. Ranking: the BM25F score plus boosts (exact diacritics, title bigrams, all
   words in the title), place and property tiers, then an adjacency rescore
   of the best candidates. Column sorts (newest, price...) are NumPy argsorts
   over the filtered documents.
5. Hits carry snippets highlighted over the original accented text.

The engine reads the index only through :class:`newssearch.store.IndexSnapshot`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from . import clauses
from . import facets as fc
from .autocomplete import complete
from .budget import Deadline, bound_query, term_key, unlimited
from .config import Settings
from .errors import NewsSearchError, NotFound
from .highlight import highlight_all, match_spans, snippet
from .ids import normalize_id
from .indexer import IndexStore, open_servable
from .listing_filters import effective_price, understood_mask, widen
from .listing_query import ListingQuery, understand
from .models import KEYWORD_FILTERS, FacetValue, Hit, SearchRequest, SearchResult
from .phrases import in_one_area, phrase_bonus, phrase_pattern
from .places import (
    PlaceMention,
    find_places,
    normalize_district,
    normalize_province,
    normalize_ward,
    short_name,
)
from .places.map2025 import (
    DISTRICT_SEP,
    Mention2025,
    find_wards_2025,
    forward,
    normalize_province_2025,
    ward_2025_key,
)
from .query import ParsedQuery, QPhrase, QTerm, parse_query, property_intent
from .ranking import RANKING
from .recency import recency_factor
from .repair import (
    FULL,
    FUZZY,
    NONE,
    PARTIAL,
    Found,
    QueryRepair,
    highlight_terms,
    merge_alternatives,
)
from .scorer import (
    Adjacency,
    Alternative,
    TextIndex,
    match_term,
    required_count,
    score_terms,
    score_weighted_terms,
)
from .similar import listing_scores
from .store import TEXT_FIELDS, ColumnCache, Columns, IndexSnapshot, WhooshSnapshot, open_snapshot
from .store import generations as gens
from .suggest import Suggester
from .synonyms import USER_FILE, SynonymTable
from .vietnamese import fold, tokenize

T = TypeVar("T")
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]

#: Display labels for coded values.
TYPE_LABELS = {"article": "Tin tức", "listing": "Nhà đất"}
TRANSACTION_LABELS = {"sale": "Bán", "rent": "Cho thuê"}
#: Keyword facets returned with every search, in display order.
KEYWORD_FACETS = (
    "type", "category", "author", "province", "district", "ward", "property_type", "transaction",
    "ward_2025", "province_2025", "direction", "legal_status", "project",
)
#: Place columns: a value is also found by its name without type word ("tan my").
PLACE_COLUMNS = frozenset({"province", "district", "ward", "ward_2025", "province_2025"})


def _place_aliases(column: str, value: str) -> list[str]:
    """Other names a place column's value is found by: each of several districts
    it lists, with and without its type word."""
    if column not in PLACE_COLUMNS:
        return []
    parts = value.split(DISTRICT_SEP)
    return [*parts, *(short_name(part) for part in parts)]

MAX_FACET_VALUES = 30

# ---------------------------------------------------------------------------
# Snapshots: one committed state of the index and what is derived from it
# ---------------------------------------------------------------------------


@dataclass
class Snapshot:
    """An index snapshot with its scoring caches and suggester. Shared by the
    threads that search it: the store's reads are thread-safe, and the
    caches hold their own locks."""

    gen: Path
    #: What the store serves of this commit (read through ``IndexSnapshot``).
    store: WhooshSnapshot
    version: str
    #: The generation ``current`` named when this snapshot was opened; differs
    #: from ``gen`` when that one was damaged and an earlier one is served.
    live: Path | None = None
    #: Why an earlier generation is served (None when the live one is).
    degraded: str | None = None
    suggester: Suggester = field(init=False)
    text: TextIndex = field(init=False)
    repair: QueryRepair = field(init=False)

    def __post_init__(self) -> None:
        self.text = TextIndex(self.store)
        self.suggester = Suggester(self.store, self.text)
        self.repair = QueryRepair(self.gen, self.suggester)
        self.repair.warm()

    @property
    def columns(self) -> Columns:
        return self.store.columns


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

    def __init__(self, index_dir: Path | str, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(index_dir=Path(index_dir))
        self.store = IndexStore(index_dir)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._columns = ColumnCache(_place_aliases)
        self._recency_cache: tuple[tuple[str, int], FloatArray | None] | None = None
        self._month_cache: tuple[Columns, npt.NDArray[np.int32]] | None = None
        self.synonyms = SynonymTable(
            Path(self.settings.synonyms_file) if self.settings.synonyms_file else Path(index_dir) / USER_FILE
        )

    # -- snapshot management -------------------------------------------------
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
                self._columns = ColumnCache(_place_aliases)
                index = open_snapshot(ix, self._columns)
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
        except NewsSearchError:
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

    # -- search --------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search (thread-safe)."""
        started = time.perf_counter()
        return self._guarded(lambda snap: self._search(snap, req, started))

    def _search(self, snap: Snapshot, req: SearchRequest, started: float) -> SearchResult:
        cols = snap.columns
        deadline = Deadline(self.settings.search_budget)
        sel = self._select(snap, req, deadline)
        parsed, lq, mentions, relaxed, total = sel.parsed, sel.lq, sel.mentions, sel.relaxed, sel.total

        facet_values: dict[str, list[FacetValue]] = {}
        facet_errors: dict[str, str] = {}
        if req.facets:
            facet_values, facet_errors = self._facets(req, cols, sel.text_mask & sel.base_mask, sel.facet_masks)

        start = (req.page - 1) * req.per_page
        ranked = self._order(snap, req, parsed, sel.final, sel.scores, start + req.per_page, deadline)
        page = ranked[start : start + req.per_page]
        terms = list({(term_key(t), t.exact): t for t in highlight_terms(parsed, sel.alternatives, partial=relaxed)}.values())
        hits = [self._hit(snap, docnum, score, terms, req.highlight) for docnum, score in page]
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            relaxed=relaxed,
            hits=hits,
            facets=facet_values,
            suggestion=sel.suggestion,
            corrected=sel.corrected,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=req.sort,
            recognized=[_mention_dict(m) for m in mentions] + [u.to_dict() for u in lq.understood],
            facet_errors=facet_errors,
            timed_out=deadline.timed_out,
            ignored=sel.ignored,
            nearest=sel.nearest,
            notes=parsed.notes,
        )

    def _select(self, snap: Snapshot, req: SearchRequest, deadline: Deadline, correct: bool = True) -> Selection:
        """What a request selects: its query read (listing filters apart from
        words), the filter masks, the text match and the final set (relaxed
        when all words find nothing; the nearest reading when the understood
        filters leave nothing)."""
        cols = snap.columns
        # Price, area, rooms, type... written in the query are filters, not words to match.
        lq = listing_query(req)
        text = lq.rest if lq.understood else req.q
        parsed, ignored = bound_query(parse_query(text))
        mentions = _place_mentions(text, parsed)

        facet_masks, base_mask = self._filter_masks(req, cols)
        unfiltered_base = base_mask.copy()
        # A property query: a listing whose place is known must be in the place named
        # (a Quận 1 flat "near Quận 7" is not a Quận 7 flat); mentions count for the rest.
        in_place = cols.live.copy()
        for _covered, keys in _place_groups(mentions):
            in_place &= _in_place(snap, keys) | (cols.codes["province"] == 0)
        understood = self._understood(snap, lq)
        if understood is not None:
            understood &= in_place
            base_mask &= understood
        all_filters = base_mask.copy()
        for m in facet_masks.values():
            all_filters &= m
        found = self._find(snap, parsed, mentions, all_filters, deadline)
        suggestion: str | None = None
        if found.level < FULL and correct and not deadline.expired():
            # Nothing good as typed: a correction of the whole query (understood
            # listing words included: "nha phoo" is "nhà phố") that finds all its
            # words is shown instead (for a verbatim search, only suggested).
            fix = snap.repair.correction(bound_query(parse_query(req.q))[0], every=found.level < FUZZY)
            if fix is not None:
                other = self._select(snap, dataclasses.replace(req, q=fix.text), deadline, correct=False)
                # Results found through typo neighbours stay (they rank every
                # neighbour); a reading of Telex/VNI, or all the words where
                # only some matched, replaces them.
                replace = (fix.keyed or found.level < FUZZY) and not req.verbatim
                if other.level > found.level and other.level >= FUZZY and not deadline.timed_out:
                    if replace:
                        return dataclasses.replace(other, corrected=fix.text)
                    suggestion = fix.text
        text_mask, scores, final, total = found.mask, found.scores, found.final, found.total
        relaxed = found.level == PARTIAL
        nearest: str | None = None
        if total == 0 and understood is not None:
            # Say so, and show the nearest reading (the band above...), never drop a filter silently.
            nearest = "Không có tin nào khớp mọi điều kiện: " + "; ".join(u.label for u in lq.understood)
            for wider, said in widen(lq):
                mask = self._understood(snap, wider)
                if mask is None:
                    continue
                mask &= in_place
                candidate = text_mask & unfiltered_base & mask
                for m in facet_masks.values():
                    candidate &= m
                if candidate.any():
                    base_mask = unfiltered_base & mask
                    final, total = candidate, int(np.count_nonzero(candidate))
                    nearest += f". Kết quả gần nhất: {said}"
                    break
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
        return [(int(d), None) for d in _sort_docs(snap.columns, final, sort)[:limit]]

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
        return _stored(snap, docs, batch)

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
                    found |= np.logical_and.reduce([_has_term(snap, f, t) for f, t in terms])
            return found

        mask = understood_mask(lq, cols.codes, cols.numbers, vocab.labels, text_has)
        return None if mask is None else mask & cols.live

    # -- matching --------------------------------------------------------------
    def _find(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        mentions: list[Mentioned],
        filters: BoolArray,
        deadline: Deadline,
    ) -> Found:
        """Match with every word (typo neighbours standing in for unknown or
        rare words), then with neighbours for every word, then most of the
        words, then any word: the first that finds something, while
        ``deadline`` lasts (the first step always runs)."""
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
        for every, relaxed, need in steps:
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
            return Found(level, mask, scores, final, total, alternatives)
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
            groups = _place_groups(mentions)
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
                    mask &= _phrase_mask(snap, phrase, deadline, unreached=True)
            for group in parsed.any_of:
                present, best = clauses.alternatives(
                    ti, group, lambda p: _phrase_mask(snap, p, deadline, unreached=True)
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
                mask &= ~_phrase_mask(snap, x, deadline, unreached=False)
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

        Candidates are rescored best first, and the rescore stops at the first
        one that could not reach the best ``limit`` even with the largest
        bonus: the same ``limit`` documents, in the same order, as rescoring
        all of them. It also stops when ``deadline`` expires."""
        deadline = deadline or unlimited()
        docs = np.flatnonzero(final)
        if limit <= 0 or not len(docs):
            return []
        window = max(limit, RANKING.rescore_window)
        doc_scores = scores[docs].astype(np.float64)
        covered = {i for _, terms in _place_mentions(parsed.raw, parsed) for i in terms} | set(property_intent(parsed.terms))
        pattern = phrase_pattern(parsed.terms, parsed.last_is_prefix, len(covered))
        if pattern is not None:  # a remembered sentence: where it stands word for word, first
            # An unfinished last word has no postings of its own: the others decide.
            known = parsed.terms[:-1] if parsed.last_is_prefix else parsed.terms
            eligible = in_one_area(snap.text, known, docs)
            doc_scores += phrase_bonus(pattern, docs, doc_scores, eligible, lambda d: _texts(snap, d, full=True))
        if len(docs) > window:
            top = np.argpartition(-doc_scores, window - 1)[:window]
            docs, doc_scores = docs[top], doc_scores[top]
        rescored = doc_scores
        adjacency = Adjacency(parsed.terms)
        if adjacency.max_bonus:
            best: list[float] = []  # min-heap of the best ``limit`` rescored values so far
            for i in np.argsort(-rescored, kind="stable")[:RANKING.rescore_window]:
                if len(best) >= limit and rescored[i] + adjacency.max_bonus < best[0]:
                    break  # this candidate and every later one stay below the best ``limit``
                if deadline.expired():
                    break
                rescored[i] += adjacency.bonus(_texts(snap, int(docs[i])))
                if len(best) < limit:
                    heapq.heappush(best, float(rescored[i]))
                else:
                    heapq.heappushpop(best, float(rescored[i]))
        order = np.lexsort((docs, -rescored))[:limit]
        return [(int(docs[i]), float(rescored[i])) for i in order]

    def _months(self, cols: Columns) -> npt.NDArray[np.int32]:
        """Every document's month code (for the month facet), cached per column set."""
        cached = self._month_cache
        if cached is None or cached[0] is not cols:
            cached = self._month_cache = (cols, fc.month_codes(cols.numbers["published"]))
        return cached[1]

    def _recency(self, snap: Snapshot) -> FloatArray | None:
        """The freshness factor of every document (recomputed hourly and per snapshot)."""
        key = (snap.version, int(time.time() // 3600))
        cached = self._recency_cache
        if cached is None or cached[0] != key:
            cols = snap.columns
            listing = self._columns.vocab.index["type"].get("listing", -1)
            factor = recency_factor(cols.numbers["published"], cols.codes["type"] == listing, self.settings, time.time())
            cached = self._recency_cache = (key, factor)
        return cached[1]

    # -- filters and facets ----------------------------------------------------
    def _filter_masks(self, req: SearchRequest, cols: Columns) -> tuple[dict[str, BoolArray], BoolArray]:
        """Per-facet selection masks (disjunctive facets) and the mask of the other filters."""
        n = len(cols.live)
        base = cols.live.copy()
        masks: dict[str, BoolArray] = {}
        for name in KEYWORD_FILTERS:
            values = req.filters.get(name)
            if values:
                wanted = self._codes_for(name, values)
                masks[name] = np.isin(cols.codes[name], np.fromiter(wanted, dtype=np.int32)) if wanted else np.zeros(n, dtype=bool)
        if req.years:
            masks["year"] = np.isin(cols.numbers["year"], np.asarray(req.years, dtype=np.float64))
        if req.price_min is not None or req.price_max is not None:
            # within one transaction: a rent per month is never a sale price
            rent = self._rent(cols)
            within = rent if req.filters.get("transaction") == ["rent"] else ~rent
            masks["price"] = within & _range_mask(effective_price(cols.numbers), req.price_min, req.price_max)
        if req.price_per_m2_min is not None or req.price_per_m2_max is not None:
            masks["price_per_m2"] = _range_mask(
                cols.numbers["price_per_m2_vnd"], req.price_per_m2_min, req.price_per_m2_max
            )
        if req.area_min is not None or req.area_max is not None:
            masks["area"] = _range_mask(cols.numbers["area_m2"], req.area_min, req.area_max)
        if req.bedrooms is not None:
            with np.errstate(invalid="ignore"):
                masks["bedrooms"] = cols.numbers["bedrooms"] >= req.bedrooms
        if req.date_from is not None or req.date_to is not None:
            lo = _ts(req.date_from, dtime.min) if req.date_from else None
            hi = _ts(req.date_to, dtime.max) if req.date_to else None
            base &= _range_mask(cols.numbers["published"], lo, hi, inclusive_hi=True)
        return masks, base

    def _rent(self, cols: Columns) -> BoolArray:
        """Listings for rent."""
        code = self._columns.vocab.index["transaction"].get("rent")
        if code is None:
            return np.zeros(len(cols.live), dtype=bool)
        rent: BoolArray = cols.codes["transaction"] == code
        return rent

    def _codes_for(self, name: str, values: Iterable[str]) -> set[int]:
        vocab = self._columns.vocab
        index, folded = vocab.index[name], vocab.folded[name]
        out: set[int] = set()
        for v in values:
            candidates = {v}
            if name == "district":
                candidates.add(normalize_district(v) or v)
            elif name == "province":
                candidates.add(normalize_province(v) or v)
            elif name == "ward":
                candidates.add(normalize_ward(v) or v)
            elif name == "province_2025":
                candidates.add(normalize_province_2025(v) or v)
            for c in candidates:
                if c in index:
                    out.add(index[c])
                out |= folded.get(fold(c).strip(), set())
        out.discard(0)
        return out

    def _facets(
        self, req: SearchRequest, cols: Columns, matched: BoolArray, masks: dict[str, BoolArray]
    ) -> tuple[dict[str, list[FacetValue]], dict[str, str]]:
        out: dict[str, list[FacetValue]] = {}
        errors: dict[str, str] = {}

        base: npt.NDArray[np.int64] | None = None

        def others(skip: str) -> npt.NDArray[np.int64]:
            """The matched documents that pass every selection but ``skip``'s (disjunctive facets)."""
            nonlocal base
            applied = [mask for name, mask in masks.items() if name != skip]
            if applied:
                return np.flatnonzero(np.logical_and.reduce([matched, *applied]))
            if base is None:
                base = np.flatnonzero(matched)
            return base

        vocab = self._columns.vocab
        for name in KEYWORD_FACETS:
            try:
                labels = vocab.labels[name]
                counts = fc.code_counts(cols.codes[name], others(name), len(labels))
                selected = self._codes_for(name, req.filters.get(name, []))
                if name == "district":
                    out[name] = _split_facet(labels, counts, selected, req.filters.get(name, []))
                    continue
                present = {int(c) for c in np.flatnonzero(counts[1:]) + 1} | {c for c in selected if c}
                order = sorted(present, key=lambda c: (-counts[c], labels[c]))[:MAX_FACET_VALUES]
                order += [c for c in selected if c not in order]
                out[name] = [
                    FacetValue(labels[c], _label(name, labels[c]), int(counts[c]), c in selected) for c in order
                ]
            except Exception as exc:  # a broken facet is reported; the search still answers
                errors[name] = str(exc)
        year_values = cols.numbers["year"][others("year")]
        years, year_counts = np.unique(year_values[~np.isnan(year_values)], return_counts=True)
        out["year"] = [
            FacetValue(str(int(y)), str(int(y)), int(c), int(y) in req.years)
            for y, c in sorted(zip(years, year_counts, strict=True), reverse=True)
        ]
        month = fc.month_range(req.date_from.strftime("%Y-%m")) if req.date_from else None
        out["month"] = [
            FacetValue(key, f"{key[5:]}/{key[:4]}", count, month == (req.date_from, req.date_to))
            for key, count in fc.month_counts(self._months(cols), others("month"))
        ]
        # Rent and sale prices apart: sale bands count sales, rent bands rentals.
        rent = self._rent(cols)
        renting = req.filters.get("transaction") == ["rent"]
        price = effective_price(cols.numbers)
        price_docs = others("price")
        for name, values, docs, bands, lo, hi, selectable in (
            ("price", price, price_docs[~rent[price_docs]], fc.PRICE_BANDS, req.price_min, req.price_max, not renting),
            ("price_rent", price, price_docs[rent[price_docs]], fc.RENT_BANDS, req.price_min, req.price_max, renting),
            ("area", cols.numbers["area_m2"], others("area"), fc.AREA_BANDS, req.area_min, req.area_max, True),
            ("price_per_m2", cols.numbers["price_per_m2_vnd"], others("price_per_m2"), fc.PRICE_PER_M2_BANDS,
             req.price_per_m2_min, req.price_per_m2_max, True),
        ):
            band = fc.band_counts(values, docs, bands)
            chosen = fc.find_band(bands, lo, hi) if selectable else None
            values_out = [
                FacetValue(b.value, b.label, c, b == chosen)
                for b, c in zip(bands, band, strict=True)
                if c or b == chosen
            ]
            if values_out or name in ("price", "area"):
                out[name] = values_out
        beds = fc.at_least_counts(cols.numbers["bedrooms"], others("bedrooms"), fc.BEDROOM_VALUES)
        out["bedrooms"] = [
            FacetValue(str(n), f"{n}+ phòng ngủ", c, req.bedrooms == n)
            for n, c in zip(fc.BEDROOM_VALUES, beds, strict=True)
            if c or req.bedrooms == n
        ]
        return out, errors

    # -- hits -----------------------------------------------------------------
    def _hit(self, snap: Snapshot, docnum: int, score: float | None, terms: list[QTerm], highlight: bool) -> Hit:
        return hit_from_raw(snap.store.document(docnum), score, terms if highlight else [])

    # -- documents -------------------------------------------------------------
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
        return self._guarded(lambda snap: self._related(snap, doc_id, limit))

    def _related(self, snap: Snapshot, doc_id: str, limit: int) -> list[Hit]:
        docnum = self._docnum(snap, doc_id)
        raw = snap.store.document(docnum)
        text = " ".join(
            [raw.get("title") or ""] * 3 + [raw.get("summary") or "", (raw.get("body") or raw.get("description") or "")[:8000]]
        )
        weighted = _key_terms(snap.store, text, RELATED_KEY_TERMS)
        codes = snap.columns.codes["type"]
        others = (codes == codes[docnum]) & snap.columns.live
        others[docnum] = False
        if raw.get("type") == "listing":
            return self._similar_listings(snap, docnum, weighted, others, limit)
        if not weighted:
            return []
        ids, scores = score_weighted_terms(snap.text, "body_f", weighted)
        keep = others[ids]
        ids, scores = ids[keep], scores[keep]
        best = np.lexsort((ids, -scores))[:limit]
        return [hit_from_raw(snap.store.document(int(ids[i])), float(scores[i]), []) for i in best]

    def _similar_listings(
        self, snap: Snapshot, docnum: int, weighted: dict[str, float], others: BoolArray, limit: int
    ) -> list[Hit]:
        """Listings ranked by place, type, transaction, price and area, then words."""
        cols = snap.columns
        text = np.zeros(len(cols.live))
        if weighted:
            ids, s = score_weighted_terms(snap.text, "body_f", weighted)
            text[ids] = s
        scores = listing_scores(docnum, cols.codes, cols.numbers, snap.store.vocab.labels, text)
        candidates = np.flatnonzero(others)
        best = candidates[np.lexsort((candidates, -scores[candidates]))[:limit]]
        return [
            hit_from_raw(snap.store.document(int(d)), round(float(scores[d]), 4), [])
            for d in best
            if scores[d] > 0
        ]

    def suggest(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Autocomplete for a partial query: frequent phrases, then matching titles.

        Bounded by ``deadline`` (by default the settings' search budget);
        ``deadline.timed_out`` tells the caller whether the list was cut short."""
        budget = deadline or Deadline(self.settings.search_budget)

        def suggestions(snap: Snapshot) -> list[dict[str, Any]]:
            budget.start()
            return complete(snap.suggester, snap.repair, prefix, limit, budget)

        return self._guarded(suggestions)

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


# ---------------------------------------------------------------------------
# Query building
# ---------------------------------------------------------------------------


def listing_query(req: SearchRequest) -> ListingQuery:
    """What the query of ``req`` says as listing filters (the page shows them as chips)."""
    types = req.filters.get("type")
    if types and "listing" not in types:
        return ListingQuery(req.q, [], req.q)  # news only: every word is text
    return understand(req.q, listings=types == ["listing"])


def _in_place(snap: Snapshot, keys: list[str]) -> BoolArray:
    """Documents indexed under any of the place keys."""
    mask = np.zeros(snap.text.n, dtype=bool)
    for key in keys:
        mask[snap.text.postings("places", key).ids] = True
    return mask


def _has_term(snap: Snapshot, field_name: str, term: str) -> BoolArray:
    """Documents with ``term`` in ``field_name``."""
    mask = np.zeros(snap.text.n, dtype=bool)
    mask[snap.text.postings(field_name, term).ids] = True
    return mask


def _phrase_words(p: QPhrase) -> list[str]:
    words: list[str] = []
    for t in p.terms:
        words.extend(t.parts if t.parts else [t.folded])
    return words


def _phrase_mask(snap: Snapshot, x: QPhrase, deadline: Deadline, unreached: bool) -> BoolArray:
    """Live documents with a quoted phrase: the folded words next to each other
    (positions) in any text area, and, where the user typed diacritics, each
    accented word with those diacritics somewhere in the document (exact fields
    keep positions for the title only). Positions are read in document order
    while ``deadline`` lasts; the documents not reached are ``unreached``."""
    n = snap.text.n
    mask = np.zeros(n, dtype=bool)
    docs, reached = snap.store.phrase_docs(
        [f + "_f" for f in TEXT_FIELDS], _phrase_words(x), stop=deadline.expired
    )
    mask[docs] = True
    mask[reached:] = unreached
    if x.accented:
        for t in x.terms:
            if t.accented and not t.parts:
                has = np.zeros(n, dtype=bool)
                for f in TEXT_FIELDS:
                    has[snap.text.postings(f, t.exact).ids] = True
                mask &= has
    return mask


#: How many of a document's most telling words "related" looks for.
RELATED_KEY_TERMS = 15


def _key_terms(store: IndexSnapshot, text: str, count: int) -> dict[str, float]:
    """The ``count`` folded words that best tell a text apart (frequency in the
    text times inverse document frequency in bodies), with those weights."""
    tf = Counter(fold(t.text) for t in tokenize(text) if len(t.text) > 1 and not t.text.isdigit())
    n = max(store.doc_count, 1)
    weights: dict[str, float] = {}
    for word, freq in tf.most_common(count * 8):
        df = store.doc_frequency("body_f", word)
        if df:
            weights[word] = freq * math.log(1 + n / df)
    best = sorted(weights, key=lambda w: -weights[w])[:count]
    return {w: weights[w] for w in best}


Mentioned = tuple[PlaceMention | Mention2025, list[int]]


def _place_mentions(text: str, parsed: ParsedQuery) -> list[Mentioned]:
    """Places recognised in the query (legacy names and 2025 wards), with the
    indexes of the terms they cover."""
    if not parsed.terms:
        return []
    out: list[Mentioned] = []
    found: list[PlaceMention | Mention2025] = [*find_places(text), *find_wards_2025(text)]
    for m in found:
        covered = [i for i, t in enumerate(parsed.terms) if t.start >= m.start and t.end <= m.end]
        if covered:
            out.append((m, covered))
    return out


def _place_key(m: PlaceMention | Mention2025) -> str:
    if isinstance(m, Mention2025):
        return ward_2025_key(m.ward)
    keys = m.place.keys()
    return keys[-1] if keys else ""


def _place_groups(mentions: list[Mentioned]) -> list[tuple[list[int], list[str]]]:
    """(covered terms, index keys) per place named; a name read in both layouts
    ("phuong tan my": a legacy ward and a 2025 one) matches either."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for m, covered in mentions:
        key = _place_key(m)
        if not key:
            continue
        # a 2025 ward over the same words as a legacy place joins its group
        same = next((c for c in groups if set(c) & set(covered)), tuple(covered))
        groups.setdefault(same, []).append(key)
    return [(list(c), keys) for c, keys in groups.items()]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _texts(snap: Snapshot, docnum: int, full: bool = False) -> tuple[str, ...]:
    """A document's summary and the start of its body (with ``full``: its
    title, summary, captions and whole body)."""
    raw = snap.store.document(docnum)
    body = raw.get("body") or raw.get("description") or ""
    if full:
        return raw.get("title") or "", raw.get("summary") or "", "\n".join(raw.get("captions") or ()), body
    return raw.get("summary") or "", body[:RANKING.rescore_text_chars]


def _stored(snap: Snapshot, docs: npt.NDArray[np.int64], batch: int) -> Iterator[dict[str, Any]]:
    """The stored documents ``docs``, read ``batch`` at a time."""
    for i in range(0, len(docs), batch):
        yield from [snap.store.document(int(d)) for d in docs[i : i + batch]]


def _range_mask(
    values: npt.NDArray[np.float64], lo: float | None, hi: float | None, inclusive_hi: bool = False
) -> BoolArray:
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(values)
        if lo is not None:
            mask &= values >= lo
        if hi is not None:
            mask &= (values <= hi) if inclusive_hi else (values < hi)
    return mask


def _ts(d: Any, t: dtime) -> float:
    """Seconds since the epoch; dates beyond what the platform converts clamp to ±inf."""
    try:
        return datetime.combine(d, t).timestamp()
    except (ValueError, OverflowError, OSError):
        return float("-inf") if d.year < 1970 else float("inf")


_SORT_COLUMNS: dict[str, tuple[str, bool]] = {
    "newest": ("published", True),
    "oldest": ("published", False),
    "views": ("views", True),
    "price_asc": ("price_vnd", False),
    "price_desc": ("price_vnd", True),
    "area_asc": ("area_m2", False),
    "area_desc": ("area_m2", True),
    "price_per_m2_asc": ("price_per_m2_vnd", False),
    "price_per_m2_desc": ("price_per_m2_vnd", True),
}


def _sort_docs(cols: Columns, final: BoolArray, sort: str) -> npt.NDArray[np.int64]:
    """Document numbers in ``final`` sorted by a column; missing values last, ties newest first."""
    docs = np.flatnonzero(final)
    column, descending = _SORT_COLUMNS[sort]
    values = cols.numbers[column][docs]
    missing = np.isnan(values)
    key = np.where(missing, 0.0, -values if descending else values)
    published = cols.numbers["published"][docs]
    tie = np.where(np.isnan(published), 0.0, -published)
    order = np.lexsort((docs, tie, key, missing))
    return docs[order]


def _label(name: str, value: str) -> str:
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "transaction":
        return TRANSACTION_LABELS.get(value, value)
    return value


def _mention_dict(m: Mentioned) -> dict[str, Any]:
    mention = m[0]
    if isinstance(mention, Mention2025):
        return {
            "text": mention.text,
            "level": "ward_2025",
            "province": None,
            "district": None,
            "ward": None,
            "districts": list(mention.districts),
            "province_2025": mention.ward.province,
            "ward_2025": mention.ward.name,
        }
    new = forward(mention.place)
    return {
        "text": mention.text,
        "level": mention.level,
        "province": mention.place.province,
        "district": mention.place.district,
        "ward": mention.place.ward,
        "districts": list(new.districts),
        "province_2025": new.province_2025,
        "ward_2025": new.ward_2025,
    }


def _split_facet(
    labels: list[str], counts: npt.NDArray[np.int64], selected: set[int], requested: list[str]
) -> list[FacetValue]:
    """A facet whose values may hold several names (a place in several districts):
    each name counted once per document that has it."""
    totals: dict[str, int] = {}
    chosen: set[str] = set()
    for code in (np.flatnonzero(counts[1:]) + 1).tolist():
        for part in labels[code].split(DISTRICT_SEP):
            totals[part] = totals.get(part, 0) + int(counts[code])
    wanted = {fold(v).strip() for v in requested} | {fold(normalize_district(v) or v).strip() for v in requested}
    for c in selected:
        for part in labels[c].split(DISTRICT_SEP):
            if fold(part).strip() in wanted or fold(short_name(part)).strip() in wanted:
                chosen.add(part)
                totals.setdefault(part, 0)
    order = sorted(totals, key=lambda v: (-totals[v], v))[:MAX_FACET_VALUES]
    order += [v for v in sorted(chosen) if v not in order]
    return [FacetValue(v, v, totals[v], v in chosen) for v in order]


def hit_from_raw(raw: dict[str, Any], score: float | None, terms: list[QTerm]) -> Hit:
    """A :class:`Hit` from a stored document, with highlighted title and snippet."""
    title = raw.get("title") or ""
    is_listing = raw.get("type") == "listing"
    text = (raw.get("description") if is_listing else raw.get("body")) or ""
    summary = raw.get("summary") or ""
    source, spans = text, match_spans(text, terms)
    if summary and (not terms or not spans):
        summary_spans = match_spans(summary, terms)
        if summary_spans or not terms:
            source, spans = summary, summary_spans
    date = raw.get("published") if not is_listing else raw.get("posted")
    return Hit(
        id=str(raw.get("id")),
        type=str(raw.get("type")),
        title=title,
        url=raw.get("url"),
        snippet=snippet(source, terms, spans=spans),
        title_html=highlight_all(title, terms),
        published=date,
        category=raw.get("category"),
        author=raw.get("author"),
        province=raw.get("province"),
        district=raw.get("district"),
        ward=raw.get("ward"),
        districts=list(raw.get("districts") or ([raw["district"]] if raw.get("district") else [])),
        province_2025=raw.get("province_2025"),
        ward_2025=raw.get("ward_2025"),
        property_type=raw.get("property_type"),
        transaction=raw.get("transaction"),
        price_vnd=raw.get("price_vnd"),
        price_text=raw.get("price_text"),
        area_m2=raw.get("area_m2"),
        bedrooms=raw.get("bedrooms"),
        views=raw.get("views"),
        score=None if score is None else round(float(score), 4),
        price_per_m2_vnd=raw.get("price_per_m2_vnd"),
        price_min_vnd=raw.get("price_min_vnd"),
        price_max_vnd=raw.get("price_max_vnd"),
        direction=raw.get("direction"),
        legal_status=raw.get("legal_status"),
        project=raw.get("project"),
        image_url=raw.get("image_url"),
    )
