"""Vietnamese administrative places: recognition and normalisation.

Provinces, districts and wards of the pre-2025 layout (63 provinces, 696
districts, ~10,000 wards) with the official names and spelling keywords of the
maintained package ``vietnamadminunits``. Its ``data/parser_legacy.json`` is
read directly -- importing the package itself takes about a second (it loads
every table and geopy) -- once, on first use (~0.3 s, :func:`_gazetteer`).

Ways in:

* :func:`resolve`, :func:`normalize_province`, :func:`normalize_district`,
  :func:`normalize_ward` -- loose values from structured fields or search
  filters (``"HCM"``, ``"Q.7"``, ``"quan go vap"``, ``"TP Hạ Long"``).
* :func:`recognize_address` -- an address line, read right to left.
* :func:`find_places` -- free text (article bodies, queries).
* :func:`to_2025` -- the unit that replaced a place on 1 July 2025.

Names are the package's pre-2025 official ones, which already include the
2019-2025 mergers: Quận 2, Quận 9 and Quận Thủ Đức are "Thành phố Thủ Đức"
(``"Quận 2"``, ``"Q9"``, ``"quận Thủ Đức"`` all give it), Huyện Hoành Bồ is
part of "Thành phố Hạ Long", Thừa Thiên Huế is "Thành phố Huế", and a merged
ward gives the ward it went into (Gò Vấp's "Phường 7" -> "Phường 1"). Type
words are written "Thành phố", "Thị xã" even where the data says "Thành Phố".

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

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate, compress
from operator import add
from pathlib import Path
from typing import Any, cast, overload

from newssearch.vietnamese import fold, normalize, tokenize

__all__ = [
    "Place",
    "Place2025",
    "PlaceMention",
    "find_places",
    "normalize_district",
    "normalize_province",
    "normalize_ward",
    "recognize_address",
    "resolve",
    "short_name",
    "to_2025",
]

# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A place at up to three levels, with official pre-2025 names.

    ``district`` can be set while ``province`` is None when a name is shared
    by several provinces and nothing says which (``"Huyện Châu Thành"``).
    """

    province: str | None = None  # official name, e.g. "Tỉnh Quảng Ninh"
    district: str | None = None  # e.g. "Thành phố Hạ Long", "Quận 7"
    ward: str | None = None  # e.g. "Phường Cao Xanh"

    def keys(self) -> list[str]:
        """Index keys, folded and unique nationally, one per known level.

        ``["p:quangninh", "d:quangninh/halong", "w:quangninh/halong/caoxanh"]``.
        A lower level is keyed only under its parent, so a district without a
        province (ambiguous name) gives no ``d:`` key. Where two units under
        one parent share a folded short name, the key carries the type
        (``d:tiengiang/thixacailay``) or, failing that, the official code.
        """
        if self.province is None:
            return []
        g = _gazetteer()
        out: list[str] = []
        prov = g.province_by_name.get(_name_key(self.province))
        p_slug = prov.slug if prov else _compact(short_name(self.province))
        if not p_slug:
            return []
        out.append(f"p:{p_slug}")
        if self.district is None:
            return out
        dist = g.district_by_name.get((_name_key(self.province), _name_key(self.district)))
        d_slug = dist.slug if dist else _compact(short_name(self.district))
        if not d_slug:
            return out
        out.append(f"d:{p_slug}/{d_slug}")
        if self.ward is None:
            return out
        ward = g.ward_by_name.get(
            (_name_key(self.province), _name_key(self.district), _name_key(self.ward))
        )
        w_slug = ward.slug if ward else _compact(short_name(self.ward))
        if w_slug:
            out.append(f"w:{p_slug}/{d_slug}/{w_slug}")
        return out


@dataclass(frozen=True)
class PlaceMention:
    """One place named in a text; ``text == original[start:end]``."""

    place: Place
    start: int  # offsets into the text passed in
    end: int
    level: str  # "province" | "district" | "ward"
    text: str  # the matched original text


@dataclass(frozen=True)
class Place2025:
    """A place in the layout in force from 1 July 2025 (34 provinces, no districts)."""

    province: str | None = None
    ward: str | None = None


# --------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------

_NON_ALNUM_RE = re.compile(r"[\W_]+")
_WORD_RE = re.compile(r"[^\W_]+")
_WORD_SPLIT_RE = re.compile(r"([^\W_]+)")
# What may separate the syllables of one name: spaces, or one . - ' ("TP.HCM", "Bà Rịa - Vũng Tàu")
_GAP_RE = re.compile(r"[^\S\n]*(?:[.\-–'’][^\S\n]*)?")
_NEEDS_SLOW_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_MAX_NGRAM = 8  # syllables in the longest name with its type word
_MAX_WARD_NAME = 5
_WARD_TRIGGERS = frozenset({"phuong", "p", "xa", "tt", "thi"})  # "phường", "P.", "xã", "TT", "thị trấn"
_WARD_TRIGGERS_RELAXED = _WARD_TRIGGERS | {"f", "x", "ward"}  # in addresses: "F.13", "X. Tân Thành"
_TYPE_CASE_RE = re.compile(r"^(thành phố|thị xã|thị trấn)\b", re.IGNORECASE)
_CANON_TYPES = {"thành phố": "Thành phố", "thị xã": "Thị xã", "thị trấn": "Thị trấn"}


def _compact(text: str) -> str:
    """Folded letters and digits only: ``"TP. Hạ Long"`` -> ``"tphalong"``."""
    out = fold(text).replace(" ", "")
    return out if out.isalnum() and out.isascii() else _NON_ALNUM_RE.sub("", out)


@lru_cache(maxsize=8192)
def _acc_compact(text: str) -> str:
    """Lowercase letters and digits, diacritics kept, canonical tone placement."""
    return _NON_ALNUM_RE.sub("", normalize(text).lower())


def _name_key(name: str) -> str:
    """Key for looking an official name up: case and tone placement ignored."""
    return _clean(name).casefold()


# A final oa/oe/uy with the tone on the second vowel ("hoà"): needs normalize().
_MODERN_TONE_RE = re.compile(r"[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ](?![^\W\d_])")


def _clean(name: str) -> str:
    """:func:`normalize` with a fast path for the (already clean) package names."""
    if name.isascii() or (unicodedata.is_normalized("NFC", name) and not _MODERN_TONE_RE.search(name)):
        return " ".join(name.split())
    return normalize(name)


def _kw_compact(kw: str) -> str:
    """Compact form of a package keyword (usually already compact)."""
    return kw if kw.isascii() and kw.isalnum() and kw == kw.lower() else _compact(kw)


_PAREN_RE = re.compile(r"\s*\([^)]*\)\s*$")


def _canon_short(short: str) -> str:
    """``"Kỳ Anh (Thị xã)"`` -> ``"Kỳ Anh"``: the package marks same-named units this way."""
    return _PAREN_RE.sub("", _canon_name(short)) or _canon_name(short)


def _acc_name(clean_name: str) -> str:
    """:func:`_acc_compact` for a name already through :func:`_clean`."""
    return _NON_ALNUM_RE.sub("", clean_name.lower())


def _canon_name(name: str) -> str:
    """``"Thành Phố Bắc Kạn"`` -> ``"Thành phố Bắc Kạn"`` (the package is inconsistent)."""
    name = _clean(name)
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
_EXACT, _LENIENT, _MISMATCH = 2, 1, 0


def _acc_grade(text_acc: str, alias_acc: str | None) -> int:
    """How well the diacritics written in the text agree with an alias's.

    Both strings fold to the same compact key. ``_EXACT``: the same letters.
    ``_LENIENT``: the text only leaves marks out (``"Ha Long"``, ``"Đăk Lăk"``
    for Đắk Lắk), or the alias has no accented form. ``_MISMATCH``: a
    different mark (``"Huệ"`` is not Huế).
    """
    if alias_acc is None or text_acc.isascii() or len(text_acc) != len(alias_acc):
        return _LENIENT
    if text_acc == alias_acc:
        return _EXACT
    for a, b in zip(text_acc, alias_acc, strict=True):
        if a != b and not a.isascii() and a != _TONELESS.get(b):
            return _MISMATCH
    return _LENIENT


def _best_by_accent(aliases: list[_Alias], text_acc: str, strict: bool) -> list[_Alias]:
    """The aliases whose accents agree best with the text (all of them when none
    agree and not ``strict``)."""
    if not aliases or not text_acc or text_acc.isascii():
        return aliases
    graded = [(_acc_grade(text_acc, a[3]), a) for a in aliases]
    top = max(gr for gr, _ in graded)
    if top == _MISMATCH:
        return [] if strict else aliases
    return [a for gr, a in graded if gr == top]


def _best_units(aliases: list[_Alias]) -> list[_Unit]:
    """Units of the best-priority aliases, in order, without repeats."""
    if not aliases:
        return []
    best = min(a[1] for a in aliases)
    units: list[_Unit] = []
    for a in aliases:
        if a[1] == best and a[0] is not None and a[0] not in units:
            units.append(a[0])
    return units


# --------------------------------------------------------------------------
# The gazetteer
# --------------------------------------------------------------------------

PROVINCE, DISTRICT, WARD = 0, 1, 2
_LEVEL_NAMES = ("province", "district", "ward")

# Alias priorities: lower wins when one key names several units.
_P_OFFICIAL = 0  # official name, short name, own type abbreviation
_P_KEYWORD = 1  # the package's extra keywords (old names, spelling variants)
_P_CROSS = 2  # another type word ("quận Thủ Đức" for Thành phố Thủ Đức)

# Alias flags (free text)
_F_TYPED = 1  # includes a type word
_F_ASCII_ONLY = 2  # bare match counts only when written without diacritics
_F_UPPER_ONLY = 4  # counts only in capitals (HN)
_F_STOP = 8  # a phrase that is NOT a place (Thái Bình Dương)
_F_ABBR1 = 16  # starts with a one-letter type ("H.", "Q."): that letter must be its own word
_F_PERSONLIKE = 32  # bare district name shaped like a person's name ("Văn Lâm", "Xuân Trường")

_DISTRICT_TYPE_ABBR = {
    "Quận": ("quan", "q"),
    "Huyện": ("huyen", "h"),
    "Thị xã": ("thixa", "tx"),
    "Thành phố": ("thanhpho", "tp"),
}
_PROVINCE_TYPE_ABBR = {"Tỉnh": ("tinh",), "Thành phố": ("thanhpho", "tp")}
# accented form of each type word, for the diacritics check ("quận Thủ Đức")
_TYPE_ACC = {"quan": "quận", "huyen": "huyện", "thixa": "thịxã", "thanhpho": "thànhphố", "tinh": "tỉnh"}
_WARD_TYPE_PREFIXES = ("thitran", "phuong", "ward", "xa", "tt", "p", "f", "x")
_DISTRICT_KW_PREFIXES = ("district", "thanhpho", "huyen", "thixa", "thisa", "quan", "tx", "tp", "q", "h")

# Extra province aliases the package lacks. Keys are compact folded forms.
_EXTRA_PROVINCE_ALIASES: dict[str, tuple[str, int]] = {
    # key: (province key in the package, flags)
    "saigon": ("thanhphohochiminh", 0),
    "tpsaigon": ("thanhphohochiminh", _F_TYPED),
    "tphcm": ("thanhphohochiminh", _F_TYPED),
    "hcmc": ("thanhphohochiminh", 0),
    "hochiminhcity": ("thanhphohochiminh", 0),
    "tphn": ("thanhphohanoi", _F_TYPED),
    "thuathienhue": ("thanhphohue", 0),
    "tinhthuathienhue": ("thanhphohue", _F_TYPED),
    "tthue": ("thanhphohue", _F_TYPED),
    "brvt": ("tinhbariavungtau", 0),
}
# Only for structured fields (too short/ambiguous in free text).
_FIELD_ONLY_PROVINCE_ALIASES = {"sg": "thanhphohochiminh", "hcmcity": "thanhphohochiminh"}
_STOP_PHRASES = ("thaibinhduong",)

def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that, just before a bare name, say it is a street or a person.
_STREET_WORDS = frozenset({"đường", "ngõ", "hẻm", "kiệt", "ngách", "phố"})
_ADDRESS_FORMS = frozenset(
    {"anh", "chị", "ông", "bà", "em", "cô", "chú", "bác", "cháu", "cụ", "thầy", "mẹ", "bố", "con"}
)
# Bare district names made of these syllables read like people's given names
# ("Văn Lâm", "Xuân Trường", "Thanh Bình" are footballers as often as places):
# in a long text they count only when their province is named too.
_GIVEN_NAME_SYLLABLES = _wordset(
    "văn thị xuân thanh minh anh tuấn trường lâm hải hà mai hùng dũng quang đức tiến "
    "công hữu ngọc kim phương thu lan hương hồng tâm trung hiếu linh phúc thành tùng "
    "khánh hoàng huy nam bình long sơn đông hoa trọng quốc thắng toàn hậu phượng vinh "
    "lợi thái tú yến nga trang thảo vân hòa an bảo gia việt duy nhật hưng thủy"
)
# Bare district names that are common words or parts of many other names:
# only with a type word ("huyện Thống Nhất"; not "sân Thống Nhất", "bình minh").
_BARE_TYPED_ONLY = frozenset({"thongnhat", "binhminh"})
# Before a bare district name: the name is a facility's ("sân Thống Nhất", "cầu Đông Hải").
_FACILITY_WORDS = frozenset({"sân", "dinh", "chợ", "cầu", "trường", "viện", "chùa", "đền", "lăng", "ga"})
_SHORT_TEXT_WORDS = 12  # a query or a title: person-like names count without their province
_PERSON_NAME_WORDS = _wordset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn "
    "trương lâm mai trịnh lương đào cao tô tạ châu văn thị hữu đình công"
)


class _Unit:
    """One province, district or ward."""

    __slots__ = (
        "code", "district", "idx", "key", "level", "name", "name_c", "province", "short", "short_c", "slug",
        "syllables", "type",
    )

    def __init__(
        self,
        level: int,
        idx: int,
        key: str,
        name: str,
        short: str,
        type_: str,
        code: str,
        province: int,
        district: int,
    ) -> None:
        self.level = level
        self.idx = idx
        self.key = key  # the package's key
        self.name = name
        self.short = short
        self.type = type_
        self.code = code
        self.province = province  # index into provinces (self for a province)
        self.district = district  # index into districts, -1 for a province
        self.slug = ""
        self.name_c = _compact(name)
        self.short_c = _compact(short)
        self.syllables = len(short.split())


# (unit, priority, flags, accented compact form or None)
_Alias = tuple[_Unit | None, int, int, str | None]
# candidates of one match, with their alias priority
_Cands = list[tuple[_Unit, int]]


class _Gazetteer:
    """Indexes built once from ``parser_legacy.json``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.provinces: list[_Unit] = []
        self.districts: list[_Unit] = []
        self.wards: list[_Unit] = []
        self.province_by_key: dict[str, _Unit] = {}
        self.district_by_key: dict[tuple[str, str], _Unit] = {}
        self.province_by_name: dict[str, _Unit] = {}
        self.district_by_name: dict[tuple[str, str], _Unit] = {}
        self.ward_by_name: dict[tuple[str, str, str], _Unit] = {}
        # Structured matching: compact key -> aliases.
        self.province_alias: dict[str, list[_Alias]] = {}
        self.district_alias: dict[str, list[_Alias]] = {}
        # Ward name (type word removed; numbers without leading zeros) -> aliases.
        self.ward_names: dict[str, list[_Alias]] = {}
        # Free text: compact key -> aliases, and every prefix of every key.
        self.text_alias: dict[str, list[_Alias]] = {}
        self.text_prefixes: set[str] = set()
        self.text_singles: set[str] = set()
        # Old districts split between current ones: (province idx, keyword) -> choices.
        self.divided: dict[tuple[int, str], list[tuple[_Unit, frozenset[str], bool]]] = {}
        self._build(data)

    # -- building -----------------------------------------------------------

    def _build(self, data: dict[str, Any]) -> None:
        for pkey, pv in data["DICT_PROVINCE"].items():
            name = _canon_name(pv["province"])
            ptype = "Thành phố" if name.startswith("Thành phố") else "Tỉnh"
            u = _Unit(PROVINCE, len(self.provinces), pkey, name, _canon_short(pv["provinceShort"]),
                      ptype, str(pv.get("provinceCode", "")), len(self.provinces), -1)
            self.provinces.append(u)
            self.province_by_key[pkey] = u
            self.province_by_name[name.casefold()] = u
            self._add_province_aliases(u, pv.get("provinceKeywords") or [])
        for key, (pkey, flags) in _EXTRA_PROVINCE_ALIASES.items():
            u = self.province_by_key[pkey]
            self._both(self.province_alias, key, (u, _P_OFFICIAL, flags, None), True)
        for key, pkey in _FIELD_ONLY_PROVINCE_ALIASES.items():
            self._alias(self.province_alias, key, (self.province_by_key[pkey], _P_KEYWORD, 0, None))

        for pkey, dists in data["DICT_PROVINCE_DISTRICT"].items():
            prov = self.province_by_key[pkey]
            children: list[_Unit] = []
            for dkey, dv in dists.items():
                name = _canon_name(dv["district"])
                dtype = _canon_name(dv["districtType"])
                dtype = dtype[0].upper() + dtype[1:] if dtype else dtype
                u = _Unit(DISTRICT, len(self.districts), dkey, name, _canon_short(dv["districtShort"]),
                          dtype, str(dv.get("districtCode", "")), prov.idx, -1)
                u.district = u.idx
                self.districts.append(u)
                children.append(u)
                self.district_by_key[(pkey, dkey)] = u
                self.district_by_name[(prov.name.casefold(), name.casefold())] = u
                self._add_district_aliases(u, dv.get("districtKeywords") or [])
            _assign_slugs(children)
        _assign_slugs(self.provinces)

        seen_codes: set[str] = set()
        ward_sources = (
            data["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"],
            data["DICT_PROVINCE_DISTRICT_WARD_ACCENTED"],
            data["DICT_PROVINCE_DISTRICT_WARD_SHORT_ACCENTED"],
        )
        by_district: dict[int, list[_Unit]] = {}
        ward_types: dict[str, str] = {}
        for source_no, source in enumerate(ward_sources):
            for pkey, dists in source.items():
                w_prov = self.province_by_key.get(pkey)
                if w_prov is None:
                    continue
                for dkey, wards in dists.items():
                    w_dist = self.district_by_key.get((pkey, dkey))
                    if w_dist is None:
                        continue
                    for wkey, wv in wards.items():
                        if not isinstance(wv.get("ward"), str):
                            continue  # island districts without wards (NaN rows)
                        code = str(wv.get("wardCode", ""))
                        kws = [k for k in wv.get("wardKeywords") or [] if isinstance(k, str)]
                        if code in seen_codes:
                            if source_no == 2:  # SHORT_ACCENTED: accented bare short names
                                seen = self._ward_by_code(by_district.get(w_dist.idx, []), code)
                                if seen is not None:
                                    self._add_ward_aliases(seen, kws, accented_only=True)
                            continue
                        seen_codes.add(code)
                        name = _canon_name(wv["ward"])
                        wtype = wv.get("wardType") or ""
                        if wtype not in ward_types:
                            ward_types[wtype] = _canon_name(wtype)
                        w = _Unit(WARD, len(self.wards), wkey, name, _canon_short(wv["wardShort"]),
                                  ward_types[wtype], code, w_prov.idx, w_dist.idx)
                        self.wards.append(w)
                        by_district.setdefault(w_dist.idx, []).append(w)
                        self.ward_by_name[(w_prov.name.casefold(), w_dist.name.casefold(), name.casefold())] = w
                        self._add_ward_aliases(w, kws, accented_only=False)
        for wards_of in by_district.values():
            _assign_slugs(wards_of)

        for pkey, olds in data.get("DICT_PROVINCE_DISTRICT_DIVIDED", {}).items():
            d_prov = self.province_by_key.get(pkey)
            if d_prov is None:
                continue
            for old in olds.values():
                choices: list[tuple[_Unit, frozenset[str], bool]] = []
                for dkey, dv in old.get("districts", {}).items():
                    d = self.district_by_key.get((pkey, dkey))
                    if d is not None:
                        choices.append((d, frozenset(dv.get("wardKeywords") or []), bool(dv.get("districtDefault"))))
                for kw in old.get("dividedDistrictKeywords") or []:
                    self.divided[(d_prov.idx, kw)] = choices

        for key in _STOP_PHRASES:
            self._alias(self.text_alias, key, (None, _P_OFFICIAL, _F_STOP, None))
        for key in self.text_alias:
            for i in range(1, len(key) + 1):
                self.text_prefixes.add(key[:i])
        # one-word triggers for the candidate filter: joined aliases ("halong", "q7"), ward types
        self.text_prefixes.update(("thi", "thitran"))  # "thị trấn X"
        self.text_singles = set(self.text_alias) | (_WARD_TRIGGERS - {"thi"})
        self.text_singles.update(f"p{i}" for i in range(1, 100))
        self.text_singles.update(f"p0{i}" for i in range(1, 10))

    @staticmethod
    def _alias(table: dict[str, list[_Alias]], key: str, alias: _Alias) -> None:
        if not key:
            return
        lst = table.setdefault(key, [])
        for i, old in enumerate(lst):
            if old[0] is alias[0]:
                if (alias[1], -(alias[2] & _F_TYPED)) < (old[1], -(old[2] & _F_TYPED)):
                    lst[i] = alias
                return
        lst.append(alias)

    def _both(self, table: dict[str, list[_Alias]], key: str, alias: _Alias, text: bool) -> None:
        self._alias(table, key, alias)
        if text:
            self._alias(self.text_alias, key, alias)

    def _add_province_aliases(self, u: _Unit, keywords: Iterable[str]) -> None:
        tbl = self.province_alias
        short_c = u.short_c
        self._both(tbl, u.name_c, (u, _P_OFFICIAL, _F_TYPED, _acc_name(u.name)), True)
        flags = _F_ASCII_ONLY if short_c == "hochiminh" else 0
        self._both(tbl, short_c, (u, _P_OFFICIAL, flags, _acc_name(u.short)), True)
        for abbr in _PROVINCE_TYPE_ABBR.get(u.type, ()):
            acc = _TYPE_ACC.get(abbr, abbr) + _acc_name(u.short)
            self._both(tbl, abbr + short_c, (u, _P_OFFICIAL, _F_TYPED, acc), True)
        for kw in keywords:
            kw_c = _kw_compact(kw)
            if kw_c in (short_c, u.name_c):
                continue
            flags = _F_UPPER_ONLY if kw_c == "hn" else 0
            self._both(tbl, kw_c, (u, _P_KEYWORD, flags, None), True)
            for abbr in _PROVINCE_TYPE_ABBR.get(u.type, ()):  # "tp" + "hcm"
                self._both(tbl, abbr + kw_c, (u, _P_KEYWORD, _F_TYPED, None), True)

    def _add_district_aliases(self, u: _Unit, keywords: list[str]) -> None:
        tbl = self.district_alias
        name_c = u.name_c
        short_c = u.short_c
        numbered = u.short[-1:].isdigit()
        self._both(tbl, name_c, (u, _P_OFFICIAL, _F_TYPED, _acc_name(u.name)), True)
        if not numbered:
            short_acc = _acc_name(u.short)
            words = u.short.lower().split()
            # bare in free text: two syllables at least (Pleiku, KBang pass; not Vinh, Chũ)
            bare_ok = (len(words) >= 2 or len(short_c) >= 5) and short_c not in _BARE_TYPED_ONLY
            person_like = len(words) == 2 and (words[0] == "văn" or all(w in _GIVEN_NAME_SYLLABLES for w in words))
            flags = _F_PERSONLIKE if person_like else 0
            self._both(tbl, short_c, (u, _P_OFFICIAL, flags, short_acc), bare_ok)
            for dtype, abbrs in _DISTRICT_TYPE_ABBR.items():
                prio = _P_OFFICIAL if dtype == u.type else _P_CROSS
                for abbr in abbrs:
                    flags = _F_TYPED | (_F_ABBR1 if len(abbr) == 1 else 0)
                    acc = _TYPE_ACC.get(abbr, abbr) + short_acc
                    self._both(tbl, abbr + short_c, (u, prio, flags, acc), True)
        kw_set = {_kw_compact(k) for k in keywords} | {short_c}
        for kw in keywords:
            kw_c = _kw_compact(kw)
            if kw_c in (name_c, short_c):
                continue
            prefix = next(
                (p for p in _DISTRICT_KW_PREFIXES
                 if kw_c.startswith(p) and (kw_c[len(p):] in kw_set or kw_c[len(p):].isdigit())),
                None,
            )
            flags = 0 if prefix is None else _F_TYPED | (_F_ABBR1 if len(prefix) == 1 else 0)
            # Bare old names ("hoanhbo", "tanthanh") only in structured fields:
            # in free text they collide with ward names and common words.
            self._both(tbl, kw_c, (u, _P_KEYWORD, flags, None), prefix is not None)

    def _add_ward_aliases(self, u: _Unit, keywords: list[str], *, accented_only: bool) -> None:
        short_c = u.short_c
        own = short_c
        if short_c[-1:].isdigit():  # "Phường 07" -> "7"
            own = _ward_name_key(short_c, _WARD_TYPE_PREFIXES) or short_c
        if not accented_only:
            self.ward_names.setdefault(own, []).append((u, _P_OFFICIAL, 0, _acc_name(u.short)))
        if all(k == u.name_c or k == short_c for k in keywords):
            return  # the common case: just "phuongcaoxanh", "caoxanh"
        compacts = [_kw_compact(k) for k in keywords]
        kw_set = set(compacts) | {short_c}
        for kw, kw_c in zip(keywords, compacts, strict=True):
            if not kw_c or kw_c == u.name_c or (kw_c == short_c and not accented_only):
                continue
            acc = _acc_name(_clean(kw)) if not kw.isascii() else None
            name = _ward_name_key(kw_c, _WARD_TYPE_PREFIXES, kw_set)
            if name is None:
                if any(kw_c.endswith(s) and kw_c[: -len(s)] in kw_set for s in ("phuong", "xa", "thitran")):
                    continue  # "tanthanhxa": same name with the type after it
                name = kw_c
            elif acc is not None:  # "xãbảohưng" -> "bảohưng"
                acc = acc[len(kw_c) - len(name) :] if len(acc) == len(kw_c) else None
            if name in (own, short_c):
                if not accented_only:
                    continue  # "phuong07", "p7": the official name again
                prio = _P_OFFICIAL
            else:
                prio = _P_KEYWORD
            self._alias(self.ward_names, name, (u, prio, 0, acc))

    @staticmethod
    def _ward_by_code(units: list[_Unit], code: str) -> _Unit | None:
        return next((w for w in units if w.code == code), None)

    # -- lookups ------------------------------------------------------------

    def place(self, u: _Unit) -> Place:
        """The :class:`Place` a unit stands for."""
        prov = self.provinces[u.province].name
        if u.level == PROVINCE:
            return Place(province=prov)
        if u.level == DISTRICT:
            return Place(province=prov, district=u.name)
        return Place(province=prov, district=self.districts[u.district].name, ward=u.name)


def _ward_name_key(key: str, prefixes: Iterable[str], known: set[str] | None = None) -> str | None:
    """Strip a leading ward type from a compact key; numbers lose leading zeros.

    ``"phuong07"`` -> ``"7"``; ``"pcaoxanh"`` -> ``"caoxanh"`` when
    ``"caoxanh"`` is in ``known``. None when no type prefix applies.
    """
    for p in prefixes:
        if key.startswith(p) and len(key) > len(p):
            rest = key[len(p):]
            if rest.isdigit():
                return str(int(rest))
            if known is not None and rest in known:
                return rest
    return None


def _assign_slugs(units: list[_Unit]) -> None:
    """Folded short names, made unique among siblings (type, then code, added)."""
    counts: dict[str, int] = {}
    full_counts: dict[str, int] = {}
    for u in units:
        counts[u.short_c] = counts.get(u.short_c, 0) + 1
        full_counts[u.name_c] = full_counts.get(u.name_c, 0) + 1
    for u in units:
        if counts[u.short_c] == 1:
            u.slug = u.short_c
        elif full_counts[u.name_c] == 1:
            u.slug = u.name_c
        else:
            u.slug = f"{u.name_c}-{u.code}"


def _data_dir() -> Path:
    """The package's data directory, found without importing the package."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is not installed (pip install vietnamadminunits)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _gazetteer() -> _Gazetteer:
    with open(_data_dir() / "parser_legacy.json", encoding="utf-8") as f:
        data = json.load(f)
    return _Gazetteer(data)


# --------------------------------------------------------------------------
# Matching one field (structured input)
# --------------------------------------------------------------------------

_WARD_TYPE_WORDS: dict[tuple[str, ...], str | None] = {
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
_JOINED_WARD_RE = re.compile(r"^(?:phuong|p|f|ward)0*(\d{1,2})$")


def _field_tokens(text: str) -> list[tuple[str, str]]:
    """(lowercase, folded) syllables of a short field, punctuation dropped."""
    return [(w, _fold_token(w)) for w in _WORD_RE.findall(normalize(text).lower())]


def _abbr_ok(flags: int, key: str, first_word: str) -> bool:
    """A one-letter type ("H. Ứng Hòa", "Q7") must be a word of its own: "Hưng Hòa" is
    not "H. Ứng Hòa"."""
    return not flags & _F_ABBR1 or first_word == key[:1] or key[1:].isdigit()


_Keep = Callable[[_Unit], bool] | None


def _pick(
    aliases: list[_Alias],
    text_acc: str,
    keep: _Keep = None,
    key: str = "",
    first_word: str = "",
) -> list[_Unit]:
    """Best units among aliases: best accent agreement (lenient), then best priority."""
    cands = [
        a
        for a in aliases
        if a[0] is not None and (keep is None or keep(a[0])) and _abbr_ok(a[2], key, first_word)
    ]
    return _best_units(_best_by_accent(cands, text_acc, strict=False))


def _match_province(g: _Gazetteer, text: str) -> _Unit | None:
    key = _compact(text)
    if not key:
        return None
    aliases = g.province_alias.get(key)
    if not aliases:
        return None
    units = _pick(aliases, _acc_compact(text))
    return units[0] if len(units) == 1 else None


def _match_districts(g: _Gazetteer, text: str, prov: _Unit | None) -> list[_Unit]:
    """Candidate districts for a district field, best first (empty if unknown)."""
    key = _compact(text)
    if not key:
        return []
    aliases = g.district_alias.get(key)
    if aliases:
        keep = (lambda u: u.province == prov.idx) if prov is not None else None
        first = _WORD_RE.search(normalize(text))
        first_word = fold(first.group()) if first else ""
        units = _pick(aliases, _acc_compact(text), keep, key, first_word)
        if units:
            return units
    return []


def _divided_district(g: _Gazetteer, text: str, prov: _Unit | None, ward: str | None) -> _Unit | None:
    """An old district since split between current ones: choose by ward, else the default."""
    key = _compact(text)
    provs = [prov] if prov is not None else g.provinces
    found = [(p, g.divided[(p.idx, key)]) for p in provs if (p.idx, key) in g.divided]
    if len(found) != 1:
        return None
    choices = found[0][1]
    if ward:
        wk = _compact(ward)
        for d, kws, _default in choices:
            if wk in kws:
                return d
    return next((d for d, _kws, default in choices if default), None)


def _split_ward_type(text: str) -> tuple[str | None, str, str, bool]:
    """Split ``"P. Cao Xanh"`` into (type, folded name key, accented name, typed)."""
    toks = _field_tokens(text)
    if not toks:
        return None, "", "", False
    folded = [f for _, f in toks]
    if len(toks) == 1:
        m = _JOINED_WARD_RE.match(folded[0])
        if m:
            return "Phường", str(int(m.group(1))), m.group(1), True
    for words, wtype in _WARD_TYPE_WORDS.items():
        n = len(words)
        if len(folded) > n and tuple(folded[:n]) == words:
            rest = toks[n:]
            key = "".join(f for _, f in rest)
            if key.isdigit():
                key = str(int(key))
            return wtype, key, "".join(o for o, _ in rest), True
    key = "".join(folded)
    if key.isdigit():
        key = str(int(key))
    return None, key, "".join(o for o, _ in toks), False


def _match_wards(
    g: _Gazetteer, text: str, dist: _Unit | None, prov: _Unit | None, typed_only: bool = False
) -> list[_Unit]:
    """Candidate wards for a ward field within a district (or province, or the country)."""
    wtype, key, acc, typed = _split_ward_type(text)
    if not key or (typed_only and not typed):
        return []

    def keep(u: _Unit) -> bool:
        if dist is not None:
            return u.district == dist.idx
        return prov is None or u.province == prov.idx

    units: list[_Unit] = []
    aliases = g.ward_names.get(key)
    if aliases:
        units = _pick(aliases, _acc_compact(acc), keep)
    if not units and typed:  # a name that merely starts like a type word ("Xá Lượng")
        whole = _compact(text)
        if whole in g.ward_names:
            units = _pick(g.ward_names[whole], _acc_compact(text), keep)
            wtype = None
    if wtype is not None and len(units) > 1:
        same = [u for u in units if u.type == wtype]
        units = same or units
    return units


# --------------------------------------------------------------------------
# Public: structured fields
# --------------------------------------------------------------------------


def _safe_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def normalize_province(name: str) -> str | None:
    """Official province name for a loose one, or None.

    ``"HCM"``, ``"TP.HCM"``, ``"Sài Gòn"``, ``"ho chi minh"`` ->
    ``"Thành phố Hồ Chí Minh"``; ``"quang ninh"`` -> ``"Tỉnh Quảng Ninh"``.
    Case, diacritics, abbreviations and NFD input are all accepted.
    """
    text = _safe_str(name)
    if not text.strip():
        return None
    u = _match_province(_gazetteer(), text)
    return u.name if u else None


def normalize_district(name: str, province: str | None = None) -> str | None:
    """Official district name for a loose one, or None.

    ``"quan 7"``, ``"Q.7"``, ``"Q7"``, ``"District 7"`` -> ``"Quận 7"``;
    ``"tp ha long"`` -> ``"Thành phố Hạ Long"``; ``"Quận 2"`` ->
    ``"Thành phố Thủ Đức"``. With ``province`` (any loose form) the name is
    looked up in that province only. A name shared by several provinces is
    returned when all of them have the same official name (``"Huyện Châu
    Thành"``), else None.
    """
    text = _safe_str(name)
    if not text.strip():
        return None
    g = _gazetteer()
    prov = _match_province(g, province) if isinstance(province, str) and province.strip() else None
    units = _match_districts(g, text, prov)
    if not units:
        d = _divided_district(g, text, prov, None)
        return d.name if d else None
    names = {u.name for u in units}
    return units[0].name if len(names) == 1 else None


def normalize_ward(name: str, district: str | None = None, province: str | None = None) -> str | None:
    """Official ward name for a loose one, or None.

    ``"p7"``, ``"P.07"``, ``"phuong 7"`` -> ``"Phường 7"``; ``"P. Cao Xanh"``
    -> ``"Phường Cao Xanh"``. ``district``/``province`` narrow the search; as
    with districts, a name shared by several wards is returned when they all
    have the same official name.
    """
    text = _safe_str(name)
    if not text.strip():
        return None
    g = _gazetteer()
    prov = _match_province(g, province) if isinstance(province, str) and province.strip() else None
    dist = None
    if isinstance(district, str) and district.strip():
        ds = _match_districts(g, district, prov)
        dist = ds[0] if len(ds) == 1 else None
    units = _match_wards(g, text, dist, prov)
    names = {u.name for u in units}
    return units[0].name if units and len(names) == 1 else None


def resolve(province: str | None = None, district: str | None = None, ward: str | None = None) -> Place:
    """Normalise loose names from structured fields into a :class:`Place`.

    ``("Quảng Ninh", "TP Hạ Long", "P. Bãi Cháy")``, ``("HCM", "Q.7", None)``,
    ``("", "quan go vap", None)`` all work. The province is inferred from a
    district (or ward) that is unique; a district must belong to the given
    province; unknown values give None for that level. Never raises.
    """
    try:
        return _resolve(_safe_str(province), _safe_str(district), _safe_str(ward))
    except Exception:  # defensive: bad data must never stop an indexing run
        return Place()


def _resolve(province: str, district: str, ward: str) -> Place:
    g = _gazetteer()
    prov = _match_province(g, province) if province.strip() else None
    dist: _Unit | None = None
    dist_name: str | None = None
    if district.strip():
        units = _match_districts(g, district, prov)
        if len(units) == 1:
            dist = units[0]
        elif units and ward.strip():  # a ward can tell same-named districts apart
            placed = [u for u in units if _match_wards(g, ward, u, None)]
            if len(placed) == 1:
                dist = placed[0]
        if dist is None and not units:
            dist = _divided_district(g, district, prov, ward or None)
        if dist is None and units and len({u.name for u in units}) == 1:
            dist_name = units[0].name
        if dist is None and not units and "," in district:
            sub = recognize_address(district, prov.name if prov else None)
            if sub.district is not None and (prov is None or sub.province == prov.name):
                return resolve(sub.province, sub.district, ward or sub.ward)
    if dist is not None and prov is None:
        prov = g.provinces[dist.province]
    w: _Unit | None = None
    if ward.strip() and (dist is not None or prov is not None):
        wards = _match_wards(g, ward, dist, prov)
        if len(wards) == 1:
            w = wards[0]
            if dist is None and dist_name is None:
                dist = g.districts[w.district]
    if w is not None:
        return g.place(w)
    if dist is not None:
        return g.place(dist)
    return Place(province=prov.name if prov else None, district=dist_name)


# --------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------

_FOLD_CACHE: dict[str, str] = {}  # word -> fold(word); words repeat, fold() is not free


def _is_plain(text: str) -> bool:
    """NFC text without invisible characters: offsets need no mapping."""
    return (text.isascii() or unicodedata.is_normalized("NFC", text)) and not _NEEDS_SLOW_RE.search(text)


def _is_none(value: object) -> bool:
    return value is None


def _fold_token(raw: str) -> str:
    f = _FOLD_CACHE.get(raw)
    if f is None:
        if len(_FOLD_CACHE) > 200_000:
            _FOLD_CACHE.clear()
        f = fold(raw)
        _FOLD_CACHE[raw] = f
    return f


class _Tokens:
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
    def of(cls, text: str) -> _Tokens:
        """All syllables of ``text``."""
        starts: list[int] = []
        ends: list[int] = []
        raws: list[str] = []
        folds: list[str] = []
        if _is_plain(text):
            for m in _WORD_RE.finditer(text):
                raw = m.group()
                starts.append(m.start())
                ends.append(m.end())
                raws.append(raw)
                folds.append(_fold_token(raw))
        else:
            for t in tokenize(text):
                if t.kind == "joined":
                    continue
                starts.append(t.start)
                ends.append(t.end)
                raws.append(normalize(text[t.start : t.end]) or t.text)
                folds.append(_fold_token(t.text))
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
        return "".join(_acc_compact(r) for r in self.raws[i:j])


class _Raw:
    """A match before context resolution.

    ``cands`` are the candidates with their alias priority; for provinces and
    districts only the best priority is kept, for wards all of them. A
    ``weak`` match (a person-like name such as "Văn Lâm") counts only when its
    province is named too, or in a short text (a query, a title).
    """

    __slots__ = ("cands", "end", "level", "start", "weak")

    def __init__(self, start: int, end: int, cands: list[tuple[_Unit, int]], weak: bool = False) -> None:
        self.start, self.end, self.cands, self.weak = start, end, cands, weak
        self.level = cands[0][0].level


def _capitalised(raws: Sequence[str]) -> bool:
    return all(r[:1].isupper() or r[:1].isdigit() for r in raws)


def _title_word(raw: str) -> bool:
    return raw[:1].isupper() and not raw.isupper()


class _Scanner:
    """Greedy left-to-right longest matching over one text's tokens."""

    def __init__(self, g: _Gazetteer, toks: _Tokens, relaxed: bool, lenient: bool = False) -> None:
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
        triggers = _WARD_TRIGGERS_RELAXED if self.relaxed else _WARD_TRIGGERS
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

    def match_at(self, i: int) -> tuple[int, _Cands, bool] | None:
        """Longest acceptable match at token ``i``: (end token, candidates, weak)."""
        toks = self.toks
        folds = toks.folds
        n = len(folds)
        prefixes = self.g.text_prefixes
        table = self.g.text_alias
        best: tuple[int, _Cands, bool] | None = None
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
        if f in (_WARD_TRIGGERS_RELAXED if self.relaxed else _WARD_TRIGGERS) or (
            f[:1] in ("p", "f") and f[-1:].isdigit()
        ):
            ward = _ward_at(self.g, toks, i, self.relaxed)
            if ward is not None and (best is None or ward[0] > best[0]):
                best = (ward[0], ward[1], False)
        return best

    def accept(self, i: int, j: int, aliases: list[_Alias]) -> tuple[list[_Unit], bool] | None:
        """Units an alias key names at tokens ``i..j`` after the precision rules,
        and whether the match is weak (a person-like name needing its province
        in the text). None when nothing survives; no units for a stop phrase.
        """
        toks = self.toks
        raws = toks.raws[i:j]
        ascii_text = all(r.isascii() for r in raws)
        if not ascii_text:
            aliases = _best_by_accent(aliases, toks.acc(i, j), strict=True)
        ok: list[_Alias] = []
        bare_ok: bool | None = None
        weak = True
        for a in aliases:
            u, _prio, flags, _acc = a
            if flags & _F_STOP:
                if ascii_text or _capitalised(raws):
                    return [], False
                continue
            if u is None:
                continue
            if flags & _F_UPPER_ONLY and not all(r.isupper() for r in raws):
                continue
            if flags & _F_ABBR1 and not _abbr_ok(flags, "".join(toks.folds[i:j]), toks.folds[i]):
                continue
            if not flags & _F_TYPED:
                if flags & _F_ASCII_ONLY and not ascii_text:
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
            if not flags & _F_PERSONLIKE or self.relaxed:
                weak = False
            ok.append(a)
        if not ok:
            return None
        units = _best_units(ok)
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


def _ward_type_at(toks: _Tokens, i: int, structured: bool) -> tuple[int, str | None, str | None] | None:
    """A ward type word at token ``i``: (tokens used, type, number from "P7") or None."""
    f = toks.folds[i]
    if f in ("phuong", "xa", "tt"):
        return 1, _WARD_TYPE_WORDS[(f,)], None
    if f == "p" or (structured and f in ("f", "x", "ward")):
        return 1, _WARD_TYPE_WORDS[(f,)], None
    if f == "thi" and i + 1 < len(toks.folds) and toks.folds[i + 1] == "tran" and toks.gap_ok(i):
        return 2, "Thị trấn", None
    if f[:1] in ("p", "f") and f[-1:].isdigit():
        m = _JOINED_WARD_RE.match(f)
        if m and (structured or f[0] == "p"):
            return 1, "Phường", str(int(m.group(1)))
    return None


def _ward_at(g: _Gazetteer, toks: _Tokens, i: int, relaxed: bool, keep: _Keep = None) -> tuple[int, _Cands] | None:
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


def _ward_cands(aliases: list[_Alias], text_acc: str, wtype: str | None, keep: _Keep) -> _Cands:
    ok = [a for a in aliases if a[0] is not None and (keep is None or keep(a[0]))]
    ok = _best_by_accent(ok, text_acc, strict=True)
    out: _Cands = []
    seen: set[int] = set()
    for a in sorted(ok, key=lambda a: a[1]):
        u = a[0]
        if u is not None and (wtype is None or u.type == wtype) and u.idx not in seen:
            seen.add(u.idx)
            out.append((u, a[1]))
    return out


def _scan(g: _Gazetteer, toks: _Tokens, relaxed: bool = False) -> list[_Raw]:
    """Greedy left-to-right longest matches (province/district aliases and typed wards)."""
    lenient = len(toks.raws) <= _SHORT_TEXT_WORDS or all(r.isascii() for r in toks.raws)
    return _Scanner(g, toks, relaxed, lenient).scan()


def _resolve_mentions(g: _Gazetteer, raws: list[_Raw], text: str, short: bool = True) -> list[PlaceMention]:
    """Pick one unit per match using the other matches as context; drop the undecidable.

    A match followed directly (``", "``) by a place is read as an address:
    ``"xã Tân Thành, huyện Tân Phú"`` must be a ward of that district, or
    nothing. Otherwise any district or province named in the text decides.
    """
    provinces: set[int] = set()
    districts: set[int] = set()
    chosen: list[_Unit | None] = []
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
                u = _choose(pool, set(), set())
            else:
                u = _choose(r.cands, districts, provinces)
            if u is not None:
                chosen[k] = u
                provinces.add(u.province)
                if u.level == DISTRICT:
                    districts.add(u.idx)
    out: list[PlaceMention] = []
    for r, u in zip(raws, chosen, strict=True):
        if u is not None:
            out.append(PlaceMention(g.place(u), r.start, r.end, _LEVEL_NAMES[u.level], text[r.start : r.end]))
    return out


def _address_parent(raws: list[_Raw], chosen: list[_Unit | None], k: int, text: str) -> _Unit | None:
    """The resolved place right after match ``k`` (``"X, Quận 3"``), if it is a higher level."""
    if k + 1 >= len(raws):
        return None
    gap = text[raws[k].end : raws[k + 1].start]
    nxt = chosen[k + 1]
    if nxt is None or len(gap) > 4 or any(c not in " ,-–" for c in gap):
        return None
    return nxt if nxt.level < raws[k].level else None


def _inside(u: _Unit, parent: _Unit) -> bool:
    if parent.level == PROVINCE:
        return u.province == parent.idx
    return u.district == parent.idx


def _choose(cands: _Cands, districts: set[int], provinces: set[int]) -> _Unit | None:
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
    g = _gazetteer()
    low = text.lower() if _is_plain(text) else ""
    if len(low) != len(text):  # NFD and other rare input: token by token
        toks = _Tokens.of(text)
        raws = _scan(g, toks) if toks.folds else []
        return _resolve_mentions(g, raws, text, len(toks.folds) <= _SHORT_TEXT_WORDS)
    short = len(low) < 200 and len(_WORD_RE.findall(low)) <= _SHORT_TEXT_WORDS
    return _resolve_mentions(g, _locate(g, text, low, short or low.isascii()), text, short)


def _locate(g: _Gazetteer, text: str, low: str, lenient: bool) -> list[_Raw]:
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
    cached = list(map(_FOLD_CACHE.get, raw_words))
    if None in cached:
        for k in compress(range(len(cached)), map(_is_none, cached)):
            cached[k] = _fold_token(raw_words[k])
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
    toks = _Tokens(text, starts, ends, _Slices(text, starts, ends), words)
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


# --------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------

def recognize_address(address: str, province_hint: str | None = None) -> Place:
    """The place an address line names, read right to left.

    ``"Đường Trần Hưng Đạo, phường Trần Hưng Đạo, TP Hạ Long, Quảng Ninh"`` ->
    ``Place("Tỉnh Quảng Ninh", "Thành phố Hạ Long", "Phường Trần Hưng Đạo")``.
    Comma-separated parts are matched whole (so a bare ward name counts
    inside an address); failing that, typed and bare names are looked for
    inside the parts. ``province_hint`` (e.g. the listing's province field)
    is used when the address names no province. Never raises.
    """
    try:
        return _recognize_address(_safe_str(address), _safe_str(province_hint))
    except Exception:  # defensive: bad data must never stop an indexing run
        return Place()


def _recognize_address(address: str, hint: str) -> Place:
    if not address.strip():
        return resolve(hint) if hint else Place()
    g = _gazetteer()
    segments = [s.strip(" .-–") for s in re.split(r"[,;|\n]+", address)]
    segments = [s for s in segments if s]
    prov: _Unit | None = None
    dist: _Unit | None = None
    ward: _Unit | None = None
    hint_prov = _match_province(g, hint) if hint.strip() else None

    def run(start_prov: _Unit | None) -> tuple[_Unit | None, _Unit | None, _Unit | None]:
        """Parts right to left: province, then district, then ward; each part used once."""
        p, d, w = start_prov, None, None
        pending: list[_Unit] = []  # a district name shared by several places ("Tân Phú")
        for seg in reversed(segments):
            if p is None and d is None and not pending:
                found = _match_province(g, seg)
                if found is not None:
                    p = found
                    continue
            if d is None and not pending:
                ds = _match_districts(g, seg, p)
                if not ds and p is not None:
                    div = _divided_district(g, seg, p, None)
                    ds = [div] if div else []
                if len(ds) == 1:
                    d = ds[0]
                    p = p or g.provinces[d.province]
                    continue
                if len(ds) > 1:
                    pending = ds
                    continue
            if w is None:
                if pending:  # the ward says which district: "P. Tân Sơn Nhì, Tân Phú"
                    ws = [u for u in _match_wards(g, seg, None, p) if u.district in {x.idx for x in pending}]
                elif d is not None or p is not None:
                    # without a district only "phường X" parts: a bare name may be a street
                    ws = _match_wards(g, seg, d, p, typed_only=d is None)
                else:
                    ws = []
                if len(ws) == 1:
                    w = ws[0]
                    d = g.districts[w.district]
                    p = g.provinces[w.province]
                    break
        return p, d, w

    prov, dist, ward = run(None)
    if prov is None and hint_prov is not None:
        prov, dist, ward = run(hint_prov)
    if dist is None:
        # names inside parts: "Bát Khối Long Biên", "Khu đô thị X Quận 7"
        toks = _Tokens.of(address)
        raws = _scan(g, toks, relaxed=True)
        ctx = prov or hint_prov
        provinces = {ctx.idx} if ctx is not None else set()
        if ctx is None:
            provinces = {r.cands[0][0].idx for r in raws if r.level == PROVINCE and len(r.cands) == 1}
        for r in reversed(raws):
            if r.level == PROVINCE:
                continue
            pool = [c for c in r.cands if not provinces or c[0].province in provinces]
            u = _choose(pool, set(), provinces)
            if u is not None:
                dist = u if u.level == DISTRICT else g.districts[u.district]
                ward = u if u.level == WARD else None
                prov = g.provinces[u.province]
                break
        if prov is None and len(provinces) == 1:
            prov = g.provinces[next(iter(provinces))]
        prov = prov or hint_prov
    if dist is not None and ward is None:
        toks = _Tokens.of(address)
        d_idx = dist.idx
        for i in range(len(toks.folds) - 1, -1, -1):
            found_w = _ward_at(g, toks, i, True, keep=lambda u: u.district == d_idx)
            if found_w is not None:
                ward = _choose(found_w[1], {d_idx}, set())
                if ward is not None:
                    break
    if ward is not None:
        return g.place(ward)
    if dist is not None:
        return g.place(dist)
    return Place(province=prov.name) if prov else Place()


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

_TYPE_PREFIX_RE = re.compile(r"^(tỉnh|thành phố|quận|huyện|thị xã|phường|xã|thị trấn)\s+(.+)$", re.IGNORECASE)


def short_name(official: str) -> str:
    """The name without its type word: ``"Thành phố Hạ Long"`` -> ``"Hạ Long"``.

    Numbered units keep it (``"Quận 7"``, ``"Phường 12"``): a bare number is
    not a name. ``"Tỉnh Quảng Ninh"`` -> ``"Quảng Ninh"``.
    """
    text = normalize(_safe_str(official))
    m = _TYPE_PREFIX_RE.match(text)
    if not m or m.group(2).isdigit():
        return text
    return m.group(2)


# --------------------------------------------------------------------------
# 2025 layout (bonus)
# --------------------------------------------------------------------------


class _Converter:
    """Maps from the package's ``converter_2025.json`` and ``parser_from_2025.json``."""

    def __init__(self, conv: dict[str, Any], new: dict[str, Any]) -> None:
        self.new_province_of: dict[str, str] = {}
        for new_key, olds in conv["DICT_PROVINCE"].items():
            for old in olds:
                self.new_province_of[old] = new_key
        self.new_ward_of: dict[str, tuple[str, str]] = {}
        for new_prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for new_ward, olds in wards.items():
                for old in olds:
                    self.new_ward_of[old] = (new_prov, new_ward)
        for new_prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old, choices in olds.items():
                default = next((c["newWardKey"] for c in choices if c.get("isDefaultNewWard")), None)
                if default is not None and old not in self.new_ward_of:
                    self.new_ward_of[old] = (new_prov, default)
        self.province_name = {k: v["province"] for k, v in new["DICT_PROVINCE"].items()}
        self.ward_name: dict[tuple[str, str], str] = {}
        for table in ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED", "DICT_PROVINCE_WARD_SHORT_ACCENTED"):
            for prov, wards in new.get(table, {}).items():
                for wkey, wv in wards.items():
                    if isinstance(wv.get("ward"), str):
                        self.ward_name.setdefault((prov, wkey), wv["ward"])


@cache
def tables_2025() -> tuple[dict[str, Any], dict[str, Any]]:
    """The package's legacy-to-2025 converter table and its 2025 parser table,
    read once (this module and :mod:`newssearch.places2025` both use them)."""
    d = _data_dir()
    with open(d / "converter_2025.json", encoding="utf-8") as f:
        conv = json.load(f)
    with open(d / "parser_from_2025.json", encoding="utf-8") as f:
        new = json.load(f)
    return conv, new


@cache
def _converter() -> _Converter:
    return _Converter(*tables_2025())


def to_2025(place: Place) -> Place2025:
    """The unit that replaced ``place`` on 1 July 2025 (province; ward when known).

    Uses the package's conversion tables without its geocoding: an old ward
    split between several new ones maps to the package's default new ward.
    Districts no longer exist, so a district-level place gives the province
    only. Unknown places give an empty :class:`Place2025`.
    """
    try:
        if not isinstance(place, Place) or place.province is None:
            return Place2025()
        g = _gazetteer()
        prov = g.province_by_name.get(_name_key(place.province))
        if prov is None:
            return Place2025()
        c = _converter()
        new_prov = c.new_province_of.get(prov.key)
        if new_prov is None:
            return Place2025()
        ward_name: str | None = None
        if place.district is not None and place.ward is not None:
            w = g.ward_by_name.get((_name_key(place.province), _name_key(place.district), _name_key(place.ward)))
            if w is not None:
                d = g.districts[w.district]
                hit = c.new_ward_of.get(f"{prov.key}_{d.key}_{w.key}")
                if hit is not None:
                    new_prov = hit[0]
                    ward_name = c.ward_name.get(hit)
        return Place2025(province=c.province_name.get(new_prov), ward=ward_name)
    except Exception:  # defensive: a conversion gap is not an error
        return Place2025()
