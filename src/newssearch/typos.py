"""Typo tolerance: the vocabulary words within a small edit distance of a word.

A symmetric-deletion index (the SymSpell idea): every vocabulary word is
stored under itself and each string obtained by deleting one letter (two for
long words); a query word looks up itself and its own deletions, and the
words found are checked with the real edit distance (insertions, deletions,
substitutions and swaps of adjacent letters each count one). Lookups cost a
few dozen hash probes whatever the vocabulary size; the index is NumPy
arrays of hashes, built once per index snapshot.

As in Meilisearch and Typesense, words of :data:`MIN_LENGTH` letters or more
allow one typo, words of :data:`LONG_LENGTH` or more two.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

#: Shorter words get no typo tolerance ("ha" has dozens of neighbours); a
#: word the text never has gets it from :data:`MIN_UNKNOWN_LENGTH` letters.
MIN_LENGTH = 4
MIN_UNKNOWN_LENGTH = 3
#: Words this long allow two typos.
LONG_LENGTH = 8
#: Vocabulary words seen fewer times are not offered as neighbours.
MIN_COUNT = 2
#: Most candidates checked per lookup (bounds the work on odd input).
MAX_CHECKED = 300


def max_typos(word: str, known: bool = True) -> int:
    """How many typos a word of this length may have (``known``: the text has it)."""
    if len(word) >= LONG_LENGTH:
        return 2
    return 1 if len(word) >= (MIN_LENGTH if known else MIN_UNKNOWN_LENGTH) else 0


def _deletions(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - out
        out |= frontier
    return out


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b`` (``limit + 1`` when above ``limit``)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


class TypoIndex:
    """Deletion neighbourhoods of a folded vocabulary (word -> frequency)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        words = [w for w, c in counts.items() if c >= MIN_COUNT and w.isascii() and w.isalpha() and len(w) >= 2]
        self.words = words
        self.counts = np.asarray([counts[w] for w in words], dtype=np.int64)
        keys: list[int] = []
        owners: list[int] = []
        for i, w in enumerate(words):
            for d in _deletions(w, 2 if len(w) >= LONG_LENGTH - 1 else 1):
                keys.append(hash(d))
                owners.append(i)
        key_array = np.asarray(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        self._keys: npt.NDArray[np.int64] = key_array[order]
        self._owners: npt.NDArray[np.int64] = np.asarray(owners, dtype=np.int64)[order]
        self._counts: dict[str, int] = dict(zip(words, self.counts.tolist(), strict=True))
        self._sorted = sorted(w for w in counts if w.isascii() and w.isalpha())

    def begins_a_word(self, prefix: str) -> bool:
        """Whether some vocabulary word begins with ``prefix`` (other than itself)."""
        i = bisect.bisect_right(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)

    def count(self, word: str) -> int:
        """How often ``word`` occurs (0 when below :data:`MIN_COUNT`)."""
        return self._counts.get(word, 0)

    def neighbours(self, word: str, limit: int = 6, known: bool = True) -> list[tuple[str, int, int]]:
        """Vocabulary words within :func:`max_typos` of ``word`` (not itself):
        ``(word, distance, count)``, closest then most frequent first."""
        typos = max_typos(word, known)
        if not typos or not word.isascii() or not word.isalpha() or not len(self._keys):
            return []
        probes = np.asarray([hash(d) for d in _deletions(word, typos)], dtype=np.int64)
        lo = np.searchsorted(self._keys, probes, side="left")
        hi = np.searchsorted(self._keys, probes, side="right")
        found: set[int] = set()
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            found.update(self._owners[a:b].tolist())
            if len(found) > MAX_CHECKED:
                break
        out: list[tuple[str, int, int]] = []
        for i in found:
            cand = self.words[i]
            if cand == word:
                continue
            d = edit_distance(word, cand, typos)
            if d <= typos:
                out.append((cand, d, int(self.counts[i])))
        out.sort(key=lambda x: (x[1], -x[2], x[0]))
        return out[:limit]


def vocabulary_from_lexicon(terms: Iterable[tuple[str, int]]) -> dict[str, int]:
    """A folded vocabulary from ``(term, document frequency)`` pairs, summed over fields."""
    out: dict[str, int] = {}
    for term, df in terms:
        if term.isascii() and term.isalpha():
            out[term] = out.get(term, 0) + df
    return out
