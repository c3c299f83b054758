"""Filters as masks over the column arrays, and column sorts.

A request's facet selections become one mask per facet (facets are
disjunctive: each one's counts ignore its own selection); the other filters
(dates) make one base mask. Every mask is a NumPy boolean array over the
snapshot's document numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from datetime import time as dtime
from typing import Any

import numpy as np
import numpy.typing as npt

from ..listing_filters import effective_price
from ..models import KEYWORD_FILTERS, SearchRequest
from ..places import normalize_district, normalize_province, normalize_province_2025, normalize_ward
from ..store import ORDER_COLUMN, Columns, Vocabulary
from ..vietnamese import fold

BoolArray = npt.NDArray[np.bool_]


def filter_masks(req: SearchRequest, cols: Columns, vocab: Vocabulary) -> tuple[dict[str, BoolArray], BoolArray]:
    """Per-facet selection masks (disjunctive facets) and the mask of the other filters."""
    n = len(cols.live)
    base = cols.live.copy()
    masks: dict[str, BoolArray] = {}
    for name in KEYWORD_FILTERS:
        values = req.filters.get(name)
        if values:
            wanted = codes_for(vocab, name, values)
            masks[name] = np.isin(cols.codes[name], np.fromiter(wanted, dtype=np.int32)) if wanted else np.zeros(n, dtype=bool)
    if req.years:
        masks["year"] = np.isin(cols.numbers["year"], np.asarray(req.years, dtype=np.float64))
    if req.price_min is not None or req.price_max is not None:
        # within one transaction: a rent per month is never a sale price
        rent = rent_mask(cols, vocab)
        within = rent if req.filters.get("transaction") == ["rent"] else ~rent
        masks["price"] = within & range_mask(effective_price(cols.numbers), req.price_min, req.price_max)
    if req.price_per_m2_min is not None or req.price_per_m2_max is not None:
        masks["price_per_m2"] = range_mask(
            cols.numbers["price_per_m2_vnd"], req.price_per_m2_min, req.price_per_m2_max
        )
    if req.area_min is not None or req.area_max is not None:
        masks["area"] = range_mask(cols.numbers["area_m2"], req.area_min, req.area_max)
    if req.bedrooms is not None:
        with np.errstate(invalid="ignore"):
            masks["bedrooms"] = cols.numbers["bedrooms"] >= req.bedrooms
    if req.date_from is not None or req.date_to is not None:
        lo = _ts(req.date_from, dtime.min) if req.date_from else None
        hi = _ts(req.date_to, dtime.max) if req.date_to else None
        base &= range_mask(cols.numbers["published"], lo, hi, inclusive_hi=True)
    return masks, base


def rent_mask(cols: Columns, vocab: Vocabulary) -> BoolArray:
    """Listings for rent."""
    code = vocab.index["transaction"].get("rent")
    if code is None:
        return np.zeros(len(cols.live), dtype=bool)
    rent: BoolArray = cols.codes["transaction"] == code
    return rent


def codes_for(vocab: Vocabulary, name: str, values: Iterable[str]) -> set[int]:
    """The dictionary codes of a keyword column's values as a user writes them
    (any spelling of a place; accents optional)."""
    index, folded = vocab.index[name], vocab.folded[name]
    out: set[int] = set()
    for v in values:
        candidates = {v}
        if name == "district":
            candidates.add(normalize_district(v) or v)
        elif name == "province":
            candidates.add(normalize_province(v) or v)
        elif name == "ward":
            candidates.add(normalize_ward(v) or v)
        elif name == "province_2025":
            candidates.add(normalize_province_2025(v) or v)
        for c in candidates:
            if c in index:
                out.add(index[c])
            out |= folded.get(fold(c).strip(), set())
    out.discard(0)
    return out


def range_mask(
    values: npt.NDArray[np.float64], lo: float | None, hi: float | None, inclusive_hi: bool = False
) -> BoolArray:
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(values)
        if lo is not None:
            mask &= values >= lo
        if hi is not None:
            mask &= (values <= hi) if inclusive_hi else (values < hi)
    return mask

def _ts(d: Any, t: dtime) -> float:
    """Seconds since the epoch; dates beyond what the platform converts clamp to ±inf."""
    try:
        return datetime.combine(d, t).timestamp()
    except (ValueError, OverflowError, OSError):
        return float("-inf") if d.year < 1970 else float("inf")

SORT_COLUMNS: dict[str, tuple[str, bool]] = {
    "newest": ("published", True),
    "oldest": ("published", False),
    "views": ("views", True),
    "price_asc": ("price_vnd", False),
    "price_desc": ("price_vnd", True),
    "area_asc": ("area_m2", False),
    "area_desc": ("area_m2", True),
    "price_per_m2_asc": ("price_per_m2_vnd", False),
    "price_per_m2_desc": ("price_per_m2_vnd", True),
}

def sort_docs(cols: Columns, final: BoolArray, sort: str) -> npt.NDArray[np.int64]:
    """Document numbers in ``final`` sorted by a column; missing values last, ties
    newest first, then in write order (the same in every index layout)."""
    docs = np.flatnonzero(final)
    column, descending = SORT_COLUMNS[sort]
    values = cols.numbers[column][docs]
    missing = np.isnan(values)
    key = np.where(missing, 0.0, -values if descending else values)
    published = cols.numbers["published"][docs]
    tie = np.where(np.isnan(published), 0.0, -published)
    order = np.lexsort((cols.numbers[ORDER_COLUMN][docs], tie, key, missing))
    return docs[order]


def sort_key(cols: Columns, docnum: int, sort: str) -> tuple[float, ...]:
    """Where ``docnum`` stands in :func:`sort_docs`' order (ascending), to merge
    the sorted lists of several shards into one."""
    column, descending = SORT_COLUMNS[sort]
    value = float(cols.numbers[column][docnum])
    published = float(cols.numbers["published"][docnum])
    missing = math.isnan(value)
    key = 0.0 if missing else (-value if descending else value)
    tie = 0.0 if math.isnan(published) else -published
    return (float(missing), key, tie, float(cols.numbers[ORDER_COLUMN][docnum]))
