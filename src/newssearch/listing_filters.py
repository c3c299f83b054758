"""Understood listing filters (:mod:`newssearch.listing_query`) as NumPy masks.

Every filter is a mask over the column arrays of :mod:`newssearch.search`:

* price, area and bedrooms are ranges over the numeric columns; a price is
  read within its transaction (a monthly rent never satisfies a sale price,
  nor the reverse; a listing without a transaction counts as a sale);
* property type, direction and legal status accept the dictionary codes
  whose value says so (``"Bán căn hộ chung cư"`` is an apartment). Most
  listings in the wild leave these fields empty, so a listing *without* a
  value passes when its title says it (``"căn hộ"``): the words stop being
  required of every listing, not of those whose fields are silent.

Prices written as a range count at their middle (:func:`effective_price`).

When nothing passes, :func:`widen` gives the nearest readings to try (the
price band above or below, a bedroom more or less), so the page can say
"nothing under 3 tỷ; here is the nearest" instead of dropping a constraint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from .listing_query import (
    LEGAL_GROUPS,
    PROPERTY_TYPES,
    ListingQuery,
    Understood,
    format_area,
    format_vnd,
    range_label,
)
from .vietnamese import fold

BoolArray = npt.NDArray[np.bool_]
#: Documents whose title has one of the phrases (folded words).
TextHas = Callable[[Sequence[Sequence[str]]], BoolArray]
#: How far :func:`widen` stretches a numeric bound, step by step.
WIDEN_STEPS = (1.25, 1.5, 2.0, 3.0)


def _codes(labels: Sequence[str], accept: Callable[[str], bool]) -> npt.NDArray[np.int32]:
    return np.fromiter((c for c, v in enumerate(labels) if c and accept(fold(v))), dtype=np.int32)


def _has_word(words: Sequence[str]) -> Callable[[str], bool]:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
    return lambda folded: pattern.search(folded) is not None


def _range(values: npt.NDArray[np.float64], lo: float | None, hi: float | None) -> BoolArray:
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(values)
        if lo is not None:
            mask &= values >= lo
        if hi is not None:
            mask &= values <= hi
    return mask


def understood_mask(
    lq: ListingQuery,
    codes: Mapping[str, npt.NDArray[np.int32]],
    numbers: Mapping[str, npt.NDArray[np.float64]],
    labels: Mapping[str, Sequence[str]],
    text_has: TextHas,
) -> BoolArray | None:
    """The listings that satisfy every understood filter; None when there are none."""
    if not lq.understood:
        return None
    type_codes = codes["type"]
    listing = [c for c, v in enumerate(labels["type"]) if v == "listing"]
    mask = np.isin(type_codes, np.asarray(listing, dtype=np.int32))
    rent = _codes(labels["transaction"], lambda v: v == "rent")
    is_rent = np.isin(codes["transaction"], rent)
    for u in lq.understood:
        mask &= _one(u, lq, codes, numbers, labels, text_has, is_rent)
    return mask


def _one(
    u: Understood,
    lq: ListingQuery,
    codes: Mapping[str, npt.NDArray[np.int32]],
    numbers: Mapping[str, npt.NDArray[np.float64]],
    labels: Mapping[str, Sequence[str]],
    text_has: TextHas,
    is_rent: BoolArray,
) -> BoolArray:
    if u.kind == "transaction":
        return is_rent if u.value == "rent" else ~is_rent
    if u.kind == "price":
        within = is_rent if lq.transaction == "rent" else ~is_rent
        return within & price_mask(numbers, u.lo, u.hi)
    if u.kind == "area":
        return _range(numbers["area_m2"], u.lo, u.hi)
    if u.kind == "bedrooms":
        return _range(numbers["bedrooms"], u.lo, u.hi)
    if u.kind == "property_type" and u.value in PROPERTY_TYPES:
        _label, phrases, words = PROPERTY_TYPES[u.value]
        return _coded_or_text(codes["property_type"], _codes(labels["property_type"], _has_word(words)),
                              [fold(u.text).split()], text_has)
    if u.kind == "legal_status" and u.value in LEGAL_GROUPS:
        _label, phrases, words = LEGAL_GROUPS[u.value]
        return _coded_or_text(codes["legal_status"], _codes(labels["legal_status"], _has_word(words)),
                              [p.split() for p in phrases], text_has)
    if u.kind == "direction" and u.value:
        want = fold(u.value).replace(" ", "")
        accepted = _codes(labels["direction"], lambda v: re.sub(r"[^a-z]", "", v) == want)
        return _coded_or_text(codes["direction"], accepted, [["huong", *fold(u.value).split()]], text_has)
    return np.ones(len(is_rent), dtype=bool)


def effective_price(numbers: Mapping[str, npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    """Each listing's price for filters, bands and sorts: ``price_vnd``, or the
    middle of a price written as a range (``"1,5 tỷ - 2 tỷ"`` counts as 1,75 tỷ)."""
    price = numbers["price_vnd"]
    pmin, pmax = numbers.get("price_min_vnd"), numbers.get("price_max_vnd")
    if pmin is None or pmax is None:
        return price
    return np.where(np.isnan(price), (pmin + pmax) / 2, price)


def price_mask(numbers: Mapping[str, npt.NDArray[np.float64]], lo: float | None, hi: float | None) -> BoolArray:
    """Listings whose :func:`effective_price` is within ``[lo, hi]``."""
    return _range(effective_price(numbers), lo, hi)


def _coded_or_text(
    column: npt.NDArray[np.int32], accepted: npt.NDArray[np.int32], phrases: list[list[str]], text_has: TextHas
) -> BoolArray:
    """Documents with an accepted value, or with no value and the words in their text."""
    coded: BoolArray = np.isin(column, accepted)
    silent: BoolArray = column == 0
    return coded | (silent & text_has(phrases))


def widen(lq: ListingQuery) -> list[tuple[ListingQuery, str]]:
    """Readings of ``lq`` with its numeric bounds stretched, nearest first, each
    with what it now says ("dưới 3,75 tỷ"); [] when it has no numeric bound."""
    numeric = [u for u in lq.understood if u.kind in ("price", "area", "bedrooms")]
    if not numeric:
        return []
    out: list[tuple[ListingQuery, str]] = []
    for step in WIDEN_STEPS:
        changed = [_stretch(u, step) for u in numeric]
        wider = [next((c for o, c in zip(numeric, changed, strict=True) if o is u), u) for u in lq.understood]
        out.append((replace(lq, understood=wider), ", ".join(c.label for c in changed)))
    return out


def _stretch(u: Understood, step: float) -> Understood:
    """``u`` with its bounds moved out by ``step`` (bedrooms: one room per step)."""
    if u.kind == "bedrooms":
        rooms = WIDEN_STEPS.index(step) + 1
        fewest = max(1.0, (u.lo or 1) - rooms)
        most = None if u.hi is None else u.hi + rooms
        label = f"Phòng ngủ: {int(fewest)}–{int(most)}" if most is not None else f"Phòng ngủ: từ {int(fewest)}"
        return replace(u, lo=fewest, hi=most, label=label)
    lo = None if u.lo is None else u.lo / step
    hi = None if u.hi is None else u.hi * step
    return replace(u, lo=lo, hi=hi, label=_label(u, lo, hi))


def _label(u: Understood, lo: float | None, hi: float | None) -> str:
    if u.kind == "area":
        return range_label("Diện tích", lo, hi, format_area)
    month = u.period == "month"
    return range_label("Giá thuê" if month else "Giá", lo, hi, format_vnd) + ("/tháng" if month else "")
