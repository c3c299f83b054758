"""A listing's place: its province/district/ward fields and its address line.

:func:`resolve` reads the structured fields (each loose, any may be missing or
wrong) and :func:`recognize_address` an address line, read right to left;
each falls back on the other (a district field holding a whole address, an
address naming no province but a province field that does).
"""

from __future__ import annotations

import re

from .gazetteer import DISTRICT, PROVINCE, WARD, Place, Unit, load_gazetteer
from .names import safe_str
from .normalise import divided_district, match_districts, match_province, match_wards
from .recognise import Tokens, choose, scan, ward_at


def resolve(province: str | None = None, district: str | None = None, ward: str | None = None) -> Place:
    """Normalise loose names from structured fields into a :class:`Place`.

    ``("Quảng Ninh", "TP Hạ Long", "P. Bãi Cháy")``, ``("HCM", "Q.7", None)``,
    ``("", "quan go vap", None)`` all work. The province is inferred from a
    district (or ward) that is unique; a district must belong to the given
    province; unknown values give None for that level. Never raises.
    """
    try:
        return _resolve(safe_str(province), safe_str(district), safe_str(ward))
    except Exception:  # defensive: bad data must never stop an indexing run
        return Place()


def _resolve(province: str, district: str, ward: str) -> Place:
    g = load_gazetteer()
    prov = match_province(g, province) if province.strip() else None
    dist: Unit | None = None
    dist_name: str | None = None
    if district.strip():
        units = match_districts(g, district, prov)
        if len(units) == 1:
            dist = units[0]
        elif units and ward.strip():  # a ward can tell same-named districts apart
            placed = [u for u in units if match_wards(g, ward, u, None)]
            if len(placed) == 1:
                dist = placed[0]
        if dist is None and not units:
            dist = divided_district(g, district, prov, ward or None)
        if dist is None and units and len({u.name for u in units}) == 1:
            dist_name = units[0].name
        if dist is None and not units and "," in district:
            sub = recognize_address(district, prov.name if prov else None)
            if sub.district is not None and (prov is None or sub.province == prov.name):
                return resolve(sub.province, sub.district, ward or sub.ward)
    if dist is not None and prov is None:
        prov = g.provinces[dist.province]
    w: Unit | None = None
    if ward.strip() and (dist is not None or prov is not None):
        wards = match_wards(g, ward, dist, prov)
        if len(wards) == 1:
            w = wards[0]
            if dist is None and dist_name is None:
                dist = g.districts[w.district]
    if w is not None:
        return g.place(w)
    if dist is not None:
        return g.place(dist)
    return Place(province=prov.name if prov else None, district=dist_name)


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
        return _recognize_address(safe_str(address), safe_str(province_hint))
    except Exception:  # defensive: bad data must never stop an indexing run
        return Place()


def _recognize_address(address: str, hint: str) -> Place:
    if not address.strip():
        return resolve(hint) if hint else Place()
    g = load_gazetteer()
    segments = [s.strip(" .-–") for s in re.split(r"[,;|\n]+", address)]
    segments = [s for s in segments if s]
    prov: Unit | None = None
    dist: Unit | None = None
    ward: Unit | None = None
    hint_prov = match_province(g, hint) if hint.strip() else None

    def run(start_prov: Unit | None) -> tuple[Unit | None, Unit | None, Unit | None]:
        """Parts right to left: province, then district, then ward; each part used once."""
        p, d, w = start_prov, None, None
        pending: list[Unit] = []  # a district name shared by several places ("Tân Phú")
        for seg in reversed(segments):
            if p is None and d is None and not pending:
                found = match_province(g, seg)
                if found is not None:
                    p = found
                    continue
            if d is None and not pending:
                ds = match_districts(g, seg, p)
                if not ds and p is not None:
                    div = divided_district(g, seg, p, None)
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
                    ws = [u for u in match_wards(g, seg, None, p) if u.district in {x.idx for x in pending}]
                elif d is not None or p is not None:
                    # without a district only "phường X" parts: a bare name may be a street
                    ws = match_wards(g, seg, d, p, typed_only=d is None)
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
        toks = Tokens.of(address)
        raws = scan(g, toks, relaxed=True)
        ctx = prov or hint_prov
        provinces = {ctx.idx} if ctx is not None else set()
        if ctx is None:
            provinces = {r.cands[0][0].idx for r in raws if r.level == PROVINCE and len(r.cands) == 1}
        for r in reversed(raws):
            if r.level == PROVINCE:
                continue
            pool = [c for c in r.cands if not provinces or c[0].province in provinces]
            u = choose(pool, set(), provinces)
            if u is not None:
                dist = u if u.level == DISTRICT else g.districts[u.district]
                ward = u if u.level == WARD else None
                prov = g.provinces[u.province]
                break
        if prov is None and len(provinces) == 1:
            prov = g.provinces[next(iter(provinces))]
        prov = prov or hint_prov
    if dist is not None and ward is None:
        toks = Tokens.of(address)
        d_idx = dist.idx
        for i in range(len(toks.folds) - 1, -1, -1):
            found_w = ward_at(g, toks, i, True, keep=lambda u: u.district == d_idx)
            if found_w is not None:
                ward = choose(found_w[1], {d_idx}, set())
                if ward is not None:
                    break
    if ward is not None:
        return g.place(ward)
    if dist is not None:
        return g.place(dist)
    return Place(province=prov.name) if prov else Place()
