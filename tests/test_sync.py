"""``newssearch sync``: feeds and sitemaps served from a local test server on 127.0.0.1."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import main
from newssearch.errors import BadRequest
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.sync import Fetcher, feed_entries, sync


def page(title: str, body: str, date: str = "2026-11-30T07:00:00+07:00") -> bytes:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{date}"></head>
<body><header><nav>Trang chủ | Thời sự | Nhà đất</nav></header>
<article><h1>{title}</h1><p class="sapo">{body[:60]} và nhiều điều khác đáng chú ý trong tuần.</p>
<p>{body}</p><p>{body} Người dân địa phương cho biết họ rất mong chờ.</p></article>
<footer>Bản quyền thuộc về báo địa phương</footer></body></html>""".encode()


ARTICLES = {
    "/tin/1": page("Khai trương chợ hải sản Vorlanix ở Bãi Cháy", "Chợ hải sản Vorlanix mở cửa từ sáng sớm với hàng trăm gian hàng."),
    "/tin/2": page("Đường ven biển Trà Cổ được mở rộng", "Con đường ven biển dài bốn cây số sẽ được mở rộng thành sáu làn xe."),
    "/tin/3": page("Lễ hội hoa Vorlanix thu hút du khách", "Hàng nghìn du khách đến xem lễ hội hoa ở công viên trung tâm."),
}


def rss(*paths: str, base: str) -> bytes:
    items = "".join(
        f"<item><title>Tin {p}</title><link>{base}{p}</link><pubDate>Sun, 30 Nov 2026 08:00:00 +0700</pubDate>"
        f"<description>Tóm tắt {p}</description></item>"
        for p in paths
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo</title>{items}</channel></rss>'.encode()


class Site:
    """A tiny web site: path -> (status, content type, body); records each request."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.log: list[tuple[float, str]] = []
        self.slow: set[str] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.log.append((time.monotonic(), self.path))
                if self.path in site.slow:
                    time.sleep(1.5)
                status, ctype, body = site.pages.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def html(self, path: str, body: bytes) -> None:
        self.pages[path] = (200, "text/html; charset=utf-8", body)

    def xml(self, path: str, body: bytes) -> None:
        self.pages[path] = (200, "application/xml", body)

    def requested(self) -> list[str]:
        return [p for _, p in self.log if p != "/robots.txt"]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    thread = threading.Thread(target=s.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()


def titles(root: Path) -> list[str]:
    ix = IndexStore(root).open()
    with ix.searcher() as s:
        return sorted(f["raw"]["title"] for f in s.all_stored_fields())


def test_rss_new_pages_indexed_broken_ones_retried(site: Site, tmp_path: Path) -> None:
    site.html("/tin/1", ARTICLES["/tin/1"])
    site.html("/tin/2", ARTICLES["/tin/2"])
    site.xml("/rss", rss("/tin/1", "/tin/2", "/tin/3", base=site.base))  # /tin/3 is 404 for now
    store = IndexStore(tmp_path / "idx")
    report = sync(store, site.base + "/rss", delay=0)
    assert (report.entries, report.fetched, report.already_seen) == (3, 2, 0)
    assert report.problems == [f"{site.base}/tin/3: HTTP 404 Not Found; it will be tried again next run"]
    assert titles(store.root) == ["Khai trương chợ hải sản Vorlanix ở Bãi Cháy", "Đường ven biển Trà Cổ được mở rộng"]
    engine = Engine(store.root)
    result = engine.search(SearchRequest(q="vorlanix"))
    engine.close()
    assert [(h.url, h.published) for h in result.hits] == [(site.base + "/tin/1", "2026-11-30T07:00:00")]

    site.html("/tin/3", ARTICLES["/tin/3"])
    site.log.clear()
    report = sync(store, site.base + "/rss", delay=0)
    assert site.requested() == ["/rss", "/tin/3"]  # only the page that failed is fetched again
    assert (report.fetched, report.already_seen, report.written.added, report.problems) == (1, 2, 1, [])
    site.log.clear()
    report = sync(store, site.base + "/rss", delay=0)
    assert site.requested() == ["/rss"] and report.fetched == 0
    assert report.line().endswith("indexed 0 articles, 0 listings (0 new, 0 replaced, 0 unchanged), 0 problems")


def test_sitemap_index_lastmod_and_robots(site: Site, tmp_path: Path) -> None:
    for path, body in ARTICLES.items():
        site.html(path, body)
    site.html("/private/1", page("Trang nội bộ không được lấy", "Nội dung không dành cho máy."))
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    site.xml("/sitemap-a.xml", f'<urlset {ns}><url><loc>{site.base}/tin/1</loc><lastmod>2026-11-30</lastmod></url>'
             f'<url><loc>{site.base}/private/1</loc></url></urlset>'.encode())
    site.xml("/sitemap-b.xml", f'<urlset {ns}><url><loc>{site.base}/tin/2</loc><lastmod>2026-11-30</lastmod></url></urlset>'.encode())
    site.xml("/sitemap.xml", f'<sitemapindex {ns}><sitemap><loc>{site.base}/sitemap-a.xml</loc></sitemap>'
             f'<sitemap><loc>{site.base}/sitemap-b.xml</loc></sitemap><sitemap><loc>{site.base}/gone.xml</loc></sitemap>'
             '</sitemapindex>'.encode())
    site.pages["/robots.txt"] = (200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
    store = IndexStore(tmp_path / "idx")
    report = sync(store, site.base + "/sitemap.xml", delay=0)
    assert report.entries == 3 and report.fetched == 2
    assert sorted(report.problems) == sorted([
        f"{site.base}/gone.xml: cannot read this sitemap: HTTP 404 Not Found",
        f"{site.base}/private/1: robots.txt does not allow fetching it; it will be tried again next run",
    ])
    assert "/private/1" not in site.requested()
    assert len(titles(store.root)) == 2
    # A changed <lastmod> fetches the page again.
    site.html("/tin/2", page("Đường ven biển Trà Cổ được mở rộng gấp đôi", "Con đường sẽ có sáu làn xe và vỉa hè rộng."))
    site.xml("/sitemap-b.xml", f'<urlset {ns}><url><loc>{site.base}/tin/2</loc><lastmod>2026-12-01</lastmod></url></urlset>'.encode())
    site.log.clear()
    report = sync(store, site.base + "/sitemap.xml", delay=0)
    assert [p for p in site.requested() if p.startswith("/tin/")] == ["/tin/2"]
    assert report.written.replaced == 1
    assert "Đường ven biển Trà Cổ được mở rộng gấp đôi" in titles(store.root)


def test_politeness_delay_and_timeout(site: Site, tmp_path: Path) -> None:
    for path, body in ARTICLES.items():
        site.html(path, body)
    site.slow.add("/tin/2")
    site.xml("/rss", rss("/tin/1", "/tin/2", "/tin/3", base=site.base))
    report = sync(IndexStore(tmp_path / "idx"), site.base + "/rss", delay=0.3, timeout=0.5)
    assert report.problems == [f"{site.base}/tin/2: timed out; it will be tried again next run"]
    assert report.fetched == 2
    starts = [t for t, _ in site.log]
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(starts)), starts


@pytest.mark.parametrize(
    ("status", "ctype", "body", "message"),
    [
        (500, "text/plain", b"oops", "HTTP 500"),
        (200, "text/html", b"<html><body>not a feed</body></html>", "not an RSS or Atom feed"),
        (200, "application/xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "not an RSS"),
    ],
)
def test_a_broken_feed_is_one_clear_error(site: Site, tmp_path: Path, status: int, ctype: str, body: bytes, message: str) -> None:
    site.pages["/feed"] = (status, ctype, body)
    with pytest.raises(BadRequest, match=message):
        sync(IndexStore(tmp_path / "idx"), site.base + "/feed", delay=0)
    r = CliRunner().invoke(main, ["sync", site.base + "/feed", "--index-dir", str(tmp_path / "idx"), "--delay", "0"])
    assert r.exit_code == 2 and r.stderr.startswith(f"error: cannot read the feed {site.base}/feed: ")


def test_atom_feed_and_cli(site: Site, tmp_path: Path) -> None:
    site.html("/tin/1", ARTICLES["/tin/1"])
    site.pages["/tin/pdf"] = (200, "application/pdf", b"%PDF-1.4")
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Báo</title>'
        f'<entry><title>Một</title><link href="{site.base}/tin/1"/><updated>2026-11-30T08:00:00Z</updated></entry>'
        f'<entry><title>Tệp</title><link href="{site.base}/tin/pdf"/><updated>2026-11-30T08:00:00Z</updated></entry>'
        "</feed>"
    ).encode()
    kind, entries, _ = feed_entries(atom)
    assert kind == "atom" and [e.url for e in entries] == [site.base + "/tin/1", site.base + "/tin/pdf"]
    site.xml("/atom", atom)
    r = CliRunner().invoke(main, ["sync", site.base + "/atom", "--index-dir", str(tmp_path / "idx"), "--delay", "0"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{site.base}/atom: 2 entries, 0 seen before, 2 pages fetched; indexed 1 articles")
    assert f"problem: {site.base}/tin/pdf: not an HTML page (application/pdf)" in r.stderr


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Fetcher(0, 1).get("file:///etc/passwd", 100)
