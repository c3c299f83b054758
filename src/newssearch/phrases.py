"""Remembered phrases: an unquoted query that stands word for word in a document.

An editor types a sentence fragment remembered from an article ("chiều ngày
17/6 đoàn công tác đã đến"), without quotes and often without accents. When
the query is long enough to be such a fragment (:data:`MIN_TERMS` syllables)
and a document holds it as one contiguous sequence, that document ranks in a
tier above the others, wherever in its body the sequence stands.

The check reads the stored text of the candidates that hold every query word
in one text area (title, summary, captions or body), best first, folded (the
engine folds a document once and caches it with the snapshot) and runs one
regular expression over it. It stops :data:`AFTER_FIRST` candidates
after the first one that holds the phrase, and after :data:`WINDOW` in all:
reading and folding a text costs ~0.3 ms. (Reading Whoosh positions for
scattered documents walks every posting block before them; a regular
expression of accented letter classes over the unfolded text was slower
than folding.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from .order import best_first
from .query import QTerm
from .scorer import TextIndex

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Fewest query words read as a remembered phrase (shorter queries are topics).
MIN_TERMS = 4
#: Fewest of them that are not a place or a kind of property.
MIN_FREE_TERMS = 3
#: Most candidates whose text is read, best first (bounds the latency).
WINDOW = 500
#: Candidates read after the first one that holds the phrase (others may too).
AFTER_FIRST = 10
#: What holding the phrase adds: above every score and score tier (BM25F sums
#: are ~1-100, tiers add RANKING.tier_lift each). A constant, so that shards
#: searched apart lift alike.
LIFT = 100_000.0
#: The text areas a phrase is looked for in (folded fields).
AREAS = ("title_f", "summary_f", "captions_f", "body_f")
#: What may stand between two words of the phrase: spaces and punctuation
#: ("Hà Nội, ngày 17/6" is typed "ha noi ngay 17/6").
_GAP = r"[\W_]+"


def _word(t: QTerm) -> str:
    if t.parts:  # a code such as TP.HCM: its parts, with or without the dots
        return r"[\W_]*".join(re.escape(p) for p in t.parts)
    return re.escape(t.folded)


def phrase_pattern(terms: Sequence[QTerm], last_is_prefix: bool = False, covered: int = 0) -> re.Pattern[str] | None:
    """The regular expression of the query read as one contiguous phrase (over
    folded text), or None when the query is too short to be a remembered
    fragment.

    ``covered`` counts the terms that name a recognised place or a kind of
    property: "can ho ha long" is a topic (the place tiers rank it), not a
    remembered sentence, so at least :data:`MIN_FREE_TERMS` other words are
    needed. With ``last_is_prefix`` the last word may be unfinished.
    """
    if len(terms) < MIN_TERMS or len(terms) - covered < MIN_FREE_TERMS:
        return None
    words = [_word(t) for t in terms]
    if last_is_prefix and not terms[-1].parts:
        words[-1] += "[0-9a-z]*"
    return re.compile(rf"(?<![0-9a-z]){_GAP.join(words)}(?![0-9a-z])")


def contains(pattern: re.Pattern[str], folded: Iterable[str]) -> bool:
    """Whether any of the texts ``folded`` (by :func:`~newssearch.highlight.fold_same_length`)
    holds the phrase: accents and case are ignored."""
    return any(pattern.search(t) for t in folded if t)


def in_one_area(ti: TextIndex, terms: Sequence[QTerm], docs: IntArray) -> npt.NDArray[np.bool_]:
    """For each of ``docs``, whether some text area holds every query word
    (a cheap necessary condition for holding the phrase, from the postings)."""
    found = np.zeros(len(docs), dtype=bool)
    for area in AREAS:
        inside = np.ones(len(docs), dtype=bool)
        for t in terms:
            ids = ti.postings(area, t.parts[0] if t.parts else t.folded).ids
            if t.parts:
                ids = np.union1d(ids, ti.postings(area, t.folded).ids)
            inside &= np.isin(docs, ids, assume_unique=True)
            if not inside.any():
                break
        found |= inside
    return found


def phrase_bonus(
    pattern: re.Pattern[str],
    docs: IntArray,
    scores: FloatArray,
    eligible: npt.NDArray[np.bool_],
    folded: Callable[[int], Iterable[str]],
    keys: npt.NDArray[np.floating] | None = None,
) -> FloatArray:
    """Per candidate, the bonus that lifts a document holding the phrase above
    every other candidate (0 for the others).

    ``docs`` and ``scores`` are the candidates and their scores; ``eligible``
    marks those worth reading (every query word in one text area); ``folded``
    gives a document's text areas folded by ``fold_same_length``. Eligible
    candidates are read best first (equal scores by ``keys``, by default by
    position): at most :data:`WINDOW`, and :data:`AFTER_FIRST` after the first match.
    """
    bonus = np.zeros(len(docs), dtype=np.float64)
    picked = np.flatnonzero(eligible)
    if not len(picked):
        return bonus
    order = keys[picked] if keys is not None else picked.astype(np.float64)
    picked = picked[best_first(scores[picked], order, WINDOW)]
    stop = len(picked)
    for n, i in enumerate(picked):
        if n >= stop:
            break
        if contains(pattern, folded(int(docs[i]))):
            bonus[i] = LIFT
            stop = min(stop, n + 1 + AFTER_FIRST)
    return bonus
