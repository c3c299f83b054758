"""Query repair: what may stand for a query word, and the corrected query.

One :class:`QueryRepair` per index snapshot brings together

* the language model of the generation (:mod:`newssearch.langmodel`), loaded
  on first use; without it, the index-bigram restorer of
  :class:`newssearch.suggest.Suggester`;
* the typo index over the folded vocabulary (:mod:`newssearch.typos`), built
  on first use from the model's vocabulary (or the title terms);
* Telex/VNI reading (:mod:`newssearch.telex`) and the synonyms table
  (:mod:`newssearch.synonyms`).

The engine asks it for *alternatives* (typo neighbours and synonyms that
match in place of a word, scored below it) and, when a query found nothing
good as typed, for a *correction*: keyed words read as Telex/VNI, unknown
words replaced by their likeliest neighbour, diacritics restored, all decoded
together by the language model so that context decides (``nguoi yeu thee``
-> *người yếu thế*). Every step is bounded: at most :data:`MAX_REPAIRED`
words of a query are looked at, each with a few candidates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from . import titlefit
from .langmodel import MODEL_FILE, LanguageModel, restore_text
from .query import ParsedQuery, QTerm
from .scorer import Alternative
from .suggest import Suggester
from .synonyms import Synonyms
from .telex import compatible, read_keyed
from .typos import TypoIndex, vocabulary_from_lexicon
from .vietnamese import fold

#: Score weight of a typo neighbour (of one typo; two typos: half of it).
TYPO_WEIGHT = 0.5
#: Weight of the other neighbours, relative to the one that fits the context best.
OTHER_NEIGHBOUR = 0.6
#: Score weight of a synonym.
SYNONYM_WEIGHT = 0.9
#: A known word is treated as a likely typo when a neighbour is this many times more frequent.
RARE_RATIO = 200
#: A known word's neighbour stands for it too when it is seen this many times
#: more often (and at least :data:`MIN_CONTEXT` times) next to the query's other words.
CONTEXT_RATIO = 10
MIN_CONTEXT = 5
#: ... and is not looked for when the word itself stands that often next to them.
IN_CONTEXT = 100
#: A word seen fewer times is as good as unknown (typos of short words count).
MIN_KNOWN = 3
#: Neighbours that may stand for a word, of the commonest candidates looked at.
MAX_NEIGHBOURS = 4
NEIGHBOUR_CANDIDATES = 12
#: Neighbours tried against the titles, commonest first (two term look-ups
#: each): a three-letter word has dozens, and the one meant is often not among
#: the few above, but nearly always among these.
TITLE_CANDIDATES = 24
#: Log-probability cost of each typo a correction assumes.
TYPO_PENALTY = -7.0
#: Query words looked at for typos and corrections (a long query pays for no more).
MAX_REPAIRED = 8
#: Longer queries get only the one likeliest out-of-context neighbour per word:
#: their other words find the document, and each neighbour widens the matching.
SHORT_QUERY = 6
#: How well a query matched, worst to best: nothing; only most or any of its
#: words; all of them, some through a typo neighbour; all of them as typed.
NONE, PARTIAL, FUZZY, FULL = range(4)
#: Words too common to be highlighted alone when a relaxed query matched them
#: ("the" lit up in unrelated documents); one-letter words are treated alike.
STOP_LIKE = frozenset(
    ["va", "cua", "la", "co", "cho", "voi", "cac", "nhung", "mot", "thi", "ma", "o", "tai", "de", "duoc", "trong", "nay", "do", "khi", "da", "se", "cung", "nhu", "the", "a", "an", "of", "and", "to", "in", "is", "on", "at", "for", "by"]
)
#: A keyed word is read as Telex/VNI when its syllable is this many times more frequent than the word.
KEYED_RATIO = 20


@dataclass(frozen=True)
class Correction:
    """A corrected query, and whether it reads words typed in Telex or VNI."""

    text: str
    keyed: bool


BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]


@dataclass
class Found:
    """The outcome of matching one reading of a query."""

    level: int
    mask: BoolArray
    scores: FloatArray | None
    final: BoolArray
    total: int
    alternatives: dict[int, list[Alternative]]
    #: The step of the engine's ladder that found these (None: none found anything).
    step: int | None = None


def merge_alternatives(*parts: dict[int, list[Alternative]]) -> dict[int, list[Alternative]]:
    """The alternatives of several sources, per query word."""
    out: dict[int, list[Alternative]] = {}
    for part in parts:
        for i, alts in part.items():
            out.setdefault(i, []).extend(alts)
    return out


def highlight_terms(parsed: ParsedQuery, alternatives: dict[int, list[Alternative]], partial: bool) -> list[QTerm]:
    """The words to mark in titles and snippets: the query's and what stood in
    for them. After relaxing to most or any word, one-letter and stop-like
    words are not marked (alone they mark noise)."""
    terms = parsed.positive_terms()
    seen = {t.folded for t in terms}
    for alts in alternatives.values():
        for words, _weight in alts:
            # A phrase's words alone would mark every "sàn" and "đồng" of a text.
            if len(words) == 1 and words[0].folded not in seen:
                seen.add(words[0].folded)
                terms.append(words[0])
    if partial:
        terms = [replace(t, weak=True) if len(t.folded) < 2 or t.folded in STOP_LIKE else t for t in terms]
    return terms


class QueryRepair:
    """Alternatives and corrections for the queries of one index snapshot."""

    def __init__(self, gen: Path | None, suggester: Suggester) -> None:
        self.gen = gen
        self.suggester = suggester
        self._lock = threading.Lock()
        self._model: LanguageModel | None = None
        self._model_loaded = False
        self._typos: TypoIndex | None = None
        self._near_cache: dict[tuple[str, bool], list[tuple[str, int, int]]] = {}

    # -- lazily built parts ---------------------------------------------------
    @property
    def model(self) -> LanguageModel | None:
        """The generation's language model, or None when it has none."""
        if not self._model_loaded:
            with self._lock:
                if not self._model_loaded:
                    self._model = LanguageModel.load(self.gen / MODEL_FILE) if self.gen is not None else None
                    self._model_loaded = True
        return self._model

    @property
    def typos(self) -> TypoIndex:
        """The typo index of the folded vocabulary (built on first use)."""
        if self._typos is None:
            model = self.model
            with self._lock:
                if self._typos is None:
                    if model is not None:
                        counts = model.folded_counts
                    else:
                        counts = vocabulary_from_lexicon(self.suggester.lexicon(("title_f", "body_f")))
                    self._typos = TypoIndex(counts)
        return self._typos

    def warm(self) -> None:
        """Load the model and build the typo index in a background thread, so
        that the first queries of a new snapshot wait less (seconds on a large
        index). Without a model nothing is done: the fallback reads Whoosh,
        which only the thread holding the snapshot's lock may use."""

        def run() -> None:
            if self.model is not None:
                self.typos.count("")

        threading.Thread(target=run, name="newssearch-repair-warm", daemon=True).start()

    def count(self, folded: str) -> int:
        """How often a folded word occurs in the indexed text."""
        model = self.model
        if model is not None:
            return model.folded_counts.get(folded, 0)
        return self.typos.count(folded)

    # -- alternatives -----------------------------------------------------------
    def _repairable(self, parsed: ParsedQuery, unfinished: bool = False) -> list[tuple[int, QTerm]]:
        """The query words that may be typos (``unfinished``: the last word too
        when it may be the beginning of a longer one)."""
        excluded = {x.folded for x in parsed.excluded if isinstance(x, QTerm)}
        out = []
        for i, t in enumerate(parsed.terms):
            if t.parts or not t.folded.isascii() or not t.folded.isalpha() or t.folded in excluded:
                continue
            if not unfinished and self._unfinished(parsed, i):
                continue  # prefix matching already widens it
            out.append((i, t))
        return out[:MAX_REPAIRED]

    def _unfinished(self, parsed: ParsedQuery, i: int) -> bool:
        """Whether ``parsed.terms[i]`` is the last word, matched as the beginning of longer ones."""
        return (
            parsed.last_is_prefix and i == len(parsed.terms) - 1 and self.typos.begins_a_word(parsed.terms[i].folded)
        )

    def typo_alternatives(self, parsed: ParsedQuery, every: bool) -> dict[int, list[Alternative]]:
        """Neighbours that may stand for the query's unknown or rare words
        (``every``: for every word long enough to allow a typo). An unfinished
        last word gets only the neighbours its context asks for that are
        :data:`RARE_RATIO` times commoner than it ("tam da ang": *nang*; prefix
        matching alone finds *angela*). Any word of three letters or more also
        gets the neighbours a title confirms, first (a typo that made another
        word: "nha sac hoa hau" -> *nhan*; :meth:`_title_confirmed`)."""
        out: dict[int, list[Alternative]] = {}
        terms = parsed.terms
        sure = self._title_confirmed(parsed)
        for i, t in self._repairable(parsed, unfinished=True):
            if self._unfinished(parsed, i):
                # ... and only those of a likely typo (a word far rarer than them): a
                # word is meant ("biet thu vinh"), or begun ("chinh thuc nhi").
                own = self.count(t.folded)
                near = [n for n in self._out_of_context(terms, i) if n[2] > RARE_RATIO * own]
            else:
                near = self._ranked_neighbours(terms, i, every) or self._out_of_context(terms, i)
            first = sure.get(i, [])
            if first:
                # A neighbour a title confirms leads, even for a word that fits its context.
                near = (first + [n for n in near if n not in first])[:MAX_NEIGHBOURS]
            if near:
                out[i] = [
                    (
                        (QTerm(w, w, False, t.start, t.end),),
                        TYPO_WEIGHT / d * (1.0 if k == 0 or (w, d, c) in first else OTHER_NEIGHBOUR),
                    )
                    for k, (w, d, c) in enumerate(near)
                ]
        return out

    def _title_confirmed(self, parsed: ParsedQuery) -> dict[int, list[tuple[str, int, int]]]:
        """Per query word, the neighbours a title confirms (:mod:`newssearch.titlefit`):
        some title holds more adjacent pairs of the query read with one of them
        than any title holds of the query as typed ("nha sac hoa hau": *nhan*)."""
        terms = parsed.terms
        found = titlefit.confirmed(
            self.suggester.text,
            [t.folded for t in terms],
            [i for i, _t in self._repairable(parsed, unfinished=True)],
            lambda word: [w for w, _d, _c in self._near(word, False, TITLE_CANDIDATES)],
            unfinished=bool(terms) and self._unfinished(parsed, len(terms) - 1),
        )
        return {
            i: [n for n in self._near(terms[i].folded, False, TITLE_CANDIDATES) if n[0] in words][:MAX_NEIGHBOURS]
            for i, words in found.items()
        }

    def _out_of_context(self, terms: list[QTerm], i: int) -> list[tuple[str, int, int]]:
        """A known word's neighbours that the words around it make far likelier
        (a typo that made another word: "ngo voi nha sac" -> *nhan*), the
        likeliest first, or nothing. Several may qualify ("tie vang": *the*,
        *tiem*): context picks the order, the documents decide (in a query of
        up to :data:`SHORT_QUERY` words; a longer one gets the likeliest)."""
        if len(terms) < 2 or self.model is None:
            return []
        word = terms[i].folded
        prev = terms[i - 1].folded if i else None
        nxt = terms[i + 1].folded if i + 1 < len(terms) else None
        own = self._context(prev, word, nxt)
        if own >= IN_CONTEXT:
            return []  # the word fits where it stands: the usual case, decided with one lookup
        near = self._near(word, known=False)
        if not near:
            return []
        floor = max(MIN_CONTEXT, CONTEXT_RATIO * (own + 1))
        fits = [(self._context(prev, w, nxt), (w, d, c)) for w, d, c in near]
        fits.sort(key=lambda f: (-f[0], f[1][1], -f[1][2]))
        return [n for fit, n in fits if fit >= floor][: MAX_NEIGHBOURS if len(terms) <= SHORT_QUERY else 1]

    def _near(self, folded: str, known: bool, limit: int = NEIGHBOUR_CANDIDATES) -> list[tuple[str, int, int]]:
        """The first ``limit`` of :meth:`TypoIndex.neighbours`, remembered per
        snapshot (words recur query after query)."""
        key = (folded, known)
        found = self._near_cache.get(key)
        if found is None:
            found = self.typos.neighbours(folded, max(NEIGHBOUR_CANDIDATES, TITLE_CANDIDATES), known=known)
            if len(self._near_cache) > 50_000:
                self._near_cache.clear()
            self._near_cache[key] = found
        return found[:limit]

    def _ranked_neighbours(self, terms: list[QTerm], i: int, every: bool) -> list[tuple[str, int, int]]:
        """The neighbours that may stand for ``terms[i]``, those that fit between
        the words around it first ("quet guon troi": cuốn before the commoner muốn)."""
        near = self._neighbours(terms[i].folded, self.count(terms[i].folded), every)
        if len(near) < 2:
            return near
        prev = terms[i - 1].folded if i else None
        nxt = terms[i + 1].folded if i + 1 < len(terms) else None
        fit = {w: self._context(prev, w, nxt) for w, _d, _c in near}
        return sorted(near, key=lambda n: (-fit[n[0]], n[1], -n[2]))[:MAX_NEIGHBOURS]

    def _context(self, prev: str | None, word: str, nxt: str | None) -> int:
        """How often ``word`` (folded) follows ``prev`` and precedes ``nxt`` in the text."""
        model = self.model
        if model is None:
            return 0
        total = 0
        if prev is not None:
            total += model.folded_bigram_count(prev, word)
        if nxt is not None:
            total += model.folded_bigram_count(word, nxt)
        return total

    def _neighbours(self, folded: str, own: int, every: bool) -> list[tuple[str, int, int]]:
        """The neighbours that may stand for a word seen ``own`` times: for an
        unknown or rare word, its neighbours; with ``every``, for any word, the
        neighbours more frequent than it (a typo seldom makes a commoner word)."""
        near = self._near(folded, known=own >= MIN_KNOWN)
        if near and own * RARE_RATIO < near[0][2]:
            return near
        return [n for n in near if n[2] > own] if every else []

    @staticmethod
    def synonym_alternatives(parsed: ParsedQuery, synonyms: Synonyms) -> dict[int, list[Alternative]]:
        """Synonyms and expansions of the query's abbreviations (``bds`` -> *bất động sản*)."""
        out: dict[int, list[Alternative]] = {}
        for i, t in enumerate(parsed.terms):
            alts = synonyms.alternatives(t.folded)
            if alts:
                out[i] = [
                    (tuple(QTerm(w, w, False, t.start, t.end) for w in words), SYNONYM_WEIGHT) for words in alts
                ]
        return out

    # -- corrections --------------------------------------------------------------
    def correction(self, parsed: ParsedQuery, every: bool) -> Correction | None:
        """The query with keyed words read, typos fixed and diacritics restored,
        or None when that changes nothing that matching sees.

        ``every``: any word long enough may be a typo (the query found nothing
        with all its words); otherwise only unknown and rare ones.
        """
        terms = parsed.terms
        if not terms or any(t.parts for t in terms):
            return None
        repairable = dict(self._repairable(parsed))
        model = self.model
        if model is None:
            text = self._fallback_correction(parsed, repairable, every)
            return Correction(text, keyed=False) if text is not None else None
        options: list[list[tuple[str, float]]] = []
        keyed_any = False
        for i, t in enumerate(terms):
            if t.accented:
                options.append([(t.exact.lower(), 0.0)])
                continue
            keyed = self._keyed(t, model)
            if keyed:
                options.append([(s, 0.0) for s in keyed])
                keyed_any = True
                continue
            spellings = [(s, 0.0) for s in model.candidates(t.folded)]
            if i in repairable:
                near = self._ranked_neighbours(terms, i, every)
                if near:
                    # A correction must be clearly likelier in context than the word as typed.
                    fixed = [(s, TYPO_PENALTY * d) for w, d, _c in near for s in model.candidates(w)[:3]]
                    spellings = spellings[:3] + fixed
            options.append(spellings or [(t.exact.lower(), 0.0)])
        text = _replace(parsed, model.decode(options))
        return Correction(text, keyed_any) if text is not None else None

    def _keyed(self, t: QTerm, model: LanguageModel) -> list[str]:
        """The spellings a Telex/VNI-typed word asks for, when it reads better that way."""
        keyed = read_keyed(t.exact)
        if keyed is None:
            return []
        found = [s for s in model.candidates(fold(keyed.base)) if compatible(keyed, s)]
        if not found:
            return []
        if self.count(t.folded) * KEYED_RATIO >= sum(model.count(s) for s in found):
            return []
        return found

    def _fallback_correction(self, parsed: ParsedQuery, repairable: dict[int, QTerm], every: bool) -> str | None:
        words = []
        for i, t in enumerate(parsed.terms):
            w = t.folded
            if i in repairable:
                near = self._neighbours(w, self.count(w), every)
                if near:
                    w = near[0][0]
            words.append(w)
        restored = self.suggester.restore(words).split()
        if len(restored) != len(words):
            return None
        return _replace(parsed, restored)

    def restore(self, text: str) -> str:
        """``text`` with diacritics restored (the language model, else the index bigrams)."""
        model = self.model
        if model is not None:
            return restore_text(model, text)
        words = [fold(w) for w in text.split()]
        return self.suggester.restore(words) if words else text


def _replace(parsed: ParsedQuery, words: list[str]) -> str | None:
    """The query text with each plain term replaced by ``words[i]``; None if nothing folded changed."""
    terms = parsed.terms
    if [fold(w) for w in words] == [t.folded for t in terms]:
        return None
    text = parsed.raw
    pieces: list[str] = []
    pos = 0
    for t, w in sorted(zip(terms, words, strict=True), key=lambda x: x[0].start):
        pieces.append(text[pos : t.start])
        pieces.append(w)
        pos = t.end
    pieces.append(text[pos:])
    return "".join(pieces)

