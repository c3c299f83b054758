"""How place names are spelled: folding, compact keys, diacritics, type words.

Every lookup in :mod:`newssearch.places` goes through a *compact* key: the
name folded (:func:`newssearch.vietnamese.fold`) with everything but letters
and digits dropped (``"TP. Hạ Long"`` -> ``"tphalong"``), so case, accents,
spacing and punctuation never decide a match. The accented compact form is
kept beside it to check that the diacritics written agree with the name's
(:func:`acc_grade`). Pure functions over strings: no gazetteer here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..vietnamese import fold, normalize

_NON_ALNUM_RE = re.compile(r"[\W_]+")
WORD_RE = re.compile(r"[^\W_]+")
_TYPE_CASE_RE = re.compile(r"^(thành phố|thị xã|thị trấn)\b", re.IGNORECASE)
_CANON_TYPES = {"thành phố": "Thành phố", "thị xã": "Thị xã", "thị trấn": "Thị trấn"}


def compact(text: str) -> str:
    """Folded letters and digits only: ``"TP. Hạ Long"`` -> ``"tphalong"``."""
    out = fold(text).replace(" ", "")
    return out if out.isalnum() and out.isascii() else _NON_ALNUM_RE.sub("", out)


@lru_cache(maxsize=8192)
def acc_compact(text: str) -> str:
    """Lowercase letters and digits, diacritics kept, canonical tone placement."""
    return _NON_ALNUM_RE.sub("", normalize(text).lower())


def name_key(name: str) -> str:
    """Key for looking an official name up: case and tone placement ignored."""
    return clean(name).casefold()


# A final oa/oe/uy with the tone on the second vowel ("hoà"): needs normalize().
_MODERN_TONE_RE = re.compile(r"[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ](?![^\W\d_])")


def clean(name: str) -> str:
    """:func:`normalize` with a fast path for the (already clean) package names."""
    if name.isascii() or (unicodedata.is_normalized("NFC", name) and not _MODERN_TONE_RE.search(name)):
        return " ".join(name.split())
    return normalize(name)


def kw_compact(kw: str) -> str:
    """Compact form of a package keyword (usually already compact)."""
    return kw if kw.isascii() and kw.isalnum() and kw == kw.lower() else compact(kw)


_PAREN_RE = re.compile(r"\s*\([^)]*\)\s*$")


def canon_short(short: str) -> str:
    """``"Kỳ Anh (Thị xã)"`` -> ``"Kỳ Anh"``: the package marks same-named units this way."""
    return _PAREN_RE.sub("", canon_name(short)) or canon_name(short)


def acc_name(clean_name: str) -> str:
    """:func:`acc_compact` for a name already through :func:`clean`."""
    return _NON_ALNUM_RE.sub("", clean_name.lower())


def canon_name(name: str) -> str:
    """``"Thành Phố Bắc Kạn"`` -> ``"Thành phố Bắc Kạn"`` (the package is inconsistent)."""
    name = clean(name)
    m = _TYPE_CASE_RE.match(name)
    if m:
        name = _CANON_TYPES[m.group(1).lower()] + name[m.end() :]
    return name


def _build_toneless() -> dict[str, str]:
    """Vietnamese vowel with a tone mark -> the same vowel without it (``ắ`` -> ``ă``)."""
    out: dict[str, str] = {}
    for cp in range(0x00C0, 0x1F00):
        ch = chr(cp)
        d = unicodedata.normalize("NFD", ch)
        stripped = "".join(c for c in d if c not in "\u0300\u0301\u0303\u0309\u0323")
        if stripped != d:
            out[ch] = unicodedata.normalize("NFC", stripped)
    return out


_TONELESS = _build_toneless()
EXACT, LENIENT, MISMATCH = 2, 1, 0


def acc_grade(text_acc: str, alias_acc: str | None) -> int:
    """How well the diacritics written in the text agree with an alias's.

    Both strings fold to the same compact key. ``EXACT``: the same letters.
    ``LENIENT``: the text only leaves marks out (``"Ha Long"``, ``"Đăk Lăk"``
    for Đắk Lắk), or the alias has no accented form. ``MISMATCH``: a
    different mark (``"Huệ"`` is not Huế).
    """
    if alias_acc is None or text_acc.isascii() or len(text_acc) != len(alias_acc):
        return LENIENT
    if text_acc == alias_acc:
        return EXACT
    for a, b in zip(text_acc, alias_acc, strict=True):
        if a != b and not a.isascii() and a != _TONELESS.get(b):
            return MISMATCH
    return LENIENT


def safe_str(value: object) -> str:
    """``value`` if it is a string, else ``""``: callers pass whatever a record holds."""
    return value if isinstance(value, str) else ""


FOLD_CACHE: dict[str, str] = {}  # word -> fold(word); words repeat, fold() is not free


def fold_word(raw: str) -> str:
    """``fold(raw)`` through :data:`FOLD_CACHE` (bounded: cleared past 200,000 words)."""
    f = FOLD_CACHE.get(raw)
    if f is None:
        if len(FOLD_CACHE) > 200_000:
            FOLD_CACHE.clear()
        f = fold(raw)
        FOLD_CACHE[raw] = f
    return f


# A ward's type word, folded and split into syllables -> its official type
# ("ward" says nothing about which).
WARD_TYPE_WORDS: dict[tuple[str, ...], str | None] = {
    ("phuong",): "Phường",
    ("p",): "Phường",
    ("f",): "Phường",
    ("ward",): None,
    ("xa",): "Xã",
    ("x",): "Xã",
    ("thi", "tran"): "Thị trấn",
    ("thitran",): "Thị trấn",
    ("tt",): "Thị trấn",
}
# "P7", "phuong07", "F.13" written as one word: the ward number.
JOINED_WARD_RE = re.compile(r"^(?:phuong|p|f|ward)0*(\d{1,2})$")


def wordset(words: str) -> frozenset[str]:
    """The words of a space-separated list (long word lists read better as one string)."""
    return frozenset(words.split())


_TYPE_PREFIX_RE = re.compile(r"^(tỉnh|thành phố|quận|huyện|thị xã|phường|xã|thị trấn)\s+(.+)$", re.IGNORECASE)


def short_name(official: str) -> str:
    """The name without its type word: ``"Thành phố Hạ Long"`` -> ``"Hạ Long"``.

    Numbered units keep it (``"Quận 7"``, ``"Phường 12"``): a bare number is
    not a name. ``"Tỉnh Quảng Ninh"`` -> ``"Quảng Ninh"``.
    """
    text = normalize(safe_str(official))
    m = _TYPE_PREFIX_RE.match(text)
    if not m or m.group(2).isdigit():
        return text
    return m.group(2)
