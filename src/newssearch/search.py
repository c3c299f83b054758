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
import heapq
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from . import facets as fc
from .budget import Deadline, bound_query, term_key, unlimited
from .config import Settings
from .errors import NewsSearchError, NotFound
from .highlight import highlight_all, match_spans, snippet
from .ids import normalize_id
from .indexer import IndexStore, open_servable
from .models import KEYWORD_FILTERS, FacetValue, Hit, SearchRequest, SearchResult
from .places import (
    PlaceMention,
    find_places,
    normalize_district,
    normalize_province,
    normalize_ward,
)
from .query import ParsedQuery, QPhrase, QTerm, parse_query, property_intent
from .scorer import (
    RESCORE_WINDOW,
    Adjacency,
    TextIndex,
    match_term,
    score_terms,
    score_weighted_terms,
)
from .store import TEXT_FIELDS, ColumnCache, Columns, IndexSnapshot, open_snapshot
from .store import generations as gens
from .suggest import Suggester
from .vietnamese import fold, tokenize

T = TypeVar("T")
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]

#: Display labels for coded values.
TYPE_LABELS = {"article": "Tin tức", "listing": "Nhà đất"}
TRANSACTION_LABELS = {"sale": "Bán", "rent": "Cho thuê"}
#: Keyword facets returned with every search, in display order.
KEYWORD_FACETS = ("type", "category", "author", "province", "district", "ward", "property_type", "transaction")
MAX_FACET_VALUES = 30
#: How much of a candidate's body the adjacency rescore reads.
RESCORE_TEXT_CHARS = 3_000

# ---------------------------------------------------------------------------
# Snapshots: one committed state of the index and what is derived from it
# ---------------------------------------------------------------------------


@dataclass
class Snapshot:
    """An index snapshot with its scoring caches and suggester. Shared by the
    threads that search it: the store's reads are thread-safe, and the
    caches hold their own locks."""

    gen: Path
    index: Any  # the store's snapshot (a WhooshSnapshot, which can refresh itself)
    version: str
    #: The generation ``current`` named when this snapshot was opened; differs
    #: from ``gen`` when that one was damaged and an earlier one is served.
    live: Path | None = None
    #: Why an earlier generation is served (None when the live one is).
    degraded: str | None = None
    suggester: Suggester = field(init=False)
    text: TextIndex = field(init=False)

    def __post_init__(self) -> None:
        self.text = TextIndex(self.index)
        self.suggester = Suggester(self.index, self.text)

    @property
    def columns(self) -> Columns:
        return self.index.columns  # type: ignore[no-any-return]

    @property
    def store(self) -> IndexSnapshot:
        return self.index  # type: ignore[no-any-return]


class Engine:
    """Searches one index folder; thread-safe; follows rebuilds and updates."""

    def __init__(self, index_dir: Path | str, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(index_dir=Path(index_dir))
        self.store = IndexStore(index_dir)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._columns = ColumnCache()

    # -- snapshot management -------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current snapshot, reopened or refreshed if the index changed."""
        gen = self.store.current_dir()
        snap = self._snap
        if snap is not None and gen == snap.live and snap.index.is_current():
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and gen == snap.live and snap.index.is_current():
                return snap
            live = gen
            degraded: str | None = None
            if snap is None or gen != snap.live:
                gen, ix, degraded = open_servable(self.store)
                self._columns = ColumnCache()
                index = open_snapshot(ix, self._columns)
            else:
                gen, degraded = snap.gen, snap.degraded
                index = snap.index.refreshed()
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
                    self._snap.index.close()
                self._snap = None

    # -- search --------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search (thread-safe)."""
        started = time.perf_counter()
        return self._guarded(lambda snap: self._search(snap, req, started))

    def _search(self, snap: Snapshot, req: SearchRequest, started: float) -> SearchResult:
        cols = snap.columns
        deadline = Deadline(self.settings.search_budget)
        parsed, ignored = bound_query(parse_query(req.q))
        mentions = _place_mentions(req.q, parsed)

        facet_masks, base_mask = self._filter_masks(req, cols)
        all_filters = base_mask.copy()
        for m in facet_masks.values():
            all_filters &= m
        relaxed = False
        text_mask, scores = self._match(snap, parsed, mentions, relaxed=False, deadline=deadline)
        final = text_mask & all_filters
        total = int(np.count_nonzero(final))
        if total == 0 and len(parsed.terms) > 1 and not deadline.expired():
            relaxed_mask, relaxed_scores = self._match(snap, parsed, mentions, relaxed=True, deadline=deadline)
            relaxed_final = relaxed_mask & all_filters
            if relaxed_final.any():
                relaxed, text_mask, scores, final = True, relaxed_mask, relaxed_scores, relaxed_final
                total = int(np.count_nonzero(final))

        facet_values: dict[str, list[FacetValue]] = {}
        facet_errors: dict[str, str] = {}
        if req.facets:
            facet_values, facet_errors = self._facets(req, cols, text_mask & base_mask, facet_masks)

        start = (req.page - 1) * req.per_page
        sort = req.sort
        if sort == "relevance" and parsed.is_empty:
            sort = "newest"
        if sort == "relevance" and scores is not None:
            ranked = self._rank(snap, parsed, final, scores, start + req.per_page, deadline)
        else:
            ranked = [(int(d), None) for d in _sort_docs(cols, final, sort)[: start + req.per_page]]
        page = ranked[start : start + req.per_page]
        terms = list({(term_key(t), t.exact): t for t in parsed.positive_terms()}.values())
        hits = [self._hit(snap, docnum, score, terms, req.highlight) for docnum, score in page]
        suggestion = snap.suggester.suggestion(parsed, total=total, relaxed=relaxed, deadline=deadline)
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            relaxed=relaxed,
            hits=hits,
            facets=facet_values,
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=req.sort,
            recognized=[_mention_dict(m) for m in mentions],
            facet_errors=facet_errors,
            timed_out=deadline.timed_out,
            ignored=ignored,
        )

    # -- matching --------------------------------------------------------------
    def _match(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        mentions: list[tuple[PlaceMention, list[int]]],
        relaxed: bool,
        deadline: Deadline | None = None,
    ) -> tuple[BoolArray, FloatArray | None]:
        """Documents matching the query (live ones only) and their base scores.

        A phrase's positions are checked only when some candidate has all its
        words, and only while ``deadline`` lasts: the documents it did not
        reach keep the phrase's words required, unordered; an excluded phrase
        is not applied to them."""
        deadline = deadline or unlimited()
        cols = snap.columns
        ti = snap.text
        if parsed.is_empty:
            mask, scores = cols.live.copy(), None
        else:
            groups = [(covered, [_place_key(m)]) for m, covered in mentions if _place_key(m)]
            if parsed.terms:
                # A place and a kind of property ("can ho my tho"): listings first.
                tiers: list[BoolArray] = []
                listing = self._columns.vocab.index["type"].get("listing")
                if groups and listing is not None and property_intent(parsed.terms):
                    tiers.append(cols.codes["type"] == listing)
                scored = score_terms(ti, parsed, groups, relaxed, tiers, deadline)
                mask, scores = scored.mask & cols.live, scored.score
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
        return mask, scores

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
        window = max(limit, RESCORE_WINDOW)
        doc_scores = scores[docs]
        if len(docs) > window:
            top = np.argpartition(-doc_scores, window - 1)[:window]
            docs, doc_scores = docs[top], doc_scores[top]
        rescored = doc_scores.astype(np.float64)
        adjacency = Adjacency(parsed.terms)
        if adjacency.max_bonus:
            best: list[float] = []  # min-heap of the best ``limit`` rescored values so far
            for i in np.argsort(-rescored, kind="stable")[:RESCORE_WINDOW]:
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
            masks["price"] = _range_mask(cols.numbers["price_vnd"], req.price_min, req.price_max)
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
        for name, column, bands, lo, hi in (
            ("price", "price_vnd", fc.PRICE_BANDS, req.price_min, req.price_max),
            ("area", "area_m2", fc.AREA_BANDS, req.area_min, req.area_max),
        ):
            band = fc.band_counts(cols.numbers[column], others(name), bands)
            chosen = fc.find_band(bands, lo, hi)
            out[name] = [
                FacetValue(b.value, b.label, c, b == chosen)
                for b, c in zip(bands, band, strict=True)
                if c or b == chosen
            ]
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
        if not weighted:
            return []
        ids, scores = score_weighted_terms(snap.text, "body_f", weighted)
        codes = snap.columns.codes["type"]
        keep = (codes[ids] == codes[docnum]) & snap.columns.live[ids] & (ids != docnum)
        ids, scores = ids[keep], scores[keep]
        best = np.lexsort((ids, -scores))[:limit]
        return [hit_from_raw(snap.store.document(int(ids[i])), float(scores[i]), []) for i in best]

    def suggest(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Autocomplete for a partial query: frequent phrases, then matching titles.

        Bounded by ``deadline`` (by default the settings' search budget);
        ``deadline.timed_out`` tells the caller whether the list was cut short."""
        budget = deadline or Deadline(self.settings.search_budget)

        def complete(snap: Snapshot) -> list[dict[str, Any]]:
            budget.start()
            return snap.suggester.complete(prefix, limit, budget)

        return self._guarded(complete)

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


def _place_mentions(text: str, parsed: ParsedQuery) -> list[tuple[PlaceMention, list[int]]]:
    """Places recognised in the query, with the indexes of the terms they cover."""
    if not parsed.terms:
        return []
    out: list[tuple[PlaceMention, list[int]]] = []
    for m in find_places(text):
        covered = [i for i, t in enumerate(parsed.terms) if t.start >= m.start and t.end <= m.end]
        if covered:
            out.append((m, covered))
    return out


def _place_key(m: PlaceMention) -> str:
    keys = m.place.keys()
    return keys[-1] if keys else ""


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _texts(snap: Snapshot, docnum: int) -> tuple[str, str]:
    raw = snap.store.document(docnum)
    body = raw.get("body") or raw.get("description") or ""
    return raw.get("summary") or "", body[:RESCORE_TEXT_CHARS]


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


def _mention_dict(m: tuple[PlaceMention, list[int]]) -> dict[str, Any]:
    mention = m[0]
    return {
        "text": mention.text,
        "level": mention.level,
        "province": mention.place.province,
        "district": mention.place.district,
        "ward": mention.place.ward,
    }


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
        property_type=raw.get("property_type"),
        transaction=raw.get("transaction"),
        price_vnd=raw.get("price_vnd"),
        price_text=raw.get("price_text"),
        area_m2=raw.get("area_m2"),
        bedrooms=raw.get("bedrooms"),
        views=raw.get("views"),
        score=None if score is None else round(float(score), 4),
    )
