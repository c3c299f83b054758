"""Lookups in the index's own lexicon for accent restoration and autocomplete.

* Accent restoration without a language model (an index built before
  :mod:`newssearch.langmodel` existed): every accented spelling of each
  syllable that the index knows is a candidate (``ha`` -> hà, hạ, há...); the
  best sequence is the one whose adjacent pairs (bigrams) are most frequent in
  the index titles, so ``ha long`` -> ``hạ long`` and ``nha dat`` -> ``nhà đất``.
* Autocomplete's lookups (:mod:`newssearch.autocomplete`): frequent title
  pairs starting with what was typed, and titles whose words match, the last
  word as a prefix.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .scorer import TextIndex, score_all_of
from .store import ORDER_COLUMN, IndexSnapshot

_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_QUALITY: dict[str, tuple[str, ...]] = {
    "a": ("a", "ă", "â"),
    "e": ("e", "ê"),
    "o": ("o", "ô", "ơ"),
    "u": ("u", "ư"),
    "d": ("d", "đ"),
}
_VOWELS = set("aăâeêioôơuưy")
MAX_VARIANTS = 400


@lru_cache(maxsize=4096)
def accent_variants(syllable: str) -> tuple[str, ...]:
    """Every spelling of a folded syllable with Vietnamese marks (one tone at most).

    ``"ha"`` -> ``("ha", "há", "hà", ..., "hạ", "hă", ...)``. Bounded in size.
    """
    import unicodedata

    if not syllable.isascii() or not syllable.isalpha() or len(syllable) > 7:
        return (syllable,)
    options = [_QUALITY.get(c, (c,)) for c in syllable]
    out: list[str] = []
    for letters in itertools.product(*options):
        vowel_positions = [i for i, c in enumerate(letters) if c in _VOWELS]
        out.append("".join(letters))
        for i in vowel_positions:
            for tone in _TONES[1:]:
                chars = list(letters)
                chars[i] = unicodedata.normalize("NFC", chars[i] + tone)
                out.append("".join(chars))
        if len(out) > MAX_VARIANTS:
            break
    return tuple(out)


#: How many completions of an unfinished word autocomplete looks titles up by.
TITLE_EXPANSIONS = 48


class Suggester:
    """Lexicon look-ups over one index snapshot."""

    def __init__(self, snap: IndexSnapshot, text: TextIndex) -> None:
        self.snap = snap
        self.text = text
        # Per-snapshot memo: the same syllables come back query after query.
        self._candidates: dict[str, list[tuple[str, int]]] = {}

    # -- lexicon helpers -----------------------------------------------------
    def _df(self, field: str, text: str) -> int:
        return self.text.doc_frequency(field, text)

    def _syllable_df(self, text: str) -> int:
        return self._df("title", text) + self._df("body", text)

    def lexicon(self, fields: tuple[str, ...]) -> Iterator[tuple[str, int]]:
        """Every term of ``fields`` with its document frequency (a full walk: only
        used to build the typo index of an index without a language model)."""
        for field in fields:
            yield from self.snap.terms_with_prefix(field, "", 1_000_000).items()

    def _bigram_df(self, text: str) -> int:
        return self._df("title_bi", text)

    def candidates(self, folded: str, top: int = 4) -> list[tuple[str, int]]:
        """Accented spellings of a folded syllable the index knows, most frequent first."""
        cached = self._candidates.get(folded)
        if cached is not None:
            return cached[:top]
        scored = [(v, self._syllable_df(v)) for v in accent_variants(folded)]
        scored = [s for s in scored if s[1] > 0]
        scored.sort(key=lambda s: -s[1])
        result = scored[:8] or [(folded, 0)]
        if len(self._candidates) > 50_000:
            self._candidates.clear()
        self._candidates[folded] = result
        return result[:top]

    def restore(self, words: list[str]) -> str:
        """The most likely accented form of a sequence of folded syllables (Viterbi over bigrams)."""
        if not words:
            return ""
        lattice = [self.candidates(w) for w in words]
        # best[i][cand] = (score, backpointer)
        best: list[dict[str, tuple[float, str | None]]] = [
            {c: (float(df) * 0.001, None) for c, df in lattice[0]}
        ]
        for i in range(1, len(words)):
            layer: dict[str, tuple[float, str | None]] = {}
            for c, df in lattice[i]:
                options = []
                for p, (score, _) in best[i - 1].items():
                    options.append((score + self._bigram_df(f"{p}_{c}") + df * 0.001, p))
                layer[c] = max(options)
            best.append(layer)
        word = max(best[-1].items(), key=lambda kv: kv[1][0])[0]
        out = [word]
        for i in range(len(words) - 1, 0, -1):
            prev = best[i][word][1]
            assert prev is not None
            out.append(prev)
            word = prev
        return " ".join(reversed(out))

    # -- autocomplete helpers ---------------------------------------------------
    def title_df(self, folded: str) -> int:
        """How many titles have the folded word."""
        return self._df("title_f", folded)

    def pairs(self, stem: str, top: int) -> list[tuple[str, int]]:
        """The most frequent folded title pairs (``a_b``) beginning with ``stem``."""
        return sorted(self._expand("title_bi", stem), key=lambda x: -x[1])[:top]

    def _expand(self, field: str, prefix: str, budget: int = 3000) -> Iterator[tuple[str, int]]:
        for text, df in self.snap.terms_with_prefix(field, prefix, budget).items():
            if text.isascii():
                yield text, df

    def titles(self, words: list[str], complete_next: bool, limit: int) -> list[tuple[dict[str, Any], tuple[float, float]]]:
        """Titles with every word (folded; the last one as a prefix unless
        ``complete_next``), best first, each with its sort key (ascending: to
        merge the lists of several shards)."""
        clauses: list[dict[str, Sequence[str]]] = []
        full = words if complete_next else words[:-1]
        for w in full:
            clauses.append({"title_f": [w], "title_j": [w]})
        if not complete_next:
            # The unfinished word: the title words it begins, most frequent first
            # (a prefix walk of the term list instead of an edge n-gram field,
            # which cost 14% of all postings at indexing time).
            partial = words[-1]
            found = sorted(self._expand("title_f", partial, budget=2000), key=lambda x: -x[1])
            options = [text for text, _df in found[:TITLE_EXPANSIONS]]
            if partial not in options:
                options.append(partial)
            clauses.append({"title_f": options})
        if not clauses:
            return []
        ids, scores = score_all_of(self.text, clauses)
        live = self.snap.columns.live[ids]
        ids, scores = ids[live], scores[live]
        keys = self.snap.columns.numbers[ORDER_COLUMN][ids]
        out = []
        for i in np.lexsort((keys, -scores))[:limit]:
            raw = self.snap.document(int(ids[i]))
            item = {
                "text": raw.get("title") or "",
                "kind": "title",
                "id": raw.get("id"),
                "type": raw.get("type"),
                "url": raw.get("url"),
            }
            out.append((item, (-float(scores[i]), float(keys[i]))))
        return out
