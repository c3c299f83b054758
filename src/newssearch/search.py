"""The search engine: ``Engine.search(SearchRequest) -> SearchResult``.

How a search runs:

1. :func:`newssearch.query.parse_query` turns the text into terms, phrases and
   exclusions; :func:`newssearch.places.find_places` recognises places in it.
2. A *required* Whoosh query says what must match: every term (folded, so
   accents are optional; joined forms so ``halong`` finds ``Hạ Long``; a
   recognised place may be satisfied by the document's place instead of its
   words). When nothing matches with AND, the terms are relaxed to OR.
3. Filters and facets are computed with NumPy over in-memory column arrays
   (dictionary codes for keywords, floats for numbers), cached per index
   segment: no Whoosh ``groupedby``.
4. Ranking is Whoosh BM25F over the fields (title highest) plus optional
   boosts: exact diacritics when the user typed them, adjacent syllable pairs
   (bigrams) and the recognised place. Column sorts (newest, price...) are
   NumPy argsorts over the filtered documents.
5. Hits carry snippets highlighted over the original accented text.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from . import facets as fc
from .autocomplete import complete
from .config import Settings
from .errors import NotFound
from .highlight import highlight_all, match_spans, snippet
from .indexer import IndexStore
from .models import KEYWORD_FILTERS, FacetValue, Hit, SearchRequest, SearchResult
from .places import (
    PlaceMention,
    find_places,
    normalize_district,
    normalize_province,
    normalize_ward,
)
from .query import ParsedQuery, QPhrase, QTerm, parse_query, property_intent
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
from .schema import KEYWORD_COLUMNS, NUMERIC_COLUMNS, TEXT_FIELDS
from .scorer import (
    RESCORE_WINDOW,
    Adjacency,
    Alternative,
    TextIndex,
    match_term,
    required_count,
    score_terms,
)
from .suggest import Suggester
from .synonyms import USER_FILE, SynonymTable
from .vietnamese import fold
from .whoosh_fixes import bytes_column, numeric_column, top_docs

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
# Columns
# ---------------------------------------------------------------------------


@dataclass
class Columns:
    """Column arrays for every document number of one reader."""

    live: BoolArray
    codes: dict[str, npt.NDArray[np.int32]]
    numbers: dict[str, npt.NDArray[np.float64]]


class Vocabulary:
    """Global string <-> code dictionaries for keyword columns (only grow)."""

    def __init__(self) -> None:
        self.labels: dict[str, list[str]] = {name: [""] for name in KEYWORD_COLUMNS}
        self.index: dict[str, dict[str, int]] = {name: {"": 0} for name in KEYWORD_COLUMNS}
        self.folded: dict[str, dict[str, set[int]]] = {name: {} for name in KEYWORD_COLUMNS}

    def code(self, name: str, value: str) -> int:
        idx = self.index[name]
        c = idx.get(value)
        if c is None:
            c = len(self.labels[name])
            idx[value] = c
            self.labels[name].append(value)
            self.folded[name].setdefault(fold(value).strip(), set()).add(c)
        return c


def _decode(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return "" if v is None else str(v)


class ColumnCache:
    """Loads Whoosh columns into NumPy arrays, cached per (immutable) segment."""

    def __init__(self) -> None:
        self.vocab = Vocabulary()
        self._segments: dict[str, tuple[dict[str, npt.NDArray[np.int32]], dict[str, npt.NDArray[np.float64]]]] = {}
        self._lock = threading.Lock()

    def load(self, reader: Any) -> Columns:
        n = reader.doc_count_all()
        live = np.zeros(n, dtype=bool)
        codes = {name: np.zeros(n, dtype=np.int32) for name in KEYWORD_COLUMNS}
        numbers = {name: np.full(n, np.nan) for name in NUMERIC_COLUMNS}
        if n == 0:
            return Columns(live, codes, numbers)
        seen: set[str] = set()
        with self._lock:
            for leaf, offset in reader.leaf_readers():
                size = leaf.doc_count_all()
                seg = leaf.segment()
                key = seg.segment_id() if seg is not None else f"anon-{id(leaf)}"
                seen.add(key)
                cached = self._segments.get(key)
                if cached is None:
                    cached = self._load_segment(leaf, size)
                    self._segments[key] = cached
                seg_codes, seg_numbers = cached
                for name in KEYWORD_COLUMNS:
                    codes[name][offset : offset + size] = seg_codes[name]
                for name in NUMERIC_COLUMNS:
                    numbers[name][offset : offset + size] = seg_numbers[name]
                if leaf.has_deletions():
                    ids = np.fromiter(leaf.all_doc_ids(), dtype=np.int64)
                    live[offset + ids] = True
                else:
                    live[offset : offset + size] = True
            for key in list(self._segments):
                if key not in seen:
                    del self._segments[key]
        return Columns(live, codes, numbers)

    def _load_segment(
        self, leaf: Any, size: int
    ) -> tuple[dict[str, npt.NDArray[np.int32]], dict[str, npt.NDArray[np.float64]]]:
        seg_codes: dict[str, npt.NDArray[np.int32]] = {}
        seg_numbers: dict[str, npt.NDArray[np.float64]] = {}
        for name in KEYWORD_COLUMNS:
            code = self.vocab.code
            values = bytes_column(leaf, name, leaf.schema[name].column_type, size)
            seg_codes[name] = np.fromiter(
                (code(name, v.decode("utf-8", "replace")) for v in values), dtype=np.int32, count=size
            )
        for name in NUMERIC_COLUMNS:
            seg_numbers[name] = numeric_column(leaf, name, leaf.schema[name].column_type, size)
        return seg_codes, seg_numbers


# ---------------------------------------------------------------------------
# Snapshots: one open searcher and its columns
# ---------------------------------------------------------------------------


@dataclass
class Snapshot:
    gen: Path
    ix: Any
    searcher: Any
    columns: Columns
    version: str
    suggester: Suggester = field(init=False)
    text: TextIndex = field(init=False)
    repair: QueryRepair = field(init=False)
    #: Whoosh readers share file handles (seek, then read): two threads reading
    #: through one searcher at once corrupt each other's reads. Every use of a
    #: snapshot holds this lock (gunicorn gthread workers serve requests in threads).
    lock: threading.RLock = field(init=False, default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.suggester = Suggester(self.searcher)
        self.text = TextIndex(self.searcher)
        self.repair = QueryRepair(self.gen, self.suggester)
        self.repair.warm()


class Engine:
    """Searches one index folder; thread-safe; follows rebuilds and updates."""

    def __init__(self, index_dir: Path | str, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(index_dir=Path(index_dir))
        self.store = IndexStore(index_dir)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._columns = ColumnCache()
        self.synonyms = SynonymTable(self.settings.synonyms_file or Path(index_dir) / USER_FILE)

    # -- snapshot management -------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current snapshot, reopened or refreshed if the index changed."""
        gen = self.store.current_dir()
        snap = self._snap
        if snap is not None and gen == snap.gen and snap.searcher.up_to_date():
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and gen == snap.gen and snap.searcher.up_to_date():
                return snap
            if snap is None or gen != snap.gen:
                ix = self.store.open()
                gen = self.store.current_dir() or gen
                searcher = ix.searcher()
                self._columns = ColumnCache()
            else:
                # A new searcher rather than Searcher.refresh(): refresh reuses
                # segment readers by segment and can keep stale deletions.
                ix = snap.ix
                searcher = ix.searcher()
            assert gen is not None
            columns = self._columns.load(searcher.reader())
            version = f"{gen.name}.{ix.latest_generation()}"
            self._snap = Snapshot(gen, ix, searcher, columns, version)
            return self._snap

    def version(self) -> str:
        """Changes whenever the index changes (for HTTP ETags)."""
        return self.snapshot().version

    def close(self) -> None:
        with self._lock:
            if self._snap is not None:
                with contextlib.suppress(Exception):
                    self._snap.text.close()
                with contextlib.suppress(Exception):
                    self._snap.searcher.close()
                self._snap = None

    # -- search --------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search (thread-safe)."""
        started = time.perf_counter()
        snap = self.snapshot()
        with snap.lock:
            return self._search(snap, req, started)

    def _search(self, snap: Snapshot, req: SearchRequest, started: float) -> SearchResult:
        cols = snap.columns
        parsed = parse_query(req.q)
        mentions = _place_mentions(req.q, parsed)

        facet_masks, base_mask = self._filter_masks(req, cols)
        all_filters = base_mask.copy()
        for m in facet_masks.values():
            all_filters &= m
        found = self._find(snap, parsed, mentions, all_filters)
        corrected = suggestion = None
        if found.level < FULL:
            # Nothing good as typed: a correction that finds all its words is
            # shown instead (or, for a verbatim search, suggested).
            fix = snap.repair.correction(parsed, every=found.level < FUZZY)
            if fix is not None:
                fixed_parsed = parse_query(fix.text)
                fixed_mentions = _place_mentions(fix.text, fixed_parsed)
                better = self._find(snap, fixed_parsed, fixed_mentions, all_filters)
                # Results found through typo neighbours stay (they rank every
                # neighbour); a reading of Telex/VNI, or all the words where
                # only some matched, replaces them.
                replace = (fix.keyed or found.level < FUZZY) and not req.verbatim
                if better.level > found.level and better.level >= FUZZY:
                    if replace:
                        parsed, mentions, found, corrected = fixed_parsed, fixed_mentions, better, fix.text
                    else:
                        suggestion = fix.text
        text_mask, scores, final, total, relaxed = found.mask, found.scores, found.final, found.total, found.level == PARTIAL

        facet_values: dict[str, list[FacetValue]] = {}
        facet_errors: dict[str, str] = {}
        if req.facets:
            facet_values, facet_errors = self._facets(req, cols, text_mask & base_mask, facet_masks)

        start = (req.page - 1) * req.per_page
        sort = req.sort
        if sort == "relevance" and parsed.is_empty:
            sort = "newest"
        if sort == "relevance" and scores is not None:
            ranked = self._rank(snap, parsed, final, scores, start + req.per_page)
        else:
            ranked = [(int(d), None) for d in _sort_docs(cols, final, sort)[: start + req.per_page]]
        page = ranked[start : start + req.per_page]
        terms = highlight_terms(parsed, found.alternatives, partial=relaxed)
        hits = [self._hit(snap, docnum, score, terms, req.highlight) for docnum, score in page]
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            relaxed=relaxed,
            hits=hits,
            facets=facet_values,
            suggestion=suggestion,
            corrected=corrected,
            took_ms=(time.perf_counter() - started) * 1000,
            sort=req.sort,
            recognized=[_mention_dict(m) for m in mentions],
            facet_errors=facet_errors,
        )

    # -- matching --------------------------------------------------------------
    def _find(
        self,
        snap: Snapshot,
        parsed: ParsedQuery,
        mentions: list[tuple[PlaceMention, list[int]]],
        filters: BoolArray,
    ) -> Found:
        """Match with every word (typo neighbours standing in for unknown or
        rare words), then with neighbours for every word, then most of the
        words, then any word: the first that finds something."""
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
            fuzzy = typos
            if every:
                fuzzy = snap.repair.typo_alternatives(parsed, every=True)
                if fuzzy == typos:
                    continue  # no word has more neighbours: the same query again
            alternatives = merge_alternatives(synonyms, fuzzy)
            mask, scores, exact = self._match(snap, parsed, mentions, relaxed, alternatives, need)
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
        mentions: list[tuple[PlaceMention, list[int]]],
        relaxed: bool,
        alternatives: dict[int, list[Alternative]] | None = None,
        need: int | None = None,
    ) -> tuple[BoolArray, FloatArray | None, BoolArray | None]:
        """Documents matching the query (live ones only), their base scores,
        and those matching every word as typed (when ``alternatives`` were given)."""
        cols = snap.columns
        ti = snap.text
        exact: BoolArray | None = None
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
                scored = score_terms(ti, parsed, groups, relaxed, tiers, alternatives, need)
                mask, scores = scored.mask & cols.live, scored.score
                if scored.exact is not None:
                    exact = scored.exact & mask
            else:
                mask, scores = cols.live.copy(), np.zeros(ti.n, dtype=np.float32)
            for phrase in parsed.phrases:
                mask &= _docs_mask(snap.searcher, _clause(phrase), ti.n)
                for t in phrase.terms:
                    scores += match_term(ti, t).score
        for x in parsed.excluded:
            if isinstance(x, QTerm):
                mask &= ~match_term(ti, x).present
            else:
                mask &= ~_docs_mask(snap.searcher, _clause(x), ti.n)
        if exact is not None:
            exact &= mask
        return mask, scores, exact

    def _rank(
        self, snap: Snapshot, parsed: ParsedQuery, final: BoolArray, scores: FloatArray, limit: int
    ) -> list[tuple[int, float | None]]:
        """The best ``limit`` documents by score; the top of the list is
        rescored with adjacency found in summaries and bodies.

        Candidates are rescored best first, and the rescore stops at the first
        one that could not reach the best ``limit`` even with the largest
        bonus: the same ``limit`` documents, in the same order, as rescoring
        all of them."""
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
        raw: dict[str, Any] = snap.searcher.stored_fields(docnum).get("raw") or {}
        return hit_from_raw(raw, score, terms if highlight else [])

    # -- documents -------------------------------------------------------------
    def _docnum(self, snap: Snapshot, doc_id: str) -> int:
        try:
            n: int | None = snap.searcher.document_number(id=doc_id)
        except UnicodeEncodeError:  # a lone surrogate cannot be an indexed id
            n = None
        if n is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return n

    def get(self, doc_id: str) -> dict[str, Any]:
        """The stored document, as indexed."""
        snap = self.snapshot()
        with snap.lock:
            return self._get(snap, doc_id)

    def _get(self, snap: Snapshot, doc_id: str) -> dict[str, Any]:
        raw: dict[str, Any] = snap.searcher.stored_fields(self._docnum(snap, doc_id)).get("raw") or {}
        return raw

    def related(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents most similar to ``doc_id`` (same type first): "Tin liên quan"."""
        snap = self.snapshot()
        with snap.lock:
            return self._related(snap, doc_id, limit)

    def _related(self, snap: Snapshot, doc_id: str, limit: int) -> list[Hit]:
        docnum = self._docnum(snap, doc_id)
        raw = snap.searcher.stored_fields(docnum).get("raw") or {}
        text = " ".join(
            [raw.get("title") or ""] * 3 + [raw.get("summary") or "", (raw.get("body") or raw.get("description") or "")[:8000]]
        )
        if not text.strip():
            return []
        same_type = snap.columns.codes["type"] == snap.columns.codes["type"][docnum]
        allowed = set(np.flatnonzero(same_type & snap.columns.live).tolist())
        key_terms = snap.searcher.key_terms_from_text("body_f", text, numterms=15)
        if not key_terms:
            return []
        q = wq.Or([wq.Term("body_f", word, boost=weight) for word, weight in key_terms])
        allowed.discard(docnum)
        return [
            hit_from_raw(snap.searcher.stored_fields(d).get("raw") or {}, score, [])
            for d, score in top_docs(snap.searcher, q, limit, allow=allowed)
        ]

    def suggest(self, prefix: str, limit: int = 8) -> list[dict[str, Any]]:
        """Autocomplete for a partial query: frequent phrases, then matching titles."""
        snap = self.snapshot()
        with snap.lock:
            return complete(snap.suggester, snap.repair, prefix, limit)

    def restore(self, text: str) -> str:
        """``text`` with the diacritics of its unaccented words restored (lowercase)."""
        snap = self.snapshot()
        with snap.lock:
            return snap.repair.restore(text)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()


# ---------------------------------------------------------------------------
# Query building
# ---------------------------------------------------------------------------


def _phrase_any(words: list[str], folded: bool) -> wq.Query:
    suffix = "_f" if folded else ""
    return wq.Or([wq.Phrase(f + suffix, words) for f in TEXT_FIELDS])


def _phrase_words(p: QPhrase, folded: bool) -> list[str]:
    words: list[str] = []
    for t in p.terms:
        if t.parts:
            words.extend(t.parts if folded else t.exact_parts)
        else:
            words.append(t.folded if folded else t.exact)
    return words


def _clause(x: QPhrase) -> wq.Query:
    """A quoted phrase as a Whoosh query (positions in the folded fields)."""
    phrase = _phrase_any(_phrase_words(x, folded=True), folded=True)
    if not x.accented:
        return phrase
    # An accented phrase: the folded phrase (positions) plus every accented
    # word with its exact diacritics (exact fields keep no positions but titles).
    exact = [
        wq.Or([wq.Term(f, t.exact) for f in TEXT_FIELDS]) for t in x.terms if t.accented and not t.parts
    ]
    return wq.And([phrase, *exact])


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
    raw = snap.searcher.stored_fields(docnum).get("raw") or {}
    body = raw.get("body") or raw.get("description") or ""
    return raw.get("summary") or "", body[:RESCORE_TEXT_CHARS]


def _docs_mask(searcher: Any, q: wq.Query, n: int) -> BoolArray:
    mask = np.zeros(n, dtype=bool)
    docs = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
    if len(docs):
        mask[docs] = True
    return mask


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
    return datetime.combine(d, t).timestamp()


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
