"""A syllable language model of the indexed text, for accent restoration.

Vietnamese typed without diacritics is ambiguous syllable by syllable
(``ha`` is *hà, hạ, há, hả...*), but rarely in context: *hạ long*, *nhà đất*.
This module counts how often each accented syllable, each adjacent pair and
each adjacent triple occurs in the titles, summaries and bodies of the
indexed documents, and decodes the most likely accented sequence for a run
of folded syllables with Viterbi over the candidate spellings of each one.
Probabilities are interpolated Kneser-Ney: each order's count less a
discount, the discounted mass spread by the next lower order, down to how
many different words a syllable follows. Unlike a backoff that trusts any
trigram seen once over a bigram seen a thousand times, it weighs rare
evidence by how much there is of it (+0.6 point of syllables on titles the
model never saw). The lowest order mixes how many different words a
syllable follows with how often it occurs. A title's pairs and triples
count :data:`TITLE_WEIGHT` times: queries are written like titles (names,
headline phrasing), and titles are few beside the bodies.

The counts are built while indexing (:class:`NgramCounter`, fed every
document written) and kept beside the index as one compact file per
generation (:data:`MODEL_FILE`, NumPy arrays). An incremental write adds the
new documents' counts to the generation's file; replaced or deleted
documents are not subtracted (a rebuild recounts exactly). Without the file
:class:`newssearch.suggest.Suggester` falls back to its index-bigram restorer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .documents import Article, Listing
from .vietnamese import fold

#: The model file inside a generation folder.
MODEL_FILE = "langmodel.npz"
#: Characters of a body or description counted per document (the opening is
#: where the article's vocabulary is; whole bodies made the count 3x slower).
BODY_CHARS = 4_000
#: Spellings kept per folded syllable (most frequent first).
MAX_CANDIDATES = 16
#: Spellings of each word summed by :meth:`LanguageModel.folded_bigram_count`.
FOLDED_SPELLINGS = 6
#: Size caps: beyond them the rarest pairs and triples are dropped.
MAX_BIGRAMS = 4_000_000
MAX_TRIGRAMS = 4_000_000
#: Kneser-Ney discount of the pair and triple counts.
DISCOUNT = 0.75
#: Share of the continuation probability in the lowest order (the rest: frequency).
CONTINUATION = 0.3
#: How many times a title's pairs and triples are counted (once for every other text).
TITLE_WEIGHT = 3
#: Longest syllable considered (Vietnamese syllables have at most 7 letters;
#: longer runs are foreign words, names or joined text).
MAX_SYLLABLE = 12

IntArray = npt.NDArray[np.int64]

# A run of words separated only by spaces: punctuation, digits and line
# breaks end a run, so no pair spans a sentence or a list item.
_RUN_RE = re.compile(r"[^\W\d_]+(?:[ \t\u00a0]+[^\W\d_]+)*")
_SHIFT = 21  # word ids fit in 21 bits: keys of pairs and triples are one int64


def _runs(text: str) -> Iterable[list[str]]:
    for m in _RUN_RE.finditer(text.lower()):
        words = m.group().split()
        if all(len(w) <= MAX_SYLLABLE for w in words):
            yield words
        else:  # split around overlong tokens (URLs glued to text, etc.)
            run: list[str] = []
            for w in words:
                if len(w) <= MAX_SYLLABLE:
                    run.append(w)
                elif run:
                    yield run
                    run = []
            if run:
                yield run


class NgramCounter:
    """Counts syllables, pairs and triples of the documents being indexed."""

    def __init__(self) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.trigrams: Counter[tuple[str, str, str]] = Counter()
        self.documents = 0

    def add_text(self, text: str, weight: int = 1) -> None:
        """Count one piece of text, its pairs and triples ``weight`` times
        (lowercased; runs end at punctuation and digits). Syllables are counted
        once: their counts are how often a word occurs, which typo tolerance
        reads as such."""
        for words in _runs(text):
            self.unigrams.update(words)
            for _ in range(weight):
                if len(words) > 1:
                    self.bigrams.update(itertools.pairwise(words))
                    if len(words) > 2:
                        self.trigrams.update(zip(words, words[1:], words[2:], strict=False))

    def add_document(self, title: str, *texts: str) -> None:
        """Count a document: its title (its pairs and triples :data:`TITLE_WEIGHT`
        times) and the openings of its other texts."""
        self.documents += 1
        self.add_text(title, TITLE_WEIGHT)
        for text in texts:
            if text:
                self.add_text(text[:BODY_CHARS])

    def update(self, other: NgramCounter) -> None:
        """Add ``other``'s counts (the counts of a build split into parts)."""
        self.unigrams.update(other.unigrams)
        self.bigrams.update(other.bigrams)
        self.trigrams.update(other.trigrams)
        self.documents += other.documents

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The counts as the arrays of the model file (see :meth:`LanguageModel.save`)."""
        words = sorted(self.unigrams)
        ids = {w: i for i, w in enumerate(words)}
        uni = np.fromiter((self.unigrams[w] for w in words), dtype=np.int64, count=len(words))
        bi_keys = np.fromiter(
            ((ids[a] << _SHIFT) | ids[b] for a, b in self.bigrams), dtype=np.int64, count=len(self.bigrams)
        )
        bi_counts = np.fromiter(self.bigrams.values(), dtype=np.int64, count=len(self.bigrams))
        tri_keys = np.fromiter(
            ((((ids[a] << _SHIFT) | ids[b]) << _SHIFT) | ids[c] for a, b, c in self.trigrams),
            dtype=np.int64,
            count=len(self.trigrams),
        )
        tri_counts = np.fromiter(self.trigrams.values(), dtype=np.int64, count=len(self.trigrams))
        return _pack(words, uni, bi_keys, bi_counts, tri_keys, tri_counts, self.documents)


def _pack(
    words: Sequence[str],
    uni: IntArray,
    bi_keys: IntArray,
    bi_counts: IntArray,
    tri_keys: IntArray,
    tri_counts: IntArray,
    documents: int,
) -> dict[str, npt.NDArray[np.generic]]:
    bi_keys, bi_counts = _prune(bi_keys, bi_counts, MAX_BIGRAMS)
    tri_keys, tri_counts = _prune(tri_keys, tri_counts, MAX_TRIGRAMS)
    return {
        "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        "unigrams": uni,
        "bigram_keys": bi_keys,
        "bigram_counts": bi_counts.astype(np.int32),
        "trigram_keys": tri_keys,
        "trigram_counts": tri_counts.astype(np.int32),
        "documents": np.asarray([documents], dtype=np.int64),
    }


def _prune(keys: IntArray, counts: IntArray, cap: int) -> tuple[IntArray, IntArray]:
    """Sorted keys with their counts, the rarest dropped beyond ``cap``."""
    if len(keys) > cap:
        threshold = np.partition(counts, len(counts) - cap)[len(counts) - cap]
        keep = counts > threshold if np.count_nonzero(counts >= threshold) > cap else counts >= threshold
        keys, counts = keys[keep], counts[keep]
    order = np.argsort(keys, kind="stable")
    return keys[order], counts[order]


def _remap(keys: IntArray, mapping: IntArray, order: int) -> IntArray:
    """Re-encode n-gram keys under a new word numbering (``mapping[old] = new``)."""
    mask = (1 << _SHIFT) - 1
    out = np.zeros_like(keys)
    for k in range(order):
        part = (keys >> (_SHIFT * k)) & mask
        out |= mapping[part] << (_SHIFT * k)
    return out


def _merge(keys: list[IntArray], counts: list[IntArray]) -> tuple[IntArray, IntArray]:
    all_keys = np.concatenate(keys)
    unique, inverse = np.unique(all_keys, return_inverse=True)
    summed = np.bincount(inverse, weights=np.concatenate(counts).astype(np.float64)).astype(np.int64)
    return unique, summed


class LanguageModel:
    """Counts of one index generation, and the decoder over them."""

    def __init__(self, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
        text = arrays["words"].tobytes().decode("utf-8")
        self.words: list[str] = text.split("\n") if text else []
        self.unigrams: IntArray = np.asarray(arrays["unigrams"], dtype=np.int64)
        self.bigram_keys: IntArray = np.asarray(arrays["bigram_keys"], dtype=np.int64)
        self.bigram_counts: IntArray = np.asarray(arrays["bigram_counts"], dtype=np.int64)
        self.trigram_keys: IntArray = np.asarray(arrays["trigram_keys"], dtype=np.int64)
        self.trigram_counts: IntArray = np.asarray(arrays["trigram_counts"], dtype=np.int64)
        self.documents = int(np.asarray(arrays["documents"])[0])
        self.total = float(self.unigrams.sum()) or 1.0
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        spellings: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            spellings.setdefault(fold(w), []).append(i)
        counts = self.unigrams
        #: Folded syllable -> ids of its spellings, most frequent first.
        self.spellings: dict[str, list[int]] = {
            f: sorted(ids, key=lambda i: -counts[i])[:MAX_CANDIDATES] for f, ids in spellings.items()
        }
        #: Folded syllable -> how often any of its spellings occurs.
        self.folded_counts: dict[str, int] = {
            f: int(counts[ids].sum()) for f, ids in spellings.items()
        }
        self._kneser_ney()

    def _kneser_ney(self) -> None:
        """The totals interpolated Kneser-Ney needs, from the counts: for each
        word and each pair, the pairs (triples) it begins and their summed
        counts; for each word, how many different words precede it."""
        mask = (1 << _SHIFT) - 1
        size = len(self.words)
        first = self.bigram_keys >> _SHIFT
        counts = self.bigram_counts.astype(np.float64)
        self._bi_total = np.bincount(first, weights=counts, minlength=size)
        self._bi_types = np.bincount(first, minlength=size).astype(np.float64)
        follows = np.bincount(self.bigram_keys & mask, minlength=size).astype(np.float64)
        # The lowest order: Kneser-Ney's continuation probability (how many
        # words a syllable follows) mixed with its plain frequency, which
        # decides better where pairs are few (a small index); each with half a
        # count for a word never seen.
        pairs = len(self.bigram_keys) + 0.5 * max(size, 1)
        words = self.total + 0.5 * max(size, 1)
        share = CONTINUATION
        self._continuation = share * (follows + 0.5) / pairs + (1 - share) * (self.unigrams + 0.5) / words
        self._unseen = share * 0.5 / pairs + (1 - share) * 0.5 / words
        # Trigram keys are sorted, so the pairs they begin with come in runs.
        context = self.trigram_keys >> _SHIFT
        starts = np.flatnonzero(np.r_[True, context[1:] != context[:-1]]) if len(context) else np.zeros(0, np.int64)
        self._tri_contexts: IntArray = context[starts]
        self._tri_total = (
            np.add.reduceat(self.trigram_counts.astype(np.float64), starts) if len(starts) else np.zeros(0)
        )
        self._tri_types = np.diff(np.r_[starts, len(context)]).astype(np.float64)

    # -- files -----------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> LanguageModel | None:
        """The model saved at ``path``, or None when it is missing or unreadable."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls({name: data[name] for name in data.files})
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError):
            return None

    @staticmethod
    def save(arrays: dict[str, npt.NDArray[np.generic]], path: Path) -> None:
        """Write the arrays atomically (a reader never sees half a file)."""
        tmp = path.with_name(path.name + ".tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)  # type: ignore[arg-type]
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def merged(self, counter: NgramCounter) -> dict[str, npt.NDArray[np.generic]]:
        """This model's counts plus ``counter``'s, as the arrays of a model file."""
        new = counter.arrays()
        new_words = LanguageModel._words(new)
        words = sorted(set(self.words) | set(new_words))
        ids = {w: i for i, w in enumerate(words)}
        old_map = np.fromiter((ids[w] for w in self.words), dtype=np.int64, count=len(self.words))
        new_map = np.fromiter((ids[w] for w in new_words), dtype=np.int64, count=len(new_words))
        uni = np.zeros(len(words), dtype=np.int64)
        np.add.at(uni, old_map, self.unigrams)
        np.add.at(uni, new_map, np.asarray(new["unigrams"], dtype=np.int64))
        bi_keys, bi_counts = _merge(
            [_remap(self.bigram_keys, old_map, 2), _remap(np.asarray(new["bigram_keys"], dtype=np.int64), new_map, 2)],
            [self.bigram_counts, np.asarray(new["bigram_counts"], dtype=np.int64)],
        )
        tri_keys, tri_counts = _merge(
            [_remap(self.trigram_keys, old_map, 3), _remap(np.asarray(new["trigram_keys"], dtype=np.int64), new_map, 3)],
            [self.trigram_counts, np.asarray(new["trigram_counts"], dtype=np.int64)],
        )
        return _pack(words, uni, bi_keys, bi_counts, tri_keys, tri_counts, self.documents + counter.documents)

    @staticmethod
    def _words(arrays: dict[str, npt.NDArray[np.generic]]) -> list[str]:
        text = arrays["words"].tobytes().decode("utf-8")
        return text.split("\n") if text else []

    # -- counts ----------------------------------------------------------------
    def count(self, word: str) -> int:
        """How often the (lowercase) syllable occurs."""
        i = self.ids.get(word)
        return 0 if i is None else int(self.unigrams[i])

    @staticmethod
    def _lookup(keys: IntArray, counts: npt.NDArray[Any], wanted: IntArray) -> npt.NDArray[Any]:
        """``counts`` of the ``wanted`` keys (0 for keys not in the sorted ``keys``)."""
        if not len(keys):
            return np.zeros(len(wanted), dtype=np.int64)
        pos = np.searchsorted(keys, wanted)
        pos = np.minimum(pos, len(keys) - 1)
        return np.where(keys[pos] == wanted, counts[pos], 0)

    def bigram_count(self, a: str, b: str) -> int:
        """How often ``a b`` occurs (lowercase syllables)."""
        ia, ib = self.ids.get(a), self.ids.get(b)
        if ia is None or ib is None:
            return 0
        key = np.asarray([(ia << _SHIFT) | ib], dtype=np.int64)
        return int(self._lookup(self.bigram_keys, self.bigram_counts, key)[0])

    def folded_bigram_count(self, a: str, b: str) -> int:
        """How often folded ``a b`` occurs, whatever the spellings (the commonest few of each)."""
        ia = np.asarray(self.spellings.get(a, [])[:FOLDED_SPELLINGS], dtype=np.int64)
        ib = np.asarray(self.spellings.get(b, [])[:FOLDED_SPELLINGS], dtype=np.int64)
        if not len(ia) or not len(ib):
            return 0
        keys = ((ia[:, None] << _SHIFT) | ib[None, :]).ravel()
        return int(self._lookup(self.bigram_keys, self.bigram_counts, keys).sum())

    def candidates(self, folded: str) -> list[str]:
        """The spellings of a folded syllable seen in the text, most frequent first."""
        return [self.words[i] for i in self.spellings.get(folded, [])]

    # -- decoding --------------------------------------------------------------
    def restore_words(self, words: Sequence[str]) -> list[str]:
        """The most likely spelling of each word of one run of syllables.

        A word typed with diacritics, or one the model has never seen, is
        kept as it is and constrains its neighbours; the others are decoded
        (Viterbi over trigram states with stupid backoff).
        """
        lattice: list[list[int]] = []
        for w in words:
            low = w.lower()
            if low != fold(low):  # typed with marks: kept as typed
                i = self.ids.get(low)
                lattice.append([i] if i is not None else [-1])
            else:
                lattice.append(self.spellings.get(low) or [-1])
        if all(len(c) == 1 for c in lattice) or not self.words:
            return [w.lower() if c[0] < 0 else self.words[c[0]] for w, c in zip(words, lattice, strict=True)]
        best = self._viterbi(lattice)
        return [w.lower() if c[k] < 0 else self.words[c[k]] for w, c, k in zip(words, lattice, best, strict=True)]

    def decode(self, options: Sequence[Sequence[tuple[str, float]]]) -> list[str]:
        """The likeliest sequence choosing one of ``options[i]`` at each position.

        Options are (lowercase spelling, log penalty): a typo correction pays
        a penalty, so context must clearly prefer it. A spelling the model
        does not know is scored as a word seen half a time.
        """
        if not options or any(not opts for opts in options) or not self.words:
            return [opts[0][0] if opts else "" for opts in options]
        lattice = [[self.ids.get(w, -1) for w, _p in opts] for opts in options]
        penalties = [np.asarray([p for _w, p in opts], dtype=np.float64) for opts in options]
        best = self._viterbi(lattice, penalties)
        return [opts[k][0] for opts, k in zip(options, best, strict=True)]

    def _logp_uni(self, ids: IntArray) -> npt.NDArray[np.float64]:
        counts = np.where(ids >= 0, self.unigrams[np.maximum(ids, 0)], 0).astype(np.float64)
        # An unseen word: as likely as a word seen half a time.
        return np.log(np.maximum(counts, 0.5) / self.total)

    def _viterbi(
        self, lattice: list[list[int]], penalties: list[npt.NDArray[np.float64]] | None = None
    ) -> list[int]:
        """The index, in each lattice row, of the likeliest choice.

        A state is the pair (choice at i-1, choice at i), so that trigrams
        can be used; ``penalties[i][k]`` is added to choosing ``lattice[i][k]``.
        """
        rows = [np.asarray(r, dtype=np.int64) for r in lattice]
        pens = penalties or [np.zeros(len(r)) for r in rows]
        start = np.asarray([-1], dtype=np.int64)
        # score[a, b]: best log probability ending with choice a at i-1 and b at i.
        score = (self._logp_uni(rows[0]) + pens[0])[None, :]
        prev_row = start
        back: list[npt.NDArray[np.int64]] = []
        for i in range(1, len(rows)):
            a, b, c = len(prev_row), len(rows[i - 1]), len(rows[i])
            trans = self._transition(np.repeat(prev_row, b), np.tile(rows[i - 1], a), rows[i]).reshape(a, b, c)
            total = score[:, :, None] + trans + pens[i][None, None, :]
            back.append(np.argmax(total, axis=0))  # best a for each (b, c)
            score = np.max(total, axis=0)
            prev_row = rows[i - 1]
        best_b, best_c = np.unravel_index(int(np.argmax(score)), score.shape)
        b, c = int(best_b), int(best_c)
        if len(rows) == 1:
            return [c]
        out = [c, b]
        for i in range(len(rows) - 1, 1, -1):
            b, c = int(back[i - 1][b, c]), b
            out.append(b)
        return out[::-1]

    def _transition(self, prev2: IntArray, prev: IntArray, cur: IntArray) -> npt.NDArray[np.float64]:
        """log P(cur | prev2 prev), interpolated Kneser-Ney, for every state x candidate."""
        ns, nc = len(prev), len(cur)
        p = np.repeat(prev, nc)
        p2 = np.repeat(prev2, nc)
        c = np.tile(cur, ns)
        pc, cc, p2c = np.maximum(p, 0), np.maximum(c, 0), np.maximum(p2, 0)
        prob = np.where(c >= 0, self._continuation[cc], self._unseen)
        known = (p >= 0) & (c >= 0)
        prob = self._interpolate(
            prob,
            np.where(known, self._lookup(self.bigram_keys, self.bigram_counts, (pc << _SHIFT) | cc), 0),
            np.where(p >= 0, self._bi_total[pc], 0.0),
            np.where(p >= 0, self._bi_types[pc], 0.0),
        )
        tri_known = known & (p2 >= 0)
        context = (p2c << _SHIFT) | pc
        prob = self._interpolate(
            prob,
            np.where(tri_known, self._lookup(self.trigram_keys, self.trigram_counts, (context << _SHIFT) | cc), 0),
            np.where(tri_known, self._lookup(self._tri_contexts, self._tri_total, context), 0.0),
            np.where(tri_known, self._lookup(self._tri_contexts, self._tri_types, context), 0.0),
        )
        return np.log(prob).reshape(ns, nc)

    @staticmethod
    def _interpolate(
        lower: npt.NDArray[np.float64], count: npt.NDArray[np.generic], total: npt.NDArray[np.generic],
        types: npt.NDArray[np.generic],
    ) -> npt.NDArray[np.float64]:
        """One Kneser-Ney order over ``lower``: the discounted count of the
        n-gram in its context (``total`` n-grams of ``types`` kinds), plus the
        mass the discount freed spread as ``lower``; ``lower`` alone for an
        unseen context."""
        count, total, types = (np.asarray(a, dtype=np.float64) for a in (count, total, types))
        seen = total > 0
        safe = np.where(seen, total, 1.0)
        mixed = (np.maximum(count - DISCOUNT, 0.0) + DISCOUNT * types * lower) / safe
        return np.where(seen, mixed, lower)


_TOKEN_RE = re.compile(r"[^\W\d_]+|\S")


def restore_text(model: LanguageModel, text: str) -> str:
    """``text`` with the diacritics of its unaccented words restored.

    Words are decoded in runs (punctuation and digits end a run); what is not
    a word is kept as typed. Restored words are lowercase.
    """
    spans: list[tuple[int, int, str]] = []
    run: list[tuple[int, int]] = []  # spans of the current run's words

    def flush() -> None:
        if run:
            restored = model.restore_words([text[a:b] for a, b in run])
            spans.extend((a, b, word) for (a, b), word in zip(run, restored, strict=True))
            run.clear()

    for m in _TOKEN_RE.finditer(text):
        if m.group()[0].isalpha() and len(m.group()) <= MAX_SYLLABLE:
            if run and text[run[-1][1] : m.start()].strip():
                flush()
            run.append((m.start(), m.end()))
        else:
            flush()
    flush()
    pieces: list[str] = []
    pos = 0
    for a, b, word in spans:
        pieces.append(text[pos:a])
        pieces.append(word)
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces)


def count_document(counter: NgramCounter, doc: Article | Listing) -> None:
    """Feed one indexed document's text to ``counter``."""
    if isinstance(doc, Article):
        counter.add_document(doc.title, doc.summary, doc.body, *doc.captions)
    else:
        counter.add_document(doc.title, doc.description)


def write_model(gen: Path, counter: NgramCounter, fresh: bool) -> None:
    """Save the model of a generation after a write.

    A fresh generation gets ``counter``'s counts; an updated one gets them
    added to its model. An updated generation without a model (built before
    models existed) keeps none: a model of the new documents alone would be
    worse than the fallback restorer, and ``--rebuild`` makes a whole one.
    """
    path = gen / MODEL_FILE
    if fresh:
        LanguageModel.save(counter.arrays(), path)
        return
    if not counter.documents:
        return
    current = LanguageModel.load(path)
    if current is not None:
        LanguageModel.save(current.merged(counter), path)
