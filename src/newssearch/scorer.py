"""BM25F matching and scoring with NumPy over the index's postings.

This module reads a term's postings once per snapshot (through the store's
:class:`~newssearch.store.IndexSnapshot`) and does set algebra and BM25F
arithmetic with NumPy, touching only the documents in each term's postings.
Compared with Whoosh's pure-Python matcher tree this turns "score every match
of a common syllable" from seconds into milliseconds, and it makes the
ranking explicit:

* a term's score in a document is its best field plus ``TIEBREAK`` times the
  other fields (disjunction-max, Elasticsearch's ``best_fields``);
* optional boosts: the exact diacritics the user typed, adjacent pairs in the
  title (bigrams), every word in the title, the place named in the query;
* tiers: a document whose whole author name is in the query ranks above the
  documents that merely mention the name (:func:`author_tier`);
* adjacency inside summaries and bodies is checked on the stored text of the
  best :data:`RESCORE_WINDOW` candidates only (like Elasticsearch's rescore).
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from .budget import Deadline, term_key, unlimited
from .query import ParsedQuery, QTerm
from .ranking import RANKING
from .store import IndexSnapshot, Postings

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: The accent-exact twin of each folded field.
EXACT_FIELDS: dict[str, str] = {
    "title_f": "title", "summary_f": "summary", "captions_f": "captions", "body_f": "body", "author_f": "author_x",
}
#: Memory budget of the per-snapshot postings cache (a common syllable in a
#: 240k-document index is ~3 MB of arrays).
POSTINGS_CACHE_BYTES = 256 * 1024 * 1024
#: Memory budget of the per-snapshot cache of query terms' matches.
MATCH_CACHE_BYTES = 128 * 1024 * 1024

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


class TextIndex:
    """Postings, field lengths and statistics of one index snapshot, with the
    per-snapshot caches the scorer reads through."""

    def __init__(self, snap: IndexSnapshot) -> None:
        self.snap = snap
        self.n = snap.doc_count
        #: Scoring's N: the whole index's documents, also when this is one of its shards.
        self.corpus_docs = snap.corpus_docs
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
        self._dfs: dict[tuple[str, str], int] = {}

    # -- raw data ------------------------------------------------------------
    def postings(self, field: str, term: str) -> Postings:
        key = (field, term)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self.snap.postings(field, term)
        self._cache.put(key, result)
        return result

    def corpus_postings(self, field: str, term: str) -> Postings:
        """The whole index's postings of a term (every shard's, when this is a
        shard's search): for counts that must not depend on which documents a
        shard holds. Numbered apart from :meth:`postings` for a shard."""
        if self.corpus_docs == self.n:
            return self.postings(field, term)
        key = (f"{field}@corpus", term)
        hit = self._cache.get(key)
        if hit is None:
            hit = self.snap.corpus_postings(field, term)
            self._cache.put(key, hit)
        return hit

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents have ``term`` in ``field``, remembered (typo
        neighbours ask about the same terms query after query, most of them
        absent, which the postings cache does not hold)."""
        key = (field, term)
        df = self._dfs.get(key)
        if df is None:
            df = self.snap.doc_frequency(field, term)
            if len(self._dfs) > 200_000:
                self._dfs.clear()
            self._dfs[key] = df
        return df

    def expand_prefix(self, prefix: str) -> list[str]:
        """The most frequent folded words starting with ``prefix`` (itself excluded)."""
        cached = self._prefixes.get(prefix)
        if cached is not None:
            return cached
        found: dict[str, int] = {}
        for field in RANKING.prefix_fields:
            for term, df in self.snap.terms_with_prefix(field, prefix).items():
                if term != prefix:
                    found[term] = found.get(term, 0) + df
        best = sorted(found, key=lambda t: -found[t])[:RANKING.prefix_expansions]
        if len(self._prefixes) > 10_000:
            self._prefixes.clear()
        self._prefixes[prefix] = best
        return best

    def lengths(self, field: str) -> FloatArray:
        return self.snap.field_lengths(field)

    def avg_length(self, field: str) -> float:
        return self.snap.avg_field_length(field)


    # -- scoring ---------------------------------------------------------------
    def bm25(self, field: str, term: str) -> tuple[IntArray, FloatArray]:
        """Document numbers containing ``term`` in ``field`` and their BM25 scores."""
        p = self.postings(field, term)
        if not len(p.ids):
            return p.ids, p.tf
        # The statistics of the whole index (of every shard, for a shard read
        # alone), so that scores of different shards compare.
        idf = math.log(self.corpus_docs / (self.doc_frequency(field, term) + 1)) + 1.0
        fl = self.lengths(field)[p.ids]
        avg = self.avg_length(field)
        scores = idf * (p.tf * (RANKING.k1 + 1)) / (p.tf + RANKING.k1 * ((1 - RANKING.b) + RANKING.b * fl / avg))
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
        """best + RANKING.tiebreak x (the other fields) for every touched document; resets."""
        u = np.flatnonzero(self.hit)
        best = self.best[u]
        match = SparseMatch(u, best + RANKING.tiebreak * (self.total[u] - best), self.title[u], self.in_title[u])
        self._clear(u)
        return match

    def take_total(self) -> tuple[IntArray, FloatArray]:
        """The summed score of every touched document; resets."""
        u = np.flatnonzero(self.hit)
        total = self.total[u]
        self._clear(u)
        return u, total

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
    ti: TextIndex,
    t: QTerm,
    scratch: Scratch,
    prefix: bool = False,
    fields: Mapping[str, float] = RANKING.field_weights,
    deadline: Deadline | None = None,
) -> SparseMatch:
    """A query term in any field: where it matches and its disjunction-max score.

    With ``prefix`` (an unfinished last word), words beginning with the term
    match too, at :data:`RANKING.prefix_weight` of their score, as many as
    ``deadline`` allows. Complete results are cached per index snapshot
    (read-only arrays); a prefix expansion cut short is not.
    """
    prefix = prefix and len(t.folded) >= RANKING.prefix_min_length and t.folded.isalnum()
    key = (t.folded, t.parts, prefix, tuple(fields.items()))
    cached = ti.matches.get(key)
    if cached is not None:
        return cached
    for field, weight in fields.items():
        ids, s = ti.bm25(field, t.folded)
        if len(ids):
            scratch.add(ids, s * weight, field in TITLE_FIELDS)
    if t.parts:  # a code such as Q.7: its parts, all in one field, count too
        for field, weight in RANKING.field_weights.items():
            if field == "title_j":
                continue
            ids, s = _all_parts(ti, field, t.parts, weight)
            if len(ids):
                scratch.add(ids, s, field == "title_f")
    match = scratch.take_dismax()
    if prefix:
        deadline = deadline or unlimited()
        others: list[tuple[SparseMatch, float]] = []
        words = [] if deadline.expired() else ti.expand_prefix(t.folded)
        for word in words:
            if deadline.expired():
                break
            word_term = QTerm(word, word, False, t.start, t.end)
            others.append((sparse_term(ti, word_term, scratch, fields=RANKING.prefix_field_weights), RANKING.prefix_weight))
        if others:
            match = scratch.take_max([(match, 1.0), *others])
        if deadline.timed_out:
            return match
    for a in (match.ids, match.score, match.title_score, match.in_title):
        a.flags.writeable = False
    ti.matches.put(key, match)
    return match


def score_weighted_terms(ti: TextIndex, field: str, weighted: dict[str, float]) -> tuple[IntArray, FloatArray]:
    """Documents with any of the terms in ``field``, scored by the weighted sum
    of the terms' BM25 scores (a "more like this" query)."""
    scratch = Scratch(ti.n)
    for term, weight in weighted.items():
        ids, s = ti.bm25(field, term)
        if len(ids):
            scratch.add(ids, s * weight, False)
    return scratch.take_total()


def score_all_of(ti: TextIndex, clauses: Sequence[dict[str, Sequence[str]]]) -> tuple[IntArray, FloatArray]:
    """Documents matching every clause, and their summed scores. A clause maps
    fields to alternative terms: it matches a document having any of them, and
    scores the sum of their weighted BM25 scores there (an AND of ORs)."""
    result: tuple[IntArray, FloatArray] | None = None
    scratch = Scratch(ti.n)
    for clause in clauses:
        for field, terms in clause.items():
            for term in terms:
                ids, s = ti.bm25(field, term)
                if len(ids):
                    scratch.add(ids, s * RANKING.field_weights.get(field, 1.0), False)
        ids, total = scratch.take_total()
        if result is None:
            result = ids, total
        else:
            both, ia, ib = np.intersect1d(result[0], ids, assume_unique=True, return_indices=True)
            result = both, result[1][ia] + total[ib]
        if not len(result[0]):
            break
    if result is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return result


def _match_bytes(m: SparseMatch) -> int:
    return m.ids.nbytes + m.score.nbytes + m.title_score.nbytes + m.in_title.nbytes


def _dense_bool(n: int, ids: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[ids] = True
    return out


def match_term(
    ti: TextIndex, t: QTerm, prefix: bool = False, fields: Mapping[str, float] = RANKING.field_weights
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
                scratch.add(ids, s * RANKING.field_weights[folded_field], False)
        cached = scratch.take_best()
        ti.exact.put(t.exact, cached)
    u, best = cached
    score[u] += RANKING.exact_boost * best


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
    ids, _ = ti.snap.phrase_docs([f"{f}_f" for f in PHRASE_FIELDS], words)
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
    deadline: Deadline | None = None,
    factor: FloatArray | None = None,
    alternatives: dict[int, list[Alternative]] | None = None,
    need: int | None = None,
) -> Scored:
    """Match and score the plain terms of a query.

    ``place_groups`` lists (indexes of the terms naming a place, that place's
    index keys): those terms may be satisfied by the document's place instead
    of its words. Documents in the named place rank in a tier above the
    others, and so do the documents of every mask in ``tiers`` (listings, when
    the query names a kind of property) and the articles whose author the
    query names.

    ``alternatives`` maps a term's index to what may stand for it (typo
    neighbours, synonyms), each scored at its weight. Every required term
    must match (``relaxed``: any one; ``need``: at least that many, scores
    scaled by the share matched).

    A repeated word is matched once (and counts as often as it is repeated).
    When ``deadline`` expires, the words not matched yet are left out (the
    result is a superset; the first word is always matched) and the remaining
    boosts are skipped. ``factor`` multiplies every score before the tiers are
    added (freshness, :mod:`newssearch.recency`).
    """
    deadline = deadline or unlimited()
    n = ti.n
    scratch = Scratch(n)
    terms = parsed.terms
    last = len(terms) - 1
    # One match per distinct (word, unfinished) pair, in query order.
    keys = [(term_key(t), parsed.last_is_prefix and i == last) for i, t in enumerate(terms)]
    counts = Counter(keys)
    found: dict[tuple[tuple[str, tuple[str, ...]], bool], tuple[SparseMatch, BoolArray, BoolArray]] = {}
    for i, (t, key) in enumerate(zip(terms, keys, strict=True)):
        if key in found:
            continue
        if found and deadline.expired():
            break
        m = sparse_term(ti, t, scratch, prefix=key[1], deadline=deadline)
        as_typed = _dense_bool(n, m.ids)
        alts = (alternatives or {}).get(i)
        if alts:
            parts = [(alternative_match(ti, words, scratch), weight) for words, weight in alts]
            m = scratch.take_max([(m, 1.0), *parts])
        found[key] = (m, _dense_bool(n, m.ids) if alts else as_typed, as_typed)
    present = {i: found[key][1] for i, key in enumerate(keys) if key in found}
    score = np.zeros(n, dtype=np.float32)
    for key, (m, _, _) in found.items():
        score[m.ids] += m.score * counts[key]
    tiers = list(tiers or [])

    def clauses_of(present: dict[int, BoolArray], add_tiers: bool) -> list[BoolArray]:
        grouped: set[int] = set()
        clauses: list[BoolArray] = []
        for covered, place_keys in place_groups:
            words = np.ones(n, dtype=bool)
            for i in covered:
                if i in present:
                    words &= present[i]
            in_place = np.zeros(n, dtype=bool)
            for place_key in place_keys:
                in_place[ti.postings("places", place_key).ids] = True
            clauses.append(words | in_place)
            if add_tiers:
                tiers.append(in_place)
            grouped.update(covered)
        # A repeated word adds the same clause again: AND and OR do not change.
        clauses.extend({id(p): p for i, p in present.items() if i not in grouped}.values())
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
        matched: npt.NDArray[np.int32] = np.sum(clauses, axis=0, dtype=np.int32)
        for a, b in itertools.pairwise(terms):
            if not a.parts and not b.parts:
                matched[ti.postings("title_bi", f"{a.folded}_{b.folded}").ids] += 1
        mask = matched >= need
        score *= np.minimum(matched / len(clauses), 1.0).astype(np.float32)
    else:
        mask = np.logical_and.reduce(clauses)
    exact = None
    if alternatives:
        typed = {i: found[key][2] for i, key in enumerate(keys) if key in found}
        exact_clauses = clauses_of(typed, add_tiers=False)
        exact = np.logical_and.reduce(exact_clauses) if exact_clauses else np.ones(n, dtype=bool)
    # Boosts (each one reads postings: skipped once the budget is spent).
    for t in terms:
        if deadline.expired():
            break
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
        if deadline.expired():
            break
        for (fa, wa), (fb, wb) in itertools.product(forms[i], forms[i + 1]):
            ids, s = ti.bm25("title_bi", f"{fa}_{fb}")
            score[ids] += s * (RANKING.title_bigram_boost * wa * wb)
        if a.accented or b.accented:
            ids, s = ti.bm25("title_bi", f"{a.exact}_{b.exact}")
            score[ids] += s * RANKING.exact_bigram_boost
    author = author_tier(ti, terms)
    if author is not None:
        tiers.append(author)
    if len(terms) > 1 and len(found) == len(counts):
        all_in_title = np.ones(n, dtype=bool)
        title_total = np.zeros(n, dtype=np.float32)
        for key, (m, _, _) in found.items():
            all_in_title &= _dense_bool(n, m.ids[m.in_title])
            title_total[m.ids] += m.title_score * counts[key]
        both = np.flatnonzero(all_in_title)
        score[both] += RANKING.title_all_boost * title_total[both]
    if factor is not None:
        score *= factor
    if tiers:
        # Tiers, as a sort key before the score: a document in the place the
        # query names ranks above every document that merely mentions the
        # place's words; with a kind of property asked for, listings above news.
        for tier in tiers:
            score[tier] += RANKING.tier_lift
    return Scored(mask, score, exact)


def author_tier(ti: TextIndex, terms: Sequence[QTerm]) -> BoolArray | None:
    """Documents whose author's every word is in the query (at least two query
    words, or the only one): "hoang giang" puts Hoàng Giang's articles above
    the articles that mention someone of that name. None when there is none."""
    if not terms:
        return None
    hits = np.zeros(ti.n, dtype=np.int32)
    for word in {t.folded for t in terms if not t.parts}:
        hits[ti.postings("author_f", word).ids] += 1
    lengths = ti.lengths("author_f")
    tier = (hits >= min(2, len(terms))) & (hits >= lengths) & (lengths > 0)
    return tier if tier.any() else None


class Adjacency:
    """The rescore bonus of a document: :data:`RANKING.adjacent_boost` per adjacent
    query pair found next to each other, in order, in its summary or body.

    Checked on the stored text (folded character by character, one regular
    expression per pair) rather than on Whoosh positions: reading positions
    for a hundred scattered documents walks every posting block before them.
    """

    def __init__(self, terms: list[QTerm]) -> None:
        # A repeated pair is searched for once and counts as often as it is repeated.
        pairs = Counter((a.folded, b.folded) for a, b in itertools.pairwise(terms) if not a.parts and not b.parts)
        self.patterns = [
            re.compile(rf"(?<![0-9a-z]){re.escape(a)}\s+{re.escape(b)}(?![0-9a-z])") for a, b in pairs
        ]
        self._counts = list(pairs.values())
        #: The largest bonus any document can get.
        self.max_bonus = RANKING.adjacent_boost * sum(self._counts)

    def bonus(self, folded: Iterable[str]) -> float:
        """The bonus of a document whose texts, folded by ``fold_same_length``, are ``folded``."""
        found = [t for t in folded if t]
        return RANKING.adjacent_boost * sum(
            c for p, c in zip(self.patterns, self._counts, strict=True) if any(p.search(t) for t in found)
        )
