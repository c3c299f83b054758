"""Reading listing filters out of queries: the query set and the edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newssearch.listing_query import ListingQuery, understand, without

QUERIES = Path(__file__).parent / "data" / "listing_queries.jsonl"
#: Share of the query set that must be read exactly as written down.
REQUIRED_RATE = 0.95


def reading(lq: ListingQuery) -> dict[str, Any]:
    """The filters of a reading in the form the query set writes them."""
    out: dict[str, Any] = {}
    for u in lq.understood:
        if u.kind in ("price", "area", "bedrooms"):
            out[u.kind] = [u.lo, u.hi]
            if u.kind == "price" and u.period:
                out["period"] = u.period
        else:
            out[u.kind] = u.value
    return out


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_query_set_is_read_as_written() -> None:
    cases = load()
    assert len(cases) >= 150
    failures = [(c["q"], reading(understand(c["q"])), c["expect"]) for c in cases
                if reading(understand(c["q"])) != c["expect"]]
    rate = 1 - len(failures) / len(cases)
    assert rate >= REQUIRED_RATE, "\n".join(f"{q!r}: got {got}, want {want}" for q, got, want in failures)


@pytest.mark.parametrize(
    "query",
    ["duoi ty", "2-", "999999 ty", "-3 pn", "0m2", "trên 5 tỷ dưới 2 tỷ", "ty ty ty", "m2 m2", "pn",
     "1" * 400 + " ty", "căn hộ " * 50, "\u0301\u0301", "tỷ-", "-", "..", "3,,5 tỷ", "1e9 ty"],
)
def test_bad_input_reads_sensibly_or_not_at_all(query: str) -> None:
    lq = understand(query)
    for u in lq.understood:  # whatever is read is a real, ordered bound
        assert u.lo is None or u.hi is None or 0 < u.lo <= u.hi
        assert query[u.start : u.end] == u.text or u.more


def test_rest_keeps_the_other_words_and_chips_remove_one_filter() -> None:
    lq = understand("bán căn hộ Quận 7 dưới 3 tỷ 2pn")
    assert lq.rest.split() == ["Quận", "7"]
    assert [u.label for u in lq.understood] == [
        "Hình thức: Bán", "Loại: Căn hộ chung cư", "Giá: dưới 3 tỷ", "Phòng ngủ: 2",
    ]
    price = lq.get("price")
    assert price is not None and without(lq.query, price) == "bán căn hộ Quận 7 2pn"
    split = understand("nhà trên 2 tỷ Hạ Long dưới 3 tỷ").get("price")
    assert split is not None and without("nhà trên 2 tỷ Hạ Long dưới 3 tỷ", split) == "nhà Hạ Long"


def test_listings_flag_reads_type_words_alone() -> None:
    assert reading(understand("căn hộ quận 7")) == {}
    assert reading(understand("căn hộ quận 7", listings=True)) == {"property_type": "apartment"}


def test_transaction_said_wins_over_the_price_guess() -> None:
    lq = understand("cho thuê biệt thự 60 triệu")
    assert (lq.transaction, reading(lq)["period"]) == ("rent", "month")
    sale = understand("bán đất 80 triệu")
    assert (sale.transaction, "period" in reading(sale)) == ("sale", False)


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ('"nhà phố" -"cho thuê"', []),  # an excluded rental is no request for rentals
        ('nha pho -"cho thue" duoi 3 ty', ["property_type", "price"]),
        ("can ho -thue 2pn", ["property_type", "bedrooms"]),
        ('"duoi 3 ty"', []),  # quoted: the words themselves are wanted
    ],
)
def test_quoted_phrases_and_exclusions_are_never_read_as_filters(query: str, kinds: list[str]) -> None:
    lq = understand(query)
    assert [u.kind for u in lq.understood] == kinds
    for part in ('"nhà phố"', '-"cho thuê"', '-"cho thue"', "-thue", '"duoi 3 ty"'):
        if part in query:
            assert part in lq.rest
