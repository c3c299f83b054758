"""Facet bands and counting."""

from __future__ import annotations

import numpy as np

from newssearch import facets as fc


def test_price_bands_match_portal_bands() -> None:
    assert [b.label for b in fc.PRICE_BANDS][:3] == ["Dưới 500 triệu", "500 - 800 triệu", "800 triệu - 1 tỷ"]
    assert len(fc.PRICE_BANDS) == 11 and len(fc.AREA_BANDS) == 9
    assert fc.PRICE_BANDS[0].value == "..500000000"
    assert fc.PRICE_BANDS[-1].value == "30000000000.."
    assert fc.PRICE_BANDS[3].value == "1000000000..2000000000"


def test_band_counts_ignore_missing_and_masked() -> None:
    values = np.array([1e8, 6e8, 1.5e9, np.nan, 4e10, 1.5e9])
    mask = np.array([True, True, True, True, True, False])
    counts = fc.band_counts(values, mask, fc.PRICE_BANDS)
    assert counts == [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]


def test_band_edges_are_lower_inclusive() -> None:
    counts = fc.band_counts(np.array([5e8, 1e9]), np.array([True, True]), fc.PRICE_BANDS)
    assert counts[1] == 1 and counts[3] == 1


def test_code_and_at_least_counts() -> None:
    codes = np.array([0, 1, 1, 2], dtype=np.int32)
    assert fc.code_counts(codes, np.array([True, True, True, False]), 3).tolist() == [1, 2, 0]
    assert fc.code_counts(codes, np.array([0, 1, 2]), 3).tolist() == [1, 2, 0]  # document numbers
    beds = np.array([1, 2, 3, np.nan, 5])
    assert fc.at_least_counts(beds, np.ones(5, dtype=bool), (1, 3, 5)) == [4, 2, 1]
    assert fc.at_least_counts(beds, np.array([0, 1, 2, 3, 4]), (1, 3, 5)) == [4, 2, 1]


def test_find_band() -> None:
    assert fc.find_band(fc.AREA_BANDS, 50, 80) == fc.AREA_BANDS[2]
    assert fc.find_band(fc.AREA_BANDS, 50, 81) is None


def test_rent_and_price_per_m2_bands() -> None:
    rents = np.array([2.5e6, 4e6, 18e6, 60e6, np.nan])
    assert fc.band_counts(rents, np.ones(5, dtype=bool), fc.RENT_BANDS) == [1, 1, 0, 1, 0, 1]
    assert fc.RENT_BANDS[0].label == "Dưới 3 triệu/tháng"
    per_m2 = np.array([8e6, 45e6, 250e6])
    assert fc.band_counts(per_m2, np.ones(3, dtype=bool), fc.PRICE_PER_M2_BANDS) == [1, 0, 0, 1, 0, 0, 0, 0, 1]


def test_month_codes_and_counts() -> None:
    from datetime import date, datetime

    import numpy as np

    from newssearch.facets import month_codes, month_counts, month_range

    stamps = [datetime(2022, 6, 1, 0, 5), datetime(2022, 6, 30, 23, 50), datetime(2022, 8, 15), datetime(2021, 12, 31, 23, 59)]
    published = np.array([d.timestamp() for d in stamps] + [np.nan])
    codes = month_codes(published)
    assert codes.tolist() == [2022 * 12 + 5, 2022 * 12 + 5, 2022 * 12 + 7, 2021 * 12 + 11, -1]
    assert month_counts(codes, np.ones(5, dtype=bool)) == [("2021-12", 1), ("2022-06", 2), ("2022-08", 1)]
    assert month_counts(codes, np.array([4], dtype=np.int64)) == []
    assert month_range("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_range("2024-13") is None
