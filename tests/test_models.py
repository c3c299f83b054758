"""SearchRequest validation: every bad parameter names itself."""

from __future__ import annotations

from datetime import date

import pytest

from newssearch.config import Settings
from newssearch.errors import BadRequest
from newssearch.models import SearchRequest


def test_full_request_round_trips() -> None:
    params = {
        "q": "nhà phố",
        "type": ["listing"],
        "district": ["Quận 7", "Quận 1"],
        "date_from": "17/06/2022",
        "date_to": "2023-01-31",
        "price_min": "1000000000",
        "price_max": "2000000000",
        "area_min": "50",
        "bedrooms": "2",
        "sort": "price_asc",
        "page": "2",
        "per_page": "20",
        "year": ["2022", "2023"],
    }
    req = SearchRequest.from_params(params)
    assert req.filters == {"type": ["listing"], "district": ["Quận 7", "Quận 1"]}
    assert (req.date_from, req.date_to) == (date(2022, 6, 17), date(2023, 1, 31))
    assert (req.price_min, req.price_max, req.area_min, req.bedrooms) == (1e9, 2e9, 50.0, 2)
    assert (req.sort, req.page, req.per_page, req.years) == ("price_asc", 2, 20, [2022, 2023])
    assert SearchRequest.from_params(req.to_params()) == req


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"page": "0"}, "page", "between 1"),
        ({"page": "abc"}, "page", "whole number"),
        ({"per_page": "1000"}, "per_page", "between 1 and 100"),
        ({"page": "500", "per_page": "100"}, "page", "deepest"),
        ({"price_min": "abc"}, "price_min", "number"),
        ({"price_min": "-1"}, "price_min", "non-negative"),
        ({"price_min": "nan"}, "price_min", "non-negative"),
        ({"price_min": "5", "price_max": "1"}, "price_min", "greater"),
        ({"area_min": "9", "area_max": "1"}, "area_min", "greater"),
        ({"sort": "xyz"}, "sort", "one of"),
        ({"type": "video"}, "type", "one of"),
        ({"transaction": "buy"}, "transaction", "one of"),
        ({"date_from": "2022-13-01"}, "date_from", "date like"),
        ({"date_from": "2023-01-01", "date_to": "2022-01-01"}, "date_from", "after"),
        ({"bedrooms": "-2"}, "bedrooms", "between"),
        ({"year": "20x2"}, "year", "whole number"),
        ({"q": "x" * 501}, "q", "limit is 500"),
        ({"qq": "x"}, "qq", "unknown parameter"),
        ({"sort": ["newest", "oldest"]}, "sort", "give it once"),
    ],
)
def test_bad_parameters_name_themselves(params: dict[str, object], param: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as info:
        SearchRequest.from_params(params)
    assert info.value.param == param
    assert info.value.to_dict() == {"error": {"status": 400, "message": info.value.message, "param": param}}


def test_limits_come_from_settings() -> None:
    settings = Settings(max_per_page=5, max_query_length=3)
    with pytest.raises(BadRequest):
        SearchRequest.from_params({"per_page": "6"}, settings)
    with pytest.raises(BadRequest):
        SearchRequest.from_params({"q": "abcd"}, settings)


def test_settings_from_env() -> None:
    s = Settings.from_env(
        {"NEWSSEARCH_INDEX_DIR": "/tmp/x", "NEWSSEARCH_MAX_PER_PAGE": "7", "NEWSSEARCH_CORS_ORIGINS": "https://a.vn, https://b.vn"},
        max_query_length=9,
    )
    assert str(s.index_dir) == "/tmp/x" and s.max_per_page == 7 and s.max_query_length == 9
    assert s.cors_origins == ("https://a.vn", "https://b.vn")


def test_bad_environment_value_is_a_clear_error() -> None:
    with pytest.raises(BadRequest, match="NEWSSEARCH_MAX_PER_PAGE='lots' is not valid"):
        Settings.from_env({"NEWSSEARCH_MAX_PER_PAGE": "lots"})
