"""Places named in free text (article bodies, titles, queries): :func:`find_places`.

How :func:`find_places` works: words are folded (``fold``) and adjacent ones
joined, and the joined string is looked up in one dict of folded alias keys
(official names with and without type word, TP/Q/H/TX abbreviations, the
package's keywords, ``saigon``/``tphcm``/``brvt``...). So ``"Hạ Long"``,
``"ha long"``, ``"HALONG"`` and ``"halong"`` all hit ``halong``. Candidate
words are picked by set lookups run in C (``map``/``compress``), and only
they go through the rules below. Precision rules:

* Diacritics written in the text must agree with the name's; marks left out
  are fine (``"Đăk Lăk"``, ``"Ha Long"``), a different mark is not
  (``"hoa Huệ"`` is not Huế). An exact match beats one with marks left out:
  ``"Quang Bình"`` is Huyện Quang Bình (Hà Giang), ``"Quảng Bình"`` the province.
* A type word (``tỉnh``, ``thành phố``/``TP``, ``quận``/``Q``, ``huyện``/``H``,
  ``thị xã``/``TX``) makes a match "typed"; a typed match counts as written.
  One-letter types must stand alone (``"Hưng Hòa"`` is not ``"H. Ứng Hòa"``).
* A bare name (no type word) counts when it has two syllables or more
  (``Vinh``, ``Chũ``, ``Lắk`` need their type word; province names such as
  ``Huế`` are exempt), every syllable is capitalised or the text is a query
  (short or unaccented: ``"biet thu tay ho"``) -- so ``"hòa bình"``, ``"tuổi
  thanh xuân"`` are words, not places --, and it does not follow a street
  word (``đường``, ``ngõ``, ``hẻm``, ``phố`` except in ``nhà phố``), a form of
  address (``anh``, ``chị``, ``ông``...), a capitalised family or middle name
  (``Nguyễn Thanh Xuân``), or, for districts, a facility word (``sân Thống
  Nhất``, ``cầu Đông Hải``); nor run on into a longer capitalised name
  (``An Dương Vương`` is a street, not Quận An Dương).
* Joined forms of district names (``halong``) count in unaccented text only:
  in Vietnamese text ``"Samson"`` is a footballer, not Sầm Sơn.
* Bare district names shaped like people's names (``Văn Lâm``, ``Xuân
  Trường``, ``Thanh Bình``, ``Hà Đông``: two common given-name syllables, or
  ``Văn`` + one) count in a long text only when their province is named too.
  ``Thống Nhất`` and ``Bình Minh`` need their type word.
* Bare ``Hồ Chí Minh`` counts only unaccented (a query): accented it is
  mostly the person or the road; ``TP.HCM``, ``TPHCM``, ``HCM``, ``Sài Gòn``
  are the city. ``HN`` counts in capitals only. Two-letter district
  abbreviations (``GV``) never count, nor does a bare number (``7``).
* ``Thái Bình Dương`` (the Pacific) is neither Thái Bình nor Bình Dương.
* A name that is both a province and a district (``Hà Tĩnh``) is the province
  when bare. A district name shared by several provinces (``Châu Thành``,
  ``Tân Phú``, ``Hoàng Mai``) resolves only through its type word (``quận
  Hoàng Mai`` is Hà Nội's) or a province named in the same text; else it is
  dropped.
* Wards count only after a type word (``phường X``, ``P. X``, ``P7``, ``xã
  X``, ``thị trấn X``, ``TT X``): bare ward names collide with streets and
  people. A ward resolves when unique in the country, or by the district or
  province right after it (``"Phường 12, Quận Gò Vấp"``; if that district has
  no such ward, nothing), or by one named elsewhere in the text.
* Longest match wins, left to right; mentions never overlap. Football clubs
  named after provinces (``"Nam Định thắng Hà Tĩnh"``) do count as places.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import add
from typing import cast, overload

from ..vietnamese import normalize, tokenize
from .gazetteer import (
    DISTRICT,
    F_ABBR1,
    F_ASCII_ONLY,
    F_PERSONLIKE,
    F_STOP,
    F_TYPED,
    F_UPPER_ONLY,
    LEVEL_NAMES,
    PROVINCE,
    WARD,
    WARD_TRIGGERS,
    Alias,
    Cands,
    Gazetteer,
    Keep,
    Place,
    Unit,
    abbr_ok,
    best_by_accent,
    best_units,
    load_gazetteer,
)
from .names import (
    FOLD_CACHE,
    JOINED_WARD_RE,
    WARD_TYPE_WORDS,
    WORD_RE,
    acc_compact,
    fold_word,
    wordset,
)


@dataclass(frozen=True)
class PlaceMention:
    """One place named in a text; ``text == original[start:end]``."""

    place: Place
    start: int  # offsets into the text passed in
    end: int
    level: str  # "province" | "district" | "ward"
    text: str  # the matched original text


_WORD_SPLIT_RE = re.compile(r"([^\W_]+)")
# What may separate the syllables of one name: spaces, or one . - ' ("TP.HCM", "Bà Rịa - Vũng Tàu")
_GAP_RE = re.compile(r"[^\S\n]*(?:[.\-–'’][^\S\n]*)?")
_NEEDS_SLOW_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_MAX_NGRAM = 8  # syllables in the longest name with its type word
_MAX_WARD_NAME = 5
_WARD_TRIGGERS_RELAXED = WARD_TRIGGERS | {"f", "x", "ward"}  # in addresses: "F.13", "X. Tân Thành"

# Words that, just before a bare name, say it is a street or a person.
_STREET_WORDS = frozenset({"đường", "ngõ", "hẻm", "kiệt", "ngách", "phố"})
_ADDRESS_FORMS = frozenset(
    {"anh", "chị", "ông", "bà", "em", "cô", "chú", "bác", "cháu", "cụ", "thầy", "mẹ", "bố", "con"}
)
# Before a bare district name: the name is a facility's ("sân Thống Nhất", "cầu Đông Hải").
_FACILITY_WORDS = frozenset({"sân", "dinh", "chợ", "cầu", "trường", "viện", "chùa", "đền", "lăng", "ga"})
_SHORT_TEXT_WORDS = 12  # a query or a title: person-like names count without their province
_PERSON_NAME_WORDS = wordset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn "
    "trương lâm mai trịnh lương đào cao tô tạ châu văn thị hữu đình công"
)


def _is_plain(text: str) -> bool:
    """NFC text without invisible characters: offsets need no mapping."""
    return (text.isascii() or unicodedata.is_normalized("NFC", text)) and not _NEEDS_SLOW_RE.search(text)


def _is_none(value: object) -> bool:
    return value is None


class Tokens:
    """Syllables of a text: offsets into the original, original form, folded form.

    NFC text (the usual case) is split with one regex on the original string;
    anything else (NFD, invisible characters) goes through
    :func:`newssearch.vietnamese.tokenize`, which maps offsets back.
    """

    __slots__ = ("ends", "folds", "raws", "starts", "text")

    def __init__(
        self, text: str, starts: list[int], ends: list[int], raws: Sequence[str], folds: list[str]
    ) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        self.raws = raws
        self.folds = folds

    @classmethod
    def of(cls, text: str) -> Tokens:
        """All syllables of ``text``."""
        starts: list[int] = []
        ends: list[int] = []
        raws: list[str] = []
        folds: list[str] = []
        if _is_plain(text):
            for m in WORD_RE.finditer(text):
                raw = m.group()
                starts.append(m.start())
                ends.append(m.end())
                raws.append(raw)
                folds.append(fold_word(raw))
        else:
            for t in tokenize(text):
                if t.kind == "joined":
                    continue
                starts.append(t.start)
                ends.append(t.end)
                raws.append(normalize(text[t.start : t.end]) or t.text)
                folds.append(fold_word(t.text))
        return cls(text, starts, ends, raws, folds)

    def gap_ok(self, i: int) -> bool:
        """May tokens ``i`` and ``i + 1`` belong to one name?"""
        gap = self.text[self.ends[i] : self.starts[i + 1]]
        return gap == " " or _GAP_RE.fullmatch(gap) is not None

    def gap_is_space(self, i: int) -> bool:
        """Are tokens ``i`` and ``i + 1`` separated by spaces only?"""
        gap = self.text[self.ends[i] : self.starts[i + 1]]
        return gap == " " or (gap.isspace() and "\n" not in gap)

    def acc(self, i: int, j: int) -> str:
        """Accented compact form of tokens ``i..j``."""
        return "".join(acc_compact(r) for r in self.raws[i:j])


class _Raw:
    """A match before context resolution.

    ``cands`` are the candidates with their alias priority; for provinces and
    districts only the best priority is kept, for wards all of them. A
    ``weak`` match (a person-like name such as "Văn Lâm") counts only when its
    province is named too, or in a short text (a query, a title).
    """

    __slots__ = ("cands", "end", "level", "start", "weak")

    def __init__(self, start: int, end: int, cands: list[tuple[Unit, int]], weak: bool = False) -> None:
        self.start, self.end, self.cands, self.weak = start, end, cands, weak
        self.level = cands[0][0].level


def _capitalised(raws: Sequence[str]) -> bool:
    return all(r[:1].isupper() or r[:1].isdigit() for r in raws)


def _title_word(raw: str) -> bool:
    return raw[:1].isupper() and not raw.isupper()


class _Scanner:
    """Greedy left-to-right longest matching over one text's tokens."""

    def __init__(self, g: Gazetteer, toks: Tokens, relaxed: bool, lenient: bool = False) -> None:
        self.g = g
        self.toks = toks
        self.relaxed = relaxed  # inside an address: bare names in any case, more ward types
        # an unaccented or short text (a query): unaccented lowercase names count
        self.lenient = lenient

    def scan(self) -> list[_Raw]:
        """All matches, left to right."""
        toks = self.toks
        out: list[_Raw] = []
        n = len(toks.folds)
        prefixes = self.g.text_prefixes
        triggers = _WARD_TRIGGERS_RELAXED if self.relaxed else WARD_TRIGGERS
        i = 0
        while i < n:
            f = toks.folds[i]
            if f in prefixes or f in triggers or (f[:1] in ("p", "f") and f[-1:].isdigit()):
                m = self.match_at(i)
                if m is not None:
                    j, cands, weak = m
                    if cands:  # [] is a stop phrase: consume, report nothing
                        out.append(_Raw(toks.starts[i], toks.ends[j - 1], cands, weak))
                    i = j
                    continue
            i += 1
        return out

    def match_at(self, i: int) -> tuple[int, Cands, bool] | None:
        """Longest acceptable match at token ``i``: (end token, candidates, weak)."""
        toks = self.toks
        folds = toks.folds
        n = len(folds)
        prefixes = self.g.text_prefixes
        table = self.g.text_alias
        best: tuple[int, Cands, bool] | None = None
        key = folds[i]
        if key in prefixes:
            j = i + 1
            while True:
                aliases = table.get(key)
                if aliases is not None:
                    found = self.accept(i, j, aliases)
                    if found is not None:
                        best = (j, [(u, 0) for u in found[0]], found[1])
                if j >= n or j - i >= _MAX_NGRAM or not toks.gap_ok(j - 1):
                    break
                key += folds[j]
                if key not in prefixes:
                    break
                j += 1
        f = folds[i]
        if f in (_WARD_TRIGGERS_RELAXED if self.relaxed else WARD_TRIGGERS) or (
            f[:1] in ("p", "f") and f[-1:].isdigit()
        ):
            ward = ward_at(self.g, toks, i, self.relaxed)
            if ward is not None and (best is None or ward[0] > best[0]):
                best = (ward[0], ward[1], False)
        return best

    def accept(self, i: int, j: int, aliases: list[Alias]) -> tuple[list[Unit], bool] | None:
        """Units an alias key names at tokens ``i..j`` after the precision rules,
        and whether the match is weak (a person-like name needing its province
        in the text). None when nothing survives; no units for a stop phrase.
        """
        toks = self.toks
        raws = toks.raws[i:j]
        ascii_text = all(r.isascii() for r in raws)
        if not ascii_text:
            aliases = best_by_accent(aliases, toks.acc(i, j), strict=True)
        ok: list[Alias] = []
        bare_ok: bool | None = None
        weak = True
        for a in aliases:
            u, _prio, flags, _acc = a
            if flags & F_STOP:
                if ascii_text or _capitalised(raws):
                    return [], False
                continue
            if u is None:
                continue
            if flags & F_UPPER_ONLY and not all(r.isupper() for r in raws):
                continue
            if flags & F_ABBR1 and not abbr_ok(flags, "".join(toks.folds[i:j]), toks.folds[i]):
                continue
            if not flags & F_TYPED:
                if flags & F_ASCII_ONLY and not ascii_text:
                    continue
                if ascii_text and not (self.lenient or self.relaxed) and a[3] is not None and not a[3].isascii():
                    continue  # unaccented inside accented text: "quang hoa" is not Quảng Hòa
                if u.level == DISTRICT:
                    if j - i == 1 and u.syllables > 1 and not (self.lenient or self.relaxed):
                        continue  # "Samson" in Vietnamese text is a footballer, not Sầm Sơn
                    if i > 0 and toks.raws[i - 1].lower() in _FACILITY_WORDS and toks.gap_is_space(i - 1):
                        continue  # "sân Thống Nhất", "cầu Đông Hải"
                if bare_ok is None:
                    bare_ok = self.bare_ok(i, j, raws, ascii_text)
                if not bare_ok:
                    continue
            if not flags & F_PERSONLIKE or self.relaxed:
                weak = False
            ok.append(a)
        if not ok:
            return None
        units = best_units(ok)
        provinces = [u for u in units if u.level == PROVINCE]
        return (provinces or units), weak

    def place_ends_at(self, i: int) -> bool:
        """Do the words just before token ``i`` spell a place name ("Tây Hồ")?"""
        folds = self.toks.folds
        table = self.g.text_alias
        key = ""
        for k in range(i - 1, max(-1, i - 1 - _MAX_NGRAM), -1):
            key = folds[k] + key
            if key in table:
                return True
        return False

    def bare_ok(self, i: int, j: int, raws: Sequence[str], ascii_text: bool) -> bool:
        """May a name without a type word at tokens ``i..j`` count as a place?"""
        toks = self.toks
        if not (self.relaxed or (ascii_text and self.lenient) or _capitalised(raws)):
            return False  # "hòa bình", "tuổi thanh xuân"
        if i > 0 and toks.gap_is_space(i - 1):
            prev = toks.raws[i - 1]
            low = prev.lower()
            if low in _STREET_WORDS and not (low == "phố" and i >= 2 and toks.raws[i - 2].lower() == "nhà"):
                return False  # "đường Hà Nội"; but "nhà phố Hạ Long" is a townhouse there
            if low in _ADDRESS_FORMS:
                return False  # "anh Thanh Xuân"
            if low in _PERSON_NAME_WORDS and _title_word(prev) and not self.place_ends_at(i):
                return False  # "Nguyễn Thanh Xuân", "Lê Hoàng Mai"; not "Ba Đình Hà Nội"
        # "An Dương Vương", "Hà Nội Mới": part of a longer proper name, unless
        # another place follows ("Hạ Long Quảng Ninh"). In an address any
        # following word counts ("tân phước khánh").
        return not (
            j < len(toks.raws)
            and toks.gap_is_space(j - 1)
            and (self.relaxed or _title_word(toks.raws[j]))
            and self.match_at(j) is None
        )


def _ward_type_at(toks: Tokens, i: int, structured: bool) -> tuple[int, str | None, str | None] | None:
    """A ward type word at token ``i``: (tokens used, type, number from "P7") or None."""
    f = toks.folds[i]
    if f in ("phuong", "xa", "tt"):
        return 1, WARD_TYPE_WORDS[(f,)], None
    if f == "p" or (structured and f in ("f", "x", "ward")):
        return 1, WARD_TYPE_WORDS[(f,)], None
    if f == "thi" and i + 1 < len(toks.folds) and toks.folds[i + 1] == "tran" and toks.gap_ok(i):
        return 2, "Thị trấn", None
    if f[:1] in ("p", "f") and f[-1:].isdigit():
        m = JOINED_WARD_RE.match(f)
        if m and (structured or f[0] == "p"):
            return 1, "Phường", str(int(m.group(1)))
    return None


def ward_at(g: Gazetteer, toks: Tokens, i: int, relaxed: bool, keep: Keep = None) -> tuple[int, Cands] | None:
    """A typed ward mention starting at token ``i``: (end token, candidates).

    All candidates are kept (old names too, with their priority): which one
    is meant is decided later from the districts and provinces around.
    """
    wt = _ward_type_at(toks, i, relaxed)
    if wt is None:
        return None
    used, wtype, number = wt
    n = len(toks.folds)
    if number is not None:
        cands = _ward_cands(g.ward_names.get(number, []), "", wtype, keep)
        return (i + 1, cands) if cands else None
    k = i + used
    if k >= n or not toks.gap_ok(k - 1):
        return None
    keys: list[str] = []
    key = ""
    for j in range(k, min(n, k + _MAX_WARD_NAME)):
        if j > k and not toks.gap_ok(j - 1):
            break
        key += toks.folds[j]
        keys.append(key)
    for length in range(len(keys), 0, -1):  # longest name first
        key = keys[length - 1]
        if key.isdigit():
            key = str(int(key))
        aliases = g.ward_names.get(key)
        if not aliases:
            continue
        raws = toks.raws[k : k + length]
        ascii_text = all(r.isascii() for r in raws)
        if not relaxed:
            if not (raws[0][:1].isupper() or raws[0][:1].isdigit() or ascii_text):
                continue  # "xã hội": not a ward
            if ascii_text and not key.isdigit() and length < 2:
                continue  # "xa lo": too weak unaccented
        cands = _ward_cands(aliases, "" if ascii_text else toks.acc(k, k + length), wtype, keep)
        if cands:
            return k + length, cands
    return None


def _ward_cands(aliases: list[Alias], text_acc: str, wtype: str | None, keep: Keep) -> Cands:
    ok = [a for a in aliases if a[0] is not None and (keep is None or keep(a[0]))]
    ok = best_by_accent(ok, text_acc, strict=True)
    out: Cands = []
    seen: set[int] = set()
    for a in sorted(ok, key=lambda a: a[1]):
        u = a[0]
        if u is not None and (wtype is None or u.type == wtype) and u.idx not in seen:
            seen.add(u.idx)
            out.append((u, a[1]))
    return out


def scan(g: Gazetteer, toks: Tokens, relaxed: bool = False) -> list[_Raw]:
    """Greedy left-to-right longest matches (province/district aliases and typed wards)."""
    lenient = len(toks.raws) <= _SHORT_TEXT_WORDS or all(r.isascii() for r in toks.raws)
    return _Scanner(g, toks, relaxed, lenient).scan()


def _resolve_mentions(g: Gazetteer, raws: list[_Raw], text: str, short: bool = True) -> list[PlaceMention]:
    """Pick one unit per match using the other matches as context; drop the undecidable.

    A match followed directly (``", "``) by a place is read as an address:
    ``"xã Tân Thành, huyện Tân Phú"`` must be a ward of that district, or
    nothing. Otherwise any district or province named in the text decides.
    """
    provinces: set[int] = set()
    districts: set[int] = set()
    chosen: list[Unit | None] = []
    for r in raws:
        u = r.cands[0][0] if len(r.cands) == 1 and not r.weak else None
        chosen.append(u)
        if u is not None and u.level != WARD:
            provinces.add(u.province)
            if u.level == DISTRICT:
                districts.add(u.idx)
    # weak (person-like) names: only with their province, or in a short text
    for k, r in enumerate(raws):
        if r.weak:
            ok = [c for c in r.cands if short or c[0].province in provinces]
            r.cands = ok or r.cands
            r.weak = not ok
            if len(ok) == 1:
                chosen[k] = ok[0][0]
    # ambiguous districts first (a resolved one adds context), then wards
    for level in (DISTRICT, WARD):
        for k in range(len(raws) - 1, -1, -1):
            r = raws[k]
            if chosen[k] is not None or r.level != level or r.weak:
                continue
            anchor = _address_parent(raws, chosen, k, text)
            if anchor is not None:
                pool = [c for c in r.cands if _inside(c[0], anchor)]
                u = choose(pool, set(), set())
            else:
                u = choose(r.cands, districts, provinces)
            if u is not None:
                chosen[k] = u
                provinces.add(u.province)
                if u.level == DISTRICT:
                    districts.add(u.idx)
    out: list[PlaceMention] = []
    for r, u in zip(raws, chosen, strict=True):
        if u is not None:
            out.append(PlaceMention(g.place(u), r.start, r.end, LEVEL_NAMES[u.level], text[r.start : r.end]))
    return out


def _address_parent(raws: list[_Raw], chosen: list[Unit | None], k: int, text: str) -> Unit | None:
    """The resolved place right after match ``k`` (``"X, Quận 3"``), if it is a higher level."""
    if k + 1 >= len(raws):
        return None
    gap = text[raws[k].end : raws[k + 1].start]
    nxt = chosen[k + 1]
    if nxt is None or len(gap) > 4 or any(c not in " ,-–" for c in gap):
        return None
    return nxt if nxt.level < raws[k].level else None


def _inside(u: Unit, parent: Unit) -> bool:
    if parent.level == PROVINCE:
        return u.province == parent.idx
    return u.district == parent.idx


def choose(cands: Cands, districts: set[int], provinces: set[int]) -> Unit | None:
    """The one candidate the context points at: in a district mentioned, else a
    province mentioned, else the only best-priority one."""
    for pool in (
        [c for c in cands if c[0].level == WARD and c[0].district in districts],
        [c for c in cands if c[0].province in provinces],
        cands,
    ):
        if pool:
            best = min(p for _, p in pool)
            units = {u.idx: u for u, p in pool if p == best}
            return next(iter(units.values())) if len(units) == 1 else None
    return None


def find_places(text: str) -> list[PlaceMention]:
    """Places named in free text (articles, queries), in order, never overlapping.

    Accented, unaccented and abbreviated forms are recognised (``"TP Uông
    Bí"``, ``"Q7"``, ``"tp.hcm"``, ``"saigon"``, ``"nha pho ha long"``); see
    the module docstring for the precision rules. Offsets point into ``text``
    as given (NFD input included).
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        return _find_places(text)
    except Exception:  # defensive: one odd article must never stop an indexing run
        return []


def _find_places(text: str) -> list[PlaceMention]:
    g = load_gazetteer()
    low = text.lower() if _is_plain(text) else ""
    if len(low) != len(text):  # NFD and other rare input: token by token
        toks = Tokens.of(text)
        raws = scan(g, toks) if toks.folds else []
        return _resolve_mentions(g, raws, text, len(toks.folds) <= _SHORT_TEXT_WORDS)
    short = len(low) < 200 and len(WORD_RE.findall(low)) <= _SHORT_TEXT_WORDS
    return _resolve_mentions(g, _locate(g, text, low, short or low.isascii()), text, short)


def _locate(g: Gazetteer, text: str, low: str, lenient: bool) -> list[_Raw]:
    """Find candidates with C-speed string work, verify each on a small token window.

    ``re.split`` gives the words and the separators, ``accumulate`` their
    offsets, ``map``/``compress`` keep the words that start an alias key
    (alone, or joined with the next word) or a ward type word -- all loops in
    C. Only those candidates (a dozen in a 3 KB article) reach the
    :class:`_Scanner` rules.
    """
    parts = _WORD_SPLIT_RE.split(low)  # [sep, word, sep, word, ..., sep]
    if len(parts) < 2:
        return []
    raw_words = parts[1::2]
    cached = list(map(FOLD_CACHE.get, raw_words))
    if None in cached:
        for k in compress(range(len(cached)), map(_is_none, cached)):
            cached[k] = fold_word(raw_words[k])
    words = cast(list[str], cached)
    n = len(words)
    pairs = list(map(add, words, [*words[1:], ""]))
    starts_pair = map(g.text_prefixes.__contains__, pairs)
    starts_single = map(g.text_singles.__contains__, words)
    cands = sorted({*compress(range(n), starts_pair), *compress(range(n), starts_single)})
    if not cands:
        return []
    bounds = list(accumulate(map(len, parts)))  # word k is text[bounds[2k]:bounds[2k+1]]
    starts = bounds[0 : 2 * n : 2]
    ends = bounds[1 : 2 * n : 2]
    toks = Tokens(text, starts, ends, _Slices(text, starts, ends), words)
    scanner = _Scanner(g, toks, relaxed=False, lenient=lenient)
    out: list[_Raw] = []
    done = 0  # offset up to which text is consumed
    for k in cands:
        if starts[k] < done:
            continue
        hit = scanner.match_at(k)
        if hit is None:
            continue
        j, found, weak = hit
        done = ends[j - 1]
        if found:
            out.append(_Raw(starts[k], done, found, weak))
    return out


class _Slices(Sequence[str]):
    """``text[starts[i]:ends[i]]`` made on demand: only words near a candidate are read."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.text[s:e] for s, e in zip(self.starts[i], self.ends[i], strict=True)]
        return self.text[self.starts[i] : self.ends[i]]
