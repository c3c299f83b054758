"""Did-you-mean, accent restoration and autocomplete, from the index's own lexicon.

* Accent restoration: for an unaccented query, every accented spelling of each
  syllable that the index knows is a candidate (``ha`` -> hà, hạ, há...); the
  best sequence is the one whose adjacent pairs (bigrams) are most frequent in
  the index, so ``ha long`` -> ``hạ long`` and ``nha dat`` -> ``nhà đất``.
* Did-you-mean: a folded term the index does not know is replaced by the most
  frequent known term within a small edit distance, then accents are restored.
* Autocomplete: frequent title phrases (bigrams) starting with what was typed,
  then titles whose words match, the last word as a prefix.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .budget import AUTOCOMPLETE_WORDS, Deadline, unlimited
from .query import ParsedQuery, QTerm, parse_query
from .scorer import TextIndex, score_all_of
from .store import IndexSnapshot
from .vietnamese import fold

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
    """Suggestions over one index snapshot."""

    def __init__(self, snap: IndexSnapshot, text: TextIndex) -> None:
        self.snap = snap
        self.text = text
        # Per-snapshot memo: the same syllables come back query after query.
        self._candidates: dict[str, list[tuple[str, int]]] = {}
        self._dfs: dict[tuple[str, str], int] = {}

    # -- lexicon helpers -----------------------------------------------------
    def _df(self, field: str, text: str) -> int:
        key = (field, text)
        df = self._dfs.get(key)
        if df is None:
            df = self.snap.doc_frequency(field, text)
            if len(self._dfs) > 200_000:
                self._dfs.clear()
            self._dfs[key] = df
        return df

    def _syllable_df(self, text: str) -> int:
        return self._df("title", text) + self._df("body", text)

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

    def restore(self, words: list[str], deadline: Deadline | None = None) -> str:
        """The most likely accented form of a sequence of folded syllables (Viterbi over bigrams).

        The words as given when ``deadline`` expires before every syllable's
        spellings are looked up."""
        if not words:
            return ""
        deadline = deadline or unlimited()
        lattice = []
        for w in words:
            if deadline.expired():
                return " ".join(words)
            lattice.append(self.candidates(w))
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

    def _term_df(self, folded: str) -> int:
        return self._df("body_f", folded) + self._df("title_f", folded)

    def correct(self, folded: str, prev: str | None = None, nxt: str | None = None) -> str:
        """The best known folded term within edit distance 1 (2 for long words).

        Candidates are ranked by how often they stand next to the neighbouring
        words (folded bigrams), then by document frequency: "nguoi yeu thee"
        -> "the" (as in "yếu thế"), not the more frequent "thue".
        """
        if self._term_df(folded) > 0 or not folded.isalpha():
            return folded
        maxdist = 1 if len(folded) <= 5 else 2
        found: set[str] = set()
        # Title words only: Whoosh computes the edit distance of every term
        # sharing the first letter, and the body vocabulary (numbers, names,
        # foreign words) made this 16% of all search time on the full corpus.
        found.update(self.snap.terms_within("title_f", folded, maxdist, prefix=1))
        best, best_key = folded, (0, 0)
        for cand in found:
            context = 0
            if prev:
                context += self._bigram_df(f"{prev}_{cand}")
            if nxt:
                context += self._bigram_df(f"{cand}_{nxt}")
            key = (context, self._term_df(cand))
            if key > best_key:
                best, best_key = cand, key
        return best

    # -- search-result suggestion ------------------------------------------------
    def suggestion(
        self, parsed: ParsedQuery, total: int, relaxed: bool, deadline: Deadline | None = None
    ) -> str | None:
        """"Có phải bạn muốn tìm": a corrected and/or accent-restored query, or None
        (also when ``deadline`` expires first: half a correction is no suggestion)."""
        deadline = deadline or unlimited()
        terms = [t for t in parsed.terms if not t.parts]
        if not terms or len(terms) != len(parsed.terms) or parsed.phrases or parsed.excluded:
            return None
        words = [t.folded for t in terms]
        corrected: list[str] = []
        seen: dict[tuple[str, str | None, str | None], str] = {}  # a repeated word is corrected once
        for i, w in enumerate(words):
            prev = corrected[i - 1] if i else None
            nxt = words[i + 1] if i + 1 < len(words) else None
            key = (w, prev, nxt)
            if key not in seen:
                if deadline.expired():
                    return None
                # Unknown words are corrected even when the query found something
                # (e.g. through a joined form); known ones only when nothing matched.
                fix = w.isalpha() and (total == 0 or relaxed or self._term_df(w) == 0)
                seen[key] = self.correct(w, prev, nxt) if fix else w
            corrected.append(seen[key])
        words = corrected
        typed_accents = any(t.accented for t in terms)
        if typed_accents and words == [t.folded for t in terms]:
            return None
        restored = self.restore(words, deadline)
        if deadline.timed_out:
            return None
        typed = " ".join(t.exact for t in terms)
        if fold(restored) == fold(typed) and (typed_accents or restored == typed):
            return None
        return restored

    # -- autocomplete --------------------------------------------------------
    def complete(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Suggestions for a partial query, accent-insensitive.

        Only the last :data:`~newssearch.budget.AUTOCOMPLETE_WORDS` words
        count; titles are skipped when ``deadline`` expires first."""
        deadline = deadline or unlimited()
        parsed = parse_query(prefix)
        terms: list[QTerm] = parsed.terms[-AUTOCOMPLETE_WORDS:]
        if not terms:
            return []
        ends_with_space = prefix[-1:].isspace()
        words = [t.folded for t in terms]
        phrases = [
            {"text": phrase, "kind": "phrase", "count": count}
            for phrase, count in self._phrases(words, ends_with_space, limit, deadline)
        ]
        titles = [] if deadline.expired() else self._titles(words, ends_with_space, limit)
        # At most ``limit`` in all: phrases first (up to half), then titles,
        # then more phrases if titles ran out.
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        half = (limit + 1) // 2
        for item in phrases[:half] + titles + phrases[half:]:
            if item["text"] not in seen and len(out) < limit:
                seen.add(item["text"])
                out.append(item)
        return out

    def _expand(self, field: str, prefix: str, budget: int = 3000) -> Iterator[tuple[str, int]]:
        for text, df in self.snap.terms_with_prefix(field, prefix, budget).items():
            if text.isascii():
                yield text, df

    def _phrases(
        self, words: list[str], complete_next: bool, limit: int, deadline: Deadline
    ) -> list[tuple[str, int]]:
        if complete_next:
            head, partial = words, ""
        else:
            head, partial = words[:-1], words[-1]
        if head:
            stem = f"{head[-1]}_{partial}"
            found = sorted(self._expand("title_bi", stem), key=lambda x: -x[1])[:limit]
            return [(self.restore([*head, term.split("_", 1)[1]], deadline), df) for term, df in found]
        if len(partial) < 2:
            return []
        found = sorted(self._expand("title_bi", partial), key=lambda x: -x[1])[:limit]
        return [(self.restore(term.split("_"), deadline), df) for term, df in found]

    def _titles(self, words: list[str], complete_next: bool, limit: int) -> list[dict[str, Any]]:
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
        out = []
        for i in np.lexsort((ids, -scores))[:limit]:
            raw = self.snap.document(int(ids[i]))
            out.append(
                {
                    "text": raw.get("title") or "",
                    "kind": "title",
                    "id": raw.get("id"),
                    "type": raw.get("type"),
                    "url": raw.get("url"),
                }
            )
        return out
