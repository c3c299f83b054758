"""Facet assembly: counts per keyword value, year, month and band, with the
labels the page shows (the counting itself is :mod:`newssearch.facets`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .. import facets as fc
from ..listing_filters import effective_price
from ..models import FacetValue, SearchRequest
from ..params import TRANSACTION_LABELS, TYPE_LABELS
from ..places import DISTRICT_SEP, normalize_district, short_name
from ..store import KEYWORD_COLUMNS, Columns, Vocabulary
from ..vietnamese import fold
from .filters import codes_for, rent_mask

BoolArray = npt.NDArray[np.bool_]

#: Keyword facets returned with every search, in display order: every keyword column.
KEYWORD_FACETS = KEYWORD_COLUMNS
MAX_FACET_VALUES = 30


def facet_values(
    req: SearchRequest,
    cols: Columns,
    vocab: Vocabulary,
    months: npt.NDArray[np.int32],
    matched: BoolArray,
    masks: dict[str, BoolArray],
    limit: int | None = MAX_FACET_VALUES,
) -> tuple[dict[str, list[FacetValue]], dict[str, str]]:
    """Every facet\'s values and counts over ``matched`` (disjunctive: a facet\'s
    counts ignore its own selection), and the facets that failed, with why.
    Keyword facets list their ``limit`` most frequent values (None: all)."""
    out: dict[str, list[FacetValue]] = {}
    errors: dict[str, str] = {}

    base: npt.NDArray[np.int64] | None = None

    def others(skip: str) -> npt.NDArray[np.int64]:
        """The matched documents that pass every selection but ``skip``'s (disjunctive facets)."""
        nonlocal base
        applied = [mask for name, mask in masks.items() if name != skip]
        if applied:
            return np.flatnonzero(np.logical_and.reduce([matched, *applied]))
        if base is None:
            base = np.flatnonzero(matched)
        return base

    for name in KEYWORD_FACETS:
        try:
            labels = vocab.labels[name]
            counts = fc.code_counts(cols.codes[name], others(name), len(labels))
            selected = codes_for(vocab, name, req.filters.get(name, []))
            if name == "district":
                out[name] = split_facet(labels, counts, selected, req.filters.get(name, []), limit)
                continue
            present = {int(c) for c in np.flatnonzero(counts[1:]) + 1} | {c for c in selected if c}
            order = sorted(present, key=lambda c: (-counts[c], labels[c]))[:limit]
            # By label, not by code: codes depend on the index's layout (shards).
            order += [c for c in sorted(selected, key=lambda c: labels[c]) if c not in order]
            out[name] = [
                FacetValue(labels[c], display_label(name, labels[c]), int(counts[c]), c in selected) for c in order
            ]
        except Exception as exc:  # a broken facet is reported; the search still answers
            errors[name] = str(exc)
    year_values = cols.numbers["year"][others("year")]
    years, year_counts = np.unique(year_values[~np.isnan(year_values)], return_counts=True)
    out["year"] = [
        FacetValue(str(int(y)), str(int(y)), int(c), int(y) in req.years)
        for y, c in sorted(zip(years, year_counts, strict=True), reverse=True)
    ]
    month = fc.month_range(req.date_from.strftime("%Y-%m")) if req.date_from else None
    out["month"] = [
        FacetValue(key, f"{key[5:]}/{key[:4]}", count, month == (req.date_from, req.date_to))
        for key, count in fc.month_counts(months, others("month"))
    ]
    # Rent and sale prices apart: sale bands count sales, rent bands rentals.
    rent = rent_mask(cols, vocab)
    renting = req.filters.get("transaction") == ["rent"]
    price = effective_price(cols.numbers)
    price_docs = others("price")
    for name, values, docs, bands, lo, hi, selectable in (
        ("price", price, price_docs[~rent[price_docs]], fc.PRICE_BANDS, req.price_min, req.price_max, not renting),
        ("price_rent", price, price_docs[rent[price_docs]], fc.RENT_BANDS, req.price_min, req.price_max, renting),
        ("area", cols.numbers["area_m2"], others("area"), fc.AREA_BANDS, req.area_min, req.area_max, True),
        ("price_per_m2", cols.numbers["price_per_m2_vnd"], others("price_per_m2"), fc.PRICE_PER_M2_BANDS,
         req.price_per_m2_min, req.price_per_m2_max, True),
    ):
        band = fc.band_counts(values, docs, bands)
        chosen = fc.find_band(bands, lo, hi) if selectable else None
        values_out = [
            FacetValue(b.value, b.label, c, b == chosen)
            for b, c in zip(bands, band, strict=True)
            if c or b == chosen
        ]
        if values_out or name in ("price", "area"):
            out[name] = values_out
    beds = fc.at_least_counts(cols.numbers["bedrooms"], others("bedrooms"), fc.BEDROOM_VALUES)
    out["bedrooms"] = [
        FacetValue(str(n), f"{n}+ phòng ngủ", c, req.bedrooms == n)
        for n, c in zip(fc.BEDROOM_VALUES, beds, strict=True)
        if c or req.bedrooms == n
    ]
    return out, errors


def display_label(name: str, value: str) -> str:
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "transaction":
        return TRANSACTION_LABELS.get(value, value)
    return value

def split_facet(
    labels: list[str],
    counts: npt.NDArray[np.int64],
    selected: set[int],
    requested: list[str],
    limit: int | None = MAX_FACET_VALUES,
) -> list[FacetValue]:
    """A facet whose values may hold several names (a place in several districts):
    each name counted once per document that has it."""
    totals: dict[str, int] = {}
    chosen: set[str] = set()
    for code in (np.flatnonzero(counts[1:]) + 1).tolist():
        for part in labels[code].split(DISTRICT_SEP):
            totals[part] = totals.get(part, 0) + int(counts[code])
    wanted = {fold(v).strip() for v in requested} | {fold(normalize_district(v) or v).strip() for v in requested}
    for c in selected:
        for part in labels[c].split(DISTRICT_SEP):
            if fold(part).strip() in wanted or fold(short_name(part)).strip() in wanted:
                chosen.add(part)
                totals.setdefault(part, 0)
    order = sorted(totals, key=lambda v: (-totals[v], v))[:limit]
    order += [v for v in sorted(chosen) if v not in order]
    return [FacetValue(v, v, totals[v], v in chosen) for v in order]
