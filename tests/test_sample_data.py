"""Checks on the sample data the package ships (``newssearch/data/``: JSON Lines and a page text).

The demo command, the Quickstart and many tests read these files, so their
shape is a contract: exact field sets, unique ids, NFC text, official
pre-2025 place names (as known to vietnamadminunits), and listings that
cover the price bands the facets show.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import pytest

ARTICLE_FIELDS = {
    "type", "id", "url", "title", "summary", "body", "captions", "author", "category",
    "tags", "published", "views", "province", "district",
}
ARTICLE_OPTIONAL = {"ward"}
LISTING_FIELDS = {
    "type", "id", "url", "title", "description", "property_type", "transaction",
    "price_text", "price_vnd", "price_per_m2_vnd", "area_m2", "bedrooms", "bathrooms",
    "floors", "direction", "legal_status", "project", "street", "ward", "district",
    "province", "address", "posted",
}
CATEGORIES = {"Xã hội", "Kinh tế", "Du lịch", "Giáo dục", "Bất động sản", "Văn hóa - Thể thao"}
PROPERTY_TYPES = {
    "Nhà phố", "Biệt thự", "Căn hộ chung cư", "Đất nền", "Nhà riêng", "Shophouse", "Condotel",
}
LEGAL_STATUSES = {"Sổ đỏ", "Sổ hồng", "Hợp đồng mua bán", None}

#: The price bands of the listing facet, in VND: [low, high).
PRICE_BANDS = [
    (0, 500e6), (500e6, 800e6), (800e6, 1e9), (1e9, 2e9), (2e9, 3e9), (3e9, 5e9),
    (5e9, 7e9), (7e9, 10e9), (10e9, 20e9), (20e9, 30e9), (30e9, float("inf")),
]


def _load(name: str) -> list[dict[str, Any]]:
    text = resources.files("newssearch").joinpath("data", name).read_text(encoding="utf-8")
    records = []
    for lineno, line in enumerate(text.splitlines(), 1):
        record = json.loads(line)
        assert isinstance(record, dict), f"{name}:{lineno} is not a JSON object"
        records.append(record)
    return records


@cache
def articles() -> list[dict[str, Any]]:
    """The shipped sample articles."""
    return _load("articles.jsonl")


@cache
def listings() -> list[dict[str, Any]]:
    """The shipped sample listings."""
    return _load("listings.jsonl")


@cache
def legacy_places() -> tuple[set[str], set[tuple[str, str]], set[tuple[str, str, str]]]:
    """Provinces, (province, district) and (province, district, ward) from the package data."""
    path = resources.files("vietnamadminunits").joinpath("data", "parser_legacy.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    province_names = {key: p["province"] for key, p in data["DICT_PROVINCE"].items()}
    provinces = set(province_names.values())
    districts: set[tuple[str, str]] = set()
    wards: set[tuple[str, str, str]] = set()
    for pkey, dists in data["DICT_PROVINCE_DISTRICT"].items():
        district_names = {dkey: d["district"] for dkey, d in dists.items()}
        districts |= {(province_names[pkey], name) for name in district_names.values()}
        for table in ("DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED", "DICT_PROVINCE_DISTRICT_WARD_ACCENTED"):
            for dkey, ws in data[table].get(pkey, {}).items():
                if dkey in district_names:
                    wards |= {
                        (province_names[pkey], district_names[dkey], w["ward"]) for w in ws.values()
                    }
    return provinces, districts, wards


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.parametrize(
    ("load", "minimum", "prefix"),
    [(articles, 45, "qn-"), (listings, 70, "bds-")],
    ids=["articles", "listings"],
)
def test_counts_and_unique_ids(load: Any, minimum: int, prefix: str) -> None:
    records = load()
    ids = [r["id"] for r in records]
    assert len(records) >= minimum
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(prefix) for i in ids)
    assert all(r["url"].startswith("https://halongnews.example/") for r in records)
    assert all(r["url"].endswith(f"-{r['id']}.html") for r in records)


def test_ids_unique_across_files() -> None:
    assert not {r["id"] for r in articles()} & {r["id"] for r in listings()}


@pytest.mark.parametrize("load", [articles, listings], ids=["articles", "listings"])
def test_text_is_nfc(load: Any) -> None:
    not_nfc = [
        (r["id"], key)
        for r in load()
        for key, value in r.items()
        for s in _strings(value)
        if not unicodedata.is_normalized("NFC", s)
    ]
    assert not_nfc == []


def test_article_fields() -> None:
    for a in articles():
        assert ARTICLE_FIELDS <= set(a) <= ARTICLE_FIELDS | ARTICLE_OPTIONAL, a["id"]
        assert a["type"] == "article"
        assert a["category"] in CATEGORIES
        assert a["province"] == "Tỉnh Quảng Ninh"
        assert isinstance(a["views"], int) and a["views"] >= 0
        assert date(2019, 1, 1) <= date.fromisoformat(a["published"]) <= date(2025, 12, 31)
        paragraphs = a["body"].split("\n\n")
        assert 3 <= len(paragraphs) <= 6, a["id"]
        assert 120 <= len(a["body"].split()) <= 400, a["id"]
        assert len(a["captions"]) <= 2
        assert all("Ảnh: " in c for c in a["captions"]), a["id"]
        assert all(isinstance(t, str) and t for t in a["tags"])


def test_articles_are_varied() -> None:
    assert {a["category"] for a in articles()} == CATEGORIES
    assert len({a["author"] for a in articles()}) >= 8
    assert {a["published"][:4] for a in articles()} == {str(y) for y in range(2019, 2026)}


def test_listing_fields() -> None:
    for item in listings():
        assert set(item) == LISTING_FIELDS, item["id"]
        assert item["type"] == "listing"
        assert item["property_type"] in PROPERTY_TYPES
        assert item["transaction"] in {"sale", "rent"}
        assert item["legal_status"] in LEGAL_STATUSES
        assert 25 <= item["area_m2"] <= 600
        assert item["bedrooms"] is None or 1 <= item["bedrooms"] <= 6
        assert date(2022, 1, 1) <= date.fromisoformat(item["posted"]) <= date(2025, 12, 31)
        if item["price_text"] == "Thỏa thuận":
            assert item["price_vnd"] is None
        else:
            assert item["price_vnd"] > 0, item["id"]
        if item["transaction"] == "rent":
            assert item["price_text"].endswith("/tháng")
        if item["property_type"] == "Đất nền":
            assert (item["bedrooms"], item["bathrooms"], item["floors"]) == (None, None, None)


def test_listing_prices_agree_with_text() -> None:
    for item in listings():
        text, price, per_m2 = item["price_text"], item["price_vnd"], item["price_per_m2_vnd"]
        if text.endswith("/m²"):
            assert price == pytest.approx(per_m2 * item["area_m2"]), item["id"]
        elif per_m2 is not None:
            assert per_m2 == pytest.approx(price / item["area_m2"], abs=1), item["id"]


@pytest.mark.parametrize("load", [articles, listings], ids=["articles", "listings"])
def test_places_exist_in_legacy_data(load: Any) -> None:
    provinces, districts, wards = legacy_places()
    unknown = []
    for r in load():
        if r["province"] not in provinces:
            unknown.append((r["id"], r["province"]))
        elif (r["province"], r["district"]) not in districts:
            unknown.append((r["id"], r["district"]))
        elif r.get("ward") and (r["province"], r["district"], r["ward"]) not in wards:
            unknown.append((r["id"], r["ward"]))
    assert unknown == []


def test_listing_places_distribution() -> None:
    by_province: dict[str, set[str]] = {}
    for item in listings():
        by_province.setdefault(item["province"], set()).add(item["district"])
    assert set(by_province) == {"Tỉnh Quảng Ninh", "Thành phố Hồ Chí Minh", "Thành phố Hà Nội"}
    assert len(by_province["Tỉnh Quảng Ninh"]) >= 6
    assert {"Quận 7", "Quận Gò Vấp", "Quận 1", "Thành phố Thủ Đức"} <= by_province["Thành phố Hồ Chí Minh"]
    assert {"Quận Tây Hồ", "Quận Cầu Giấy", "Quận Long Biên"} <= by_province["Thành phố Hà Nội"]


def test_price_bands_and_transactions() -> None:
    prices = [item["price_vnd"] for item in listings() if item["price_vnd"] is not None]
    covered = [any(low <= p < high for p in prices) for low, high in PRICE_BANDS]
    assert sum(covered) >= 9, covered
    assert {item["transaction"] for item in listings()} == {"sale", "rent"}


def test_sample_page_text_reads_as_the_readme_says() -> None:
    """``data/article-page.txt``: one full article and two "Các tin khác" stubs, nothing skipped."""
    from pathlib import Path

    from newssearch.documents import Article
    from newssearch.ingest import read_path

    path = Path(str(resources.files("newssearch") / "data" / "article-page.txt"))
    items = list(read_path(path))
    assert all(isinstance(item, Article) for item in items), items
    got = [(a.title, a.published.date() if a.published else None, a.views) for a in items if isinstance(a, Article)]
    assert got == [
        ("Phố đi bộ Bãi Cháy mở cửa đón khách dịp cuối tuần", date(2025, 3, 14), 1356),
        ("Khánh thành nhà văn hóa khu phố 5 phường Hà Khẩu", date(2025, 3, 10), 412),
        ("Hạ Long ra quân dọn vệ sinh bãi biển đầu mùa du lịch", date(2025, 3, 8), 688),
    ]
    first = items[0]
    assert isinstance(first, Article) and first.author == "Minh Châu" and "Hotline" not in first.body
    assert unicodedata.is_normalized("NFC", path.read_text("utf-8"))
