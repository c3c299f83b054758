"""One loose value of a structured field -> the official unit it names.

``"HCM"``, ``"Q.7"``, ``"quan go vap"``, ``"P. Cao Xanh"``: a province,
district or ward field (or a search filter) is matched whole against the
gazetteer's alias tables, narrowed by the province or district given with it.
The ``match_*`` functions return units, for :mod:`.address` and
:mod:`.map2025`; the ``normalize_*`` functions official names.
"""

from __future__ import annotations

from ..vietnamese import fold, normalize
from .gazetteer import (
    Alias,
    Gazetteer,
    Keep,
    Unit,
    abbr_ok,
    best_by_accent,
    best_units,
    load_gazetteer,
)
from .names import (
    JOINED_WARD_RE,
    WARD_TYPE_WORDS,
    WORD_RE,
    acc_compact,
    compact,
    fold_word,
    safe_str,
)


def _field_tokens(text: str) -> list[tuple[str, str]]:
    """(lowercase, folded) syllables of a short field, punctuation dropped."""
    return [(w, fold_word(w)) for w in WORD_RE.findall(normalize(text).lower())]


def _pick(
    aliases: list[Alias],
    text_acc: str,
    keep: Keep = None,
    key: str = "",
    first_word: str = "",
) -> list[Unit]:
    """Best units among aliases: best accent agreement (lenient), then best priority."""
    cands = [
        a
        for a in aliases
        if a[0] is not None and (keep is None or keep(a[0])) and abbr_ok(a[2], key, first_word)
    ]
    return best_units(best_by_accent(cands, text_acc, strict=False))


def match_province(g: Gazetteer, text: str) -> Unit | None:
    """The province a province field names, or None when unknown or ambiguous."""
    key = compact(text)
    if not key:
        return None
    aliases = g.province_alias.get(key)
    if not aliases:
        return None
    units = _pick(aliases, acc_compact(text))
    return units[0] if len(units) == 1 else None


def match_districts(g: Gazetteer, text: str, prov: Unit | None) -> list[Unit]:
    """Candidate districts for a district field, best first (empty if unknown)."""
    key = compact(text)
    if not key:
        return []
    aliases = g.district_alias.get(key)
    if aliases:
        keep = (lambda u: u.province == prov.idx) if prov is not None else None
        first = WORD_RE.search(normalize(text))
        first_word = fold(first.group()) if first else ""
        units = _pick(aliases, acc_compact(text), keep, key, first_word)
        if units:
            return units
    return []


def divided_district(g: Gazetteer, text: str, prov: Unit | None, ward: str | None) -> Unit | None:
    """An old district since split between current ones: choose by ward, else the default."""
    key = compact(text)
    provs = [prov] if prov is not None else g.provinces
    found = [(p, g.divided[(p.idx, key)]) for p in provs if (p.idx, key) in g.divided]
    if len(found) != 1:
        return None
    choices = found[0][1]
    if ward:
        wk = compact(ward)
        for d, kws, _default in choices:
            if wk in kws:
                return d
    return next((d for d, _kws, default in choices if default), None)


def split_ward_type(text: str) -> tuple[str | None, str, str, bool]:
    """Split ``"P. Cao Xanh"`` into (type, folded name key, accented name, typed)."""
    toks = _field_tokens(text)
    if not toks:
        return None, "", "", False
    folded = [f for _, f in toks]
    if len(toks) == 1:
        m = JOINED_WARD_RE.match(folded[0])
        if m:
            return "Phường", str(int(m.group(1))), m.group(1), True
    for words, wtype in WARD_TYPE_WORDS.items():
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


def match_wards(
    g: Gazetteer, text: str, dist: Unit | None, prov: Unit | None, typed_only: bool = False
) -> list[Unit]:
    """Candidate wards for a ward field within a district (or province, or the country)."""
    wtype, key, acc, typed = split_ward_type(text)
    if not key or (typed_only and not typed):
        return []

    def keep(u: Unit) -> bool:
        if dist is not None:
            return u.district == dist.idx
        return prov is None or u.province == prov.idx

    units: list[Unit] = []
    aliases = g.ward_names.get(key)
    if aliases:
        units = _pick(aliases, acc_compact(acc), keep)
    if not units and typed:  # a name that merely starts like a type word ("Xá Lượng")
        whole = compact(text)
        if whole in g.ward_names:
            units = _pick(g.ward_names[whole], acc_compact(text), keep)
            wtype = None
    if wtype is not None and len(units) > 1:
        same = [u for u in units if u.type == wtype]
        units = same or units
    return units


def normalize_province(name: str) -> str | None:
    """Official province name for a loose one, or None.

    ``"HCM"``, ``"TP.HCM"``, ``"Sài Gòn"``, ``"ho chi minh"`` ->
    ``"Thành phố Hồ Chí Minh"``; ``"quang ninh"`` -> ``"Tỉnh Quảng Ninh"``.
    Case, diacritics, abbreviations and NFD input are all accepted.
    """
    text = safe_str(name)
    if not text.strip():
        return None
    u = match_province(load_gazetteer(), text)
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
    text = safe_str(name)
    if not text.strip():
        return None
    g = load_gazetteer()
    prov = match_province(g, province) if isinstance(province, str) and province.strip() else None
    units = match_districts(g, text, prov)
    if not units:
        d = divided_district(g, text, prov, None)
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
    text = safe_str(name)
    if not text.strip():
        return None
    g = load_gazetteer()
    prov = match_province(g, province) if isinstance(province, str) and province.strip() else None
    dist = None
    if isinstance(district, str) and district.strip():
        ds = match_districts(g, district, prov)
        dist = ds[0] if len(ds) == 1 else None
    units = match_wards(g, text, dist, prov)
    names = {u.name for u in units}
    return units[0].name if units and len(names) == 1 else None
