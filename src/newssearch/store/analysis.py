"""Whoosh analyzers built from the pure functions in :mod:`newssearch.vietnamese`.

Whoosh pickles analyzer objects into the index, so every class here must keep
its import path (``newssearch.store.analysis.<Name>``). When what an analyzer
emits changes, bump :data:`newssearch.store.schema.SCHEMA_VERSION` so old
indexes are rebuilt instead of silently mixing two analyses.

Index time vs query time: these analyzers are used at index time only. The
query parser (:mod:`newssearch.query`) reads queries with
:func:`newssearch.vietnamese.tokenize` itself, because a query needs choices
an analyzer cannot make (a code such as ``Q.7`` matches its joined token or
all its parts; an unaccented query goes to the folded fields only, an
accented one also to the exact fields).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Filter, Token, Tokenizer

from ..vietnamese import FOLD_MEMO, fold_term, tokenize

__all__ = [
    "BigramFilter",
    "FoldFilter",
    "JoinedFilter",
    "VietnameseTokenizer",
    "bigram_analyzer",
    "exact_analyzer",
    "folded_analyzer",
    "joined_analyzer",
]

#: Separator inside bigram terms ("hạ_long"). Never produced by the tokenizer.
BIGRAM_SEP = "_"

class VietnameseTokenizer(Tokenizer):  # type: ignore[misc]
    """Syllable tokenizer: normalised, lowercased, accents kept.

    Emits every token of :func:`tokenize` (words, numbers, the parts of a code
    such as ``TP.HCM`` and its joined form ``tphcm`` at the same position).
    ``startchar``/``endchar`` point into the original value.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.kind = "word"
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for vt in _tokenize(value):
            start = vt.start
            t.text = vt.text
            t.boost = 1.0
            t.stopped = False
            t.kind = vt.kind
            t.cap = value[start].isupper()  # tokens are never empty: start < len(value)
            if keeporiginal:
                t.original = value[start : vt.end]
            # Positions and offsets are always set: the bigram and joined
            # filters need adjacency even on fields that store no positions.
            t.pos = start_pos + vt.pos
            t.startchar = start_char + start
            t.endchar = start_char + vt.end
            yield t


def _tokenize(value: str) -> tuple[Any, ...]:
    return tokenize(value)


class FoldFilter(Filter):  # type: ignore[misc]
    """Folds each token to lowercase ASCII (``được`` -> ``duoc``, ``đ`` -> ``d``)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        memo = FOLD_MEMO
        for t in tokens:
            text = t.text
            folded = memo.get(text)
            t.text = fold_term(text) if folded is None else folded
            yield t


class BigramFilter(Filter):  # type: ignore[misc]
    """Adjacent syllable pairs, in both the exact and the folded form.

    "Hạ Long" -> ``hạ_long`` and ``ha_long``. Matching a bigram means the two
    syllables stand together and in order, which is how adjacency is ranked
    (and how multi-syllable words are told apart from scattered syllables).
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        out = Token(positions=True, chars=True)
        prev_text = prev_folded = ""
        prev_pos = prev_start = -2
        for t in tokens:
            if getattr(t, "kind", "word") == "joined":
                continue
            text = t.text
            pos = getattr(t, "pos", 0)
            folded = fold_term(text)
            if pos == prev_pos + 1:
                exact_pair = prev_text + BIGRAM_SEP + text
                folded_pair = prev_folded + BIGRAM_SEP + folded
                out.pos, out.startchar, out.endchar = prev_pos, prev_start, getattr(t, "endchar", 0)
                out.boost = 1.0
                out.stopped = False
                out.text = exact_pair
                yield out
                if folded_pair != exact_pair:
                    out.text = folded_pair
                    yield out
            prev_text, prev_folded, prev_pos = text, folded, pos
            prev_start = getattr(t, "startchar", 0)


class JoinedFilter(Filter):  # type: ignore[misc]
    """Folded concatenations of 2..``maxsize`` adjacent capitalised syllables.

    "Hạ Long" -> ``halong``; "Sài Gòn" -> ``saigon``; "Hồ Chí Minh" ->
    ``hochiminh`` (with maxsize 3). So a user typing the joined ASCII form
    finds the spaced, accented one. Only runs of capitalised syllables (names:
    places, projects, brands) are joined: joining every pair doubled the
    number of distinct title terms, and people type joined forms for names.
    """

    def __init__(self, maxsize: int = 2) -> None:
        self.maxsize = maxsize

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.maxsize == self.maxsize

    def __hash__(self) -> int:
        return hash((type(self), self.maxsize))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        window: list[tuple[str, int, int, int]] = []
        out = Token(positions=True, chars=True)
        for t in tokens:
            if getattr(t, "kind", "word") == "joined":
                continue
            pos = getattr(t, "pos", 0)
            if not getattr(t, "cap", False) or (window and pos != window[-1][1] + 1):
                window = []
                if not getattr(t, "cap", False):
                    continue
            window.append((fold_term(t.text), pos, getattr(t, "startchar", 0), getattr(t, "endchar", 0)))
            if len(window) > self.maxsize:
                window.pop(0)
            for n in range(2, len(window) + 1):
                seq = window[-n:]
                out.text = "".join(s[0] for s in seq)
                out.pos, out.startchar, out.endchar = seq[0][1], seq[0][2], seq[-1][3]
                out.boost = 1.0
                out.stopped = False
                yield out


def index_terms(analyzer: Any, value: str) -> list[tuple[str, int]] | None:
    """(term, position) of every token the exact or the folded analyzer emits
    for ``value``, straight from :func:`tokenize` (no Whoosh token objects);
    None for any other analyzer. The indexer's fast path (:mod:`newssearch.store.codec`)."""
    if type(analyzer) is VietnameseTokenizer:
        return [(t.text, t.pos) for t in tokenize(value)]
    items = getattr(analyzer, "items", None)
    if (
        items is not None
        and len(items) == 2
        and type(items[0]) is VietnameseTokenizer
        and type(items[1]) is FoldFilter
    ):
        memo = FOLD_MEMO
        return [(memo.get(t.text) or fold_term(t.text), t.pos) for t in tokenize(value)]
    return None


def exact_analyzer() -> Analyzer:
    """Accent-exact syllables: normalised (NFKC, canonical tone placement), lowercased."""
    return VietnameseTokenizer()


def folded_analyzer() -> Analyzer:
    """Accent-insensitive syllables: ``Được`` -> ``duoc``."""
    return VietnameseTokenizer() | FoldFilter()


def bigram_analyzer() -> Analyzer:
    """Adjacent syllable pairs, exact and folded forms."""
    return VietnameseTokenizer() | BigramFilter()


def joined_analyzer(maxsize: int = 2) -> Analyzer:
    """Joined folded forms of adjacent syllables (``halong``)."""
    return VietnameseTokenizer() | JoinedFilter(maxsize)

