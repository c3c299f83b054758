"""Pure Vietnamese text functions: normalise, fold and tokenise.

Nothing here knows about Whoosh. Every function accepts any ``str`` (emoji,
control characters, NFD input, megabytes of text) and never raises.

* :func:`normalize` -- NFKC, invisible characters removed, whitespace collapsed,
  one canonical tone-mark placement for the open syllables oa/oe/uy.
* :func:`fold` -- lowercase ASCII without diacritics (``đ`` -> ``d``).
* :func:`tokenize` -- syllable tokens with offsets into the ORIGINAL string.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import accumulate, chain, repeat

from unidecode import unidecode

__all__ = [
    "Token",
    "compact",
    "fold",
    "has_diacritics",
    "normalize",
    "normalize_chars",
    "tokenize",
]

# --------------------------------------------------------------------------
# Character cleaning
# --------------------------------------------------------------------------

#: Zero-width space/joiners, word joiner, BOM, soft hyphen and bidi marks:
#: removed outright (left in, they split words invisibly).
_INVISIBLES = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
#: Applied to each character cluster after NFKC: invisibles removed; control
#: characters (C0/C1 except tab, newline, carriage return) become spaces so
#: they still separate words; ``Ð``/``ð`` (U+00D0/U+00F0, Icelandic eth), the
#: look-alikes old fonts and converters put in place of ``Đ``/``đ``, become
#: the real letter so the accent-exact field matches too.
_CHAR_MAP: dict[int, str | None] = {
    **dict.fromkeys(map(ord, _INVISIBLES), None),
    **{cp: " " for cp in (*range(0x20), *range(0x7F, 0xA0)) if chr(cp) not in "\t\n\r"},
    0x00D0: "\u0110",
    0x00F0: "\u0111",
}
#: Whitespace runs other than a single space (those need no replacing).
_WS_RE = re.compile(r"[^\S ]\s*| \s+")

# Tone marks as combining characters (NFD), in the order sắc, huyền, hỏi, ngã, nặng.
_TONES = "\u0301\u0300\u0309\u0303\u0323"

#: Characters that need work even in NFKC text: C0/C1 controls (except tab,
#: newline, carriage return), the removed invisibles and the eth look-alikes.
_NEEDS_CLEANING_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u00d0\u00f0\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)


def _is_simple(text: str) -> bool:
    """True when ``text`` needs no character-level normalisation (the fast path)."""
    return unicodedata.is_normalized("NFKC", text) and _NEEDS_CLEANING_RE.search(text) is None


@lru_cache(maxsize=1)
def _bmp_marks_class() -> str:
    """Regex class body: the BMP characters with a non-zero combining class.

    Astral characters are left out on purpose: a character class with many
    astral ranges makes the regex engine test them one by one (slow); a
    single astral range is cheap.
    """
    ranges: list[str] = []
    start = prev = -2
    for cp in range(0x10000):
        if unicodedata.combining(chr(cp)):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
                start = cp
            prev = cp
    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return "".join(ranges)


@lru_cache(maxsize=1)
def _bmp_marks_re() -> re.Pattern[str]:
    """Matches a BMP combining character (built on first use)."""
    return re.compile("[" + _bmp_marks_class() + "]")


@lru_cache(maxsize=1)
def _maybe_marks_re() -> re.Pattern[str]:
    """Matches every combining character, and (to stay cheap) any astral character."""
    return re.compile("[" + _bmp_marks_class() + "\U00010000-\U0010ffff]")


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


class _AstralMarkMap(dict[int, "str | None"]):
    """``str.translate`` table deleting astral combining characters, filled on demand."""

    def __missing__(self, cp: int) -> str | None:
        if len(self) > 200_000:  # bounded: adversarial input cannot grow it forever
            self.clear()
        ch = chr(cp)
        out = None if cp > 0xFFFF and unicodedata.combining(ch) else ch
        self[cp] = out
        return out


_ASTRAL_MARKS = _AstralMarkMap()


def _strip_marks(text: str) -> str:
    """``text`` without any character of non-zero combining class."""
    text = _bmp_marks_re().sub("", text)
    if _ASTRAL_RE.search(text) is not None:
        text = text.translate(_ASTRAL_MARKS)
    return text


_nfkc = partial(unicodedata.normalize, "NFKC")


def _clusters(text: str) -> list[tuple[int, int]]:
    """Split into (start, end) spans of one base character plus its combining marks.

    Invisible characters (which cleaning deletes) followed by marks join the
    cluster before them: "A\u200b\u0300" is one cluster that cleans to "À",
    not "A" and an orphan mark.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for i in range(1, n + 1):
        if i < n:
            j = i
            while j < n and text[j] in _INVISIBLES:
                j += 1
            if j < n and unicodedata.combining(text[j]):
                continue
        spans.append((start, i))
        start = i
    return spans


@lru_cache(maxsize=2)
def _cluster_re(invisibles: bool) -> re.Pattern[str]:
    """One character and the BMP combining marks after it (see :func:`_clusters`).

    With ``invisibles``, also invisible characters that are followed by a mark
    (a slower pattern, only used on lines that contain invisible characters).
    """
    marks = "[" + _bmp_marks_class() + "]"
    if invisibles:
        return re.compile(f"(?s).(?:{marks}|[{_INVISIBLES}]+{marks})*")
    return re.compile(f"(?s).{marks}*")


_INVISIBLE_RE = re.compile(f"[{_INVISIBLES}]")


@dataclass(slots=True)
class _Cleaned:
    """Output of :func:`_clean_text` under construction (maps are None when not wanted)."""

    pieces: list[str]
    starts: list[int] | None
    ends: list[int] | None


def _clean_line(line: str, base: int, out: _Cleaned) -> None:
    """Normalise ``line`` (found at ``base`` in the original) cluster by cluster into ``out``."""
    if _ASTRAL_RE.search(line) is None:
        clusters: list[str] = _cluster_re(_INVISIBLE_RE.search(line) is not None).findall(line)
    else:  # astral combining marks exist: use the exact, slower split
        clusters = [line[s:e] for s, e in _clusters(line)]
    pieces = list(map(_nfkc, clusters))  # each piece is at least one character
    cleaned = "".join(pieces)
    translated = _NEEDS_CLEANING_RE.search(cleaned) is not None
    if translated:  # translate only the few pieces that need it (may delete characters)
        ends = list(accumulate(map(len, pieces)))
        for i in {bisect_right(ends, m.start()) for m in _NEEDS_CLEANING_RE.finditer(cleaned)}:
            # NFKC again: marks after a deleted invisible compose with the letter.
            pieces[i] = _nfkc(pieces[i].translate(_CHAR_MAP))
        cleaned = "".join(pieces)
    out.pieces.append(cleaned)
    if out.starts is None or out.ends is None:
        return
    # Every character of pieces[i] maps back to the whole clusters[i].
    bounds = list(accumulate(map(len, clusters), initial=base))
    if not translated and len(cleaned) == len(clusters):  # one character per cluster
        out.starts.extend(bounds[:-1])
        out.ends.extend(bounds[1:])
    else:
        lengths = list(map(len, pieces))
        out.starts.extend(chain.from_iterable(map(repeat, bounds, lengths)))
        out.ends.extend(chain.from_iterable(map(repeat, bounds[1:], lengths)))


def normalize_chars(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFKC + invisible/control cleaning, keeping a map back to the original.

    Returns ``(clean, starts, ends)``: ``clean[i]`` came from
    ``text[starts[i]:ends[i]]``. When nothing changed the maps are ``None``
    (identity), which is the common, fast case for NFC input.
    Tone placement is canonicalised too (it never changes lengths).

    Each character cluster (a base character and its combining marks) is
    normalised on its own, so every output character maps back to the whole
    cluster it came from. Only the lines that need it go through that slower
    path; clean lines are copied with an identity map.
    """
    return _clean_text(text, maps=True)


def _clean_text(text: str, maps: bool) -> tuple[str, list[int] | None, list[int] | None]:
    """:func:`normalize_chars`; with ``maps=False`` the maps are not built (both None)."""
    if _is_simple(text):
        return _canonical_tones(text), None, None
    out = _Cleaned([], [] if maps else None, [] if maps else None)
    maybe_marks = _maybe_marks_re()
    start, n = 0, len(text)
    # Line by line: lines start at "\n", never inside a cluster.
    while start < n:
        end = text.find("\n", start + 1)
        if end < 0:
            end = n
        line = text[start:end]
        # Per-cluster NFKC of NFKC text is the identity; with one-character
        # clusters (no combining marks) so is the map.
        if _is_simple(line) and (out.starts is None or maybe_marks.search(line, 1) is None):
            out.pieces.append(line)
            if out.starts is not None and out.ends is not None:
                out.starts.extend(range(start, end))
                out.ends.extend(range(start + 1, end + 1))
        else:
            _clean_line(line, start, out)
        start = end
    return _canonical_tones("".join(out.pieces)), out.starts, out.ends


def normalize(text: str) -> str:
    """Normalise Vietnamese text for indexing and display-independent comparison.

    NFKC (so NFD input, styled "mathematical" letters and ``m²`` all become
    plain NFC text), invisible characters dropped, whitespace collapsed, and
    canonical tone placement for open oa/oe/uy syllables (``hoà`` -> ``hòa``).
    """
    clean, _, _ = _clean_text(text, maps=False)
    return _WS_RE.sub(" ", clean).strip()


# --------------------------------------------------------------------------
# Tone-mark placement
# --------------------------------------------------------------------------
# Two conventions exist: "hòa, thủy, khỏe" (mark on the first vowel of an open
# oa/oe/uy syllable, the traditional style most Vietnamese keyboards produce)
# and "hoà, thuỷ, khoẻ". We pick the traditional one. Closed syllables (hoàn,
# toán, khuyết, huỳnh) put the mark on the main vowel in both styles and are
# never rewritten; qu- syllables (quý, quà) are left alone because the u
# belongs to the onset.


def _split_tone(ch: str) -> tuple[str, int]:
    """Return (character without tone, tone index or -1)."""
    d = unicodedata.normalize("NFD", ch)
    for t_i, t in enumerate(_TONES):
        if t in d:
            return unicodedata.normalize("NFC", d.replace(t, "")), t_i
    return ch, -1


def _with_tone(ch: str, tone: int) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", ch) + _TONES[tone])


def _variants(base: str) -> str:
    chars = {base, base.upper()}
    for b in (base, base.upper()):
        for t in range(5):
            chars.add(_with_tone(b, t))
    return "".join(sorted(chars))


def _toned(chars: str) -> str:
    return "".join(c for c in chars if _split_tone(c)[1] >= 0)


_A, _E, _Y = (_variants(c) for c in "aey")
_LETTER = r"[^\W\d_]"
#: The tone on the second vowel of an open oa/oe/uy ending a word ("hoà",
#: "thuỷ", "khoẻ"): the only spelling the canonical placement rewrites.
_OPEN_RE = re.compile(rf"(?:[oO][{_toned(_A + _E)}]|[uU][{_toned(_Y)}])(?!{_LETTER})")
_VOWELS = "aăâeêioôơuưy"


def _is_letter(c: str) -> bool:
    """Same test as the regex class ``[^\\W\\d_]`` (a letter, not a digit)."""
    return c.isalnum() and not c.isdecimal()


def _fix_open(m: re.Match[str]) -> str:
    text, start, end = m.string, m.start(), m.end()
    pair = m.group()
    i = start
    while i > 0 and _is_letter(text[i - 1]):
        i -= 1
    onset = text[i:start]
    if onset[-1:].lower() == "q":
        return pair  # qu- syllable: the u belongs to the onset (quý, quà)
    if any(c.lower() in _VOWELS or _split_tone(c)[0].lower() in _VOWELS for c in onset):
        return pair  # not an open oa/oe/uy syllable (e.g. longer vowel cluster)
    b2, t2 = _split_tone(pair[1])
    j = end
    while j < len(text) and unicodedata.combining(text[j]):
        j += 1
    if j > end and not unicodedata.is_normalized("NFC", b2 + text[end:j]):
        # A stray mark after the syllable (e.g. a second tone) would compose
        # with the bare vowel on the next pass: leave the syllable as it is.
        return pair
    return _with_tone(pair[0], t2) + b2


def _canonical_tones(text: str) -> str:
    """Move the tone of a word-final open oa/oe/uy to the first vowel (same length)."""
    return _OPEN_RE.sub(_fix_open, text)


# --------------------------------------------------------------------------
# Folding
# --------------------------------------------------------------------------


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x00C0, 0x1FFF):
        ch = chr(cp)
        lowered = ch.lower()
        base = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
        if base.isascii() and base.isalpha():
            table[cp] = base
    for ch in "đĐðÐ":  # đ has no decomposition; Ð (U+00D0) is its common look-alike
        table[ord(ch)] = "d"
    for cp, repl in _CHAR_MAP.items():  # invisibles vanish, as in normalize()
        if repl is None:
            table[cp] = ""
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Lowercase ASCII without diacritics: ``"Được Đấu"`` -> ``"duoc dau"``.

    NFD and NFC input fold identically; other scripts are transliterated with
    unidecode; symbols with no ASCII form are dropped. Idempotent.
    """
    out = text.lower().translate(_FOLD_TABLE)
    if out.isascii():
        return out
    # What is left (punctuation, other scripts, stray marks) is folded run by
    # run: NFKC, NFD and unidecode are all local, and the ASCII character in
    # front of a run is included because a combining mark may attach to it.
    if unicodedata.is_normalized("NFC", out):
        return _FOLD_RUN_RE.sub(_fold_run, out)
    # Decomposed input leaves a run at every accented letter: compose the
    # whole string once instead (same result, fewer runs).
    out = unicodedata.normalize("NFKC", out).lower().translate(_FOLD_TABLE)
    if out.isascii():
        return out
    return _FOLD_RUN_RE.sub(_fold_composed_run, out)


#: Memo of :func:`fold_term` (read directly on the indexer's hot path).
FOLD_MEMO: dict[str, str] = {}


def fold_term(text: str) -> str:
    """:func:`fold` with a bounded memo: for syllables and words, whose
    vocabulary is small while the calls are many."""
    out = FOLD_MEMO.get(text)
    if out is None:
        out = fold(text)
        if len(FOLD_MEMO) > 500_000:
            FOLD_MEMO.clear()
        FOLD_MEMO[text] = out
    return out


_FOLD_RUN_RE = re.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")
_FOLD_RUN_MEMO: dict[str, str] = {}


def _fold_run(m: re.Match[str]) -> str:
    """Fold a run that :data:`_FOLD_TABLE` left non-ASCII: NFKC first (memoised).

    The same runs come back all the time: quotes, dashes, ellipses, emoji.
    """
    run = m.group()
    out = _FOLD_RUN_MEMO.get(run)
    if out is not None:
        return out
    out = unicodedata.normalize("NFKC", run).lower().translate(_FOLD_TABLE)
    if not out.isascii():
        out = _fold_tail(out)
    if len(run) <= 8:  # short runs only, and a bounded number of them
        if len(_FOLD_RUN_MEMO) >= 100_000:
            _FOLD_RUN_MEMO.clear()
        _FOLD_RUN_MEMO[run] = out
    return out


def _fold_composed_run(m: re.Match[str]) -> str:
    """Fold a run of text that is NFKC-normalised, lowercased and table-folded already."""
    return _fold_tail(m.group())


def _fold_tail(out: str) -> str:
    out = _strip_marks(unicodedata.normalize("NFD", out))
    out = out.translate(_FOLD_TABLE)
    if out.isascii():
        return out
    return _NON_ASCII_RE.sub(_transliterate, out).lower()


class _UnidecodeMap(dict[int, str]):
    """``str.translate`` table filled on demand with :func:`unidecode` per character."""

    def __missing__(self, cp: int) -> str:
        if len(self) > 200_000:  # bounded: adversarial input cannot grow it forever
            self.clear()
        # Surrogates have no transliteration (unidecode would drop them with a warning).
        out = "" if 0xD800 <= cp <= 0xDFFF else str(unidecode(chr(cp)))
        self[cp] = out
        return out


_UNIDECODE_MAP = _UnidecodeMap()
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _transliterate(m: re.Match[str]) -> str:
    """unidecode of a run of non-ASCII characters (it works character by character)."""
    return m.group().translate(_UNIDECODE_MAP)


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries any Vietnamese mark (or đ), i.e. folding loses information."""
    return fold(text) != text.lower()


_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def compact(text: str) -> str:
    """Folded text with everything but letters and digits removed: ``"Hạ Long"`` -> ``"halong"``."""
    return _NON_ALNUM_RE.sub("", fold(text))


# --------------------------------------------------------------------------
# Tokenising
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class Token:
    """One token. ``text`` is normalised and lowercased but keeps its diacritics.

    ``start``/``end`` index the ORIGINAL string given to :func:`tokenize`, so
    ``original[start:end]`` is the accented text to highlight. ``pos`` is the
    syllable position (a joined form shares the position of its first part).
    ``kind`` is ``"word"``, ``"number"``, ``"part"`` (a piece of an
    abbreviation or code such as ``TP.HCM``) or ``"joined"`` (the whole code
    with its punctuation removed: ``tphcm``).
    """

    text: str
    start: int
    end: int
    pos: int
    kind: str = "word"

    def __init__(self, text: str, start: int, end: int, pos: int, kind: str = "word") -> None:
        # Same as the generated frozen __init__, but through the slot
        # descriptors directly: tokenize makes ~200,000 tokens per MB.
        _set_text(self, text)
        _set_start(self, start)
        _set_end(self, end)
        _set_pos(self, pos)
        _set_kind(self, kind)


_set_text, _set_start, _set_end, _set_pos, _set_kind = (
    getattr(Token, name).__set__ for name in ("text", "start", "end", "pos", "kind")
)


# A run of letters/digits, optionally glued to more runs by . - & / (and , or :
# between digits): "TP.HCM", "LĐ-TB&XH", "Q.7", "1,2", "17/06/2022", "100m2".
# Group 1 is set only when there is glue, so plain words are told apart cheaply.
_COMPOUND_RE = re.compile(r"[^\W_]+((?:(?:[.\-&/]|(?<=\d)[,:](?=\d))[^\W_]+)+)?")
_PART_RE = re.compile(r"[^\W_]+")
_NUMBER_SEPS = frozenset(".,/:")


def _is_number(s: str) -> bool:
    return s[:1].isdigit() and all(c.isdigit() or c in _NUMBER_SEPS for c in s)


@lru_cache(maxsize=16)
def tokenize(text: str) -> tuple[Token, ...]:
    """Split text into syllable tokens with offsets into ``text`` itself.

    Cached for the last few strings: the indexer analyses the same title or
    body several times (exact, folded, bigram and joined fields).
    """
    clean, starts, ends = normalize_chars(text)
    # str.lower works character by character, except for the Greek capital
    # sigma (final form by context). When no character grows, slices of the
    # lowered text are exactly the lowered words: lower once, not per word.
    lowered: str | None = clean.lower()
    if lowered is not None and (len(lowered) != len(clean) or "\u03a3" in clean):
        lowered = None
    tokens: list[Token] = []
    append = tokens.append
    pos = 0

    for m in _COMPOUND_RE.finditer(clean):
        ms, me = m.span()
        if starts is None or ends is None:
            s, e = ms, me
        else:
            s, e = starts[ms], ends[me - 1]
        if m.lastindex is None:  # a plain run of letters and digits
            word = lowered[ms:me] if lowered is not None else m.group().lower()
            append(Token(word, s, e, pos, "number" if word.isdigit() else "word"))
            pos += 1
            continue
        word = m.group()
        if _is_number(word):
            append(Token(word.lower(), s, e, pos, "number"))
            pos += 1
            continue
        parts = list(_PART_RE.finditer(word))
        first_pos = pos
        for p in parts:
            ps, pe = ms + p.start(), ms + p.end()
            if starts is not None and ends is not None:
                ps, pe = starts[ps], ends[pe - 1]
            append(Token(p.group().lower(), ps, pe, pos, "part"))
            pos += 1
        if any(not p.group().isdigit() for p in parts):
            joined = "".join(p.group() for p in parts).lower()
            append(Token(joined, s, e, first_pos, "joined"))
    return tuple(tokens)
