"""Freshness: the score multiplier of recent news."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newssearch.config import Settings
from newssearch.recency import SECONDS_PER_DAY, recency_factor

NOW = 1_800_000_000.0


def test_news_decays_with_the_half_life_listings_and_undated_documents_do_not() -> None:
    published = np.array([NOW, NOW - 365 * SECONDS_PER_DAY, NOW - 730 * SECONDS_PER_DAY, np.nan, NOW, NOW + 9e5])
    listing = np.array([False, False, False, False, True, False])
    factor = recency_factor(published, listing, Settings(recency_weight=0.2, news_half_life_days=365.0), NOW)
    assert factor is not None
    assert np.allclose(factor, [1.2, 1.1, 1.05, 1.0, 1.0, 1.2])  # a future date counts as today


def test_listings_when_configured_and_off_switches() -> None:
    published = np.array([NOW - 30 * SECONDS_PER_DAY])
    listing = np.array([True])
    factor = recency_factor(published, listing, Settings(listing_half_life_days=30.0), NOW)
    assert factor is not None and np.allclose(factor, [1.1])
    assert recency_factor(published, listing, Settings(recency_weight=0.0), NOW) is None
    assert recency_factor(published, listing, Settings(news_half_life_days=0.0), NOW) is None


def test_settings_from_the_environment() -> None:
    s = Settings.from_env({"NEWSSEARCH_RECENCY_WEIGHT": "0.5", "NEWSSEARCH_NEWS_HALF_LIFE_DAYS": "30"})
    assert (s.recency_weight, s.news_half_life_days, s.listing_half_life_days) == (0.5, 30.0, 0.0)


def test_a_negative_or_non_numeric_setting_is_refused() -> None:
    import pytest

    from newssearch.errors import BadRequest

    for raw in ("-1", "nan", "abc"):
        with pytest.raises(BadRequest, match="NEWSSEARCH_RECENCY_WEIGHT"):
            Settings.from_env({"NEWSSEARCH_RECENCY_WEIGHT": raw})


def test_engines_filled_at_different_moments_of_an_hour_score_alike(
    sample_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers and replicas fill their freshness cache whenever their first
    search comes; within one hour they must agree (same scores, same order)."""
    from newssearch.search import engine as engine_module

    hour = 1_764_000_000 // 3600
    factors = []
    for second in (5, 3_500):
        monkeypatch.setattr(engine_module.time, "time", lambda s=second: hour * 3600.0 + s)
        engine = engine_module.Engine(sample_index)
        factor = engine._recency(engine.snapshot())
        assert factor is not None
        factors.append(factor)
        engine.close()
    assert np.array_equal(factors[0], factors[1])
