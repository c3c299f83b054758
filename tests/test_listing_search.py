"""Property search end to end: both maps, understood queries, rent vs sale, related listings.

A small index of listings written for these tests, built from raw records
through the ingest path (so place resolution and price parsing are covered).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newssearch.documents import Article
from newssearch.indexer import IndexStore
from newssearch.ingest.records import listing_from_record
from newssearch.models import SearchRequest, SearchResult
from newssearch.search import Engine

RECORDS: list[dict[str, Any]] = [
    # Quận 7 in both layouts
    {"id": "q7-legacy", "title": "Bán căn hộ 2PN view sông", "property_type": "Căn hộ chung cư",
     "transaction": "sale", "province": "TP.HCM", "district": "Quận 7", "ward": "Phường Tân Phú",
     "price_text": "2,8 tỷ", "area_m2": 70, "bedrooms": 2},
    {"id": "q7-2025", "title": "Bán căn hộ 3PN gần cầu Phú Mỹ", "property_type": "Căn hộ chung cư",
     "transaction": "sale", "address": "12 đường số 7, Phường Tân Mỹ, Thành phố Hồ Chí Minh",
     "price_text": "4,5 tỷ", "area_m2": 95, "bedrooms": 3},
    {"id": "q7-rent", "title": "Cho thuê căn hộ 2PN nội thất đủ", "property_type": "Căn hộ chung cư",
     "transaction": "rent", "address": "Phường Tân Mỹ, TP.HCM", "price_text": "18 triệu/tháng",
     "area_m2": 75, "bedrooms": 2},
    {"id": "q1", "title": "Bán căn hộ cao cấp trung tâm", "property_type": "Căn hộ chung cư",
     "transaction": "sale", "province": "TP.HCM", "district": "Quận 1", "price_text": "9,5 tỷ",
     "area_m2": 110, "bedrooms": 3},
    # Hạ Long: the 2025 ward and the legacy commune of the same name elsewhere
    {"id": "halong-2025", "title": "Bán nhà phố mặt tiền", "property_type": "Nhà mặt phố",
     "transaction": "sale", "address": "Phường Hạ Long, Tỉnh Quảng Ninh", "price_text": "6 tỷ",
     "area_m2": 80},
    {"id": "vandon", "title": "Bán đất nền ven biển", "property_type": "Đất nền", "transaction": "sale",
     "address": "Xã Hạ Long, Huyện Vân Đồn, Quảng Ninh", "price_text": "1,2 tỷ", "area_m2": 150},
    # Thủ Dầu Một and Tân Uyên: one 2025 ward spanning both
    {"id": "binhduong", "title": "Bán nhà riêng hẻm xe hơi", "property_type": "Nhà riêng",
     "transaction": "sale", "address": "Phường Bình Dương, TP.HCM", "price_text": "3 tỷ", "area_m2": 60},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    root: Path = tmp_path_factory.mktemp("listings")
    docs = [listing_from_record(r) for r in RECORDS]
    news = Article(id="news-q7", title="Quận 7 mở rộng đường ven sông", body="Tin tức Quận 7.",
                   province="Thành phố Hồ Chí Minh", district="Quận 7")
    IndexStore(root).write([*docs, news])
    e = Engine(root)
    yield e
    e.close()


def run(engine: Engine, q: str = "", **params: Any) -> SearchResult:
    return engine.search(SearchRequest.from_params({"q": q, **params}))


def ids(engine: Engine, q: str = "", **params: Any) -> set[str]:
    return {h.id for h in run(engine, q, per_page="50", **params).hits}


# -- both maps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        # "quận 7" and "phường Tân Mỹ" find the same listings whichever layout they were written in
        ("can ho quan 7", {"type": "listing"}, {"q7-legacy", "q7-2025", "q7-rent"}),
        ("can ho phuong tan my", {"type": "listing"}, {"q7-legacy", "q7-2025", "q7-rent"}),
        ("căn hộ phường Tân Mỹ", {"type": "listing"}, {"q7-legacy", "q7-2025", "q7-rent"}),
        # filters in either layout, names in any accepted form
        ("", {"district": "Q7", "type": "listing"}, {"q7-legacy", "q7-2025", "q7-rent"}),
        ("", {"ward_2025": "tan my"}, {"q7-legacy", "q7-2025", "q7-rent"}),
        ("", {"ward_2025": "Phường Hạ Long"}, {"halong-2025"}),
        ("", {"district": "Huyện Vân Đồn"}, {"vandon"}),
        ("", {"district": "tp ha long"}, {"halong-2025"}),
        # a 2025 ward formed from two legacy districts is in each
        ("", {"district": "Thủ Dầu Một"}, {"binhduong"}),
        ("", {"district": "Tân Uyên"}, {"binhduong"}),
        ("", {"province_2025": "Bình Dương"}, {"q7-legacy", "q7-2025", "q7-rent", "q1", "binhduong"}),
        ("", {"province": "Bình Dương"}, {"binhduong"}),
    ],
)
def test_places_in_both_layouts(engine: Engine, query: str, params: dict[str, str], expected: set[str]) -> None:
    assert ids(engine, query, **params) == expected


def test_hits_and_facets_carry_both_layouts(engine: Engine) -> None:
    result = run(engine, "", ward_2025="Phường Bình Dương")
    hit = result.hits[0].to_dict()
    assert {k: hit[k] for k in ("province", "district", "districts", "province_2025", "ward_2025")} == {
        "province": "Tỉnh Bình Dương",
        "district": "Thành phố Thủ Dầu Một",
        "districts": ["Thành phố Thủ Dầu Một", "Thành phố Tân Uyên"],
        "province_2025": "Thành phố Hồ Chí Minh",
        "ward_2025": "Phường Bình Dương",
    }
    districts = {v.value: (v.count, v.selected) for v in run(engine, "", district="Tân Uyên").facets["district"]}
    assert districts["Thành phố Tân Uyên"] == (1, True)
    assert districts["Thành phố Thủ Dầu Một"] == (1, False)
    assert districts["Quận 7"] == (4, False)  # three listings and the news story
    ward_2025 = {v.value: v.count for v in run(engine, "", type="listing").facets["ward_2025"]}
    assert ward_2025["Phường Tân Mỹ"] == 3


def test_recognized_places_carry_both_layouts(engine: Engine) -> None:
    rec = run(engine, "can ho phuong tan my").recognized
    assert {"text": "phuong tan my", "level": "ward_2025", "province_2025": "Thành phố Hồ Chí Minh",
            "ward_2025": "Phường Tân Mỹ", "districts": ["Quận 7"]}.items() <= next(
        r for r in rec if r["level"] == "ward_2025").items()
    q7 = run(engine, "can ho quan 7").recognized
    assert [(r["district"], r["province_2025"]) for r in q7] == [("Quận 7", "Thành phố Hồ Chí Minh")]


# -- understood queries --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("can ho duoi 3 ty", {"q7-legacy"}),  # the 9,5 tỷ flat and the rental are out
        ("căn hộ trên 4 tỷ", {"q7-2025", "q1"}),
        ("can ho q7 3pn", {"q7-2025"}),
        ("cho thue can ho", {"q7-rent"}),
        ("cho thuê căn hộ dưới 20 triệu", {"q7-rent"}),
        ("can ho 15-20 trieu/thang", {"q7-rent"}),
        ("ban can ho phuong tan my", {"q7-legacy", "q7-2025"}),
        ("đất trên 100 m2", {"vandon"}),
        ("nha mat tien 6 ty", {"halong-2025"}),
        ("nhà dưới 3,5 tỷ", {"binhduong"}),  # "nhà" is a house, not a flat
    ],
)
def test_understood_filters_apply(engine: Engine, query: str, expected: set[str]) -> None:
    result = run(engine, query, per_page="50")
    assert ({h.id for h in result.hits}, result.nearest) == (expected, None)


def test_understood_filters_are_listed_and_not_required_as_text(engine: Engine) -> None:
    result = run(engine, "can ho duoi 3 ty")
    assert [(r["level"], r["label"], r["min"], r["max"]) for r in result.recognized] == [
        ("property_type", "Loại: Căn hộ chung cư", None, None),
        ("price", "Giá: dưới 3 tỷ", None, 3_000_000_000),
    ]
    assert not result.relaxed and result.total == 1


def test_nothing_matching_says_so_and_shows_the_nearest(engine: Engine) -> None:
    result = run(engine, "can ho quan 7 duoi 2 ty")
    assert [h.id for h in result.hits] == ["q7-legacy"]
    assert result.nearest == (
        "Không có tin nào khớp mọi điều kiện: Loại: Căn hộ chung cư; Giá: dưới 2 tỷ. "
        "Kết quả gần nhất: Giá: dưới 3 tỷ"
    )
    none = run(engine, "biet thu duoi 1 ty")
    assert (none.total, none.nearest) == (0, "Không có tin nào khớp mọi điều kiện: Loại: Biệt thự; Giá: dưới 1 tỷ")


# -- rent is not sale ------------------------------------------------------------


def test_rent_and_sale_prices_are_apart(engine: Engine) -> None:
    rentals = run(engine, "", transaction="rent")
    assert {v.label: v.count for v in rentals.facets["price_rent"]} == {"10 - 20 triệu/tháng": 1}
    assert rentals.facets["price"] == []
    listings = run(engine, "", type="listing")
    assert sum(v.count for v in listings.facets["price"]) == 6 and "price_rent" in listings.facets
    # a sale band never holds a rental; a rent band is read among rentals
    assert ids(engine, "", price_max="500000000") == set()
    assert ids(engine, "", price_min="10000000", price_max="20000000", transaction="rent") == {"q7-rent"}


def test_price_per_m2_facet_and_sort(engine: Engine) -> None:
    result = run(engine, "", type="listing", sort="price_per_m2_desc", per_page="3")
    assert [h.id for h in result.hits] == ["q1", "halong-2025", "binhduong"]  # 86, 75, 50 triệu/m²
    per_m2 = {v.label: v.count for v in result.facets["price_per_m2"]}
    assert per_m2 == {"Dưới 10 triệu/m²": 1, "30 - 50 triệu/m²": 2, "50 - 70 triệu/m²": 1, "70 - 100 triệu/m²": 2}
    assert ids(engine, "", price_per_m2_min="70000000") == {"q1", "halong-2025"}


# -- similar listings ------------------------------------------------------------


def test_related_listings_rank_by_place_type_transaction_and_price(engine: Engine) -> None:
    related = [h.id for h in engine.related("q7-legacy", limit=4)]
    # same 2025 ward, type and transaction, near price first; the rental (same ward) next
    assert related[:3] == ["q7-2025", "q7-rent", "q1"]
    assert "news-q7" not in related
    halong = [h.id for h in engine.related("halong-2025", limit=2)]
    assert halong[0] == "vandon"  # same province, both for sale; not a Hồ Chí Minh flat


def test_related_articles_stay_text_based(engine: Engine) -> None:
    assert [h.id for h in engine.related("news-q7")] == []
