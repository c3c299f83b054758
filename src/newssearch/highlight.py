"""Highlighted snippets over the ORIGINAL text (pure text functions).

An unaccented query ``nguoi yeu the`` marks ``người yếu thế`` exactly as
written: offsets always index the original string. Two ways to find matches:

* fast path (NFC text, the usual case): fold the text with a one-to-one
  character table (same length, so offsets carry over) and run one regular
  expression for all query terms;
* general path (NFD or unusual text): tokenise with offsets into the original
  and compare folded tokens.

Output is HTML-escaped, with ``<mark>`` around matches.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from .query import QTerm
from .vietnamese import Token, fold_term, tokenize

#: Longest prefix of a text that is scanned for matches (keeps 1 MB bodies cheap).
SCAN_LIMIT = 20_000


def _one_to_one_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x41, 0x2000):
        ch = chr(cp)
        folded = fold_term(ch)
        if len(folded) == 1 and folded != ch:
            table[cp] = folded
    return table


_FOLD_1TO1 = _one_to_one_fold_table()


def fold_same_length(text: str) -> str:
    """Fold character by character (lowercase, no diacritics, đ -> d) keeping the
    length, so offsets into the result are offsets into ``text``. Characters
    with no one-letter folding are left as they are. Meant for NFC text."""
    return text.translate(_FOLD_1TO1)


@lru_cache(maxsize=256)
def _terms_regex(keys: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    """One alternation for all terms; joined/code terms may span separators."""
    alternatives = []
    for folded, spread in keys:
        if spread and len(folded) > 1:
            alternatives.append("[ .\\-&]?".join(re.escape(c) for c in folded))
        else:
            alternatives.append(re.escape(folded))
    body = "|".join(f"({a})" for a in alternatives)
    return re.compile(f"(?<![0-9a-z])(?:{body})(?![0-9a-z])")


def _fast_spans(text: str, terms: list[QTerm], folded: str | None) -> list[tuple[int, int, int]] | None:
    """Spans found by one regex over the same-length folded text (NFC text
    only: None tells the caller to take the slower path that maps offsets)."""
    if not unicodedata.is_normalized("NFC", text):
        return None
    folded = fold_same_length(text) if folded is None else folded[: len(text)]
    keys = tuple((t.folded, True) for t in terms)
    spans: list[tuple[int, int, int]] = []
    for m in _terms_regex(keys).finditer(folded):
        start, end = m.span()
        spans.append((start, end, (m.lastindex or 1) - 1))
    return _merge(spans)


def match_spans(text: str, terms: Iterable[QTerm], folded: str | None = None) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every match of ``terms`` in ``text``.

    ``folded`` is ``fold_same_length`` of ``text`` (or of its first
    :data:`SCAN_LIMIT` characters or more) when the caller has it already:
    then ``text`` is not folded again."""
    terms = list(terms)
    if not terms or not text:
        return []
    text = text[:SCAN_LIMIT]
    spans = _spans(text, terms, folded)
    if any(t.weak for t in terms):
        spans = _drop_lone(text, spans, terms)
    return spans


def _drop_lone(text: str, spans: list[tuple[int, int, int]], terms: list[QTerm]) -> list[tuple[int, int, int]]:
    """Spans of weak terms kept only when another span is next to them (space between)."""

    def joined(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
        return not text[a[1] : b[0]].strip()

    out = []
    for k, span in enumerate(spans):
        if terms[span[2]].weak:
            before = k > 0 and joined(spans[k - 1], span) and not terms[spans[k - 1][2]].weak
            after = k + 1 < len(spans) and joined(span, spans[k + 1]) and not terms[spans[k + 1][2]].weak
            if not (before or after):
                continue
        out.append(span)
    return out


def _spans(text: str, terms: list[QTerm], folded: str | None) -> list[tuple[int, int, int]]:
    fast = _fast_spans(text, terms, folded)
    if fast is not None:
        return fast
    wanted: dict[str, int] = {}
    joined_wanted: dict[str, int] = {}
    for i, t in enumerate(terms):
        wanted.setdefault(t.folded, i)
        if not t.parts:
            joined_wanted.setdefault(t.folded, i)
    tokens = list(tokenize(text))
    spans: list[tuple[int, int, int]] = []
    syllables: list[Token] = []
    for tok in tokens:
        f = fold_term(tok.text)
        if tok.kind == "joined":
            if f in wanted:
                spans.append((tok.start, tok.end, wanted[f]))
            continue
        if f in wanted:
            spans.append((tok.start, tok.end, wanted[f]))
        syllables.append(tok)
    # Joined query terms ("halong") against adjacent syllables ("Hạ Long").
    if joined_wanted:
        for i in range(len(syllables)):
            acc = ""
            for j in range(i, min(i + 3, len(syllables))):
                if j > i and syllables[j].pos != syllables[j - 1].pos + 1:
                    break
                acc += fold_term(syllables[j].text)
                if j > i and acc in joined_wanted:
                    spans.append((syllables[i].start, syllables[j].end, joined_wanted[acc]))
    return _merge(spans)


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for s, e, i in sorted(spans):
        if out and s < out[-1][1]:
            ps, pe, pi = out[-1]
            out[-1] = (ps, max(pe, e), pi)
        else:
            out.append((s, e, i))
    return out


def _render(text: str, spans: list[tuple[int, int, int]], lo: int, hi: int) -> str:
    parts: list[str] = []
    pos = lo
    for s, e, _ in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts.append(html.escape(text[pos:s]))
        parts.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    parts.append(html.escape(text[pos:hi]))
    return "".join(parts)


def highlight_all(text: str, terms: Iterable[QTerm], spans: list[tuple[int, int, int]] | None = None) -> str:
    """The whole (short) text, escaped, with every match marked (``spans``:
    :func:`match_spans` of ``text``, when the caller has them). For titles."""
    if spans is None:
        spans = match_spans(text, terms)
    return _render(text, spans, 0, len(text))


def snippet(
    text: str, terms: Iterable[QTerm], size: int = 240, spans: list[tuple[int, int, int]] | None = None
) -> str:
    """The best window of about ``size`` characters: the one with the most
    distinct matched terms (then the most matches), widened to word
    boundaries, with ``…`` where text was cut. Without matches, the start of
    the text."""
    text = text or ""
    if spans is None:
        spans = match_spans(text, terms)
    if not spans:
        return _window(text, [], 0, size)
    best_key, best_i = (-1, -1), 0
    j = 0
    for i in range(len(spans)):
        while j < len(spans) and spans[j][1] - spans[i][0] <= size:
            j += 1
        window = spans[i : max(j, i + 1)]
        key = (len({w[2] for w in window}), len(window))
        if key > best_key:
            best_key, best_i = key, i
    first = spans[best_i]
    # Start a little before the first match, at a word boundary.
    start = max(0, first[0] - size // 4)
    return _window(text, spans, start, size)


def _window(text: str, spans: list[tuple[int, int, int]], start: int, size: int) -> str:
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start + 1)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    body = _render(text, spans, start, end).replace("\n", " ")
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
