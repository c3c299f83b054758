"""Similar listings ("Tin tương tự"): what a buyer would look at next.

A listing's neighbours are ranked by what buyers compare, in this order of
weight: the same 2025 ward, else the same legacy district, else the same
province; the same kind of property and transaction; a price and an area
close to its own; and last, shared words (the text score, scaled by the
listing's own to at most :data:`TEXT_WEIGHT`). Comparing body words alone paired a Hạ Long
town house with a Long Biên villa. All of it is NumPy over the column
arrays, with the text score from :func:`newssearch.scorer.score_weighted_terms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .places import DISTRICT_SEP

FloatArray = npt.NDArray[np.float64]

SAME_WARD_2025 = 8.0
SAME_DISTRICT = 6.0
SAME_PROVINCE = 2.0
SAME_TYPE = 3.0
SAME_TRANSACTION = 3.0
NEAR_PRICE = 2.0  # full weight at the same price, none at half or double
NEAR_AREA = 1.0
TEXT_WEIGHT = 1.0


def _near(values: FloatArray, own: float) -> FloatArray:
    """1 at ``own``, falling to 0 at half or double it (0 when unknown)."""
    if not np.isfinite(own) or own <= 0:
        return np.zeros(len(values))
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = 1 - np.abs(np.log2(values / own))
    near: FloatArray = np.nan_to_num(np.clip(closeness, 0, 1), nan=0.0)
    return near


@dataclass(frozen=True)
class ListingProfile:
    """What a listing's neighbours are compared on, by value (not by a
    shard's codes): its places, kind, transaction, price and area."""

    ward_2025: str
    district: str
    province: str
    property_type: str
    transaction: str
    price_vnd: float
    area_m2: float


#: The keyword columns a listing is compared on.
PROFILE_COLUMNS = ("ward_2025", "district", "province", "property_type", "transaction")


def listing_profile(
    docnum: int,
    codes: Mapping[str, npt.NDArray[np.int32]],
    numbers: Mapping[str, FloatArray],
    labels: Mapping[str, Sequence[str]],
) -> ListingProfile:
    """The profile of listing ``docnum`` from its index's columns."""
    values = {name: labels[name][int(codes[name][docnum])] for name in PROFILE_COLUMNS}
    return ListingProfile(
        **values, price_vnd=float(numbers["price_vnd"][docnum]), area_m2=float(numbers["area_m2"][docnum])
    )


def _same(codes: npt.NDArray[np.int32], index: Mapping[str, int], own: str) -> FloatArray:
    """1 for documents whose value is ``own`` (none when it is empty)."""
    code = index.get(own) if own else None
    return (codes == code).astype(np.float64) if code else np.zeros(len(codes))


def _district_overlap(codes: npt.NDArray[np.int32], labels: Sequence[str], own: str) -> FloatArray:
    """1 for documents sharing a legacy district with ``own`` (a place may be in several)."""
    if not own:
        return np.zeros(len(codes))
    mine = set(own.split(DISTRICT_SEP))
    shared = np.fromiter(
        (bool(c) and not mine.isdisjoint(v.split(DISTRICT_SEP)) for c, v in enumerate(labels)),
        dtype=bool,
        count=len(labels),
    )
    return shared[codes].astype(np.float64)


def listing_scores(
    source: ListingProfile,
    codes: Mapping[str, npt.NDArray[np.int32]],
    numbers: Mapping[str, FloatArray],
    labels: Mapping[str, Sequence[str]],
    index: Mapping[str, Mapping[str, int]],
    text: FloatArray,
    text_top: float,
) -> FloatArray:
    """How similar every document is to the listing ``source`` (higher is closer).

    ``labels`` and ``index`` translate the keyword columns' codes to values
    and back. ``text`` is each document's text score against the listing (0
    when unrelated), scaled by ``text_top``, the listing's own: it only
    orders listings that tie on everything else.
    """
    ward = _same(codes["ward_2025"], index["ward_2025"], source.ward_2025)
    district = _district_overlap(codes["district"], labels["district"], source.district)
    province = _same(codes["province"], index["province"], source.province)
    place = np.maximum.reduce([ward * SAME_WARD_2025, district * SAME_DISTRICT, province * SAME_PROVINCE])
    score = place
    score += _same(codes["property_type"], index["property_type"], source.property_type) * SAME_TYPE
    score += _same(codes["transaction"], index["transaction"], source.transaction) * SAME_TRANSACTION
    score += _near(numbers["price_vnd"], source.price_vnd) * NEAR_PRICE
    score += _near(numbers["area_m2"], source.area_m2) * NEAR_AREA
    if text_top > 0:
        score += np.minimum(text / text_top, 1.0) * TEXT_WEIGHT
    out: FloatArray = score
    return out
