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
from dataclasses import dataclass
from functools import lru_cache

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

#: Characters removed outright: zero-width space/joiners, word joiner, BOM,
#: soft hyphen, and bidi marks. They split words invisibly when left in.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"),
    None,
)
_WS_RE = re.compile(r"\s+")

# Tone marks as combining characters (NFD), in the order sắc, huyền, hỏi, ngã, nặng.
_TONES = "\u0301\u0300\u0309\u0303\u0323"


_NEEDS_CLEANING_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)


def _is_simple(text: str) -> bool:
    """True when ``text`` needs no character-level normalisation (the fast path)."""
    return unicodedata.is_normalized("NFKC", text) and _NEEDS_CLEANING_RE.search(text) is None


def _clean_cluster(cluster: str) -> str:
    out = unicodedata.normalize("NFKC", cluster).translate(_INVISIBLE)
    # Control characters become spaces so they still separate words.
    return "".join(" " if unicodedata.category(c) == "Cc" and c not in "\t\n\r" else c for c in out)


def _clusters(text: str) -> list[tuple[int, int]]:
    """Split into (start, end) spans of one base character plus its combining marks."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            spans.append((start, i))
            start = i
    return spans


def normalize_chars(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFKC + invisible/control cleaning, keeping a map back to the original.

    Returns ``(clean, starts, ends)``: ``clean[i]`` came from
    ``text[starts[i]:ends[i]]``. When nothing changed the maps are ``None``
    (identity), which is the common, fast case for NFC input.
    Tone placement is canonicalised too (it never changes lengths).
    """
    if _is_simple(text):
        return _canonical_tones(text), None, None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for s, e in _clusters(text):
        piece = _clean_cluster(text[s:e])
        pieces.append(piece)
        starts.extend([s] * len(piece))
        ends.extend([e] * len(piece))
    return _canonical_tones("".join(pieces)), starts, ends


def normalize(text: str) -> str:
    """Normalise Vietnamese text for indexing and display-independent comparison.

    NFKC (so NFD input, styled "mathematical" letters and ``m²`` all become
    plain NFC text), invisible characters dropped, whitespace collapsed, and
    canonical tone placement for open oa/oe/uy syllables (``hoà`` -> ``hòa``).
    """
    clean, _, _ = normalize_chars(text)
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


_O, _A, _E, _U, _Y = (_variants(c) for c in "oaeuy")
_LETTER = r"[^\W\d_]"
# A whole word that ends in oa, oe or uy (in any tone placement).
_OPEN_RE = re.compile(
    rf"(?<!{_LETTER})({_LETTER}*?)([{_O}][{_A}{_E}]|[{_U}][{_Y}])(?!{_LETTER})"
)
_TONE_FIX_CACHE: dict[str, str] = {}


def _fix_open(m: re.Match[str]) -> str:
    onset, pair = m.group(1), m.group(2)
    if onset[-1:].lower() == "q":
        return m.group(0)
    if any(c.lower() in "aăâeêioôơuưy" or _split_tone(c)[0].lower() in "aăâeêioôơuưy" for c in onset):
        return m.group(0)  # not an open oa/oe/uy syllable (e.g. longer vowel cluster)
    first, second = pair[0], pair[1]
    b2, t2 = _split_tone(second)
    if t2 < 0:
        return m.group(0)
    b1, t1 = _split_tone(first)
    if t1 >= 0:
        return m.group(0)
    return onset + _with_tone(b1, t2) + b2


def _canonical_tones(text: str) -> str:
    if not any(c in text for c in "aeyAEY" + _A + _E + _Y):
        return text
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
    out = unicodedata.normalize("NFKC", out).lower().translate(_FOLD_TABLE)
    if out.isascii():
        return out
    out = "".join(c for c in unicodedata.normalize("NFD", out) if not unicodedata.combining(c))
    out = out.translate(_FOLD_TABLE)
    if out.isascii():
        return out
    return str(unidecode(out)).lower()


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


@dataclass(frozen=True, slots=True)
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


# A run of letters/digits, optionally glued to more runs by . - & / (and , or :
# between digits): "TP.HCM", "LĐ-TB&XH", "Q.7", "1,2", "17/06/2022", "100m2".
_COMPOUND_RE = re.compile(r"[^\W_]+(?:(?:[.\-&/]|(?<=\d)[,:](?=\d))[^\W_]+)*")
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
    tokens: list[Token] = []
    pos = 0

    def span(s: int, e: int) -> tuple[int, int]:
        if starts is None or ends is None:
            return s, e
        return starts[s], ends[e - 1]

    for m in _COMPOUND_RE.finditer(clean):
        word = m.group()
        if "." not in word and "-" not in word and "&" not in word and "/" not in word and "," not in word and ":" not in word:
            s, e = span(m.start(), m.end())
            tokens.append(Token(word.lower(), s, e, pos, "number" if word[0].isdigit() and word.isdigit() else "word"))
            pos += 1
            continue
        if _is_number(word):
            s, e = span(m.start(), m.end())
            tokens.append(Token(word.lower(), s, e, pos, "number"))
            pos += 1
            continue
        parts = list(_PART_RE.finditer(word))
        first_pos = pos
        for p in parts:
            s, e = span(m.start() + p.start(), m.start() + p.end())
            tokens.append(Token(p.group().lower(), s, e, pos, "part"))
            pos += 1
        if any(not p.group().isdigit() for p in parts):
            s, e = span(m.start(), m.end())
            joined = "".join(p.group() for p in parts).lower()
            tokens.append(Token(joined, s, e, first_pos, "joined"))
    return tuple(tokens)
