"""Telex and VNI typed without an input method: ``nhaf ddaats``, ``nha2 d9a61t``.

Vietnamese keyboards turn letter (Telex) or digit (VNI) keys into marks; with
the input method off, the keys stay in the text. This module reads such a
word back into the marks it asks for (a quality mark on a letter, a tone) and
offers the spellings of the syllable, known to the language model, that carry
them. A word is only ever read this way when the model knows a matching
syllable, so English words and codes (``view``, ``q7``, ``2pn``) are left
alone: no Vietnamese syllable reads from them.

Telex: ``aa â, ee ê, oo ô, aw ă, ow ơ, uw ư, w ư, dd đ``; tones ``s`` sắc,
``f`` huyền, ``r`` hỏi, ``x`` ngã, ``j`` nặng (anywhere after the first vowel,
as no Vietnamese syllable ends in those letters). VNI: ``6`` circumflex,
``7`` horn, ``8`` breve, ``9`` đ; tones ``1``-``5`` in the same order.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .vietnamese import fold

#: Combining tone marks by tone number (1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng).
TONE_MARKS = {1: "\u0301", 2: "\u0300", 3: "\u0309", 4: "\u0303", 5: "\u0323"}
_TONE_OF_MARK = {m: t for t, m in TONE_MARKS.items()}
_TELEX_TONES = {"s": 1, "f": 2, "r": 3, "x": 4, "j": 5}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
_VOWELS = set("aeiouyâêôăơư")


@dataclass(frozen=True)
class Keyed:
    """What a keyed word asks for: letters with their quality marks, and a tone (0: none)."""

    base: str
    tone: int


def read_telex(word: str) -> Keyed | None:
    """The marks a Telex-typed word asks for, or None when it uses no Telex key."""
    w = word.lower()
    if not w.isascii() or not w.isalpha():
        return None
    out: list[str] = []
    tone = 0
    keyed = False
    for c in w:
        seen_vowel = any(ch in _VOWELS for ch in out)
        if seen_vowel and c in _TELEX_TONES:
            tone, keyed = _TELEX_TONES[c], True
        elif c == "d" and out == ["d"]:
            out[0], keyed = "đ", True
        elif c in _CIRCUMFLEX and out and out[-1] == c:
            out[-1], keyed = _CIRCUMFLEX[c], True
        elif c == "w":
            if out[-2:] == ["u", "o"]:
                out[-2:] = ["ư", "ơ"]
            elif out and out[-1] == "a":
                out[-1] = "ă"
            elif out and out[-1] in _HORN:
                out[-1] = _HORN[out[-1]]
            elif not out or out[-1] not in _VOWELS:
                out.append("ư")
            else:
                return None
            keyed = True
        else:
            out.append(c)
    return Keyed("".join(out), tone) if keyed and out else None


def read_vni(word: str) -> Keyed | None:
    """The marks a VNI-typed word asks for, or None when it is not one."""
    w = word.lower()
    if not w.isascii() or not w.isalnum() or not w[:1].isalpha() or w.isalpha():
        return None
    out: list[str] = []
    tone = 0
    for c in w:
        if not c.isdigit():
            out.append(c)
            continue
        d = int(c)
        if 1 <= d <= 5:
            tone = d
        elif d == 9 and out[:1] == ["d"]:
            out[0] = "đ"
        elif d in (6, 7, 8):
            table = {6: _CIRCUMFLEX, 7: _HORN, 8: {"a": "ă"}}[d]
            spots = [i for i, ch in enumerate(out) if ch in table]
            if not spots:
                return None
            if d == 7 and len(spots) > 1 and out[spots[-2]] == "u" and out[spots[-1]] == "o":
                out[spots[-2]] = "ư"  # "uo7": ươ
            out[spots[-1]] = table[out[spots[-1]]]
        else:
            return None
    return Keyed("".join(out), tone)


def read_keyed(word: str) -> Keyed | None:
    """Telex or VNI, whichever the word is typed in (None for neither)."""
    return read_vni(word) if any(c.isdigit() for c in word) else read_telex(word)


def tone_of(syllable: str) -> int:
    """The tone number of an accented syllable (0 for none)."""
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONE_OF_MARK:
            return _TONE_OF_MARK[ch]
    return 0


def without_tone(syllable: str) -> str:
    """The syllable with its quality marks but no tone mark."""
    d = "".join(ch for ch in unicodedata.normalize("NFD", syllable) if ch not in _TONE_OF_MARK)
    return unicodedata.normalize("NFC", d)


def compatible(keyed: Keyed, spelling: str) -> bool:
    """Whether ``spelling`` carries every mark ``keyed`` asks for (marks not typed are free)."""
    letters = without_tone(spelling)
    if len(letters) != len(keyed.base) or fold(letters) != fold(keyed.base):
        return False
    if keyed.tone and tone_of(spelling) != keyed.tone:
        return False
    return all(k == fold(k) or k == s for k, s in zip(keyed.base, letters, strict=True))

