"""Freshness: recent news ranks above equally relevant old news.

In relevance order a document's score is multiplied by
``1 + weight * 2 ** (-age_days / half_life)``: a story published today gets
the whole ``weight`` (20% by default), one a half-life old (a year, for news)
half of it, and an undated document nothing. Listings are left alone unless
a half-life is configured for them. The factor multiplies the text score
before the tiers (place, author, property kind) are added, so it reorders
documents within a tier, never across tiers. The "newest" sort is unchanged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .config import Settings

FloatArray = npt.NDArray[np.float32]

SECONDS_PER_DAY = 86_400.0


def recency_factor(
    published: npt.NDArray[np.float64],
    is_listing: npt.NDArray[np.bool_],
    settings: Settings,
    now: float,
) -> FloatArray | None:
    """The score multiplier of every document at time ``now`` (seconds since
    the epoch), or None when freshness is off for every type."""
    weight = settings.recency_weight
    half_lives = (settings.news_half_life_days, settings.listing_half_life_days)
    if weight <= 0 or not any(h > 0 for h in half_lives):
        return None
    half_life = np.where(is_listing, half_lives[1], half_lives[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        age = np.maximum(0.0, (now - published) / SECONDS_PER_DAY)
        boost = weight * np.exp2(-age / half_life)
    boost[np.isnan(published) | (half_life <= 0)] = 0.0
    return (1.0 + boost).astype(np.float32)
