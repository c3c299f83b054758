"""Readers and record construction: newssearch.ingest."""

from __future__ import annotations

import gzip
import io
import json
import time
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from newssearch.documents import Article, Listing
from newssearch.errors import BadRequest, InvalidRecord
from newssearch.ingest import (
    Deletion,
    IngestItem,
    IngestSummary,
    Problem,
    article_from_record,
    format_counts,
    from_record,
    listing_from_record,
    read_path,
    read_paths,
    record_type,
)
from newssearch.ingest.detect import sniff
from newssearch.ingest.pagetext import is_caption, is_chrome, page_records
from newssearch.ingest.records import (
    MAX_CAPTION_CHARS,
    MAX_CAPTIONS,
    MAX_TEXT_CHARS,
    content_id,
    normalize_url,
    places_in_text,
    title_date_id,
    url_id,
)

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE_PAGE = SHARED / "samples" / "article-page.txt"


def docs(items: Iterable[IngestItem]) -> list[Article | Listing]:
    return [i for i in items if isinstance(i, Article | Listing)]


def articles(items: Iterable[IngestItem]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def problems(items: Iterable[IngestItem]) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def brief(item: IngestItem) -> tuple[str, ...]:
    """A compact, comparable form of an item."""
    if isinstance(item, Problem):
        return ("problem", Path(item.path).name, str(item.line), item.level, item.reason)
    if isinstance(item, Deletion):
        return ("deletion", item.id)
    return (item.type, item.id, item.title)


# --------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------


def test_ids_are_stable_and_derived() -> None:
    # Hard-coded: ids must not change between runs or releases.
    assert title_date_id("Chăm lo cho người yếu thế", date(2022, 6, 17)) == "t-f6bf005f6070ec71"
    # Time of day, accents placement, case and NFD do not matter; the day does.
    assert title_date_id("CHĂM LO CHO NGƯỜI YẾU THẾ", datetime(2022, 6, 17, 10, 30)) == "t-f6bf005f6070ec71"
    nfd = unicodedata.normalize("NFD", "Chăm lo cho người yếu thế")
    assert title_date_id(nfd, date(2022, 6, 17)) == "t-f6bf005f6070ec71"
    assert title_date_id("Chăm lo cho người yếu thế", date(2022, 6, 18)) != "t-f6bf005f6070ec71"
    assert url_id("https://example.vn/a/b-123.html").startswith("u-")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.vn/tin/bai-1.html",
        "http://example.vn/tin/bai-1.html",
        "https://www.example.vn/tin/bai-1.html",
        "https://EXAMPLE.vn/tin/bai-1.html#comments",
        "https://example.vn/tin/bai-1.html?utm_source=fb&utm_medium=x",
        "https://example.vn/tin/bai-1.html/",
        "  https://example.vn/tin/bai-1.html?fbclid=abc ",
    ],
)
def test_url_variants_share_an_id(url: str) -> None:
    assert normalize_url(url) == "https://example.vn/tin/bai-1.html"
    assert url_id(url) == url_id("https://example.vn/tin/bai-1.html")


def test_id_precedence() -> None:
    given = article_from_record({"id": " qn-1 ", "title": "Tiêu đề", "url": "https://a.vn/x"})
    by_url = article_from_record({"title": "Tiêu đề", "url": "https://a.vn/x"})
    by_title = article_from_record({"title": "Tiêu đề", "published": "2024-01-02"})
    assert (given.id, by_url.id, by_title.id) == (
        "qn-1", url_id("https://a.vn/x"), title_date_id("Tiêu đề", date(2024, 1, 2))
    )


# --------------------------------------------------------------------------
# Records -> documents
# --------------------------------------------------------------------------


def test_article_from_corpus_style_record() -> None:
    rec = {
        "id": "x-1",
        "title": "  Hạ   Long đón khách  ",
        "body": "Đoạn một.\r\n\r\n\r\nĐoạn  hai\u200b.\nĐoạn ba.",
        "summary": "Tóm tắt",
        "published": "2026-08-17T23:15:19.939274+07:00",
        "category": "Du lịch",
        "url": "https://x.vn/a",
        "outlet": "Báo Quảng Ninh",
        "tags": ["du lịch", "Hạ Long", "du lịch"],
        "source": "someone/repo:path",
        "license": "none",
    }
    art = article_from_record(rec)
    assert art.to_dict() == {
        "id": "x-1", "title": "Hạ Long đón khách", "url": "https://x.vn/a", "summary": "Tóm tắt",
        "body": "Đoạn một.\n\nĐoạn hai.\nĐoạn ba.", "captions": [], "author": None,
        "category": "Du lịch", "tags": ["du lịch", "Hạ Long"],
        "published": "2026-08-17T23:15:19.939274", "updated": None, "views": None,
        "province": "Tỉnh Quảng Ninh", "district": "Thành phố Hạ Long", "ward": None,
        "source": "Báo Quảng Ninh", "districts": ["Thành phố Hạ Long"], "province_2025": "Tỉnh Quảng Ninh",
        "ward_2025": None, "stub": False, "type": "article",
    }


def test_article_text_is_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "Thuỷ lợi Hoà Bình")
    art = article_from_record({"title": nfd, "body": nfd + "\n" + nfd})
    assert art.title == "Thủy lợi Hòa Bình"
    assert art.body == "Thủy lợi Hòa Bình\nThủy lợi Hòa Bình"


def test_article_without_title_takes_the_first_sentence() -> None:
    art = article_from_record({
        "url_slug": "abc",
        "body": "Sáng nay, hàng nghìn người dân đổ về quảng trường để xem bắn pháo hoa. Sau đó trời mưa.",
    })
    assert art.title == "Sáng nay, hàng nghìn người dân đổ về quảng trường để xem bắn pháo hoa"
    long = article_from_record({"body": "chữ " * 100})
    assert len(long.title) <= 121 and long.title.endswith("…")


@pytest.mark.parametrize(
    ("rec", "message"),
    [
        ({"title": "", "body": "", "summary": ""}, "record has no title and no text"),
        ({"type": "podcast", "title": "A"}, "unknown type 'podcast'; expected 'article' or 'listing'"),
        ({"title": "A"}, "cannot tell whether this record is an article or a listing; "
         "add a \"type\" field or choose the type when indexing"),
        ({"deleted": True}, "a deletion record needs an \"id\" (or \"url\")"),
        ({"id": "x" * 300, "type": "article", "title": "A"}, "id is too long (300 characters; at most 200)"),
    ],
)
def test_invalid_records(rec: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        from_record(rec)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("field", "value", "warning"),
    [
        ("published", "32/13/2020", "invalid date '32/13/2020': month must be in 1..12"),
        ("published", "0001-01-01", "date '0001-01-01' is out of range: expected a year from 1900 to 2099"),
        ("published", "01/01/0001", "date '01/01/0001' is out of range: expected a year from 1900 to 2099"),
        ("published", ["2022"], "expected text or a number, not a list (['2022'])"),
        ("views", "-5", "invalid number '-5': must not be negative"),
        ("views", 1e300, "1e+300 is implausibly large (over 1,000,000,000,000)"),
        ("views", float("inf"), "invalid number inf: must not be negative"),
        ("bedrooms", 1e20, "1e+20 is implausibly large (over 1,000)"),
        ("bedrooms", {"n": 3}, "expected text or a number, not a dict ({'n': 3})"),
        ("price_vnd", -5, "invalid price -5: must be a positive number"),
        ("price_vnd", 1e30, "1e+30 is implausibly large"),
        ("area_m2", "-40 m2", "invalid area '-40 m2': negative"),
        ("area_m2", 1e12, "1000000000000.0 is implausibly large (over 1,000,000,000)"),
        ("price_text", "-5 tỷ", "invalid price '-5 tỷ': negative amount"),
        ("posted", "hôm qua", "invalid date 'hôm qua': expected dd/mm/yyyy or yyyy-mm-dd"),
        ("bedrooms", "-2", "invalid number '-2': must not be negative"),
    ],
)
def test_bad_field_is_left_empty_with_a_warning_and_the_record_kept(field: str, value: Any, warning: str) -> None:
    warnings: list[str] = []
    kind = "article" if field in ("published", "views") else "listing"
    doc = from_record({"id": "x1", "type": kind, "title": "Nhà phố Hạ Long", field: value}, warnings=warnings)
    assert isinstance(doc, Article | Listing) and doc.id == "x1"
    name = {"published": "published", "price_text": "price_vnd"}.get(field, field)
    assert getattr(doc, name) is None
    assert warnings == [f"field {field!r}: {warning}; left empty"]


def test_year_one_record_does_not_abort_the_run(tmp_path: Path) -> None:
    from newssearch.indexer import IndexStore

    feed = tmp_path / "feed.jsonl"
    lines = [{"id": f"a{i}", "type": "article", "title": f"Tin số {i}", "published": "2022-06-17"} for i in range(5)]
    lines[2]["published"] = "0001-01-01"
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    report = IndexStore(tmp_path / "idx").write(read_paths([feed]))
    assert (report.added, report.skipped, report.warnings) == (5, 0, 1)


def test_ids_derived_from_content_keep_same_title_listings_apart() -> None:
    rows = [
        {"title": "Bán nhà riêng", "price": "2 tỷ", "address": "Phường Bãi Cháy"},
        {"title": "Bán nhà riêng", "price": "3 tỷ", "address": "Phường Hồng Gai"},
        {"title": "Bán nhà riêng", "price": "2 tỷ", "address": "Phường Hà Khẩu"},
    ]
    warnings: list[str] = []
    ids = [listing_from_record(r, warnings).id for r in rows]
    assert len(set(ids)) == 3 and all(i.startswith("c-") for i in ids)
    assert warnings == ["no id, url or date: the id was derived from the record's content, so an edited "
                        "copy becomes a new document; give records an id"] * 3
    # The same content (here in NFD) gets the same id; a date keeps the title-and-day id.
    nfd = {k: unicodedata.normalize("NFD", v) for k, v in rows[0].items()}
    assert listing_from_record(nfd).id == ids[0]
    assert listing_from_record({**rows[0], "posted": "17/06/2022"}).id.startswith("t-")


def test_a_million_captions_are_capped_fast() -> None:
    article_from_record({"id": "w", "title": "Hạ Long"})  # loads the gazetteer once, outside the timing
    warnings: list[str] = []
    started = time.perf_counter()
    art = article_from_record(
        {"id": "c1", "title": "Ảnh", "captions": ["Ảnh: vịnh Hạ Long " * 200] * 1_000_000}, warnings
    )
    assert time.perf_counter() - started < 1.0
    assert len(art.captions) == MAX_CAPTIONS and all(len(c) <= MAX_CAPTION_CHARS for c in art.captions)
    assert warnings[0] == f"captions has 1,000,000 items; kept the first {MAX_CAPTIONS}"
    assert len(json.dumps(art.to_dict(), ensure_ascii=False)) < 400_000


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("1,5 tỷ - 2 tỷ", (None, 1.5e9, 2e9, "sale")),
        ("1,5 - 2 tỷ", (None, 1.5e9, 2e9, "sale")),
        ("900 triệu - 1,2 tỷ", (None, 9e8, 1.2e9, "sale")),
        ("5 - 7 triệu/tháng", (None, 5e6, 7e6, "rent")),
        ("3,2 tỷ", (3.2e9, None, None, "sale")),
    ],
)
def test_price_ranges_become_a_min_and_max(price: str, expected: tuple[Any, ...]) -> None:
    warnings: list[str] = []
    listing = listing_from_record({"id": "r1", "title": "Nhà", "price_text": price, "transaction": None}, warnings)
    got = (listing.price_vnd, listing.price_min_vnd, listing.price_max_vnd, listing.transaction or "sale")
    assert (got, warnings) == (expected, [])


def test_long_form_vietnamese_dates_parse() -> None:
    listing = listing_from_record({"title": "Nhà", "posted": "Ngày 17 tháng 06 năm 2024"})
    assert listing.posted == datetime(2024, 6, 17)


def test_image_url_is_kept_when_it_is_a_web_link() -> None:
    got = [
        listing_from_record({"title": "Nhà", **extra}).image_url
        for extra in ({"image_url": "https://img.example/a.jpg"}, {"images": ["", "http://img.example/b.jpg"]},
                      {"image": "javascript:alert(1)"}, {})
    ]
    assert got == ["https://img.example/a.jpg", "http://img.example/b.jpg", None, None]


@pytest.mark.parametrize(
    ("rec", "default", "expected"),
    [
        ({"type": "article"}, None, "article"),
        ({"type": "Listing"}, None, "listing"),
        ({"type": "tin"}, None, "article"),
        ({"type": "nhà đất"}, None, "listing"),
        ({"type": "listing", "body": "x"}, "article", "listing"),
        ({"title": "A"}, "listing", "listing"),
        ({"title": "A", "price_text": "2 tỷ", "body": "x"}, None, "listing"),
        ({"title": "A", "area_m2": 50}, None, "listing"),
        ({"title": "A", "address": "Hạ Long"}, None, "listing"),
        ({"title": "A", "bedrooms": 2}, None, "listing"),
        ({"title": "A", "body": "x"}, None, "article"),
        ({"title": "A", "published": "2024-01-01"}, None, "article"),
        ({"title": "A", "category": "Xã hội"}, None, "article"),
        ({"title": "A", "transaction": "sale"}, None, "listing"),
    ],
)
def test_record_type(rec: dict[str, Any], default: Any, expected: str) -> None:
    assert record_type(rec, default) == expected


def test_deletion_records() -> None:
    assert from_record({"id": "qn-1", "deleted": True}) == Deletion("qn-1")
    assert from_record({"id": "qn-2", "deleted": "true"}) == Deletion("qn-2")
    assert from_record({"url": "https://a.vn/x", "deleted": 1}) == Deletion(url_id("https://a.vn/x"))
    assert from_record({"id": 7, "action": "delete"}) == Deletion("7")


def test_listing_from_structured_record() -> None:
    rec = {
        "id": "vn-1", "province": "Tỉnh Hưng Yên", "district": "Huyện Văn Giang", "ward": "Xã Long Hưng",
        "address": "Dự án Ocean Park 2, Xã Long Hưng, Văn Giang, Hưng Yên", "price_vnd": 8600000000,
        "price_text": "8.6 tỷ", "price_per_m2_vnd": 102380952, "area_m2": 84.0, "transaction": "sale",
        "site": "batdongsan.example", "legal_status": "Have certificate", "floors": 4,
    }
    assert listing_from_record(rec).to_dict() == {
        "id": "vn-1", "title": "Dự án Ocean Park 2, Xã Long Hưng, Văn Giang, Hưng Yên", "url": None,
        "description": "", "property_type": None, "transaction": "sale", "price_vnd": 8.6e9,
        "price_text": "8.6 tỷ", "price_per_m2_vnd": 102380952.0, "area_m2": 84.0, "bedrooms": None,
        "bathrooms": None, "floors": 4, "direction": None, "legal_status": "Have certificate",
        "project": None, "street": None, "address": "Dự án Ocean Park 2, Xã Long Hưng, Văn Giang, Hưng Yên",
        "ward": "Xã Long Hưng", "district": "Huyện Văn Giang", "province": "Tỉnh Hưng Yên",
        "districts": ["Huyện Văn Giang"], "province_2025": "Tỉnh Hưng Yên", "ward_2025": "Xã Nghĩa Trụ",
        "price_min_vnd": None, "price_max_vnd": None, "image_url": None, "posted": None, "source": "batdongsan.example", "type": "listing",
    }


def test_listing_places_prices_and_areas_from_text() -> None:
    listing = listing_from_record({
        "title": "Bán nhà 3 tầng, 3PN", "address": "Ngõ 8 Nguyễn Văn Cừ, phường Hồng Hải, TP Hạ Long, Quảng Ninh",
        "price_text": "3,2 tỷ", "area": "5x13m", "bedrooms": "3 PN", "transaction": "Bán",
    })
    assert (listing.province, listing.district, listing.ward) == (
        "Tỉnh Quảng Ninh", "Thành phố Hạ Long", "Phường Hồng Hải"
    )
    assert (listing.price_vnd, listing.area_m2, listing.price_per_m2_vnd, listing.bedrooms, listing.transaction) == (
        3.2e9, 65.0, 49230769, 3, "sale"
    )


def test_listing_loose_place_names_are_resolved() -> None:
    listing = listing_from_record({"title": "Căn hộ", "province": "TP.HCM", "district": "Q.7", "ward": "Tân Phong"})
    assert (listing.province, listing.district, listing.ward) == (
        "Thành phố Hồ Chí Minh", "Quận 7", "Phường Tân Phong"
    )


def test_listing_rent_and_negotiable() -> None:
    rent = listing_from_record({"title": "Cho thuê studio", "price_text": "6,5 triệu/tháng", "area_m2": 25})
    deal = listing_from_record({"title": "Biệt thự", "price_text": "Thỏa thuận", "area_m2": 300})
    assert (rent.transaction, rent.price_vnd, rent.price_per_m2_vnd) == ("rent", 6.5e6, None)
    assert (deal.price_vnd, deal.price_text) == (None, "Thỏa thuận")


def test_implausible_sale_price_from_text_is_dropped_with_a_warning() -> None:
    warnings: list[str] = []
    listing = listing_from_record(
        {"id": "n1", "title": "Nhà Quận 1", "price_text": "6.5 triệu", "area_m2": 46}, warnings
    )
    assert (listing.price_vnd, listing.price_text) == (None, "6.5 triệu")
    assert warnings == ["price '6.5 triệu' is implausibly low for a sale; price_vnd left empty"]


def test_article_places_from_text() -> None:
    assert places_in_text("Hạ Long chỉnh trang bãi biển") .district == "Thành phố Hạ Long"
    body = "Tại TP Uông Bí, đoàn công tác đã thăm hỏi. Sau đó đoàn đến TP Hạ Long. TP Hạ Long có nhiều dự án."
    found = places_in_text("Chăm lo cho người yếu thế", "", body)
    assert (found.province, found.district) == ("Tỉnh Quảng Ninh", "Thành phố Hạ Long")
    # Two districts, once each, none in the title: not confident.
    unsure = places_in_text("Tin tổng hợp", "", "Tại TP Uông Bí có mưa. Ở TP Cẩm Phả trời nắng.")
    assert unsure.district is None
    # Explicit places win over recognition.
    art = article_from_record({"title": "Tin TP Hạ Long", "province": "Quảng Ninh", "district": "Cẩm Phả"})
    assert (art.province, art.district) == ("Tỉnh Quảng Ninh", "Thành phố Cẩm Phả")


def test_huge_body_is_cut_with_a_warning() -> None:
    warnings: list[str] = []
    body = ("Một câu rất dài về chuyện thời sự. " * 20 + "\n") * (MAX_TEXT_CHARS // 600)
    art = article_from_record({"id": "d1", "title": "Dài", "body": body}, warnings)
    assert len(art.body) <= MAX_TEXT_CHARS
    assert len(warnings) == 1 and warnings[0].startswith("body has ")


# --------------------------------------------------------------------------
# Page text
# --------------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLE_PAGE.exists(), reason=f"the shared sample page is not at {SAMPLE_PAGE}")
def test_sample_page_text() -> None:
    items = list(read_paths([SAMPLE_PAGE]))
    assert problems(items) == []
    main, *stubs = articles(items)
    assert (main.title, main.published, main.views, main.author, main.stub) == (
        "Chăm lo cho người yếu thế", datetime(2022, 6, 17), 211, "Hoàng Giang", False
    )
    assert main.id == title_date_id("Chăm lo cho người yếu thế", date(2022, 6, 17))
    assert len(main.captions) == 2
    assert main.captions[0].endswith("Ảnh: Phương Loan (Trung tâm TT-VH Hạ Long)")
    assert main.captions[1].endswith("Ảnh: Mạnh Trường")
    assert main.body.startswith("Tinh thần “không để ai bị bỏ lại phía sau”")
    assert main.body.endswith("trong toàn tỉnh.")
    for chrome in ("Hotline", "Chat Zalo", "Chat Facebook", "098.256.8899", "Gọi ngay", "Tìm kiếm nhà đất",
                   "Harbor Bay", "Cập nhật", "Lượt xem", "Các tin khác", "Ảnh:", "Hoàng Giang"):
        assert chrome not in main.body
    assert main.body.count("\n") == 9  # 10 paragraphs: captions and by-line are not in the body
    assert (main.province, main.district) == ("Tỉnh Quảng Ninh", "Thành phố Hạ Long")
    assert [(s.stub, s.published, s.views) for s in stubs] == [
        (True, datetime(2022, 6, 10), 262),
        (True, datetime(2022, 6, 2), 312),
        (True, datetime(2022, 5, 27), 199),
        (True, datetime(2022, 5, 13), 272),
        (True, datetime(2022, 5, 6), 286),
        (True, datetime(2022, 4, 15), 289),
    ]
    assert [bool(s.summary) for s in stubs] == [True, True, True, False, False, False]
    assert stubs[2].title == "1,2 tỷ đồng dành tặng hộ nghèo huyện Bình Liêu xây nhà mới"
    assert stubs[2].district == "Huyện Bình Liêu"
    assert all(s.id == title_date_id(s.title, s.published) for s in stubs)


def test_page_text_fixture_and_stub_ids_match_full_articles() -> None:
    items = list(read_path(FIXTURES / "article-page-2.txt"))
    assert problems(items) == []
    main, *stubs = articles(items)
    assert (main.title, main.published, main.views, main.author) == (
        "Mở cánh cửa việc làm cho người khuyết tật", datetime(2023, 3, 24), 187, "Lê Hương"
    )
    assert [c.rsplit("Ảnh:", 1)[1].strip() for c in main.captions] == ["Quốc Bảo", "Quốc Bảo"]
    assert "0912" not in main.body and "Hotline" not in main.body
    assert [(s.title, s.published, s.views) for s in stubs] == [
        ("Ra mắt mô hình tủ sách cộng đồng ở các khu phố TP Hạ Long", datetime(2023, 3, 5), 245),
        ("Hơn 2.000 lao động được giới thiệu việc làm tại phiên giao dịch đầu năm", datetime(2023, 2, 17), 318),
        ("Trao 120 suất học bổng cho học sinh vượt khó ở Đầm Hà", datetime(2023, 2, 10), 203),
        ("Chung tay sửa nhà cho người cao tuổi neo đơn ở Tiên Yên", datetime(2023, 1, 27), 176),
    ]
    # The same article later read in full from its own page text gets the stub's id.
    page = "Ra mắt mô hình tủ sách cộng đồng ở các khu phố TP Hạ Long\nCập nhật: 05/03/2023 -\n\nNội dung."
    full = articles(docs_from_text(page))[0]
    assert full.id == stubs[0].id and not full.stub


def docs_from_text(text: str) -> list[IngestItem]:
    return [from_record(r) for r in page_records(text)]


def test_page_text_without_date_or_title() -> None:
    assert page_records("") == []
    assert page_records("Hotline: 0912 345 678\nChat Zalo\n") == []
    rec = page_records("Một tiêu đề\nĐoạn văn đầu.\nĐoạn văn sau.")
    assert [(r["title"], r["body"], r["published"]) for r in rec] == [
        ("Một tiêu đề", "Đoạn văn đầu.\nĐoạn văn sau.", None)
    ]


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("Hotline: 098.256.8899", True),
        ("098.256.8899  -  091.689.7273", True),
        ("Chat Zalo", True),
        ("Gọi ngay", True),
        ("Tìm kiếm nhà đất", True),
        ("", True),
        ("Chăm lo cho người yếu thế", False),
        ("Liên hệ ông Nam, số 0912 345 678, để được hướng dẫn làm hồ sơ hỗ trợ sinh kế cho các hộ nghèo.", False),
    ],
)
def test_is_chrome(line: str, chrome: bool) -> None:
    assert is_chrome(line) is chrome


@pytest.mark.parametrize(
    ("paragraph", "caption"),
    [
        ("Lãnh đạo tỉnh thăm hỏi gia đình. Ảnh: Mạnh Trường", True),
        ("CLB ra mắt tháng 5/2022. Ảnh: Phương Loan (Trung tâm TT-VH Hạ Long)", True),
        ("Người dân đi bầu cử (Ảnh: TTXVN).", True),
        ("Ảnh minh họa", True),
        ("Trong ảnh: nhiều người. Theo báo cáo, tỉnh có 2 cơ sở bảo trợ xã hội công lập đang hoạt động.", False),
        ("Tinh thần không để ai bị bỏ lại phía sau.", False),
    ],
)
def test_is_caption(paragraph: str, caption: bool) -> None:
    assert is_caption(paragraph) is caption


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


def test_html_article_page() -> None:
    items = list(read_path(FIXTURES / "article.html"))
    assert problems(items) == []
    main, *stubs = articles(items)
    url = "https://halongnews.example/tin-tuc/ra-mat-mo-hinh-tu-sach-cong-dong-o-cac-khu-pho-tp-ha-long-qn-0901.html"
    assert (main.id, main.title, main.url, main.published, main.author, main.views, main.category) == (
        url_id(url), "Ra mắt mô hình tủ sách cộng đồng ở các khu phố TP Hạ Long", url,
        datetime(2023, 3, 5, 8, 30), "Minh Anh", 245, "Văn hóa - Thể thao",
    )
    assert main.summary.startswith("Hơn 30 tủ sách cộng đồng vừa được đặt")
    assert main.captions == [
        "Các em học sinh đọc sách tại tủ sách cộng đồng khu 6, phường Hồng Hải. Ảnh: Thu Hà",
        "Tình nguyện viên sắp xếp sách trước buổi ra mắt. Ảnh: Thu Hà",
    ]
    assert main.body.startswith("Sáng 4/3, tại nhà văn hóa khu 6")
    assert main.body.endswith("thông qua Thư viện tỉnh.")
    for chrome in ("Hotline", "Chat Zalo", "Trang chủ", "Tìm kiếm", "Chia sẻ", "0912", "Ảnh:", "©",
                   "Tin liên quan", "Minh Anh", "dataLayer"):
        assert chrome not in main.body
    assert (main.province, main.district) == ("Tỉnh Quảng Ninh", "Thành phố Hạ Long")
    assert [(s.stub, s.title, s.published, s.url) for s in stubs] == [
        (True, "Ngày hội đọc sách cho học sinh tiểu học Bãi Cháy", datetime(2023, 2, 20),
         "https://halongnews.example/tin-tuc/hoc-sinh-nghe-doc-sach-qn-0902.html"),
        (True, "Thư viện tỉnh ra mắt thư viện số phục vụ bạn đọc", datetime(2023, 1, 14),
         "https://halongnews.example/tin-tuc/thu-vien-so-qn-0903.html"),
        (True, "Xe thư viện lưu động đến với học sinh vùng cao Ba Chẽ", datetime(2022, 12, 28),
         "https://halongnews.example/tin-tuc/xe-thu-vien-luu-dong-qn-0904.html"),
    ]


def test_html_without_an_article(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text("<html><head></head><body></body></html>", "utf-8")
    (tmp_path / "menu.html").write_text("<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>", "utf-8")
    got = [brief(i) for i in read_path(tmp_path)]
    assert got == [
        ("problem", "empty.html", "None", "error", "no article found in the HTML page (no title or text)"),
        ("problem", "menu.html", "None", "error", "no article found in the HTML page (no title or text)"),
    ]


def test_minimal_html_page_falls_back_to_page_text(tmp_path: Path) -> None:
    html = (
        "<html><body><div>Hotline: 0912 345 678</div><h1>Chợ đêm Hạ Long mở cửa</h1>"
        "<div>Cập nhật: 01/07/2024</div><p>Chợ đêm mở cửa từ 18 giờ.</p></body></html>"
    )
    (tmp_path / "p.htm").write_text(html, "utf-8")
    (main,) = articles(read_path(tmp_path / "p.htm"))
    assert (main.title, main.published) == ("Chợ đêm Hạ Long mở cửa", datetime(2024, 7, 1))
    assert "Chợ đêm mở cửa từ 18 giờ." in main.body and "Hotline" not in main.body


# --------------------------------------------------------------------------
# JSON Lines, JSON
# --------------------------------------------------------------------------


def test_broken_jsonl_fixture() -> None:
    got = [brief(i) for i in read_path(FIXTURES / "broken.jsonl")]
    assert got == [
        ("article", "qn-9001", "Phố đi bộ Bãi Cháy mở cửa trở lại"),
        ("problem", "broken.jsonl", "2", "error", "invalid JSON: Unterminated string starting at (column 86)"),
        ("listing", "bds-9001", "Bán nhà 2 tầng Hà Lầm, Hạ Long, 50m2"),
        ("problem", "broken.jsonl", "4", "error", "expected a JSON object, got list"),
        ("problem", "broken.jsonl", "5", "error", "record has no title and no text"),
        ("listing", "bds-9002", "Bán đất giá âm do nhập sai"),
        ("problem", "broken.jsonl", "6", "warning",
         "field 'price_vnd': invalid price -5000000000: must be a positive number; left empty"),
        ("article", "qn-9005", "Ngày đăng không hợp lệ"),
        ("problem", "broken.jsonl", "7", "warning",
         "field 'published': invalid date '32/13/2020': month must be in 1..12; left empty"),
        ("deletion", "qn-0001"),
    ]


@pytest.mark.parametrize("reader", ["jsonl", "json"])
def test_streams_read_like_files(reader: str) -> None:
    """Standard input and request bodies go through the same readers as files."""
    from newssearch.ingest import read_stdin
    from newssearch.ingest.jsonl import read_json_stream

    def unplaced(items: Iterable[IngestItem]) -> list[tuple[str, ...]]:
        return [b[:1] + b[2:] if b[0] == "problem" else b for b in map(brief, items)]

    stream = io.BytesIO((FIXTURES / "broken.jsonl").read_bytes())
    items = read_stdin(stream=stream) if reader == "jsonl" else read_json_stream(stream, "<stdin>")
    # (a JSON body of several lines is read as JSON Lines, as a .json file is)
    assert unplaced(items) == unplaced(read_path(FIXTURES / "broken.jsonl"))
    assert not stream.closed  # standard input stays usable


def test_truncated_gzip_yields_the_records_before_the_damage() -> None:
    got = [brief(i) for i in read_path(FIXTURES / "truncated.jsonl.gz")]
    assert got[:-1] == [
        ("article", "tr-0001", "Ngư dân Cô Tô trúng mùa mực"),
        ("article", "tr-0002", "Móng Cái chỉnh trang tuyến phố đi bộ ven sông Ka Long"),
        ("article", "tr-0003", "Hải Hà mở lớp dạy nghề trồng quế cho đồng bào Dao"),
        ("article", "tr-0004", "Uông Bí khởi công trường mầm non mới ở phường Nam Khê"),
    ]
    kind, name, _line, level, reason = got[-1]
    assert (kind, name, level) == ("problem", "truncated.jsonl.gz", "error")
    assert reason.startswith("truncated or damaged gzip after line 4")


def test_gzip_is_transparent_and_detected_by_content(tmp_path: Path) -> None:
    line = json.dumps({"type": "article", "id": "g-1", "title": "Nén gzip"}, ensure_ascii=False) + "\n"
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(line)
    with gzip.open(tmp_path / "feed.dat", "wt", encoding="utf-8") as f:  # no known extension
        f.write(line.replace("g-1", "g-2"))
    assert [brief(i) for i in read_path(tmp_path)] == [
        ("article", "g-1", "Nén gzip"), ("article", "g-2", "Nén gzip"),
    ]


def test_cp1258_bytes_are_decoded_with_a_warning(tmp_path: Path) -> None:
    good = json.dumps({"type": "article", "id": "e-1", "title": "Tin một"}, ensure_ascii=False) + "\n"
    legacy = json.dumps({"type": "article", "id": "e-2", "title": "Tin hai"}, ensure_ascii=False) + "\n"
    # Windows-1258 has ê but writes tone marks as combining characters.
    cp1258_text = "Ti\u00ea\u0301ng Vi\u00ea\u0323t"
    raw = good.encode("utf-8") + legacy.replace("Tin hai", cp1258_text).encode("cp1258")
    (tmp_path / "mixed.jsonl").write_bytes(raw)
    items = list(read_path(tmp_path / "mixed.jsonl"))
    assert [brief(i)[:3] for i in items] == [
        ("article", "e-1", "Tin một"),
        ("problem", "mixed.jsonl", "2"),
        ("article", "e-2", "Tiếng Việt"),
    ]
    warning = items[1]
    assert isinstance(warning, Problem) and warning.level == "warning" and not warning.skipped
    assert "decoded as Windows-1258" in warning.reason


def test_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    body = '{"type": "article", "id": "b-1", "title": "Có BOM"}\r\n\r\n  \r\n{"id": "b-1", "deleted": true}\r\n'
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert [brief(i) for i in read_path(tmp_path / "bom.jsonl")] == [
        ("article", "b-1", "Có BOM"), ("deletion", "b-1"),
    ]


def test_json_array_object_and_wrapper(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([
        {"type": "article", "id": "j-1", "title": "Một"},
        {"type": "listing", "id": "j-2", "title": "Hai", "price_text": "2 tỷ"},
        {"type": "article", "title": ""},
    ], ensure_ascii=False), "utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"type": "article", "id": "j-3", "title": "Ba"}), "utf-8")
    (tmp_path / "c.json").write_text(json.dumps({
        "articles": [{"id": "j-4", "title": "Bốn"}], "listings": [{"id": "j-5", "title": "Năm"}],
    }), "utf-8")
    (tmp_path / "d.json").write_text('{"type": "article", "id": "j-6", "title": "Sáu"}\n'
                                     '{"type": "article", "id": "j-7", "title": "Bảy"}\n', "utf-8")
    (tmp_path / "e.json").write_text('[{"id": 1,', "utf-8")
    assert [brief(i) for i in read_path(tmp_path)] == [
        ("article", "j-1", "Một"),
        ("listing", "j-2", "Hai"),
        ("problem", "a.json", "None", "error", "[2]: record has no title and no text"),
        ("article", "j-3", "Ba"),
        ("article", "j-4", "Bốn"),
        ("listing", "j-5", "Năm"),
        ("article", "j-6", "Sáu"),
        ("article", "j-7", "Bảy"),
        ("problem", "e.json", "1", "error", "invalid JSON: Expecting property name enclosed in double quotes (column 11)"),
    ]


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def test_vietnamese_csv_with_bom() -> None:
    items = list(read_path(FIXTURES / "listings.csv"))
    assert [brief(i) for i in problems(items)] == [
        ("problem", "listings.csv", "7", "warning", "field 'price': invalid price '-5 tỷ': negative amount; left empty"),
    ]
    rows = [(d.title, d.price_vnd, d.price_text, d.area_m2, getattr(d, "bedrooms", None),
             d.district, d.ward, d.province) for d in docs(items) if isinstance(d, Listing)]
    assert rows[:4] == [
        ("Bán nhà phố 3 tầng Hồng Hải, Hạ Long, 65m2", 3.2e9, "3,2 tỷ", 65.0, 3,
         "Thành phố Hạ Long", "Phường Hồng Hải", "Tỉnh Quảng Ninh"),
        ("Bán nhà 2 tầng Cẩm Trung, Cẩm Phả", 1.2e9, "1 tỷ 200 triệu", 50.0, 2,
         "Thành phố Cẩm Phả", "Phường Cẩm Trung", "Tỉnh Quảng Ninh"),
        ("Biệt thự Vinhomes Dragon Bay view vịnh", None, "Thỏa thuận", 300.0, 5,
         "Thành phố Hạ Long", "Phường Hồng Gai", "Tỉnh Quảng Ninh"),
        ("Bán đất MT đường 15m Cao Xanh", 2.9e9, "2,9 tỷ", 100.0, None,
         "Thành phố Hạ Long", "Phường Cao Xanh", "Tỉnh Quảng Ninh"),
    ]
    assert len(rows) == 8  # the row with a negative price is kept, without a price
    rent = next(d for d in docs(items) if isinstance(d, Listing) and d.transaction == "rent")
    assert (rent.price_vnd, rent.district, rent.province) == (1.2e7, "Quận 7", "Thành phố Hồ Chí Minh")
    multiline = docs(items)[-1]
    assert isinstance(multiline, Listing)
    assert multiline.description == 'Căn hộ tầng 5 "view biển", 2 phòng ngủ.\nSổ hồng chính chủ, bàn giao ngay.'
    assert all(d.posted is not None and d.url for d in docs(items) if isinstance(d, Listing))


def test_english_csv() -> None:
    items = list(read_path(FIXTURES / "listings_en.csv"))
    assert problems(items) == []
    got = [(d.id, d.price_vnd, d.area_m2, d.transaction, d.posted) for d in docs(items) if isinstance(d, Listing)]
    assert got == [
        (url_id("https://nhadat.example/en-2001"), 8.9e9, 85.0, None, datetime(2024, 5, 1)),
        (url_id("https://nhadat.example/en-2002"), 3.9e9, 76.0, None, datetime(2024, 6, 12)),
        (url_id("https://nhadat.example/en-2003"), None, 250.0, None, datetime(2023, 12, 20)),
        (url_id("https://nhadat.example/en-2004"), 6.5e6, 25.0, "rent", datetime(2024, 2, 29)),
        (url_id("https://nhadat.example/en-2005"), 4.8e8, 80.0, None, datetime(2023, 9, 14)),
    ]


def test_csv_semicolons_unknown_columns_and_articles(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "Tiêu đề;Giá;Màu sơn;Quận\nNhà đẹp;2 tỷ;xanh;Q.7\n;;;\n", "utf-8"
    )
    (tmp_path / "b.csv").write_text("title,body,published\nTin mới,Nội dung,17/06/2022\n", "utf-8")
    (tmp_path / "c.csv").write_text("foo,bar\n1,2\n", "utf-8")
    items = list(read_paths([tmp_path / "a.csv", tmp_path / "b.csv"]))
    assert [brief(i) for i in items] == [
        ("problem", "a.csv", "1", "warning", "ignored unknown columns: 'Màu sơn'"),
        ("listing", content_id({"title": "Nhà đẹp", "price": "2 tỷ", "district": "Q.7"}), "Nhà đẹp"),
        ("problem", "a.csv", "2", "warning", "no id, url or date: the id was derived from the record's "
         "content, so an edited copy becomes a new document; give records an id"),
        ("listing", title_date_id("Tin mới", date(2022, 6, 17)), "Tin mới"),
    ]
    articles = list(read_path(tmp_path / "b.csv", doc_type="article"))
    assert [brief(i) for i in articles] == [("article", title_date_id("Tin mới", date(2022, 6, 17)), "Tin mới")]
    (bad,) = problems(read_path(tmp_path / "c.csv"))
    assert bad.reason.startswith("no known column in the header (found: 'foo', 'bar')")


def test_utf16_csv(tmp_path: Path) -> None:
    (tmp_path / "excel.csv").write_bytes("Tiêu đề\tGiá\nNhà phố\t3 tỷ\n".encode("utf-16"))
    (listing,) = docs(read_path(tmp_path / "excel.csv"))
    assert isinstance(listing, Listing)
    assert (listing.title, listing.price_vnd) == ("Nhà phố", 3e9)


# --------------------------------------------------------------------------
# Paths, detection, summary
# --------------------------------------------------------------------------


def test_directory_walk_empty_unknown_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    write_jsonl(tmp_path / "b.jsonl", [{"type": "article", "id": "d-2", "title": "Hai"}])
    write_jsonl(tmp_path / "sub" / "deeper" / "a.jsonl", [{"type": "article", "id": "d-3", "title": "Ba"}])
    write_jsonl(tmp_path / "a.jsonl", [{"type": "article", "id": "d-1", "title": "Một"}])
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "notes.md").write_text("# ghi chú\n", "utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.jsonl").write_text("not json", "utf-8")
    (tmp_path / "feed").write_text('{"type": "article", "id": "d-4", "title": "Bốn"}\n', "utf-8")
    got = [brief(i) for i in read_paths([tmp_path, tmp_path / "missing.jsonl"])]
    unknown = "unknown file type {}: not JSON, CSV or HTML by its content either; use one of "
    assert [g[:3] for g in got] == [
        ("article", "d-1", "Một"),
        ("article", "d-2", "Hai"),
        ("problem", "empty.jsonl", "None"),
        ("article", "d-4", "Bốn"),
        ("problem", "notes.md", "None"),
        ("problem", "photo.png", "None"),
        ("article", "d-3", "Ba"),
        ("problem", "missing.jsonl", "None"),
    ]
    assert got[2][3:] == ("warning", "file is empty")
    assert got[4][4].startswith(unknown.format(".md"))
    assert got[5][4].startswith(unknown.format(".png"))
    assert got[7][3:] == ("error", "no such file or directory")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'[{"id": 1}]', "json"),
        (b'\xef\xbb\xbf  {"id": 1}\n', "jsonl"),
        (b"<!DOCTYPE html><html>", "html"),
        (b"Ti\xc3\xaau \xc4\x91\xe1\xbb\x81,Gi\xc3\xa1,Di\xe1\xbb\x87n t\xc3\xadch\n", "csv"),
        (b"hello world\n", None),
        (b"", None),
        (b"\x00\x01\x02", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


def test_invalid_doc_type_is_rejected_at_once() -> None:
    with pytest.raises(BadRequest) as info:
        read_paths([], doc_type="news")
    assert info.value.message == "unknown document type 'news'; use 'article' or 'listing'"


def test_summary_counts_what_was_read() -> None:
    summary = IngestSummary(max_problems=2)
    items = list(summary.track(read_paths([FIXTURES / "broken.jsonl", FIXTURES / "article-page-2.txt"])))
    assert len(items) == 15
    assert summary.to_dict() == {
        "articles": 7, "stubs": 4, "listings": 2, "deletions": 1, "skipped": 3, "warnings": 2,
        "problems": [p.to_dict() for p in problems(items)[:2]],
    }
    assert summary.line(report="problems.txt") == "read 7 articles, 2 listings, 1 deletion, skipped 3 — see problems.txt"
    assert format_counts(1, 0, 0) == "indexed 1 article, 0 listings, skipped 0"


def test_problem_str() -> None:
    assert str(Problem("a.jsonl", 3, "invalid JSON")) == "a.jsonl:3: invalid JSON"
    assert str(Problem("a.csv", None, "file is empty", "warning")) == "a.csv: warning: file is empty"


def test_shipped_sample_data_reads_cleanly() -> None:
    from newssearch.cli import sample_paths

    summary = IngestSummary()
    for _ in summary.track(read_paths(sample_paths())):
        pass
    assert (summary.skipped, summary.warnings) == (0, 0), summary.problems
    assert summary.articles > 0 and summary.listings > 0


@pytest.mark.corpus
def test_corpus_samples_read_with_few_problems(shared_corpus: Path) -> None:
    from itertools import islice

    for name in ("articles.jsonl.gz", "news_briefs.jsonl.gz", "listings.jsonl.gz", "listings_structured.jsonl.gz"):
        summary = IngestSummary()
        for _ in summary.track(islice(read_path(shared_corpus / name), 300)):
            pass
        read = summary.articles + summary.listings
        assert read >= 295 and summary.skipped <= 3, (name, summary.to_dict())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Never closed: runs to the end of the file.
        ('Tiêu đề,Giá,Quận\n"Nhà phố Hạ Long,2 tỷ,Q7\nBán đất Cẩm Phả,1 tỷ,Q1\nBán nhà Uông Bí,3 tỷ,Q2\n',
         [("problem", "q.csv", "2", "error", "unterminated quote: the quoted field starting on this line is not "
           "closed (unexpected end of data); row skipped, lines 3-4 read again as rows"),
          "Bán đất Cẩm Phả", "Bán nhà Uông Bí"]),
        # Closed by the opening quote of a later field.
        ('Tiêu đề,Giá,Quận\n"Nhà lỗi,2 tỷ,Q3\nBán nhà Uông Bí,3 tỷ,Q2\n"Đất, nền",1 tỷ,Q4\n',
         [("problem", "q.csv", "2", "error", "unterminated quote: the quoted field starting on this line is not "
           "closed (',' expected after '\"'); row skipped, lines 3-4 read again as rows"),
          "Bán nhà Uông Bí", "Đất, nền"]),
        # A legitimate multi-line field with commas and doubled quotes is one row.
        ('Tiêu đề,Giá,Quận\n"Nhà ""đẹp""\ncó sân, có cổng",2 tỷ,Q7\nBán nhà Uông Bí,3 tỷ,Q2\n',
         ['Nhà "đẹp" có sân, có cổng', "Bán nhà Uông Bí"]),
        ("Tiêu đề,Giá,Quận\n", [("problem", "q.csv", "None", "warning", "the file has a header but no rows")]),
    ],
)
def test_csv_unterminated_quote_and_header_only(tmp_path: Path, text: str, expected: list[Any]) -> None:
    (tmp_path / "q.csv").write_text(text, "utf-8")
    got = [
        i.title if isinstance(i, Listing) else brief(i)
        for i in read_path(tmp_path / "q.csv")
        if not (isinstance(i, Problem) and i.reason.startswith("no id, url or date"))
    ]
    assert got == expected
