"""BM25F matching and scoring with NumPy over the index's postings.

This module reads a term's postings once per snapshot (from each segment's
postings file, :mod:`newssearch.sidecar`, or through Whoosh for a segment
without one) and does set algebra and BM25F arithmetic with NumPy, touching
only the documents in each term's postings. Compared with Whoosh's pure-Python
matcher tree this turns "score every match of a common syllable" from seconds
into milliseconds, and it makes the ranking explicit:

* a term's score in a document is its best field plus ``TIEBREAK`` times the
  other fields (disjunction-max, Elasticsearch's ``best_fields``);
* optional boosts: the exact diacritics the user typed, adjacent pairs in the
  title (bigrams), every word in the title, the place named in the query;
* adjacency inside summaries and bodies is checked on the stored text of the
  best :data:`RESCORE_WINDOW` candidates only (like Elasticsearch's rescore).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from .highlight import fold_same_length
from .query import ParsedQuery, QTerm
from .sidecar import SegmentPostings
from .whoosh_fixes import field_lengths, prefix_frequencies

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
#: Weight of each folded text field in a term's score (title highest).
FIELD_WEIGHTS: dict[str, float] = {
    "title_f": 3.0,
    "summary_f": 1.5,
    "captions_f": 0.8,
    "body_f": 1.0,
    "title_j": 2.5,
    "meta": 0.6,
}
#: The accent-exact twin of each folded field.
EXACT_FIELDS: dict[str, str] = {"title_f": "title", "summary_f": "summary", "captions_f": "captions", "body_f": "body"}
TIEBREAK = 0.25
EXACT_BOOST = 1.0
TITLE_BIGRAM_BOOST = 1.5
EXACT_BIGRAM_BOOST = 1.0
TITLE_ALL_BOOST = 0.5
ADJACENT_BOOST = 1.5
#: Margin between score tiers (documents in the place the query names above
#: the others; see :func:`score_terms`).
TIER_MARGIN = 10.0
RESCORE_WINDOW = 50
#: Memory budget of the per-snapshot postings cache (a common syllable in a
#: 240k-document index is ~3 MB of arrays).
POSTINGS_CACHE_BYTES = 256 * 1024 * 1024
#: Memory budget of the per-snapshot cache of query terms' matches.
MATCH_CACHE_BYTES = 128 * 1024 * 1024
#: An unfinished last word matches the most frequent words it begins.
PREFIX_EXPANSIONS = 16
PREFIX_MIN_LENGTH = 2
PREFIX_WEIGHT = 0.7
PREFIX_FIELDS = ("title_f", "body_f")
#: Fields searched for the words an unfinished last word may become.
PREFIX_FIELD_WEIGHTS = {f: FIELD_WEIGHTS[f] for f in ("title_f", "summary_f", "body_f")}


K = TypeVar("K")
V = TypeVar("V")


class ByteLru(Generic[K, V]):
    """A thread-safe LRU map bounded by the bytes of its values."""

    def __init__(self, budget: int, size: Callable[[V], int]) -> None:
        self.budget = budget
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += self._size(value)
            while self._bytes > self.budget and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)


@dataclass
class Postings:
    ids: IntArray
    tf: FloatArray


_EMPTY = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def _leaf_postings(leaf: Any, field: str, term: str, offset: int) -> Postings | None:
    try:
        m = leaf.postings(field, term)
    except Exception:  # TermNotFound, or a field this segment never saw
        return None
    boost = 1.0
    try:
        boost = float(leaf.schema[field].format.field_boost) or 1.0
    except Exception:
        boost = 1.0
    id_parts: list[Any] = []
    tf_parts: list[Any] = []
    if hasattr(m, "_read_data") and hasattr(m, "_next_block") and not getattr(m, "_byteids", True):
        # whoosh3 block matcher: decode each block's data with NumPy (its own
        # delta decoding is a Python generator, the cold-query hot spot).
        while m.is_active():
            if m._data is None:
                m._read_data()
            ids, weights = m._data[0], m._data[1]
            block_ids = np.cumsum(np.asarray(ids, dtype=np.int64))
            if weights is None:
                block_tf = np.ones(len(block_ids), dtype=np.float32)
            elif isinstance(weights, float):
                block_tf = np.full(len(block_ids), weights, dtype=np.float32)
            else:
                block_tf = np.asarray(weights, dtype=np.float32)
            id_parts.append(block_ids[m._i :])
            tf_parts.append(block_tf[m._i :])
            m._next_block()
    else:
        plain_ids: list[int] = []
        tfs: list[float] = []
        while m.is_active():
            plain_ids.append(m.id())
            tfs.append(m.weight())
            m.next()
        id_parts.append(np.asarray(plain_ids, dtype=np.int64))
        tf_parts.append(np.asarray(tfs, dtype=np.float32))
    if not id_parts:
        return None
    tf = (np.concatenate(tf_parts) / boost).astype(np.float32)
    return Postings(np.concatenate(id_parts) + offset, tf)


def _deleted_mask(leaf: Any) -> BoolArray | None:
    """The deleted documents of a segment as a mask, or None if it has none."""
    try:
        deleted = leaf.deleted_docs_set if leaf.has_deletions() else None
    except Exception:
        return None
    if not deleted:
        return None
    mask = np.zeros(int(leaf.doc_count_all()), dtype=bool)
    mask[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = True
    return mask


def _segment_postings(
    side: SegmentPostings, deleted: BoolArray | None, field: str, term: str, offset: int
) -> Postings | None:
    """A term's postings of live documents in one segment's postings file (ids
    offset to the whole index); ValueError if the file is damaged."""
    found = side.get(field, term)
    if found is None:
        return None
    ids, tf = found
    if deleted is not None:
        keep = ~deleted[ids]
        ids, tf = ids[keep], tf[keep]
        if not len(ids):
            return None
    return Postings(ids + offset, tf)


class TextIndex:
    """Postings, field lengths and statistics of one Whoosh reader (one snapshot)."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.n = int(self.reader.doc_count_all())
        self._leaves = list(self.reader.leaf_readers()) if self.n else []
        # Each segment's own postings file, or None (then Whoosh decodes them).
        self._sides = [SegmentPostings.open(leaf) for leaf, _ in self._leaves]
        self._deleted = [_deleted_mask(leaf) for leaf, _ in self._leaves]
        self._cache: ByteLru[tuple[str, str], Postings] = ByteLru(
            POSTINGS_CACHE_BYTES, lambda p: p.ids.nbytes + p.tf.nbytes
        )
        # A query term's matches over all fields (common syllables recur in
        # almost every query; scoring one over 100k documents costs ~5 ms).
        self.matches: ByteLru[tuple[Any, ...], SparseMatch] = ByteLru(MATCH_CACHE_BYTES, _match_bytes)
        self.exact: ByteLru[str, tuple[IntArray, FloatArray]] = ByteLru(
            MATCH_CACHE_BYTES // 4, lambda m: m[0].nbytes + m[1].nbytes
        )
        self._prefixes: dict[str, list[str]] = {}
        self._lengths: dict[str, FloatArray] = {}
        self._avg: dict[str, float] = {}

    def close(self) -> None:
        """Release the segments' postings files (before the searcher closes)."""
        for side in self._sides:
            if side is not None:
                side.close()
        self._sides = [None] * len(self._sides)

    # -- raw data ------------------------------------------------------------
    def postings(self, field: str, term: str) -> Postings:
        key = (field, term)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        parts = []
        for i, ((leaf, off), deleted) in enumerate(zip(self._leaves, self._deleted, strict=True)):
            side = self._sides[i]
            p = None
            if side is not None:
                try:
                    p = _segment_postings(side, deleted, field, term, off)
                except Exception as exc:  # a damaged postings file: read this segment through Whoosh
                    log.warning("postings file of segment %s unusable (%s); reading Whoosh's postings", i, exc)
                    self._sides[i] = side = None
            if side is None:
                p = _leaf_postings(leaf, field, term, off)
            if p is not None:
                parts.append(p)
        if not parts:
            result = _EMPTY
        elif len(parts) == 1:
            result = parts[0]
        else:
            result = Postings(np.concatenate([p.ids for p in parts]), np.concatenate([p.tf for p in parts]))
        self._cache.put(key, result)
        return result

    def expand_prefix(self, prefix: str) -> list[str]:
        """The most frequent folded words starting with ``prefix`` (itself excluded)."""
        cached = self._prefixes.get(prefix)
        if cached is not None:
            return cached
        found: dict[str, int] = {}
        for field in PREFIX_FIELDS:
            for term, df in prefix_frequencies(self.reader, field, prefix).items():
                if term != prefix:
                    found[term] = found.get(term, 0) + df
        best = sorted(found, key=lambda t: -found[t])[:PREFIX_EXPANSIONS]
        if len(self._prefixes) > 10_000:
            self._prefixes.clear()
        self._prefixes[prefix] = best
        return best

    def lengths(self, field: str) -> FloatArray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.zeros(self.n, dtype=np.float32)
            for leaf, off in self._leaves:
                size = leaf.doc_count_all()
                arr[off : off + size] = field_lengths(leaf, field, size)
            self._lengths[field] = arr
        return arr

    def avg_length(self, field: str) -> float:
        avg = self._avg.get(field)
        if avg is None:
            avg = float(self.searcher.avg_field_length(field) or 1.0) or 1.0
            self._avg[field] = avg
        return avg

    # -- scoring ---------------------------------------------------------------
    def bm25(self, field: str, term: str) -> tuple[IntArray, FloatArray]:
        """Document numbers containing ``term`` in ``field`` and their BM25 scores."""
        p = self.postings(field, term)
        if not len(p.ids):
            return p.ids, p.tf
        idf = math.log(self.n / (len(p.ids) + 1)) + 1.0
        fl = self.lengths(field)[p.ids]
        avg = self.avg_length(field)
        scores = idf * (p.tf * (K1 + 1)) / (p.tf + K1 * ((1 - B) + B * fl / avg))
        return p.ids, scores.astype(np.float32)


@dataclass
class TermMatch:
    present: BoolArray
    score: FloatArray
    in_title: BoolArray
    title_score: FloatArray


@dataclass
class SparseMatch:
    """A query term's matches: sorted document numbers and per-document values."""

    ids: IntArray
    score: FloatArray
    title_score: FloatArray
    in_title: BoolArray


#: Text fields (their folded twins keep positions) where a synonym phrase must stand together.
PHRASE_FIELDS = ("title", "summary", "captions", "body")
#: Fields whose matches count as "in the title".
TITLE_FIELDS = frozenset({"title_f", "title_j"})


class Scratch:
    """Dense work arrays for one query, all-zero between uses.

    Scoring touches only the documents in a term's postings (fancy indexing on
    the posting ids), then reads the touched slots back and zeroes them again:
    the cost follows the postings' length, not the index size (a dense vector
    per field and term cost ~0.5 ms each on 243k documents).
    """

    def __init__(self, n: int) -> None:
        self.best = np.zeros(n, dtype=np.float32)
        self.total = np.zeros(n, dtype=np.float32)
        self.title = np.zeros(n, dtype=np.float32)
        self.hit = np.zeros(n, dtype=bool)
        self.in_title = np.zeros(n, dtype=bool)

    def add(self, ids: IntArray, s: FloatArray, title: bool) -> None:
        """One field's weighted scores: best and total per document."""
        self.hit[ids] = True
        self.total[ids] += s
        self.best[ids] = np.maximum(self.best[ids], s)
        if title:
            self.in_title[ids] = True
            self.title[ids] = np.maximum(self.title[ids], s)

    def take_dismax(self) -> SparseMatch:
        """best + TIEBREAK x (the other fields) for every touched document; resets."""
        u = np.flatnonzero(self.hit)
        best = self.best[u]
        match = SparseMatch(u, best + TIEBREAK * (self.total[u] - best), self.title[u], self.in_title[u])
        self._clear(u)
        return match

    def take_best(self) -> tuple[IntArray, FloatArray]:
        """The best field score of every touched document; resets."""
        u = np.flatnonzero(self.hit)
        best = self.best[u]
        self._clear(u)
        return u, best

    def take_max(self, parts: Iterable[tuple[SparseMatch, float]]) -> SparseMatch:
        """The per-document maximum of several matches (each scaled by its weight); resets."""
        for m, w in parts:
            self.hit[m.ids] = True
            self.best[m.ids] = np.maximum(self.best[m.ids], m.score * w)
            self.title[m.ids] = np.maximum(self.title[m.ids], m.title_score * w)
            self.in_title[m.ids] |= m.in_title
        u = np.flatnonzero(self.hit)
        match = SparseMatch(u, self.best[u], self.title[u], self.in_title[u])
        self._clear(u)
        return match

    def _clear(self, u: IntArray) -> None:
        self.best[u] = 0
        self.total[u] = 0
        self.title[u] = 0
        self.hit[u] = False
        self.in_title[u] = False


def _all_parts(ti: TextIndex, field: str, parts: Sequence[str], weight: float) -> tuple[IntArray, FloatArray]:
    """Documents with every part of a code in ``field``, and the parts' summed score."""
    ids, total = ti.bm25(field, parts[0])
    total = total * weight
    for part in parts[1:]:
        other, s = ti.bm25(field, part)
        ids, ia, ib = np.intersect1d(ids, other, assume_unique=True, return_indices=True)
        total = total[ia] + s[ib] * weight
    return ids, total.astype(np.float32)


def sparse_term(
    ti: TextIndex, t: QTerm, scratch: Scratch, prefix: bool = False, fields: dict[str, float] = FIELD_WEIGHTS
) -> SparseMatch:
    """A query term in any field: where it matches and its disjunction-max score.

    With ``prefix`` (an unfinished last word), words beginning with the term
    match too, at :data:`PREFIX_WEIGHT` of their score. Results are cached
    per index snapshot (read-only arrays).
    """
    prefix = prefix and len(t.folded) >= PREFIX_MIN_LENGTH and t.folded.isalnum()
    key = (t.folded, t.parts, prefix, tuple(fields.items()))
    cached = ti.matches.get(key)
    if cached is not None:
        return cached
    for field, weight in fields.items():
        ids, s = ti.bm25(field, t.folded)
        if len(ids):
            scratch.add(ids, s * weight, field in TITLE_FIELDS)
    if t.parts:  # a code such as Q.7: its parts, all in one field, count too
        for field, weight in FIELD_WEIGHTS.items():
            if field == "title_j":
                continue
            ids, s = _all_parts(ti, field, t.parts, weight)
            if len(ids):
                scratch.add(ids, s, field == "title_f")
    match = scratch.take_dismax()
    if prefix:
        others = [
            (sparse_term(ti, QTerm(word, word, False, t.start, t.end), scratch, fields=PREFIX_FIELD_WEIGHTS), PREFIX_WEIGHT)
            for word in ti.expand_prefix(t.folded)
        ]
        if others:
            match = scratch.take_max([(match, 1.0), *others])
    for a in (match.ids, match.score, match.title_score, match.in_title):
        a.flags.writeable = False
    ti.matches.put(key, match)
    return match


def _match_bytes(m: SparseMatch) -> int:
    return m.ids.nbytes + m.score.nbytes + m.title_score.nbytes + m.in_title.nbytes


def _dense_bool(n: int, ids: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[ids] = True
    return out


def match_term(
    ti: TextIndex, t: QTerm, prefix: bool = False, fields: dict[str, float] = FIELD_WEIGHTS
) -> TermMatch:
    """:func:`sparse_term` as dense vectors over all documents."""
    m = sparse_term(ti, t, Scratch(ti.n), prefix, fields)
    score = np.zeros(ti.n, dtype=np.float32)
    score[m.ids] = m.score
    title_score = np.zeros(ti.n, dtype=np.float32)
    title_score[m.ids] = m.title_score
    return TermMatch(_dense_bool(ti.n, m.ids), score, _dense_bool(ti.n, m.ids[m.in_title]), title_score)


def add_exact_score(ti: TextIndex, t: QTerm, scratch: Scratch, score: FloatArray) -> None:
    """Add the extra score where the term appears with the diacritics the user typed."""
    cached = ti.exact.get(t.exact)
    if cached is None:
        for folded_field, exact_field in EXACT_FIELDS.items():
            ids, s = ti.bm25(exact_field, t.exact)
            if len(ids):
                scratch.add(ids, s * FIELD_WEIGHTS[folded_field], False)
        cached = scratch.take_best()
        ti.exact.put(t.exact, cached)
    u, best = cached
    score[u] += EXACT_BOOST * best


@dataclass
class Scored:
    mask: BoolArray
    score: FloatArray
    #: The documents matching every required term as typed (no alternative
    #: needed); None when no alternatives were given (then it is ``mask``).
    exact: BoolArray | None = None


#: A query word's alternative: words that must all match, and the weight of their score.
Alternative = tuple[tuple[QTerm, ...], float]


def alternative_match(ti: TextIndex, words: Sequence[QTerm], scratch: Scratch) -> SparseMatch:
    """Documents with the words of an alternative (a synonym phrase such as
    *bất động sản*: together, in order), their scores summed."""
    m = sparse_term(ti, words[0], scratch)
    ids, score, title, in_title = m.ids, m.score, m.title_score, m.in_title
    for w in words[1:]:
        o = sparse_term(ti, w, scratch)
        ids, ia, ib = np.intersect1d(ids, o.ids, assume_unique=True, return_indices=True)
        score, title, in_title = score[ia] + o.score[ib], title[ia] + o.title_score[ib], in_title[ia] & o.in_title[ib]
    if len(words) > 1 and len(ids):
        keep = np.isin(ids, phrase_docs(ti, tuple(w.folded for w in words)))
        ids, score, title, in_title = ids[keep], score[keep], title[keep], in_title[keep]
    return SparseMatch(ids, score, title, in_title)


def phrase_docs(ti: TextIndex, words: tuple[str, ...]) -> IntArray:
    """Documents with ``words`` next to each other, in order, in a folded text field (cached)."""
    key = ("phrase", *words)
    cached = ti.matches.get(key)
    if cached is not None:
        return cached.ids
    q = wq.Or([wq.Phrase(f"{f}_f", list(words)) for f in PHRASE_FIELDS])
    ids = np.fromiter(ti.searcher.docs_for_query(q), dtype=np.int64)
    ids.sort()
    empty = np.zeros(len(ids), dtype=np.float32)
    ti.matches.put(key, SparseMatch(ids, empty, empty, np.zeros(len(ids), dtype=bool)))
    return ids


def required_count(n: int) -> int:
    """How many of ``n`` words a "most words" match needs: all but one of 3-4,
    two thirds of longer queries (rounded up)."""
    if n <= 2:
        return n
    if n <= 4:
        return n - 1
    return -(-2 * n // 3)


def score_terms(
    ti: TextIndex,
    parsed: ParsedQuery,
    place_groups: list[tuple[list[int], list[str]]],
    relaxed: bool,
    tiers: list[BoolArray] | None = None,
    alternatives: dict[int, list[Alternative]] | None = None,
    need: int | None = None,
) -> Scored:
    """Match and score the plain terms of a query.

    ``place_groups`` lists (indexes of the terms naming a place, that place's
    index keys): those terms may be satisfied by the document's place instead
    of its words. Documents in the named place rank in a tier above the
    others, and so do the documents of every mask in ``tiers`` (listings, when
    the query names a kind of property).

    ``alternatives`` maps a term's index to what may stand for it (typo
    neighbours, synonyms), each scored at its weight. Every required term
    must match (``relaxed``: any one; ``need``: at least that many, scores
    scaled by the share matched).
    """
    n = ti.n
    scratch = Scratch(n)
    terms = parsed.terms
    last = len(terms) - 1
    matches = [sparse_term(ti, t, scratch, prefix=parsed.last_is_prefix and i == last) for i, t in enumerate(terms)]
    exact_present = [_dense_bool(n, m.ids) for m in matches] if alternatives else None
    for i, alts in (alternatives or {}).items():
        parts = [(alternative_match(ti, words, scratch), weight) for words, weight in alts]
        matches[i] = scratch.take_max([(matches[i], 1.0), *parts])
    present = [_dense_bool(n, m.ids) for m in matches]
    score = np.zeros(n, dtype=np.float32)
    for m in matches:
        score[m.ids] += m.score
    tiers = list(tiers or [])

    def clauses_of(present: list[BoolArray], add_tiers: bool) -> list[BoolArray]:
        grouped: set[int] = set()
        clauses: list[BoolArray] = []
        for covered, keys in place_groups:
            words = np.ones(n, dtype=bool)
            for i in covered:
                words &= present[i]
            in_place = np.zeros(n, dtype=bool)
            for key in keys:
                in_place[ti.postings("places", key).ids] = True
            clauses.append(words | in_place)
            if add_tiers:
                tiers.append(in_place)
            grouped.update(covered)
        clauses.extend(p for i, p in enumerate(present) if i not in grouped)
        return clauses

    clauses = clauses_of(present, add_tiers=True)
    if not clauses:
        mask = np.ones(n, dtype=bool)
    elif relaxed:
        mask = np.logical_or.reduce(clauses)
    elif need is not None and need < len(clauses):
        # Most of the words: each matched word counts, and so does each
        # adjacent pair of them standing together in the title (a title with
        # "người yếu thế" is good evidence for "cham lo nguoi yeu the").
        counts: npt.NDArray[np.int32] = np.sum(clauses, axis=0, dtype=np.int32)
        for a, b in itertools.pairwise(terms):
            if not a.parts and not b.parts:
                counts[ti.postings("title_bi", f"{a.folded}_{b.folded}").ids] += 1
        mask = counts >= need
        score *= np.minimum(counts / len(clauses), 1.0).astype(np.float32)
    else:
        mask = np.logical_and.reduce(clauses)
    exact = None
    if exact_present is not None:
        exact_clauses = clauses_of(exact_present, add_tiers=False)
        exact = np.logical_and.reduce(exact_clauses) if exact_clauses else np.ones(n, dtype=bool)
    # Boosts.
    for t in terms:
        if t.accented:
            add_exact_score(ti, t, scratch, score)
    # A word and what stands for it (single-word alternatives, at their weight).
    forms = [
        [(t.folded, 1.0)] + [(w[0].folded, weight) for w, weight in (alternatives or {}).get(i, []) if len(w) == 1]
        for i, t in enumerate(terms)
    ]
    for i, (a, b) in enumerate(itertools.pairwise(terms)):
        if a.parts or b.parts:
            continue
        for (fa, wa), (fb, wb) in itertools.product(forms[i], forms[i + 1]):
            ids, s = ti.bm25("title_bi", f"{fa}_{fb}")
            score[ids] += s * (TITLE_BIGRAM_BOOST * wa * wb)
        if a.accented or b.accented:
            ids, s = ti.bm25("title_bi", f"{a.exact}_{b.exact}")
            score[ids] += s * EXACT_BIGRAM_BOOST
    if len(matches) > 1:
        all_in_title = np.ones(n, dtype=bool)
        title_total = np.zeros(n, dtype=np.float32)
        for m in matches:
            all_in_title &= _dense_bool(n, m.ids[m.in_title])
            title_total[m.ids] += m.title_score
        both = np.flatnonzero(all_in_title)
        score[both] += TITLE_ALL_BOOST * title_total[both]
    if tiers:
        # Tiers, as a sort key before the score: a document in the place the
        # query names ranks above every document that merely mentions the
        # place's words; with a kind of property asked for, listings above news.
        top = float(score[mask].max(initial=0.0)) + TIER_MARGIN
        for tier in tiers:
            score[tier] += top
    return Scored(mask, score, exact)


class Adjacency:
    """The rescore bonus of a document: :data:`ADJACENT_BOOST` per adjacent
    query pair found next to each other, in order, in its summary or body.

    Checked on the stored text (folded character by character, one regular
    expression per pair) rather than on Whoosh positions: reading positions
    for a hundred scattered documents walks every posting block before them.
    """

    def __init__(self, terms: list[QTerm]) -> None:
        pairs = [(a, b) for a, b in itertools.pairwise(terms) if not a.parts and not b.parts]
        self.patterns = [
            re.compile(rf"(?<![0-9a-z]){re.escape(a.folded)}\s+{re.escape(b.folded)}(?![0-9a-z])") for a, b in pairs
        ]
        #: The largest bonus any document can get.
        self.max_bonus = ADJACENT_BOOST * len(self.patterns)

    def bonus(self, texts: Iterable[str]) -> float:
        found = [fold_same_length(t) for t in texts if t]
        return ADJACENT_BOOST * sum(1 for p in self.patterns if any(p.search(t) for t in found))
