"""Typo neighbours that titles confirm.

A typo often makes another common word: *nhan sắc* typed ``nha sac``, *bằng*
typed ``ban``. The query as typed then matches every word in documents that
hold them scattered, and the document meant, whose title holds the query word
for word but for that one word, ranks below them or is never reached. The
words' context in the language model cannot always tell (*với nhà* is as
common as *với nhan*); titles can. A reading of the query with a neighbour
in place of one word is *confirmed* when some title holds the neighbour next
to the words on both sides of it and more of the reading's adjacent pairs
than any title holds of the query as typed.

The count, a reading's *cover*, is taken on the title-bigram postings (one
cached read per adjacent pair, and two per neighbour tried): it costs
milliseconds however many documents match the words alone. The postings are
the whole index's (:meth:`~newssearch.scorer.TextIndex.corpus_postings`): a
shard searched apart confirms the neighbours the whole index confirms.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from .scorer import TextIndex

IntArray = npt.NDArray[np.int64]
_NONE: IntArray = np.zeros(0, dtype=np.int64)
#: The pairs an unfinished last word may complete, commonest first (as few as
#: prefix matching expands it to).
UNFINISHED_PAIRS = 16


def pair_docs(ti: TextIndex, a: str, b: str) -> IntArray:
    """Documents whose title holds the folded words ``a b`` next to each other."""
    term = f"{a}_{b}"
    # Most neighbours tried never stand there: the remembered document
    # frequency says so without a read of (and a cache entry for) empty postings.
    if not ti.doc_frequency("title_bi", term):
        return _NONE
    return ti.corpus_postings("title_bi", term).ids


def prefix_pair_docs(ti: TextIndex, a: str, b: str) -> IntArray:
    """Documents whose title holds ``a`` and then a word beginning with ``b``
    (an unfinished last word: prefix matching reads it so), through the
    :data:`UNFINISHED_PAIRS` commonest such pairs."""
    found = ti.snap.terms_with_prefix("title_bi", f"{a}_{b}", 4 * UNFINISHED_PAIRS)
    common = sorted(found, key=lambda t: -found[t])[:UNFINISHED_PAIRS]
    if not common:
        return _NONE
    return np.unique(np.concatenate([ti.corpus_postings("title_bi", term).ids for term in common]))


def title_pairs(ti: TextIndex, words: Sequence[str]) -> list[IntArray]:
    """For each adjacent pair of ``words``, the documents whose title holds it."""
    return [pair_docs(ti, a, b) for a, b in itertools.pairwise(words)]


def cover(pairs: Sequence[IntArray]) -> int:
    """The most of ``pairs`` (documents per pair, as :func:`title_pairs` gives
    them) that one document holds: ``len(pairs)`` when some title holds the
    words all in a row."""
    found = [ids for ids in pairs if len(ids)]
    if not found:
        return 0
    # A count per document number: linear, where sorting the common pairs of
    # property titles ("nhà phố": tens of thousands of documents) took milliseconds.
    return int(np.bincount(np.concatenate(found)).max())


def confirmed(
    ti: TextIndex,
    words: Sequence[str],
    positions: Iterable[int],
    neighbours: Callable[[str], Sequence[str]],
    unfinished: bool = False,
) -> dict[int, list[str]]:
    """The neighbours that a title confirms, per position: of the neighbours
    of ``words[i]`` (``i`` in ``positions``), those whose reading of the query
    (that one word replaced) reaches the best cover of all readings, when that
    is more than the query as typed reaches. Empty, without looking for
    neighbours, when some title holds the query as typed.

    ``unfinished``: the last word may be the beginning of the one in the
    title. When some title holds a word it begins after the word before it,
    it may be being typed, not mistyped ("du lich dong nai" is not *đông
    nam*): a neighbour stands for it only where a title holds the whole query
    with that neighbour in its place; and when a title holds the whole query
    with a word it begins, only its own neighbours are looked at.
    """
    if len(words) < 2:
        return {}
    pairs = title_pairs(ti, words)
    typed = cover(pairs)
    if typed == len(pairs):
        return {}
    last = len(words) - 1
    typing = False
    if unfinished:
        begun = prefix_pair_docs(ti, words[-2], words[-1])
        if len(begun):
            typing = True
            pairs[-1] = np.union1d(pairs[-1], begun)
            if cover(pairs) == len(pairs):
                positions = [i for i in positions if i == last]
                pairs[-1] = _NONE  # what the typed prefix begins does not count against its neighbours
            typed = cover(pairs)

    def touching(i: int) -> list[int]:
        return [j for j in (i - 1, i) if 0 <= j < len(pairs)]

    best = typed
    found: dict[int, list[str]] = {}
    # A word next to a pair no title holds first: the typo is likelier there,
    # and the best cover found early lets the bound below skip the others.
    for i in sorted(positions, key=lambda i: all(len(pairs[j]) for j in touching(i))):
        # The pairs that do not touch words[i] count as they are.
        others = [p for j, p in enumerate(pairs) if j not in touching(i) and len(p)]
        reach = len(others) + len(touching(i))
        if reach < best or reach <= typed:
            continue  # no reading of this word can hold as many
        for word in neighbours(words[i]):
            docs = _holding_all(ti, _pairs_around(words, i, word))
            if not len(docs):
                continue
            counts = np.full(len(docs), len(touching(i)), dtype=np.int64)
            for p in others:
                counts += _within(docs, p)
            held = int(counts.max())
            if typing and i == last and held < len(pairs):
                continue
            if held > best:
                best, found = held, {}
            if held == best and held > typed:
                found.setdefault(i, []).append(word)
    return found


def _holding_all(ti: TextIndex, pairs: Sequence[tuple[str, str]]) -> IntArray:
    """Documents whose title holds every one of ``pairs`` (a neighbour must
    stand in a title next to the words on both sides of it, as the word meant
    would: one side alone is how a word that was not a typo fits elsewhere)."""
    if not all(ti.doc_frequency("title_bi", f"{a}_{b}") for a, b in pairs):
        return _NONE  # before reading any postings: most neighbours fail on one side
    docs = _NONE
    for k, pair in enumerate(pairs):
        ids = pair_docs(ti, *pair)
        docs = ids if k == 0 else np.intersect1d(docs, ids, assume_unique=True)
        if not len(docs):
            return _NONE
    return docs


def _pairs_around(words: Sequence[str], i: int, word: str) -> list[tuple[str, str]]:
    """The adjacent pairs ``word`` makes in place of ``words[i]``."""
    out = []
    if i > 0:
        out.append((words[i - 1], word))
    if i + 1 < len(words):
        out.append((word, words[i + 1]))
    return out


def _within(docs: IntArray, ids: IntArray) -> npt.NDArray[np.bool_]:
    """Which of ``docs`` are in the sorted ``ids`` (a bisection each: ``docs``
    are few, ``ids`` may be a common pair's thousands)."""
    at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    return np.asarray(ids[at] == docs)
