"""The HTTP service: every endpoint, parameter and error, the page, CORS, caching, OpenAPI."""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import stop_server
from newssearch.config import Settings
from newssearch.documents import Article, Listing
from newssearch.indexer import IndexStore
from newssearch.models import PARAMS, SearchRequest
from newssearch.server import app_config, bind_address, gunicorn_options
from newssearch.web import MAX_CONTENT_LENGTH, MAX_URL_BYTES, create_app
from newssearch.web.format import (
    format_area,
    format_count,
    format_date,
    format_number,
    format_price,
)
from newssearch.web.openapi import openapi_spec
from newssearch.web.views import safe_href

ORIGIN = "https://halongnews.example"
SEARCH_KEYS = {
    "query", "total", "page", "per_page", "relaxed", "sort", "hits", "facets", "suggestion",
    "corrected", "recognized", "took_ms", "pages", "links", "facet_errors", "limits", "timed_out", "ignored", "nearest", "notes",
}
HIT_KEYS = {
    "id", "type", "title", "title_html", "url", "snippet", "published", "category", "author",
    "province", "district", "ward", "districts", "province_2025", "ward_2025", "property_type",
    "transaction", "price_vnd", "price_text", "area_m2", "bedrooms", "views", "score", "display",
    "price_per_m2_vnd", "price_min_vnd", "price_max_vnd", "direction", "legal_status", "project", "image_url",
}


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(sample_index: Path) -> Flask:
    return create_app({"index_dir": sample_index, "cors_origins": (ORIGIN,), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def empty_app(tmp_path: Path) -> Flask:
    return create_app({"index_dir": tmp_path / "no-index-here", "TESTING": True})


class Anchors(HTMLParser):
    """Collects ``(href, text)`` of every link in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def anchors(html: str) -> list[tuple[str, str]]:
    parser = Anchors()
    parser.feed(html)
    return parser.links


def link_to(html: str, text: str) -> str:
    """The href of the first link whose text starts with ``text``."""
    for href, label in anchors(html):
        if label.startswith(text):
            return href
    raise AssertionError(f"no link {text!r} in the page")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    assert r.mimetype == "text/html"
    return r.get_data(as_text=True)


def build_index(root: Path, docs: list[Article | Listing], rebuild: bool = False) -> None:
    IndexStore(root).write(docs, rebuild=rebuild)


def article(id: str, title: str, body: str = "", **kw: Any) -> Article:
    return Article(id=id, title=title, body=body, url=f"https://tin.example/{id}.html", **kw)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vnd", "transaction", "expected"),
    [
        (1.2e9, "sale", "1,2 tỷ"),
        (8.5e8, "sale", "850 triệu"),
        (6.3e9, None, "6,3 tỷ"),
        (1.25e9, None, "1,25 tỷ"),
        (2.5e12, None, "2.500 tỷ"),
        (12e6, "rent", "12 triệu/tháng"),
        (15.5e6, "rent", "15,5 triệu/tháng"),
        (500_000, None, "500 nghìn"),
        (None, "sale", None),
        (-1, None, None),
    ],
)
def test_format_price(vnd: float | None, transaction: str | None, expected: str | None) -> None:
    assert format_price(vnd, transaction) == expected


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        (format_area, 85.0, "85 m²"),
        (format_area, 85.5, "85,5 m²"),
        (format_area, 1200, "1.200 m²"),
        (format_area, None, None),
        (format_date, "2022-06-17T08:30:00+07:00", "17/06/2022"),
        (format_date, "2022-06-17", "17/06/2022"),
        (format_date, "not a date", None),
        (format_date, None, None),
        (format_number, 1234567.891, "1.234.567,89"),
    ],
)
def test_format_values(fn: Any, value: Any, expected: str | None) -> None:
    assert fn(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://tin.example/a.html", "https://tin.example/a.html"),
        ("/tin/a.html", "/tin/a.html"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example/x", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_href(url: str | None, expected: str | None) -> None:
    assert safe_href(url) == expected


# ---------------------------------------------------------------------------
# /api/search
# ---------------------------------------------------------------------------


def test_search_contract(client: FlaskClient) -> None:
    r = client.get("/api/search?q=nha+pho+ha+long")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    data = r.get_json()
    assert set(data) == SEARCH_KEYS
    assert data["query"] == "nha pho ha long"
    assert data["total"] > 0 and data["page"] == 1 and data["per_page"] == 10
    assert data["limits"] == {"max_query_length": 500, "max_per_page": 100, "max_result_window": 10000}
    assert {"type", "category", "district", "province", "property_type", "year", "price", "area", "bedrooms"} <= set(data["facets"])
    top = data["hits"][0]
    assert set(top) == HIT_KEYS
    # Unaccented query, accented highlights from the original text.
    assert "<mark>Hạ</mark> <mark>Long</mark>" in top["title_html"]
    assert set(top["display"]) == {"type", "date", "place", "category", "price", "area", "bedrooms", "views"}
    for values in data["facets"].values():
        for v in values:
            assert set(v) == {"value", "label", "count", "selected", "toggle_url"}
            assert v["toggle_url"].startswith("/api/search?")
    assert data["links"]["self"] == "/api/search?q=nha+pho+ha+long"


def test_search_listing_display(client: FlaskClient, engine: Any) -> None:
    data = client.get("/api/search?q=nha+pho&type=listing&per_page=50").get_json()
    for hit in data["hits"]:
        stored = engine.get(hit["id"])
        shown = hit["display"]
        assert shown["type"] == "Nhà đất"
        if stored.get("price_vnd"):
            assert shown["price"] == format_price(stored["price_vnd"], stored.get("transaction"))
            assert re.fullmatch(r"[\d.,]+ (tỷ|triệu|nghìn)(/tháng)?", shown["price"])
        if stored.get("area_m2"):
            assert shown["area"].endswith(" m²")
        if hit["published"]:
            assert re.fullmatch(r"\d\d/\d\d/\d{4}", shown["date"])


def test_repeated_facet_params_select_several(client: FlaskClient) -> None:
    article_only = client.get("/api/search?type=article").get_json()["total"]
    listing_only = client.get("/api/search?type=listing").get_json()["total"]
    both = client.get("/api/search?type=article&type=listing").get_json()
    assert both["total"] == article_only + listing_only
    assert {v["value"]: v["selected"] for v in both["facets"]["type"]} == {"article": True, "listing": True}


def test_search_paging_links(client: FlaskClient) -> None:
    first = client.get("/api/search?per_page=5").get_json()
    assert first["pages"] == -(-first["total"] // 5)
    assert first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).get_json()
    assert second["page"] == 2
    assert second["links"]["prev"] == "/api/search?per_page=5"
    assert {h["id"] for h in first["hits"]}.isdisjoint(h["id"] for h in second["hits"])
    last = client.get(f"/api/search?per_page=5&page={first['pages']}").get_json()
    assert last["links"]["next"] is None


def test_paging_stops_at_the_result_window(sample_index: Path) -> None:
    c = create_app({"index_dir": sample_index, "max_result_window": 10, "TESTING": True}).test_client()
    data = c.get("/api/search?per_page=3").get_json()
    assert data["total"] > 10 and data["pages"] == 3  # 3 × 3 = 9 <= 10 < 4 × 3
    last = c.get("/api/search?per_page=3&page=3").get_json()
    assert last["links"]["next"] is None
    assert c.get("/api/search?per_page=3&page=4").get_json()["error"]["param"] == "page"
    assert "10 kết quả đầu tiên" in html_of(c, "/")


BAD_PARAMS = [
    ("page=0", "page"),
    ("page=abc", "page"),
    ("per_page=1000", "per_page"),
    ("per_page=0", "per_page"),
    ("page=2000&per_page=10", "page"),  # deeper than max_result_window
    ("price_min=abc", "price_min"),
    ("price_min=-5", "price_min"),
    ("price_min=nan", "price_min"),
    ("price_min=inf", "price_min"),
    ("price_min=5&price_max=1", "price_min"),
    ("area_max=lots", "area_max"),
    ("sort=xyz", "sort"),
    ("sort=newest&sort=oldest", "sort"),
    ("unknown=1", "unknown"),
    ("Q=nha", "Q"),
    ("date_from=2022-13-01", "date_from"),
    ("date_to=yesterday", "date_to"),
    ("date_from=2023-01-01&date_to=2022-01-01", "date_from"),
    ("date_from=0001-01-01", "date_from"),
    ("date_to=01/01/0001", "date_to"),
    ("date_from=9999-12-31", "date_from"),
    ("year=abc", "year"),
    ("year=1800", "year"),
    ("bedrooms=-1", "bedrooms"),
    ("bedrooms=2.5", "bedrooms"),
    ("type=blog", "type"),
    ("transaction=lease", "transaction"),
    ("q=" + "a" * 501, "q"),
    ("q=" + "người " * 100, "q"),
    ("district=" + "x" * 201, "district"),
    ("q=a&q=b", "q"),
]


def test_out_of_range_date_on_the_page_is_a_friendly_message(client: FlaskClient) -> None:
    r = client.get("/?q=nha&date_from=0001-01-01")
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Ngày viết dạng 17/06/2022 hoặc 2022-06-17" in page and "date_from must" not in page


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("bds/2024/06/nha-pho", "bds/2024/06/nha-pho"),  # "/" in the id
        ("doc-hòa", "doc-hoà"),  # old tone placement
        ("doc-hòa", unicodedata.normalize("NFD", "doc-hòa")),
        ("file-fi", "file-\ufb01"),  # ligature
        ("a b", "a  b "),  # spaces collapsed
    ],
)
def test_document_ids_are_normalised_and_may_hold_any_character(tmp_path: Path, stored: str, asked: str) -> None:
    root = tmp_path / "index"
    body = "Nhà phố mặt tiền cho thuê gần biển, giá tốt."
    build_index(root, [article(stored, "Nhà phố Hạ Long", body), article("other", "Nhà phố Bãi Cháy", body)])
    c = create_app({"index_dir": root, "TESTING": True}).test_client()
    path = urllib.parse.quote(asked, safe="/")
    r = c.get(f"/api/documents/{path}")
    assert r.status_code == 200 and r.get_json()["id"] == stored
    r = c.get(f"/api/documents/{path}/related")
    assert r.status_code == 200 and [h["id"] for h in r.get_json()["hits"]] == ["other"]
    assert IndexStore(root).delete([asked]) == 1
    assert c.get(f"/api/documents/{path}").status_code == 404


@pytest.mark.parametrize(("query", "param"), BAD_PARAMS)
def test_search_bad_params(client: FlaskClient, query: str, param: str) -> None:
    r = client.get("/api/search?" + query)
    assert r.status_code == 400, r.get_json()
    body = r.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == 400
    assert body["error"]["param"] == param
    assert body["error"]["message"]
    assert r.headers["Cache-Control"] == "no-store"


def test_error_shape_whole(client: FlaskClient) -> None:
    assert client.get("/api/search?page=0").get_json() == {
        "error": {"status": 400, "message": "page must be between 1 and 1000000, not 0", "param": "page"}
    }


def test_query_of_10k_chars_is_413(client: FlaskClient) -> None:
    r = client.get("/api/search?q=" + "a" * 10_000)
    assert r.status_code == 413
    err = r.get_json()["error"]
    assert err["status"] == 413 and err["param"] == "q"
    assert str(MAX_URL_BYTES) in err["message"] and "500 characters" in err["message"]


def test_blank_params_are_ignored(client: FlaskClient) -> None:
    """What an HTML form sends for empty fields."""
    r = client.get("/api/search?q=&price_min=&price_max=&area_min=&date_from=&sort=&page=")
    assert r.status_code == 200
    assert r.get_json()["total"] == client.get("/api/search").get_json()["total"]


# ---------------------------------------------------------------------------
# Other endpoints
# ---------------------------------------------------------------------------


def test_suggest(client: FlaskClient) -> None:
    data = client.get("/api/suggest?q=nha+p").get_json()
    assert data["query"] == "nha p"
    first = data["suggestions"][0]
    assert first == {"text": "nhà phố", "kind": "phrase", "count": first["count"], "html": "<b>nhà p</b>hố"}
    assert 1 <= len(data["suggestions"]) <= 8
    for s in data["suggestions"]:
        assert s["kind"] in ("phrase", "title")
    assert len(client.get("/api/suggest?q=ngu&limit=3").get_json()["suggestions"]) == 3
    assert len(client.get("/api/suggest?q=ngu&limit=2.0").get_json()["suggestions"]) == 2
    assert client.get("/api/suggest?q=").get_json() == {"query": "", "suggestions": [], "timed_out": False}
    assert client.get("/api/suggest").get_json() == {"query": "", "suggestions": [], "timed_out": False}


@pytest.mark.parametrize(
    ("query", "param"),
    [("q=a&limit=0", "limit"), ("q=a&limit=21", "limit"), ("q=a&limit=x", "limit"), ("q=a&limit=2.5", "limit"),
     ("q=a&page=2", "page"), ("q=" + "a" * 501, "q"), ("q=a&q=b", "q")],
)
def test_suggest_bad_params(client: FlaskClient, query: str, param: str) -> None:
    r = client.get("/api/suggest?" + query)
    assert r.status_code == 400
    assert r.get_json()["error"]["param"] == param


def test_suggest_is_fast(client: FlaskClient) -> None:
    """One call per keystroke: each prefix answers well under 100 ms (best of 3, to ignore a busy CI box)."""
    client.get("/api/suggest?q=n")  # warm
    best: list[float] = []
    for prefix in ("n", "ng", "ngu", "nguo", "nguoi", "nguoi y", "nguoi ye"):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert client.get(f"/api/suggest?q={prefix}").status_code == 200
            times.append(time.perf_counter() - started)
        best.append(min(times))
    assert sorted(best)[len(best) // 2] < 0.1, best


def test_document(client: FlaskClient, engine: Any) -> None:
    r = client.get("/api/documents/qn-0001")
    assert r.status_code == 200
    assert r.get_json() == json.loads(json.dumps(engine.get("qn-0001")))
    assert client.get("/api/documents/qn-0001?x=1").get_json()["error"]["param"] == "x"


@pytest.mark.parametrize("path", ["/api/documents/nope", "/api/documents/nope/related", "/api/documents/%2e%2e"])
def test_unknown_document_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.get_json()["error"]["status"] == 404


def test_related(client: FlaskClient) -> None:
    data = client.get("/api/documents/qn-0001/related").get_json()
    assert data["id"] == "qn-0001"
    assert 1 <= len(data["hits"]) <= 5
    assert all(h["type"] == "article" and h["id"] != "qn-0001" for h in data["hits"])
    assert len(client.get("/api/documents/qn-0001/related?limit=2").get_json()["hits"]) <= 2
    assert client.get("/api/documents/qn-0001/related?limit=50").status_code == 400


def test_stats_and_health(client: FlaskClient, engine: Any) -> None:
    stats = client.get("/api/stats").get_json()
    expected = {k: v for k, v in engine.stats().items() if k != "index_dir"}
    assert stats == expected  # the server's index path is not published
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.headers["Cache-Control"] == "no-store"
    assert health.get_json() == {
        "status": "ok",
        "index": "open",
        "documents": stats["documents"],
        "schema_version": stats["schema_version"],
        "version": engine.version(),
        "updated": stats["updated"],
    }
    assert stats["documents"] == sum(stats["by_type"].values()) > 0


def test_head_requests(client: FlaskClient) -> None:
    r = client.head("/api/search?q=ha+long")
    assert r.status_code == 200
    assert r.get_data() == b""


# ---------------------------------------------------------------------------
# Routing and size errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/nope", "/api/documents/", "/api"])
def test_unknown_route_404_json(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.mimetype == "application/json"
    assert r.get_json()["error"]["status"] == 404


def test_unknown_route_html_for_browsers(client: FlaskClient) -> None:
    html = html_of(client, "/nope", 404)
    assert "Không tìm thấy trang" in html
    # API paths stay JSON whatever the Accept header says.
    r = client.get("/api/nope", headers={"Accept": "text/html"})
    assert r.mimetype == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["/api/search", "/api/suggest", "/api/documents/qn-0001", "/healthz", "/"])
def test_method_not_allowed(client: FlaskClient, method: str, path: str) -> None:
    # A document can also be deleted (the write API, tested in test_write.py).
    writable = path.startswith("/api/documents/")
    if method == "delete" and writable:
        assert client.delete(path).status_code == 404  # writing is off: no write key exists
        return
    r = getattr(client, method)(path)
    assert r.status_code == 405
    allowed = {"GET", "HEAD", "OPTIONS"} | ({"DELETE"} if writable else set())
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == allowed
    assert r.get_json()["error"]["status"] == 405


def test_body_too_large_413(client: FlaskClient) -> None:
    r = client.post("/api/search", data=b"x" * (MAX_CONTENT_LENGTH + 1))
    assert r.status_code == 413
    assert r.get_json()["error"]["status"] == 413


def test_url_too_long_413_anywhere(client: FlaskClient) -> None:
    for path in ("/api/suggest", "/api/stats", "/nope"):
        r = client.get(path + "?q=" + "x" * MAX_URL_BYTES)
        assert r.status_code == 413
        assert r.get_json()["error"]["param"] == "q"
    assert "Yêu cầu quá lớn" in html_of(client, "/?q=" + "x" * MAX_URL_BYTES, 413)


# ---------------------------------------------------------------------------
# No index yet
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/search?q=a", "/api/suggest?q=a", "/api/documents/x", "/api/documents/x/related", "/api/stats", "/healthz"],
)
def test_no_index_503(empty_app: Flask, path: str) -> None:
    r = empty_app.test_client().get(path)
    assert r.status_code == 503
    err = r.get_json()["error"]
    assert err["status"] == 503
    assert "newssearch index" in err["message"]


def test_no_index_page_503(empty_app: Flask) -> None:
    html = html_of(empty_app.test_client(), "/?q=a", 503)
    assert "Dịch vụ tìm kiếm chưa sẵn sàng" in html


def test_bad_params_still_400_without_index(empty_app: Flask) -> None:
    assert empty_app.test_client().get("/api/search?page=0").status_code == 400


def test_openapi_served_without_index(empty_app: Flask) -> None:
    assert empty_app.test_client().get("/api/openapi.json").status_code == 200


# ---------------------------------------------------------------------------
# CORS
# ---------------------------------------------------------------------------


def test_cors_allowed_origin(client: FlaskClient) -> None:
    r = client.get("/api/search?q=ha+long", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in r.headers["Vary"]
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    # Errors carry CORS headers too, so the site's script can read the message.
    r = client.get("/api/search?page=0", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_cors_denied_origin(client: FlaskClient) -> None:
    r = client.get("/api/search?q=ha+long", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Origin" in r.headers["Vary"]


def test_cors_preflight(client: FlaskClient) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"}
    r = client.options("/api/search", headers=headers)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert set(r.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in r.headers["Access-Control-Allow-Headers"]
    assert r.headers["Access-Control-Max-Age"] == "600"
    denied = client.options("/api/search", headers={**headers, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers


def test_cors_not_on_page(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": ORIGIN}).headers


def test_cors_origins_from_environment(monkeypatch: pytest.MonkeyPatch, sample_index: Path) -> None:
    monkeypatch.setenv("NEWSSEARCH_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("NEWSSEARCH_INDEX_DIR", str(sample_index))
    c = create_app().test_client()
    assert c.get("/api/stats", headers={"Origin": "https://b.example"}).headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Access-Control-Allow-Origin" not in c.get("/api/stats", headers={"Origin": ORIGIN}).headers


# ---------------------------------------------------------------------------
# Caching
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/search?q=ha+long", "/api/suggest?q=ha", "/api/documents/qn-0001", "/api/documents/qn-0001/related", "/api/stats", "/?q=ha+long"],
)
def test_etag_and_304(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    tag = r.headers["ETag"]
    assert tag.startswith('W/"')
    assert r.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_etag_differs_by_url(client: FlaskClient) -> None:
    a = client.get("/api/search?q=ha+long").headers["ETag"]
    b = client.get("/api/search?q=ha+long&page=2").headers["ETag"]
    assert a != b


# ---------------------------------------------------------------------------
# Index rebuilt or updated while the service runs
# ---------------------------------------------------------------------------


def test_index_pickup_after_rebuild_and_update(tmp_path: Path) -> None:
    root = tmp_path / "index"
    build_index(root, [article("a1", "Lễ hội hoa sở Bình Liêu")])
    c = create_app({"index_dir": root, "TESTING": True}).test_client()
    first = c.get("/api/search?q=hoa+so")
    assert [h["id"] for h in first.get_json()["hits"]] == ["a1"]
    tag = first.headers["ETag"]

    build_index(root, [article("b1", "Khai trương chợ đêm Hạ Long")], rebuild=True)
    assert c.get("/api/search?q=hoa+so").get_json()["total"] == 0
    assert [h["id"] for h in c.get("/api/search?q=cho+dem").get_json()["hits"]] == ["b1"]
    assert c.get("/api/search?q=hoa+so", headers={"If-None-Match": tag}).status_code == 200

    build_index(root, [article("b2", "Chợ đêm Bãi Cháy mở cửa trở lại")])  # incremental
    assert {h["id"] for h in c.get("/api/search?q=cho+dem").get_json()["hits"]} == {"b1", "b2"}
    assert c.get("/healthz").get_json()["documents"] == 2


def test_index_appears_after_start(tmp_path: Path) -> None:
    root = tmp_path / "index"
    c = create_app({"index_dir": root, "TESTING": True}).test_client()
    assert c.get("/healthz").status_code == 503
    build_index(root, [article("a1", "Lễ hội hoa sở Bình Liêu")])
    assert c.get("/healthz").status_code == 200
    assert c.get("/api/search?q=binh+lieu").get_json()["total"] == 1


# ---------------------------------------------------------------------------
# The search page
# ---------------------------------------------------------------------------


def test_page_results(client: FlaskClient) -> None:
    html = html_of(client, "/?q=nha+pho+ha+long")
    assert '<html lang="vi">' in html
    assert '<meta name="viewport"' in html
    for label in ("Tìm kiếm", "Tất cả", "Tin tức", "Nhà đất", "Sắp xếp", "Liên quan nhất", "Mới nhất",
                  "Cũ nhất", "Xem nhiều nhất", "Giá tăng dần", "Giá giảm dần", "Bộ lọc"):
        assert label in html
    assert "<mark>Hạ</mark> <mark>Long</mark>" in html
    assert re.search(r'<strong class="price">[\d,]+ (tỷ|triệu)', html)
    assert re.search(r'<span class="area">[\d,.]+ m²</span>', html)
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d/\d\d/\d{4}</time>", html)
    # Landmarks and labels.
    for marker in ('<main id="main"', "<aside", 'role="search"', '<label for="q"', 'aria-label="Loại nội dung"',
                   'role="combobox"', 'aria-controls="q-suggestions"', 'role="listbox"', 'class="skip-link"'):
        assert marker in html
    # The search box knows the limit; the footer does not lecture visitors about API limits.
    assert 'maxlength="500"' in html and "Giới hạn" not in html and "per_page" not in html
    # A results page is not for search engines, and says which URL it is.
    assert '<meta name="robots" content="noindex, follow">' in html
    assert '<link rel="canonical" href="http://localhost/?q=nha+pho+ha+long">' in html


def test_page_tabs(client: FlaskClient) -> None:
    api = client.get("/api/search?q=ha+long").get_json()
    counts = {v["value"]: v["count"] for v in api["facets"]["type"]}
    html = html_of(client, "/?q=ha+long")
    assert link_to(html, "Tin tức") == "/?q=ha+long&type=article"
    assert link_to(html, "Nhà đất") == "/?q=ha+long&type=listing"
    assert f"Tin tức {counts['article']}" in [t for _, t in anchors(html)]
    listing_page = html_of(client, "/?q=ha+long&type=listing")
    assert link_to(listing_page, "Tất cả") == "/?q=ha+long"
    assert 'aria-current="page" class="active">Nhà đất' in listing_page
    # A search from the box keeps the tab.
    assert '<input type="hidden" name="type" value="listing">' in listing_page


def test_page_facet_toggle_round_trip(client: FlaskClient) -> None:
    html = html_of(client, "/?q=nha+pho")
    href = link_to(html, "Thành phố Hạ Long")
    assert query_of(href) == {"q": ["nha pho"], "district": ["Thành phố Hạ Long"]}
    selected = html_of(client, href)
    # The value is now selected, its link removes it, and a removable chip shows it.
    assert "(đang chọn, bấm để bỏ)" in selected
    assert link_to(selected, "Thành phố Hạ Long") == "/?q=nha+pho"
    assert link_to(selected, "Quận/Huyện: Thành phố Hạ Long ×") == "/?q=nha+pho"
    assert link_to(selected, "Xóa bộ lọc") == "/?q=nha+pho"
    # Multi-select: a second district adds to the first.
    second = [h for h, t in anchors(selected) if "district=" in h and h.count("district=") == 2]
    assert second, "another district value should add to the selection"


def test_api_facet_toggles(client: FlaskClient) -> None:
    base = client.get("/api/search?q=nha").get_json()
    price = next(v for v in base["facets"]["price"] if v["value"].startswith("1000000000.."))
    assert query_of(price["toggle_url"]) == {"q": ["nha"], "price_min": ["1000000000"], "price_max": ["2000000000"]}
    chosen = client.get(price["toggle_url"]).get_json()
    band = next(v for v in chosen["facets"]["price"] if v["value"] == price["value"])
    assert band["selected"] and band["count"] == chosen["total"] == price["count"]
    assert band["toggle_url"] == "/api/search?q=nha"
    open_band = next(v for v in base["facets"]["price"] if v["value"].startswith(".."))
    assert query_of(open_band["toggle_url"]) == {"q": ["nha"], "price_max": ["500000000"]}

    beds = next(v for v in base["facets"]["bedrooms"] if v["value"] == "3")
    assert query_of(beds["toggle_url"]) == {"q": ["nha"], "bedrooms": ["3"]}
    three = client.get(beds["toggle_url"]).get_json()
    assert three["total"] == beds["count"]
    assert next(v for v in three["facets"]["bedrooms"] if v["value"] == "3")["toggle_url"] == "/api/search?q=nha"

    year = base["facets"]["year"][0]
    assert query_of(year["toggle_url"]) == {"q": ["nha"], "year": [year["value"]]}

    # Toggling resets the page.
    paged = client.get("/api/search?q=nha&page=2").get_json()
    assert all("page=" not in v["toggle_url"] for vs in paged["facets"].values() for v in vs)


def test_page_folded_selection_toggles_off(client: FlaskClient) -> None:
    """``district=ha long`` selects "Thành phố Hạ Long"; its link must remove it, not add it."""
    data = client.get("/api/search?district=ha+long").get_json()
    value = next(v for v in data["facets"]["district"] if v["selected"])
    assert value["value"] == "Thành phố Hạ Long"
    assert value["toggle_url"] == "/api/search"


def test_page_range_form_and_sort_form(client: FlaskClient) -> None:
    html = html_of(client, "/?q=nha&district=Th%C3%A0nh+ph%E1%BB%91+H%E1%BA%A1+Long&price_min=1000000000&sort=newest&page=2")
    range_form = html[html.index('class="range-form"'): html.index("</form>", html.index('class="range-form"'))]
    # Other filters travel as hidden fields; the range fields and the page do not.
    assert '<input type="hidden" name="q" value="nha">' in range_form
    assert '<input type="hidden" name="district" value="Thành phố Hạ Long">' in range_form
    assert '<input type="hidden" name="sort" value="newest">' in range_form
    assert 'name="page"' not in range_form and 'type="hidden" name="price_min"' not in range_form
    assert '<option value="1000000000" selected>1 tỷ</option>' in range_form
    assert 'type="date"' in range_form
    sort_form = html[html.index('class="sort-form"'): html.index("</form>", html.index('class="sort-form"'))]
    assert '<option value="newest" selected>Mới nhất</option>' in sort_form
    assert 'type="hidden" name="sort"' not in sort_form and 'name="page"' not in sort_form
    assert link_to(html, "Mức giá: từ 1 tỷ") == "/?q=nha&district=Th%C3%A0nh+ph%E1%BB%91+H%E1%BA%A1+Long&sort=newest"


def test_page_chips_for_every_filter(client: FlaskClient) -> None:
    html = html_of(
        client,
        "/?q=nha&year=2023&area_min=50&area_max=80&bedrooms=2&date_from=2022-01-01&date_to=17/06/2024&transaction=sale",
    )
    labels = [t for h, t in anchors(html) if t.endswith("× (bỏ lọc)")]
    assert labels == [
        "Hình thức: Bán × (bỏ lọc)",
        "Năm: 2023 × (bỏ lọc)",
        "Diện tích: 50 - 80 m² × (bỏ lọc)",
        "Phòng ngủ: 2+ phòng ngủ × (bỏ lọc)",
        "Từ ngày 01/01/2022 × (bỏ lọc)",
        "Đến ngày 17/06/2024 × (bỏ lọc)",
    ]


def test_page_correction_and_suggestion_links(client: FlaskClient) -> None:
    # Found as typed: nothing to say.
    html = html_of(client, "/?q=nha+pho+ha+long&type=listing")
    assert "Có phải bạn muốn tìm" not in html and "Đang hiển thị kết quả cho" not in html
    # Corrected: the results of the correction, and a link to search as typed.
    html = html_of(client, "/?q=nha+phoo+ha+long&type=listing")
    assert "Đang hiển thị kết quả cho <strong>nhà phố hạ long</strong>" in html
    href = link_to(html, "nha phoo ha long")
    assert query_of(href) == {"q": ["nha phoo ha long"], "type": ["listing"], "verbatim": ["1"]}
    # As typed: the correction is offered instead.
    html = html_of(client, href)
    assert "Đang hiển thị kết quả cho" not in html
    assert query_of(link_to(html, "nhà phố hạ long")) == {"q": ["nhà phố hạ long"], "type": ["listing"]}
    data = client.get("/api/search?q=nha+phoo+ha+long").get_json()
    assert data["corrected"] == "nhà phố hạ long" and data["links"]["verbatim"].endswith("verbatim=1")


def test_page_empty_state(client: FlaskClient) -> None:
    html = html_of(client, "/?q=xyzzyqwerty")
    assert "Không tìm thấy kết quả nào cho “xyzzyqwerty”" in html
    assert "Xóa bộ lọc" not in html
    filtered = html_of(client, "/?q=xyzzyqwerty&bedrooms=5&type=article")
    assert link_to(filtered, "Xóa bộ lọc") == "/?q=xyzzyqwerty&type=article"


def test_page_pagination(client: FlaskClient) -> None:
    html = html_of(client, "/?per_page=5")
    assert link_to(html, "Trang sau") == "/?page=2&per_page=5"
    assert "Trang trước" not in html
    page2 = html_of(client, "/?per_page=5&page=2")
    assert link_to(page2, "← Trang trước") == "/?per_page=5"
    assert '<span aria-current="page">2</span>' in page2


def test_page_bad_param_shows_message(client: FlaskClient) -> None:
    html = html_of(client, "/?q=nha&price_min=abc", 400)
    assert "Giá trị “abc” của “Giá thấp nhất” không hợp lệ." in html
    assert "must be" not in html  # the validator's English is for API clients
    assert 'value="nha"' in html  # the search box keeps the query


def test_page_ignores_tracking_params(client: FlaskClient) -> None:
    html = html_of(client, "/?q=ha+long&utm_source=zalo&fbclid=x")
    assert "utm_source" not in html and "fbclid" not in html


def test_page_without_query_browses(client: FlaskClient) -> None:
    html = html_of(client, "/")
    assert "kết quả" in html and 'class="hits"' in html


# ---------------------------------------------------------------------------
# XSS
# ---------------------------------------------------------------------------

EVIL_TITLE = "<script>alert(1)</script> Nhà phố Hạ Long"
EVIL_QUERY = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    root = tmp_path_factory.mktemp("evil-index")
    docs: list[Article | Listing] = [
        Article(
            id="evil-1",
            title=EVIL_TITLE,
            body=f"Bài viết có {EVIL_QUERY} và <b>thẻ</b> nhà phố, img src onerror alert.",
            url="javascript:alert(1)",
            category="<i>Xã hội</i>",
            published=datetime(2024, 5, 1),
        ),
        Listing(
            id="evil-2",
            title="Bán nhà phố \" onmouseover=\"alert(1)",
            description="<svg onload=alert(1)> nhà phố",
            district="<script>x</script>",
            price_vnd=1.2e9,
            area_m2=85,
            url="https://nha.example/evil-2",
        ),
    ]
    build_index(root, docs)
    return create_app({"index_dir": root, "TESTING": True}).test_client()


def _no_raw_markup(text: str) -> None:
    for raw in ("<script>", "<img", "<svg", "<b>", "<i>", "javascript:", 'onmouseover="'):
        assert raw not in text, raw


def test_xss_escaped_in_page(evil_client: FlaskClient) -> None:
    for url in ("/?q=nha+pho", "/?q=script", "/?q=img+onerror", "/?q=" + EVIL_QUERY):
        html = html_of(evil_client, url)
        body = html[html.index("<body>"):]
        body = body.replace('<script src="/static/search.js" defer></script>', "")
        _no_raw_markup(body)
    html = html_of(evil_client, "/?q=nha+pho")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html
    q_page = html_of(evil_client, "/?q=" + EVIL_QUERY)
    assert 'value="&lt;img src=x onerror=alert(1)&gt;"' in q_page


def test_xss_escaped_in_api_snippets(evil_client: FlaskClient) -> None:
    data = evil_client.get("/api/search?q=nha+pho").get_json()
    for hit in data["hits"]:
        _no_raw_markup(hit["title_html"])
        _no_raw_markup(hit["snippet"])
    titles = {h["id"]: h["title_html"] for h in data["hits"]}
    assert titles["evil-1"].startswith("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_xss_page_error_and_404(evil_client: FlaskClient) -> None:
    html = html_of(evil_client, "/?q=x&sort=<script>alert(1)</script>", 400)
    _no_raw_markup(html[html.index("<body>"):].replace('<script src="/static/search.js" defer></script>', ""))
    html = html_of(evil_client, "/<script>alert(1)</script>", 404)
    _no_raw_markup(html[html.index("<body>"):].replace('<script src="/static/search.js" defer></script>', ""))


# ---------------------------------------------------------------------------
# Client input never reaches the catch-all handler
# ---------------------------------------------------------------------------

HOSTILE = [
    "/api/search?q=%00%01%02",
    "/api/search?q=%ff%fe%fd",
    "/api/search?q=%F0%9F%98%80%E2%80%AE%E2%80%8B",
    "/api/search?q=\"unbalanced",
    "/api/search?q=-&q=-",
    "/api/search?q=*:*+AND+(title:x)+OR+[a+TO+z]+{}~^",
    "/api/search?q=-nha",
    "/api/search?q=\"\"",
    "/api/search?price_min=1e309",
    "/api/search?price_min=1e308&price_max=1e308",
    "/api/search?price_min=0x10",
    "/api/search?page=99999999999999999999999",
    "/api/search?per_page=-1",
    "/api/search?year=2022&year=abc",
    "/api/search?year=%20",
    "/api/search?bedrooms=100",
    "/api/search?date_from=0000-00-00",
    "/api/search?date_from=9999-12-31",
    "/api/search?date_from=17/06/2022&date_to=2022",
    "/api/search?district=%00",
    "/api/search?" + "&".join(f"district=d{i}" for i in range(51)),
    "/api/search?sort=price_asc&type=article",
    "/api/search?sort=views&q=nha",
    "/api/search?sort=area_desc&per_page=100",
    "/api/search?page=100&per_page=100",
    "/api/search?q=nha&page=1000&per_page=10",
    "/api/search?type=",
    "/api/search?=x",
    "/api/search?&&&",
    "/api/suggest?q=%00",
    "/api/suggest?q=\"",
    "/api/suggest?q=" + "đ" * 500,
    "/api/suggest?q=-",
    "/api/suggest?q=%20%20",
    "/api/documents/%00",
    "/api/documents/" + "x" * 2000,
    "/api/documents/..%2f..%2fetc%2fpasswd",
    "/api/documents/%F0%9F%98%80/related?limit=20",
    "/api/stats?x",
    "/healthz?x=1",
    "/?q=%00&page=abc",
    "/?q=%ff",
    "/?sort=<x>",
    "/?price_min=1e309&area_max=-1",
    "/?date_from=2022-02-30",
    "/?page=1000",
    "/static/../../etc/passwd",
    "/static/nope.css",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_input_is_never_a_500(app: Flask, client: FlaskClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code in (200, 400, 404, 413), (r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code != 200 and r.mimetype == "application/json":
        assert set(r.get_json()["error"]) == {"status", "message", "param"}
    assert "newssearch.unexpected" not in app.extensions


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from([*PARAMS, "limit", "x"]),
    value=st.text(max_size=40),
    path=st.sampled_from(["/api/search", "/api/suggest", "/"]),
)
def test_fuzzed_params_are_never_a_500(app: Flask, name: str, value: str, path: str) -> None:
    r = app.test_client().get(path, query_string={name: value})
    assert r.status_code in (200, 400, 413)
    assert "newssearch.unexpected" not in app.extensions


def test_unexpected_errors_use_the_error_shape(sample_index: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app({"index_dir": sample_index, "TESTING": True})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR):
        r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.get_json() == {"error": {"status": 500, "message": "internal error; it has been logged", "param": None}}
    assert "kaboom" in caplog.text
    assert app.extensions["newssearch.unexpected"] == 1


def test_create_app_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="unknown setting 'index_dri'"):
        create_app({"index_dri": "x"})


# ---------------------------------------------------------------------------
# OpenAPI
# ---------------------------------------------------------------------------


def _spec(client: FlaskClient) -> dict[str, Any]:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec: dict[str, Any] = r.get_json()
    return spec


def test_openapi_is_valid(client: FlaskClient) -> None:
    validator = pytest.importorskip(
        "openapi_spec_validator", reason="openapi-spec-validator is not installed (pip install openapi-spec-validator)"
    )
    validator.validate(_spec(client))


def test_openapi_describes_every_route_and_param(app: Flask, client: FlaskClient) -> None:
    spec = _spec(client)
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS"))
    assert routes == {path: set(item) for path, item in spec["paths"].items()}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert "200" in operation["responses"] and "413" in operation["responses"], (method, path)
    search_params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["in"] == "query"}
    assert search_params == set(PARAMS)
    assert spec["paths"]["/api/search"]["get"]["parameters"][0]["schema"]["maxLength"] == 500
    per_page = next(p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "per_page")
    # Blank values are accepted (HTML forms send them), hence the anyOf.
    assert per_page["schema"]["anyOf"][0]["maximum"] == 100
    assert per_page["schema"]["anyOf"][1] == {"type": "string", "pattern": r"^\s*$"}
    # Limits follow the settings.
    small = openapi_spec(Settings(max_query_length=50, max_per_page=20, max_result_window=200))
    small_params = {p["name"]: p for p in small["paths"]["/api/search"]["get"]["parameters"]}
    assert small_params["q"]["schema"]["maxLength"] == 50
    assert small_params["per_page"]["schema"]["anyOf"][0]["maximum"] == 20
    assert small_params["page"]["schema"]["anyOf"][0]["maximum"] == 200


RESPONSES = [
    ("/api/search", "/api/search?q=nha+pho+ha+long&type=listing", 200),
    ("/api/search", "/api/search?q=xyzzy", 200),
    ("/api/search", "/api/search?page=0", 400),
    ("/api/search", "/api/search?q=" + "a" * 9000, 413),
    ("/api/suggest", "/api/suggest?q=nha", 200),
    ("/api/suggest", "/api/suggest?limit=0", 400),
    ("/api/documents/{doc_id}", "/api/documents/bds-0001", 200),
    ("/api/documents/{doc_id}", "/api/documents/qn-0001", 200),
    ("/api/documents/{doc_id}", "/api/documents/nope", 404),
    ("/api/documents/{doc_id}/related", "/api/documents/qn-0001/related", 200),
    ("/api/documents/{doc_id}/related", "/api/documents/nope/related", 404),
    ("/api/stats", "/api/stats", 200),
    ("/api/stats", "/api/stats?x=1", 400),
    ("/api/export", "/api/export?format=pdf", 400),
    ("/healthz", "/healthz", 200),
]


@pytest.mark.parametrize(("path", "url", "status"), RESPONSES)
def test_responses_match_openapi_schemas(client: FlaskClient, path: str, url: str, status: int) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema-rs (a schemathesis dependency) is missing")
    spec = _spec(client)
    r = client.get(url)
    assert r.status_code == status
    described = spec["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in described:
        described = spec["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    schema = {**described["content"]["application/json"]["schema"], "components": spec["components"]}
    jsonschema_rs.validator_for(schema).validate(r.get_json())


def test_no_index_responses_match_openapi(empty_app: Flask) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema-rs (a schemathesis dependency) is missing")
    c = empty_app.test_client()
    spec = _spec(c)
    schema = {"$ref": "#/components/schemas/Error", "components": spec["components"]}
    for path in ("/api/search", "/healthz", "/api/stats"):
        r = c.get(path)
        assert r.status_code == 503
        assert "503" in spec["paths"][path]["get"]["responses"]
        jsonschema_rs.validator_for(schema).validate(r.get_json())


# ---------------------------------------------------------------------------
# server.py
# ---------------------------------------------------------------------------


def test_settings_round_trip_through_app_config(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path, max_per_page=7, cors_origins=("https://x.example",))
    app = create_app(app_config(settings))
    assert app.extensions["newssearch.settings"] == settings


def test_gunicorn_options() -> None:
    opts = gunicorn_options("127.0.0.1", 8123, 3)
    assert opts["bind"] == "127.0.0.1:8123"
    assert opts["workers"] == 3
    assert opts["preload_app"] is False
    assert opts["limit_request_line"] > MAX_URL_BYTES
    assert gunicorn_options("::1", 80, None)["workers"] >= 2
    assert bind_address("::1", 80) == "[::1]:80"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def gunicorn_server(sample_index: Path, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """``newssearch.server.serve`` in a subprocess with 2 workers; yields (base URL, master pid)."""
    port = _free_port()
    code = (
        "from newssearch.config import Settings; from newssearch.server import serve; "
        f"serve(Settings(index_dir={str(sample_index)!r}), host='127.0.0.1', port={port}, workers=2)"
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would block gunicorn's logging
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:]) from None
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        stop_server(proc)


@pytest.mark.slow
def test_gunicorn_serves_with_several_workers(gunicorn_server: tuple[str, int]) -> None:
    base, master = gunicorn_server
    workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    assert len(workers) == 2
    with urllib.request.urlopen(base + "/api/search?q=nha+pho+ha+long", timeout=10) as r:
        data = json.load(r)
    assert data["total"] > 0
    q = "người " * 83  # 498 characters, about 4,600 bytes once percent-encoded
    with urllib.request.urlopen(base + "/api/search?q=" + urllib.parse.quote(q), timeout=10) as r:
        assert r.status == 200
    try:
        urllib.request.urlopen(base + "/api/search?q=" + "a" * 7990, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 413
        assert json.load(exc)["error"]["param"] == "q"
    else:
        raise AssertionError("expected a 413")


# ---------------------------------------------------------------------------
# First-run polish: page numbers from the URL, Vietnamese errors, favicon, views
# ---------------------------------------------------------------------------


def result_ids(html: str) -> list[str]:
    """The result titles of a page, in order."""
    titles = re.findall(r'<h3 class="hit-title">(.*?)</h3>', html)
    assert titles, "no results on the page"
    return titles


@pytest.mark.parametrize("page", ["0", "-3", " 0 "])
def test_page_zero_shows_page_one(client: FlaskClient, page: str) -> None:
    first = html_of(client, "/?q=nha")
    html = html_of(client, f"/?q=nha&page={urllib.parse.quote(page)}")
    assert result_ids(html) == result_ids(first) and '<span aria-current="page">1</span>' in html
    assert '<link rel="canonical" href="http://localhost/?q=nha">' in html


@pytest.mark.parametrize("page", ["50", "999999"])
def test_page_past_the_last_shows_the_last_page(client: FlaskClient, page: str) -> None:
    total = client.get("/api/search?q=nha").get_json()["total"]
    last = -(-total // 10)
    html = html_of(client, f"/?q=nha&page={page}")
    assert result_ids(html) == result_ids(html_of(client, f"/?q=nha&page={last}"))
    assert f'<span aria-current="page">{last}</span>' in html and 'rel="next"' not in html
    assert "Không tìm thấy kết quả" not in html
    assert f'<link rel="canonical" href="http://localhost/?q=nha&amp;page={last}">' in html


def test_api_keeps_refusing_bad_pages(client: FlaskClient) -> None:
    assert client.get("/api/search?q=nha&page=0").status_code == 400
    data = client.get("/api/search?q=nha&page=50").get_json()
    assert data["hits"] == [] and data["total"] > 0  # the API answers exactly what was asked


ENGLISH = re.compile(r"\b(must|not allowed|endpoint|bytes|request|index|limit|given|number|page or)\b", re.I)

HTML_ERRORS = [
    ("/?q=nha&price_min=abc", 400, "Giá trị “abc” của “Giá thấp nhất” không hợp lệ."),
    ("/?q=nha&page=abc", 400, "Giá trị “abc” của “Trang” không hợp lệ."),
    ("/?q=nha&sort=xyz", 400, "Giá trị “xyz” của “Sắp xếp” không hợp lệ."),
    ("/?q=nha&date_from=2023-01-01&date_to=2022-01-01", 400, "“Từ ngày” không được sau “Đến ngày”"),
    ("/?q=nha&per_page=1000", 400, "Mỗi trang hiển thị từ 1 đến 100 kết quả."),
    ("/?q=" + "a" * 501, 400, "dài tối đa 500 ký tự"),
    ("/?q=" + "a" * 8100, 413, "Yêu cầu quá dài."),
    ("/khong-co", 404, "Không có trang nào ở địa chỉ này."),
]


@pytest.mark.parametrize(("url", "status", "message"), HTML_ERRORS)
def test_html_errors_are_vietnamese(client: FlaskClient, url: str, status: int, message: str) -> None:
    html = html_of(client, url, status)
    text = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0])
    assert message in text
    assert not ENGLISH.search(text), text
    assert '<meta name="robots" content="noindex, follow">' in html


def test_html_405_and_503_are_vietnamese(client: FlaskClient, empty_app: Flask) -> None:
    r = client.post("/", headers={"Accept": "text/html"})
    assert r.status_code == 405 and "Địa chỉ này không nhận yêu cầu POST." in r.get_data(as_text=True)
    html = html_of(empty_app.test_client(), "/?q=nha", 503)
    assert "Dịch vụ tìm kiếm chưa sẵn sàng (chưa có dữ liệu)." in html and "no index" not in html


def test_favicon(client: FlaskClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r.headers["Location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html_of(client, "/")


def test_article_hits_show_views(client: FlaskClient) -> None:
    data = client.get("/api/search?q=ha+long&type=article").get_json()
    viewed = [h for h in data["hits"] if h["views"]]
    assert viewed and all(h["display"]["views"] == f"{format_count(h['views'])} lượt xem" for h in viewed)
    html = html_of(client, "/?q=ha+long&type=article")
    assert f'<span class="views">{viewed[0]["display"]["views"]}</span>' in html


def test_sort_button_is_only_for_browsers_without_js(client: FlaskClient) -> None:
    html = html_of(client, "/?q=nha")
    assert '<button type="submit" class="button" data-js-hide>Sắp xếp</button>' in html


def test_whole_number_limits_may_be_written_as_decimals(client: FlaskClient) -> None:
    assert len(client.get("/api/suggest?q=nha&limit=2.0").get_json()["suggestions"]) <= 2
    assert client.get("/api/suggest?q=nha&limit=2.5").get_json()["error"]["param"] == "limit"


# ---------------------------------------------------------------------------
# Bounded work per request: the time budget and the caps, as the API and the page show them


# Editors: export, Atom feed, document pages, the coverage chart, the syntax help
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_time_client(sample_index: Path) -> FlaskClient:
    """A client of an app whose time budget is spent before any work starts."""
    return create_app({"index_dir": sample_index, "search_budget": 1e-9, "TESTING": True}).test_client()


def test_a_cut_search_says_so_and_is_not_cached(client: FlaskClient, no_time_client: FlaskClient) -> None:
    full = client.get("/api/search?q=nha+pho+ha+long")
    cut = no_time_client.get("/api/search?q=nha+pho+ha+long")
    assert (full.status_code, cut.status_code) == (200, 200)
    assert (full.json["timed_out"], cut.json["timed_out"]) == (False, True)  # type: ignore[index]
    assert cut.json["total"] >= full.json["total"] > 0  # type: ignore[index]
    assert (full.headers.get("ETag") is not None, full.cache_control.no_store) == (True, False)
    assert (cut.headers.get("ETag"), cut.cache_control.no_store) == (None, True)


def test_a_cut_suggestion_says_so(client: FlaskClient, no_time_client: FlaskClient) -> None:
    full = client.get("/api/suggest?q=nha+p").json
    cut = no_time_client.get("/api/suggest?q=nha+p").json
    assert full is not None and cut is not None
    assert (full["timed_out"], cut["timed_out"]) == (False, True)
    assert set(full) == set(cut) == {"query", "suggestions", "timed_out"}


def test_the_page_notes_a_cut_search_in_vietnamese(client: FlaskClient, no_time_client: FlaskClient) -> None:
    note = "Tìm kiếm mất quá nhiều thời gian nên kết quả có thể chưa đầy đủ"
    full = client.get("/?q=nha+pho+ha+long")
    cut = no_time_client.get("/?q=nha+pho+ha+long")
    assert (note in full.get_data(as_text=True), note in cut.get_data(as_text=True)) == (False, True)
    assert (full.cache_control.no_store, cut.cache_control.no_store, cut.headers.get("ETag")) == (False, True, None)


def test_query_parts_over_the_caps_are_ignored_with_a_note(client: FlaskClient) -> None:
    from newssearch.budget import MAX_EXCLUDED, MAX_PHRASES

    q = "nha " + " ".join(f'"pho so{i}"' for i in range(MAX_PHRASES + 1)) + " "
    q += " ".join(f"-khong{i}" for i in range(MAX_EXCLUDED + 2))
    r = client.get("/api/search", query_string={"q": q})
    assert r.status_code == 200
    assert r.json["ignored"] == {"phrases": 1, "excluded": 2}  # type: ignore[index]
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    assert "Truy vấn quá dài: đã bỏ qua 1 cụm từ trong ngoặc kép, 2 điều kiện loại trừ." in page


def test_the_description_documents_the_budget_and_the_caps(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec is not None
    result = spec["components"]["schemas"]["SearchResult"]
    assert {"timed_out", "ignored"} <= set(result["required"])
    assert result["properties"]["timed_out"]["type"] == "boolean"
    assert set(result["properties"]["ignored"]["properties"]) == {"terms", "phrases", "excluded"}
    assert "timed_out" in spec["components"]["schemas"]["Suggestions"]["required"]


def test_understood_filters_in_api_and_page(client: FlaskClient) -> None:
    data = client.get("/api/search?q=ban+can+ho+duoi+3+ty").get_json()
    assert [(r["level"], r["label"]) for r in data["recognized"]] == [
        ("transaction", "Hình thức: Bán"), ("property_type", "Loại: Căn hộ chung cư"), ("price", "Giá: dưới 3 tỷ"),
    ]
    assert all(h["type"] == "listing" and h["price_vnd"] <= 3e9 for h in data["hits"])
    html = html_of(client, "/?q=ban+can+ho+duoi+3+ty")
    assert query_of(link_to(html, "Giá: dưới 3 tỷ")) == {"q": ["ban can ho"]}
    # a news-only search reads every word as text
    news = client.get("/api/search?q=ban+can+ho+duoi+3+ty&type=article").get_json()
    assert news["recognized"] == [] or all(r["level"] not in ("price", "transaction") for r in news["recognized"])


@pytest.fixture(scope="module")
def editors_client(editors_index: Path) -> FlaskClient:
    return create_app({"index_dir": editors_index, "TESTING": True}).test_client()


def _csv_rows(data: bytes) -> list[list[str]]:
    import csv
    import io

    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_csv_streams_every_match(client: FlaskClient, engine: Any) -> None:
    r = client.get("/api/export?sort=newest")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="newssearch-export.csv"'
    rows = _csv_rows(r.data)
    assert rows[0] == ["id", "type", "title", "url", "published", "author", "category", "places", "views"]
    assert len(rows) - 1 == engine.search(SearchRequest()).total
    listing = next(row for row in rows if row[0] == "bds-0016")
    assert listing[1] == "listing" and listing[4].endswith("+07:00") and listing[7].endswith("Tỉnh Quảng Ninh")


def test_export_takes_the_search_parameters(editors_client: FlaskClient) -> None:
    rows = _csv_rows(editors_client.get("/api/export?q=t%C3%A1c+gi%E1%BA%A3%3A+Ho%C3%A0ng+Giang&sort=oldest").data)
    assert [(row[0], row[4], row[5]) for row in rows[1:]] == [
        ("ed-author", "2022-06-20T09:30:00+07:00", "Hoàng Giang"),
        ("bài/2022 số 1", "2022-07-01T00:00:00+07:00", "Hoàng Giang"),
    ]
    lines = editors_client.get("/api/export?q=hoang+giang&format=jsonl").data.decode().splitlines()
    assert [json.loads(line)["id"] for line in lines][:1] in (["ed-author"], ["bài/2022 số 1"])


def test_export_of_nothing_is_a_header_and_bad_format_is_400(editors_client: FlaskClient) -> None:
    rows = _csv_rows(editors_client.get("/api/export?q=zzzqqq").data)
    assert rows == [["id", "type", "title", "url", "published", "author", "category", "places", "views"]]
    assert editors_client.get("/api/export?q=zzzqqq&format=jsonl").data == b""
    r = editors_client.get("/api/export?format=xlsx")
    assert (r.status_code, r.get_json()["error"]["param"]) == (400, "format")
    assert editors_client.get("/api/export?sort=sideways").status_code == 400
    # An export has every match: paging does not apply.
    for name in ("page", "per_page"):
        r = editors_client.get(f"/api/export?{name}=2")
        assert (r.status_code, r.get_json()["error"]["param"]) == (400, name)


def test_atom_feed_is_valid_and_newest_first(editors_client: FlaskClient) -> None:
    from xml.etree import ElementTree as ET

    r = editors_client.get("/feed.atom?q=hoang+giang&utm_source=x")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(r.data)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert feed.find(required, ns) is not None, required
    assert feed.find("a:link[@rel='self']", ns).get("href") == "http://localhost/feed.atom?q=hoang+giang&utm_source=x"
    assert feed.find("a:link[@rel='alternate']", ns).get("href") == "http://localhost/?q=hoang+giang"
    entries = feed.findall("a:entry", ns)
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:link"):
            assert entry.find(required, ns) is not None, required
    updated = [e.find("a:updated", ns).text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert [e.find("a:title", ns).text for e in entries] == [
        "Nghệ sĩ Hoàng Giang mở triển lãm tranh về biển",
        "Mở rộng cảng cá Cái Rồng",
        "Quảng Ninh khắc phục hậu quả mưa lũ",
    ]
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert links == [
        "https://halongnews.example/ed-mention.html",
        "http://localhost/documents/b%C3%A0i/2022%20s%E1%BB%91%201",
        "http://localhost/documents/ed-author",
    ]
    assert entries[2].find("a:published", ns).text == "2022-06-20T09:30:00+07:00"


def test_search_page_links_feed_export_chart_and_document_pages(editors_client: FlaskClient) -> None:
    page = editors_client.get("/?q=hoang+giang").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" title="Tin mới: hoang giang" href="/feed.atom?q=hoang+giang">' in page
    assert '<a class="feed-link" href="/feed.atom?q=hoang+giang">Theo dõi (Atom)</a>' in page
    assert '<a class="feed-link" href="/api/export?q=hoang+giang">Tải về CSV</a>' in page
    # One bar per month, each filtering to its month.
    bars = re.findall(r'<li><a href="([^"]+)" title="([^"]+)"><span class="bar h(\d+)">', page)
    assert [(h.replace("&amp;", "&"), t, int(p)) for h, t, p in bars] == [
        ("/?q=hoang+giang&date_from=2022-06-01&date_to=2022-06-30", "06/2022: 1 kết quả", 100),
        ("/?q=hoang+giang&date_from=2022-07-01&date_to=2022-07-31", "07/2022: 1 kết quả", 100),
        ("/?q=hoang+giang&date_from=2024-03-01&date_to=2024-03-31", "03/2024: 1 kết quả", 100),
    ]
    # Results without their own URL open their page here, with the query.
    assert 'href="/documents/ed-author?q=hoang+giang"' in page
    assert 'href="https://halongnews.example/ed-mention.html"' in page
    assert "Cú pháp tìm kiếm" in page and "tác giả: Hoàng Giang" in page


def test_notes_are_shown_on_the_page(editors_client: FlaskClient) -> None:
    page = editors_client.get("/?q=th%C3%A1ng+13%2F2022+l%C5%A9").get_data(as_text=True)
    assert "Không hiểu thời gian “tháng 13/2022”; đã tìm như từ khóa." in page


def test_document_page(editors_client: FlaskClient) -> None:
    r = editors_client.get("/documents/ed-author?q=doan+cong+tac")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "<h1>Quảng Ninh khắc phục hậu quả mưa lũ</h1>" in page
    assert '<time datetime="2022-06-20T09:30:00">20/06/2022</time>' in page
    assert '<span class="author">Hoàng Giang</span>' in page and "Tỉnh Quảng Ninh" in page
    assert "<mark>đoàn</mark> <mark>công</mark> <mark>tác</mark>" in page  # deep in the body
    assert 'href="/?q=doan+cong+tac"' in page
    related = editors_client.get("/documents/ed-scatter").get_data(as_text=True)
    assert "Tin liên quan" in related and '<a href="/documents/ed-author">Quảng Ninh khắc phục hậu quả mưa lũ</a>' in related
    plain = editors_client.get("/documents/ed-author").get_data(as_text=True)
    assert "<mark>" not in plain
    # Ids with any character.
    odd = editors_client.get("/documents/b%C3%A0i/2022%20s%E1%BB%91%201")
    assert odd.status_code == 200 and "Mở rộng cảng cá Cái Rồng" in odd.get_data(as_text=True)
    missing = editors_client.get("/documents/nope", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
