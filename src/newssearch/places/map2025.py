"""Both maps: the pre-2025 layout (63 provinces, districts) and the 2025 one
(34 provinces, no districts), for every place.

Since 1 July 2025 new addresses are two-level (``"Phường Tân Mỹ, Thành phố
Hồ Chí Minh"``) while buyers, the archive and most listings still speak in
districts (``"Quận 7"``). This module reads an address in either layout and
gives the units of both, from the tables of the ``vietnamadminunits`` package
(``parser_from_2025.json`` for the 2025 names, ``converter_2025.json`` for
which legacy wards each 2025 ward was formed from), read directly as
the gazetteer does (:func:`.gazetteer.tables_2025`).

* :func:`locate` -- structured fields and an address -> :class:`BothMaps`.
* :func:`find_wards_2025` -- typed 2025 ward names in a query
  (``"can ho phuong tan my"``).
* :func:`forward` (:func:`to_2025`) -- a legacy place with its 2025 units.
* :func:`place_keys` -- the index keys of a document's place in both layouts.

Decisions:

* An address is read in the 2025 layout only when it names no legacy
  district and its ward part is *typed* (``Phường X``, ``Xã X``, ``Đặc khu
  X``, ``P. X``) with the type the 2025 ward has: so ``"Phường Hạ Long, Tỉnh
  Quảng Ninh"`` is the 2025 ward (formed from Hồng Hải and Hồng Hà of Thành
  phố Hạ Long), not the legacy *Xã* Hạ Long of Huyện Vân Đồn.
* The province must be named (any form :func:`.normalise.normalize_province`
  accepts, legacy names included: ``"TP.HCM"``, ``"Bình Dương"``); a ward
  name alone is not resolved from nothing.
* A 2025 ward formed from wards of several legacy districts belongs to each of
  them (``districts``); its legacy ward is set only when one source ward has
  its name, or there is only one.
* A legacy place gets its 2025 units from the package's converter (an old
  ward split between new ones goes to the package's default new ward); a
  district-level place gets the 2025 province only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..vietnamese import fold
from .gazetteer import Gazetteer, Place, Unit, load_gazetteer, tables_2025
from .names import acc_compact, canon_name, compact, name_key, short_name
from .normalise import match_districts, match_province, split_ward_type
from .recognise import find_places

#: Separator of several legacy districts in one keyword column value.
DISTRICT_SEP = "|"


@dataclass(frozen=True)
class Ward2025:
    """A ward (phường, xã, đặc khu) of the 2025 layout."""

    province_key: str  # the package's key, e.g. "thanhphohochiminh"
    key: str  # e.g. "phuongtanmy"
    name: str  # "Phường Tân Mỹ"
    province: str  # "Thành phố Hồ Chí Minh"


@dataclass(frozen=True)
class BothMaps:
    """A place in both layouts; any level may be unknown (None)."""

    province: str | None = None
    district: str | None = None  # the first of ``districts``
    ward: str | None = None
    #: Every legacy district the place belongs to (a 2025 ward may span several).
    districts: tuple[str, ...] = ()
    province_2025: str | None = None
    ward_2025: str | None = None


@dataclass(frozen=True)
class Mention2025:
    """A 2025 ward named in a query; ``text == query[start:end]``."""

    ward: Ward2025
    start: int
    end: int
    text: str
    #: Legacy districts the ward was formed from.
    districts: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Place2025:
    """A place in the layout in force from 1 July 2025 (34 provinces, no districts)."""

    province: str | None = None
    ward: str | None = None


class _Map2025:
    """The 2025 tables, indexed once."""

    def __init__(self, new: dict[str, Any], conv: dict[str, Any]) -> None:
        g = load_gazetteer()
        self.province_name = {k: canon_name(v["province"]) for k, v in new["DICT_PROVINCE"].items()}
        self.new_province_of: dict[str, str] = {}  # legacy province key -> 2025 key
        for new_key, olds in conv["DICT_PROVINCE"].items():
            for old in olds:
                self.new_province_of[old] = new_key
        self.wards: dict[tuple[str, str], Ward2025] = {}
        self.ward_type: dict[tuple[str, str], str] = {}
        self.ward_acc: dict[tuple[str, str], str] = {}
        # (2025 province key, folded short name) -> ward keys; short name -> (province, ward)
        self.by_name: dict[tuple[str, str], list[str]] = {}
        self.national: dict[str, list[tuple[str, str]]] = {}
        for table in ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED"):
            for pkey, wards in new.get(table, {}).items():
                for wkey, wv in wards.items():
                    if not isinstance(wv.get("ward"), str) or (pkey, wkey) in self.wards:
                        continue
                    name = canon_name(wv["ward"])
                    self.wards[(pkey, wkey)] = Ward2025(pkey, wkey, name, self.province_name[pkey])
                    self.ward_type[(pkey, wkey)] = fold(wv.get("wardType") or "").replace(" ", "")
                    self.ward_acc[(pkey, wkey)] = acc_compact(wv["wardShort"])
                    short = _short_key(wv["wardShort"])
                    self.by_name.setdefault((pkey, short), []).append(wkey)
                    self.national.setdefault(short, []).append((pkey, wkey))
        # 2025 ward -> the legacy wards it was formed from (whole or in part)
        self.sources: dict[tuple[str, str], list[Unit]] = {}
        ward_by_key = {_converter_key(g, u): u for u in g.wards}
        for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for wkey, olds in wards.items():
                self.sources.setdefault((pkey, wkey), []).extend(
                    ward_by_key[o] for o in olds if o in ward_by_key
                )
        for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old, choices in olds.items():
                u = ward_by_key.get(old)
                if u is None:
                    continue
                for c in choices:
                    self.sources.setdefault((pkey, c["newWardKey"]), []).append(u)
        # legacy ward (converter key) -> the 2025 ward it went into; a ward split
        # between several goes to the package's default one
        self.new_ward_of: dict[str, tuple[str, str]] = {}
        for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for wkey, olds in wards.items():
                for old in olds:
                    self.new_ward_of[old] = (pkey, wkey)
        for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old, choices in olds.items():
                default = next((c["newWardKey"] for c in choices if c.get("isDefaultNewWard")), None)
                if default is not None and old not in self.new_ward_of:
                    self.new_ward_of[old] = (pkey, default)

    def ward_of(self, pkey: str, text: str, typed_only: bool) -> Ward2025 | None:
        """The 2025 ward a ward part names within a 2025 province, or None."""
        special = _DAC_KHU_RE.match(text)
        if special:  # "Đặc khu Vân Đồn": a 2025 type the legacy parser does not know
            wtype: str | None = "Đặc khu"
            acc = text[special.end() :]
            key, typed = _short_key(acc), True
        else:
            wtype, key, acc, typed = split_ward_type(text)
        if typed_only and not typed:
            return None
        keys = self.by_name.get((pkey, key), [])
        if wtype is not None:
            want = fold(wtype).replace(" ", "")
            if want == "thitran":
                return None  # no thị trấn in the 2025 layout: a legacy address
            keys = [k for k in keys if self.ward_type[(pkey, k)] == want]
        if len(keys) > 1 and acc:
            exact = [k for k in keys if self.ward_acc[(pkey, k)] == acc_compact(acc)]
            keys = exact or keys
        return self.wards[(pkey, keys[0])] if len(keys) == 1 else None

    def legacy_of(self, ward: Ward2025) -> tuple[str | None, tuple[str, ...], str | None]:
        """(legacy province, legacy districts, legacy ward or None) of a 2025 ward."""
        g = load_gazetteer()
        srcs = self.sources.get((ward.province_key, ward.key), [])
        if not srcs:
            return None, (), None
        provinces = Counter(g.provinces[u.province].name for u in srcs)
        province = provinces.most_common(1)[0][0]
        same_name = [u for u in srcs if _short_key(u.short) == _short_key(short_name(ward.name))]
        legacy_ward = same_name[0] if len(same_name) == 1 else (srcs[0] if len(srcs) == 1 else None)
        districts: list[str] = []
        if legacy_ward is not None:
            districts.append(g.districts[legacy_ward.district].name)
        for u in srcs:
            name = g.districts[u.district].name
            if g.provinces[u.province].name == province and name not in districts:
                districts.append(name)
        return province, tuple(districts), legacy_ward.name if legacy_ward is not None else None


_DAC_KHU_RE = re.compile(r"^\s*(?:đặc|dac)\s+khu\s+", re.IGNORECASE)


def _short_key(short: str) -> str:
    """Folded compact name; numbers lose leading zeros (as in :mod:`places`)."""
    key = compact(short)
    return str(int(key)) if key.isdigit() else key


def _converter_key(g: Gazetteer, u: Unit) -> str:
    """The converter's key of a legacy ward: ``"<province>_<district>_<ward>"``."""
    return f"{g.provinces[u.province].key}_{g.districts[u.district].key}_{u.key}"


@cache
def _map2025() -> _Map2025:
    conv, new = tables_2025()
    return _Map2025(new, conv)


_SEGMENT_RE = re.compile(r"[,;|\n]+")


def _new_province(text: str) -> str | None:
    """The 2025 province key a province part names (legacy names accepted)."""
    u = match_province(load_gazetteer(), text)
    if u is None:
        return None
    return _map2025().new_province_of.get(u.key)


def _read_2025(segments: list[str], province_text: str) -> BothMaps | None:
    """A two-level (2025) reading of address parts, or None when they are not one."""
    g = load_gazetteer()
    m = _map2025()
    pkey: str | None = None
    legacy_prov: Unit | None = None
    rest = list(segments)
    for text in (province_text, *reversed(segments)):
        if text.strip():
            pkey = _new_province(text)
            if pkey is not None:
                legacy_prov = match_province(g, text)
                if text in rest:
                    rest.remove(text)
                break
    if pkey is None:
        return None
    if any(match_districts(g, s, legacy_prov) for s in rest):
        return None  # a district is named: a legacy address
    for seg in reversed(rest):
        ward = m.ward_of(pkey, seg, typed_only=True)
        if ward is not None:
            province, districts, legacy_ward = m.legacy_of(ward)
            return BothMaps(
                province=province,
                district=districts[0] if districts else None,
                ward=legacy_ward,
                districts=districts,
                province_2025=ward.province,
                ward_2025=ward.name,
            )
    return None


def read_2025(address: str | None, ward: str | None = None, province: str | None = None) -> BothMaps | None:
    """The place of an address (or ward and province fields) written in the 2025
    layout, with its legacy units; None when it is not a 2025 address.

    ``("Phường Tân Mỹ, TP.HCM")`` -> ward_2025 "Phường Tân Mỹ", province_2025
    "Thành phố Hồ Chí Minh", districts ("Quận 7",). Never raises.
    """
    try:
        segments = [s.strip(" .-–") for s in _SEGMENT_RE.split(address or "")]
        if ward and ward.strip():
            segments.append(ward.strip())
        segments = [s for s in segments if s]
        if not segments:
            return None
        return _read_2025(segments, province or "")
    except Exception:  # defensive: one odd address must never stop an indexing run
        return None


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
        g = load_gazetteer()
        prov = g.province_by_name.get(name_key(place.province))
        if prov is None:
            return Place2025()
        m = _map2025()
        new_prov = m.new_province_of.get(prov.key)
        if new_prov is None:
            return Place2025()
        ward_name: str | None = None
        if place.district is not None and place.ward is not None:
            w = g.ward_by_name.get((name_key(place.province), name_key(place.district), name_key(place.ward)))
            if w is not None:
                hit = m.new_ward_of.get(_converter_key(g, w))
                if hit is not None:
                    new_prov = hit[0]
                    ward_name = m.wards[hit].name if hit in m.wards else None
        return Place2025(province=m.province_name.get(new_prov), ward=ward_name)
    except Exception:  # defensive: a conversion gap is not an error
        return Place2025()


def forward(place: Place) -> BothMaps:
    """A legacy place with its 2025 units added (via the package's converter)."""
    new = to_2025(place)
    return BothMaps(
        province=place.province,
        district=place.district,
        ward=place.ward,
        districts=(place.district,) if place.district else (),
        province_2025=new.province,
        ward_2025=new.ward,
    )


def locate(
    province: str | None, district: str | None, ward: str | None, address: str | None
) -> BothMaps | None:
    """Both layouts for a document whose fields name no legacy district.

    A 2025-layout reading of ``address`` or of the ward/province fields, or
    None (then the caller resolves the legacy way and calls :func:`forward`).
    """
    if district and district.strip():
        return None
    return read_2025(address, ward, province) or (read_2025(None, ward, province) if address else None)


# ---------------------------------------------------------------------------
# Queries and index keys
# ---------------------------------------------------------------------------

_QUERY_WARD_RE = re.compile(
    r"(?<!\w)(phường|phuong|xã|xa|p\.|đặc khu|dac khu)\s*([^\W\d_][^\W_]*(?:\s+[^\W\d_][^\W_]*){0,3})",
    re.IGNORECASE,
)


_QUERY_TYPES = {"phuong": "phuong", "p.": "phuong", "xa": "xa", "dackhu": "dackhu"}


def find_wards_2025(text: str) -> list[Mention2025]:
    """Typed 2025 ward names in a query (``"phuong tan my"``).

    A ward resolves when its name and type are unique in the 2025 country, or
    unique in a province the query names; the longest name that resolves
    wins (``"phường tân mỹ quận 7"`` reads "Tân Mỹ"). Never raises.
    """
    try:
        return _find_wards_2025(text)
    except Exception:  # defensive: a query must always run
        return []


def _find_wards_2025(text: str) -> list[Mention2025]:
    if not isinstance(text, str) or not text:
        return []
    m = _map2025()
    named = {
        pk for p in find_places(text)
        if p.place.province and (pk := _new_province(p.place.province)) is not None
    }
    out: list[Mention2025] = []
    for hit in _QUERY_WARD_RE.finditer(text):
        type_word = hit.group(1)
        words = list(re.finditer(r"[^\W_]+", hit.group(2)))
        for n in range(len(words), 0, -1):
            end = hit.start(2) + words[n - 1].end()
            name = text[hit.start(2) : end]
            short = _short_key(name)
            want = _QUERY_TYPES[fold(type_word).replace(" ", "")]
            cands = [(pk, wk) for pk, wk in m.national.get(short, []) if m.ward_type[(pk, wk)] == want]
            in_named = [c for c in cands if c[0] in named]
            chosen = in_named if named and in_named else cands
            if len(chosen) == 1:
                ward = m.wards[chosen[0]]
                _prov, districts, _w = m.legacy_of(ward)
                out.append(Mention2025(ward, hit.start(), end, text[hit.start() : end], districts))
                break
    return out


def ward_2025_key(ward: Ward2025) -> str:
    """The index key of a 2025 ward: ``"w25:thanhphohochiminh/phuongtanmy"``."""
    return f"w25:{ward.province_key}/{ward.key}"


def place_keys(both: BothMaps) -> list[str]:
    """Index keys of a place in both layouts: the legacy keys of every district
    it belongs to, then ``p25:``/``w25:`` keys of the 2025 units."""
    legacy = [
        Place(both.province, d, both.ward if d == both.district else None).keys()
        for d in both.districts or (both.district,)
    ]
    keys = list(dict.fromkeys(k for ks in legacy for k in ks))
    if both.province_2025:
        m = _map2025()
        pkey = _new_province(both.province_2025)
        if pkey is not None:
            keys.append(f"p25:{pkey}")
            if both.ward_2025:
                ward = m.ward_of(pkey, both.ward_2025, typed_only=False)
                if ward is not None:
                    keys.append(ward_2025_key(ward))
    return keys


def normalize_province_2025(name: str) -> str | None:
    """The 2025 province a loose name gives (legacy names map to the province
    they joined: ``"Bình Dương"`` -> "Thành phố Hồ Chí Minh"), or None."""
    try:
        pkey = _new_province(name) if isinstance(name, str) and name.strip() else None
    except Exception:  # defensive: a filter value must never fail a search
        return None
    return _map2025().province_name.get(pkey) if pkey is not None else None
