"""The gazetteer: every province, district and ward, with the aliases they go by.

Provinces, districts and wards of the pre-2025 layout (63 provinces, 696
districts, ~10,000 wards) with the official names and spelling keywords of the
maintained package ``vietnamadminunits``. Its ``data/parser_legacy.json`` is
read directly -- importing the package itself takes about a second (it loads
every table and geopy) -- once, on first use (~0.3 s, :func:`load_gazetteer`);
its 2025 tables the same way (:func:`tables_2025`).

Names are the package's pre-2025 official ones, which already include the
2019-2025 mergers: Quận 2, Quận 9 and Quận Thủ Đức are "Thành phố Thủ Đức"
(``"Quận 2"``, ``"Q9"``, ``"quận Thủ Đức"`` all give it), Huyện Hoành Bồ is
part of "Thành phố Hạ Long", Thừa Thiên Huế is "Thành phố Huế", and a merged
ward gives the ward it went into (Gò Vấp's "Phường 7" -> "Phường 1"). Type
words are written "Thành phố", "Thị xã" even where the data says "Thành Phố".

Each unit is reachable through aliases: compact keys (:mod:`.names`) of its
official name with and without the type word, the TP/Q/H/TX abbreviations,
the package's keywords and a few extras (``saigon``, ``tphcm``, ``brvt``),
each with a priority and flags that :mod:`.recognise` and :mod:`.normalise`
read to choose between units.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .names import (
    MISMATCH,
    acc_grade,
    acc_name,
    canon_name,
    canon_short,
    clean,
    compact,
    kw_compact,
    name_key,
    short_name,
    wordset,
)


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
        g = load_gazetteer()
        out: list[str] = []
        prov = g.province_by_name.get(name_key(self.province))
        p_slug = prov.slug if prov else compact(short_name(self.province))
        if not p_slug:
            return []
        out.append(f"p:{p_slug}")
        if self.district is None:
            return out
        dist = g.district_by_name.get((name_key(self.province), name_key(self.district)))
        d_slug = dist.slug if dist else compact(short_name(self.district))
        if not d_slug:
            return out
        out.append(f"d:{p_slug}/{d_slug}")
        if self.ward is None:
            return out
        ward = g.ward_by_name.get(
            (name_key(self.province), name_key(self.district), name_key(self.ward))
        )
        w_slug = ward.slug if ward else compact(short_name(self.ward))
        if w_slug:
            out.append(f"w:{p_slug}/{d_slug}/{w_slug}")
        return out


PROVINCE, DISTRICT, WARD = 0, 1, 2
LEVEL_NAMES = ("province", "district", "ward")

# Alias priorities: lower wins when one key names several units.
_P_OFFICIAL = 0  # official name, short name, own type abbreviation
_P_KEYWORD = 1  # the package's extra keywords (old names, spelling variants)
_P_CROSS = 2  # another type word ("quận Thủ Đức" for Thành phố Thủ Đức)

# Alias flags (free text)
F_TYPED = 1  # includes a type word
F_ASCII_ONLY = 2  # bare match counts only when written without diacritics
F_UPPER_ONLY = 4  # counts only in capitals (HN)
F_STOP = 8  # a phrase that is NOT a place (Thái Bình Dương)
F_ABBR1 = 16  # starts with a one-letter type ("H.", "Q."): that letter must be its own word
F_PERSONLIKE = 32  # bare district name shaped like a person's name ("Văn Lâm", "Xuân Trường")

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
    "tpsaigon": ("thanhphohochiminh", F_TYPED),
    "tphcm": ("thanhphohochiminh", F_TYPED),
    "hcmc": ("thanhphohochiminh", 0),
    "hochiminhcity": ("thanhphohochiminh", 0),
    "tphn": ("thanhphohanoi", F_TYPED),
    "thuathienhue": ("thanhphohue", 0),
    "tinhthuathienhue": ("thanhphohue", F_TYPED),
    "tthue": ("thanhphohue", F_TYPED),
    "brvt": ("tinhbariavungtau", 0),
}
# Only for structured fields (too short/ambiguous in free text).
_FIELD_ONLY_PROVINCE_ALIASES = {"sg": "thanhphohochiminh", "hcmcity": "thanhphohochiminh"}
_STOP_PHRASES = ("thaibinhduong",)
# Words that start a ward mention in free text: "phường", "P.", "xã", "TT", "thị trấn".
WARD_TRIGGERS = frozenset({"phuong", "p", "xa", "tt", "thi"})

# Bare district names made of these syllables read like people's given names
# ("Văn Lâm", "Xuân Trường", "Thanh Bình" are footballers as often as places):
# in a long text they count only when their province is named too.
_GIVEN_NAME_SYLLABLES = wordset(
    "văn thị xuân thanh minh anh tuấn trường lâm hải hà mai hùng dũng quang đức tiến "
    "công hữu ngọc kim phương thu lan hương hồng tâm trung hiếu linh phúc thành tùng "
    "khánh hoàng huy nam bình long sơn đông hoa trọng quốc thắng toàn hậu phượng vinh "
    "lợi thái tú yến nga trang thảo vân hòa an bảo gia việt duy nhật hưng thủy"
)
# Bare district names that are common words or parts of many other names:
# only with a type word ("huyện Thống Nhất"; not "sân Thống Nhất", "bình minh").
_BARE_TYPED_ONLY = frozenset({"thongnhat", "binhminh"})


class Unit:
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
        self.name_c = compact(name)
        self.short_c = compact(short)
        self.syllables = len(short.split())


# (unit, priority, flags, accented compact form or None)
Alias = tuple[Unit | None, int, int, str | None]
# candidates of one match, with their alias priority
Cands = list[tuple[Unit, int]]


class Gazetteer:
    """Indexes built once from ``parser_legacy.json``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.provinces: list[Unit] = []
        self.districts: list[Unit] = []
        self.wards: list[Unit] = []
        self.province_by_key: dict[str, Unit] = {}
        self.district_by_key: dict[tuple[str, str], Unit] = {}
        self.province_by_name: dict[str, Unit] = {}
        self.district_by_name: dict[tuple[str, str], Unit] = {}
        self.ward_by_name: dict[tuple[str, str, str], Unit] = {}
        # Structured matching: compact key -> aliases.
        self.province_alias: dict[str, list[Alias]] = {}
        self.district_alias: dict[str, list[Alias]] = {}
        # Ward name (type word removed; numbers without leading zeros) -> aliases.
        self.ward_names: dict[str, list[Alias]] = {}
        # Free text: compact key -> aliases, and every prefix of every key.
        self.text_alias: dict[str, list[Alias]] = {}
        self.text_prefixes: set[str] = set()
        self.text_singles: set[str] = set()
        # Old districts split between current ones: (province idx, keyword) -> choices.
        self.divided: dict[tuple[int, str], list[tuple[Unit, frozenset[str], bool]]] = {}
        self._build(data)

    # -- building -----------------------------------------------------------

    def _build(self, data: dict[str, Any]) -> None:
        for pkey, pv in data["DICT_PROVINCE"].items():
            name = canon_name(pv["province"])
            ptype = "Thành phố" if name.startswith("Thành phố") else "Tỉnh"
            u = Unit(PROVINCE, len(self.provinces), pkey, name, canon_short(pv["provinceShort"]),
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
            children: list[Unit] = []
            for dkey, dv in dists.items():
                name = canon_name(dv["district"])
                dtype = canon_name(dv["districtType"])
                dtype = dtype[0].upper() + dtype[1:] if dtype else dtype
                u = Unit(DISTRICT, len(self.districts), dkey, name, canon_short(dv["districtShort"]),
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
        by_district: dict[int, list[Unit]] = {}
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
                        name = canon_name(wv["ward"])
                        wtype = wv.get("wardType") or ""
                        if wtype not in ward_types:
                            ward_types[wtype] = canon_name(wtype)
                        w = Unit(WARD, len(self.wards), wkey, name, canon_short(wv["wardShort"]),
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
                choices: list[tuple[Unit, frozenset[str], bool]] = []
                for dkey, dv in old.get("districts", {}).items():
                    d = self.district_by_key.get((pkey, dkey))
                    if d is not None:
                        choices.append((d, frozenset(dv.get("wardKeywords") or []), bool(dv.get("districtDefault"))))
                for kw in old.get("dividedDistrictKeywords") or []:
                    self.divided[(d_prov.idx, kw)] = choices

        for key in _STOP_PHRASES:
            self._alias(self.text_alias, key, (None, _P_OFFICIAL, F_STOP, None))
        for key in self.text_alias:
            for i in range(1, len(key) + 1):
                self.text_prefixes.add(key[:i])
        # one-word triggers for the candidate filter: joined aliases ("halong", "q7"), ward types
        self.text_prefixes.update(("thi", "thitran"))  # "thị trấn X"
        self.text_singles = set(self.text_alias) | (WARD_TRIGGERS - {"thi"})
        self.text_singles.update(f"p{i}" for i in range(1, 100))
        self.text_singles.update(f"p0{i}" for i in range(1, 10))

    @staticmethod
    def _alias(table: dict[str, list[Alias]], key: str, alias: Alias) -> None:
        if not key:
            return
        lst = table.setdefault(key, [])
        for i, old in enumerate(lst):
            if old[0] is alias[0]:
                if (alias[1], -(alias[2] & F_TYPED)) < (old[1], -(old[2] & F_TYPED)):
                    lst[i] = alias
                return
        lst.append(alias)

    def _both(self, table: dict[str, list[Alias]], key: str, alias: Alias, text: bool) -> None:
        self._alias(table, key, alias)
        if text:
            self._alias(self.text_alias, key, alias)

    def _add_province_aliases(self, u: Unit, keywords: Iterable[str]) -> None:
        tbl = self.province_alias
        short_c = u.short_c
        self._both(tbl, u.name_c, (u, _P_OFFICIAL, F_TYPED, acc_name(u.name)), True)
        flags = F_ASCII_ONLY if short_c == "hochiminh" else 0
        self._both(tbl, short_c, (u, _P_OFFICIAL, flags, acc_name(u.short)), True)
        for abbr in _PROVINCE_TYPE_ABBR.get(u.type, ()):
            acc = _TYPE_ACC.get(abbr, abbr) + acc_name(u.short)
            self._both(tbl, abbr + short_c, (u, _P_OFFICIAL, F_TYPED, acc), True)
        for kw in keywords:
            kw_c = kw_compact(kw)
            if kw_c in (short_c, u.name_c):
                continue
            flags = F_UPPER_ONLY if kw_c == "hn" else 0
            self._both(tbl, kw_c, (u, _P_KEYWORD, flags, None), True)
            for abbr in _PROVINCE_TYPE_ABBR.get(u.type, ()):  # "tp" + "hcm"
                self._both(tbl, abbr + kw_c, (u, _P_KEYWORD, F_TYPED, None), True)

    def _add_district_aliases(self, u: Unit, keywords: list[str]) -> None:
        tbl = self.district_alias
        name_c = u.name_c
        short_c = u.short_c
        numbered = u.short[-1:].isdigit()
        self._both(tbl, name_c, (u, _P_OFFICIAL, F_TYPED, acc_name(u.name)), True)
        if not numbered:
            short_acc = acc_name(u.short)
            words = u.short.lower().split()
            # bare in free text: two syllables at least (Pleiku, KBang pass; not Vinh, Chũ)
            bare_ok = (len(words) >= 2 or len(short_c) >= 5) and short_c not in _BARE_TYPED_ONLY
            person_like = len(words) == 2 and (words[0] == "văn" or all(w in _GIVEN_NAME_SYLLABLES for w in words))
            flags = F_PERSONLIKE if person_like else 0
            self._both(tbl, short_c, (u, _P_OFFICIAL, flags, short_acc), bare_ok)
            for dtype, abbrs in _DISTRICT_TYPE_ABBR.items():
                prio = _P_OFFICIAL if dtype == u.type else _P_CROSS
                for abbr in abbrs:
                    flags = F_TYPED | (F_ABBR1 if len(abbr) == 1 else 0)
                    acc = _TYPE_ACC.get(abbr, abbr) + short_acc
                    self._both(tbl, abbr + short_c, (u, prio, flags, acc), True)
        kw_set = {kw_compact(k) for k in keywords} | {short_c}
        for kw in keywords:
            kw_c = kw_compact(kw)
            if kw_c in (name_c, short_c):
                continue
            prefix = next(
                (p for p in _DISTRICT_KW_PREFIXES
                 if kw_c.startswith(p) and (kw_c[len(p):] in kw_set or kw_c[len(p):].isdigit())),
                None,
            )
            flags = 0 if prefix is None else F_TYPED | (F_ABBR1 if len(prefix) == 1 else 0)
            # Bare old names ("hoanhbo", "tanthanh") only in structured fields:
            # in free text they collide with ward names and common words.
            self._both(tbl, kw_c, (u, _P_KEYWORD, flags, None), prefix is not None)

    def _add_ward_aliases(self, u: Unit, keywords: list[str], *, accented_only: bool) -> None:
        short_c = u.short_c
        own = short_c
        if short_c[-1:].isdigit():  # "Phường 07" -> "7"
            own = _ward_name_key(short_c, _WARD_TYPE_PREFIXES) or short_c
        if not accented_only:
            self.ward_names.setdefault(own, []).append((u, _P_OFFICIAL, 0, acc_name(u.short)))
        if all(k == u.name_c or k == short_c for k in keywords):
            return  # the common case: just "phuongcaoxanh", "caoxanh"
        compacts = [kw_compact(k) for k in keywords]
        kw_set = set(compacts) | {short_c}
        for kw, kw_c in zip(keywords, compacts, strict=True):
            if not kw_c or kw_c == u.name_c or (kw_c == short_c and not accented_only):
                continue
            acc = acc_name(clean(kw)) if not kw.isascii() else None
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
    def _ward_by_code(units: list[Unit], code: str) -> Unit | None:
        return next((w for w in units if w.code == code), None)

    # -- lookups ------------------------------------------------------------

    def place(self, u: Unit) -> Place:
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


def _assign_slugs(units: list[Unit]) -> None:
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


# --------------------------------------------------------------------------
# Choosing among aliases
# --------------------------------------------------------------------------

def best_by_accent(aliases: list[Alias], text_acc: str, strict: bool) -> list[Alias]:
    """The aliases whose accents agree best with the text (all of them when none
    agree and not ``strict``)."""
    if not aliases or not text_acc or text_acc.isascii():
        return aliases
    graded = [(acc_grade(text_acc, a[3]), a) for a in aliases]
    top = max(gr for gr, _ in graded)
    if top == MISMATCH:
        return [] if strict else aliases
    return [a for gr, a in graded if gr == top]


def best_units(aliases: list[Alias]) -> list[Unit]:
    """Units of the best-priority aliases, in order, without repeats."""
    if not aliases:
        return []
    best = min(a[1] for a in aliases)
    units: list[Unit] = []
    for a in aliases:
        if a[1] == best and a[0] is not None and a[0] not in units:
            units.append(a[0])
    return units


def abbr_ok(flags: int, key: str, first_word: str) -> bool:
    """A one-letter type ("H. Ứng Hòa", "Q7") must be a word of its own: "Hưng Hòa" is
    not "H. Ứng Hòa"."""
    return not flags & F_ABBR1 or first_word == key[:1] or key[1:].isdigit()


# Which candidate units a lookup may return (None: all of them).
Keep = Callable[[Unit], bool] | None


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------

def _data_dir() -> Path:
    """The package's data directory, found without importing the package."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is not installed (pip install vietnamadminunits)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built on first use and shared by every lookup after it."""
    with open(_data_dir() / "parser_legacy.json", encoding="utf-8") as f:
        data = json.load(f)
    return Gazetteer(data)


def tables_2025() -> tuple[dict[str, Any], dict[str, Any]]:
    """The package's legacy-to-2025 converter table and its 2025 parser table.

    Read from disk at each call: :mod:`.map2025` indexes them once and keeps
    only its index, not the parsed JSON."""
    d = _data_dir()
    with open(d / "converter_2025.json", encoding="utf-8") as f:
        conv = json.load(f)
    with open(d / "parser_from_2025.json", encoding="utf-8") as f:
        new = json.load(f)
    return conv, new
