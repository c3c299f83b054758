"""Rate limits, gzip, security headers and proxies (web/protection.py)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from newssearch.web import create_app
from newssearch.web.protection import CONTENT_SECURITY_POLICY, limit

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "newssearch" / "web" / "templates"


def limited_app(sample_index: Path, **settings: Any) -> Flask:
    return create_app({"index_dir": sample_index, "TESTING": True, "RATELIMIT_ENABLED": True, **settings})


@pytest.mark.parametrize(("path", "setting"), [("/api/search?q=nha", "rate_limit_search"),
                                               ("/api/suggest?q=nha", "rate_limit_suggest")])
def test_rate_limit_per_client_429_in_the_error_shape(sample_index: Path, path: str, setting: str) -> None:
    client = limited_app(sample_index, **{setting: "3/minute"}).test_client()
    answers = [client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.7"}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.get_json() == {"error": {
        "status": 429,
        "message": "too many requests from this client: the limit is 3 per 1 minute; retry later (see Retry-After)",
        "param": None,
    }}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    # Another client, and other endpoints, are not affected.
    assert client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 200
    assert client.get("/api/stats", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def test_rate_limit_names_the_client_behind_a_trusted_proxy(sample_index: Path) -> None:
    client = limited_app(sample_index, rate_limit_search="1/minute", proxy_count=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/api/search", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert client.get("/api/search", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    assert client.get("/api/search", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429


def test_rate_limit_is_off_in_tests_and_by_default(sample_index: Path) -> None:
    testing = create_app({"index_dir": sample_index, "TESTING": True, "rate_limit_search": "1/minute"})
    assert all(testing.test_client().get("/api/search").status_code == 200 for _ in range(3))
    unset = create_app({"index_dir": sample_index})  # production app, no limit configured
    assert all(unset.test_client().get("/api/search").status_code == 200 for _ in range(3))


def test_limit_applies_to_any_endpoint(sample_index: Path) -> None:
    app = limited_app(sample_index)
    limit(app, "2/minute", "api.stats")
    client = app.test_client()
    assert [client.get("/api/stats").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/search").status_code == 200


def test_rate_limit_page_in_vietnamese(sample_index: Path) -> None:
    client = limited_app(sample_index, rate_limit_suggest="1/minute").test_client()
    client.get("/api/suggest?q=a")
    r = client.get("/api/suggest?q=a", headers={"Accept": "text/html"})
    assert r.status_code == 429 and r.mimetype == "application/json"  # the API always answers JSON


@pytest.mark.parametrize(("path", "mimetype"), [("/api/search?q=nha", "application/json"),
                                                ("/?q=nha", "text/html"),
                                                ("/static/style.css", "text/css")])
def test_gzip(sample_index: Path, path: str, mimetype: str) -> None:
    client = create_app({"index_dir": sample_index, "TESTING": True}).test_client()
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.mimetype == mimetype
    assert "Accept-Encoding" in zipped.headers["Vary"]
    # The time taken differs between the two answers; everything else is the same.
    def same(body: bytes) -> bytes:
        return re.sub(rb'"took_ms":[\d.]+|\(\d+,?\d* gi\xc3\xa2y\)', b"", body)

    assert same(gzip.decompress(zipped.get_data())) == same(plain.get_data())
    assert len(zipped.get_data()) < len(plain.get_data()) / 2


def test_security_headers(sample_index: Path) -> None:
    client = create_app({"index_dir": sample_index, "TESTING": True}).test_client()
    page = client.get("/?q=nha")
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page.headers["X-Frame-Options"] == "DENY"
    error_page = client.get("/nope", headers={"Accept": "text/html"})
    assert error_page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    api = client.get("/api/search?q=nha")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and api.headers["X-Robots-Tag"] == "noindex"
    assert "Content-Security-Policy" not in api.headers


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_script_or_style(template: str) -> None:
    html = (TEMPLATES / template).read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>: move it to static/"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler: bind it in static/search.js"
    assert not re.search(r"<style|\sstyle\s*=", html), "inline style: the CSP allows only static/style.css"
    assert "javascript:" not in html


def test_openapi_describes_the_429_when_a_limit_is_set(sample_index: Path) -> None:
    from openapi_spec_validator import validate

    limited = limited_app(sample_index, rate_limit_search="5/minute").test_client().get("/api/openapi.json").get_json()
    validate(limited)
    responses = limited["paths"]["/api/search"]["get"]["responses"]
    assert responses["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    assert "429" not in limited["paths"]["/api/suggest"]["get"]["responses"]
    assert "Retry-After" in limited["components"]["responses"]["TooManyRequests"]["headers"]
