"""Robustness: hostile input, dirty feeds, a full disk, kill -9, and searching while indexing.

What the rest of the suite already covers is not repeated here: hostile URLs
and fuzzed parameters over HTTP and XSS in the page (test_web.py), scripts in
a real browser (test_browser.py), reader-level feed damage (test_ingest.py),
kill -9 of an incremental library write and searching in a thread while
writing (test_indexer.py), the API against its OpenAPI description
(test_api_fuzz.py). This module adds:

* the whole ``Engine`` (search, suggest, documents, related) under generated
  queries and parameters: nothing but ``BadRequest``/``NotFound`` escapes, and
  every result is consistent and strict JSON;
* highlighted text never carries markup other than ``<mark>``, and the
  autocomplete list (built by search.js) runs no script from titles or URLs;
* huge strings through the text functions (tests/test_properties.py covers
  any Unicode);
* any JSON record is indexed or reported; an empty index has stats;
* dirty feeds end to end through ``IndexStore.write(read_paths(...))`` with
  exact counts of indexed documents and reported problems;
* a full disk (a 3 MB tmpfs; needs root and ``mount``) for incremental runs,
  rebuilds and the CLI;
* kill -9 of a CLI ``--rebuild``;
* threads sharing one ``Engine``, and a real server process answering while
  the CLI indexes and rebuilds;
* a real server answering while 50 clients hold half-sent requests;
* queries of death (phrases, exclusions, repeated and one-letter words,
  digits, emoji, mixed scripts, long autocomplete) within the time budget.

Longer versions (20 kills, a 5-minute load, a long API fuzz) are in
``benchmarks/robustness/``.
"""

from __future__ import annotations

import gzip
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newssearch.ingest.base as ingest_base
from conftest import stop_server
from newssearch.documents import Article
from newssearch.errors import BadRequest, NotFound, StorageError
from newssearch.highlight import highlight_all, snippet
from newssearch.indexer import IndexStore
from newssearch.ingest import Problem, read_paths
from newssearch.ingest.base import IngestItem, items_from_record
from newssearch.models import PARAMS, SORTS, SearchRequest
from newssearch.query import parse_query
from newssearch.search import Engine
from newssearch.vietnamese import fold, normalize, tokenize

# ---------------------------------------------------------------------------
# Helpers: synthetic documents (our own words), the CLI, loopback HTTP
# ---------------------------------------------------------------------------

SYLLABLES = [
    "nhà", "phố", "hà", "nội", "hạ", "long", "quảng", "ninh", "người", "dân", "được", "hỗ",
    "trợ", "xây", "dựng", "đường", "cầu", "bãi", "cháy", "du", "lịch", "biển", "mùa", "hè",
    "thành", "kinh", "tế", "giáo", "dục", "học", "sinh", "trường", "bệnh", "viện", "giao",
    "thông", "cảng", "tàu", "cá", "ngư", "mưa", "bão", "nắng", "điện", "nước", "chợ", "giá",
    "vàng", "đất", "nền", "căn", "hộ", "chung", "cư", "mặt", "tiền", "hẻm", "ngõ", "quận",
    "huyện", "phường"
]


def records(n: int, *, seed: int, prefix: str, marker: str = "", words: int = 120) -> list[dict[str, Any]]:
    """``n`` article records ``PREFIX-0..``; ``marker`` (a made-up word) starts every title."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join([marker, *rng.choices(SYLLABLES, k=7)]).strip()
        body = " ".join(rng.choices(SYLLABLES, k=words)) + "."
        out.append({"type": "article", "id": f"{prefix}-{i}", "title": title, "body": body,
                    "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"})
    return out


def articles(n: int, *, seed: int, prefix: str, marker: str = "", words: int = 120) -> list[Article]:
    from newssearch.ingest import article_from_record

    return [article_from_record(r) for r in records(n, seed=seed, prefix=prefix, marker=marker, words=words)]


def write_jsonl(path: Path, recs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    return path


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "newssearch", *args]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSSEARCH_LOCK_TIMEOUT": "10"}
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, env=env, check=False)


def all_ids(root: Path) -> list[str]:
    """Every live document id in the index at ``root``."""
    ix = IndexStore(root).open()
    with ix.searcher() as s:
        return sorted(fields["id"] for fields in s.all_stored_fields())


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(port: int, path: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


MARKUP = re.compile(r"</?mark>")


def without_marks(fragment: str) -> str:
    return MARKUP.sub("", fragment)


def assert_only_marks(fragment: str) -> None:
    """HTML from the highlighter: escaped text, and no tag but <mark>."""
    rest = without_marks(fragment)
    assert "<" not in rest and ">" not in rest, fragment


# ---------------------------------------------------------------------------
# Text functions on huge strings (tests/test_properties.py covers any Unicode
# up to 120 characters: never raises, idempotence, offsets)
# ---------------------------------------------------------------------------


def test_text_functions_on_huge_strings() -> None:
    rng = random.Random(3)
    pieces = [*SYLLABLES, "\x00", "\u0301", "\n", "TP.HCM", "1,2", "<b>", "\ud800", "😀"]
    huge = " ".join(rng.choice(pieces) for _ in range(60_000))  # about 300 KB
    started = time.monotonic()
    normalized = normalize(huge)
    assert len(normalized) > 100_000
    assert "\x00" not in normalized
    assert fold(huge).isascii()
    assert len(tokenize(huge)) > 40_000
    parse_query(huge)
    assert time.monotonic() - started < 30


# ---------------------------------------------------------------------------
# The whole engine under generated queries and parameters
# ---------------------------------------------------------------------------

WORDS = [
    "nha", "pho", "ha", "long", "Hạ", "Long", "người", "nguoi", "yếu", "thế", "đường", "duong", "q1", "Q.7",
    "quận", "tphcm", "TP.HCM", "UBND", "2", "tỷ", "1,2", "100m2", "5x20m", "ở", "ý", "halong", "Hanoi",
]
OPERATORS = [
    '"', "-", "--", "*", "?", "~", "^2", ":", "title:", "AND", "OR", "NOT", "(", ")", "[a TO z]", "{", "}",
    "\\", "'", "“", "”", "&", "<script>", "&amp;", "%", "+", "\x00", "\x1b", "\u202e", "\u200b", "\u0301",
    "\ufeff", "ǅ", "ﬃ", "𝐇𝐚", "İ", "ẞ", "😀", "\ud800", "\udcff", "\n", "\t",
]
QUERIES = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.lists(st.sampled_from(WORDS + OPERATORS), max_size=14).map(" ".join),
    st.lists(st.sampled_from(WORDS + OPERATORS), max_size=14).map("".join),
    st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạ \"-", min_size=480, max_size=520),
)
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from([
        "", " ", "0", "1", "-1", "2", "100", "101", "2022", "1899", "2101", "1e309", "nan", "inf", "-0",
        "1,5", "0x10", "1_000", "١٢", "²", "99999999999999999999", "17/06/2022", "2022-02-30", "2022-06",
        "article", "listing", "sale", "rent", "Quận 1", "q7", "Quảng Ninh", "quang ninh", "Hạ Long",
        "Nhà phố", *SORTS,
    ]),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats().map(str),
)
PARAM_NAMES = st.sampled_from([*PARAMS, "x", "limit", "Q", "q "])
REQUEST_PARAMS = st.dictionaries(PARAM_NAMES, st.lists(VALUES, min_size=1, max_size=3), max_size=5)


def assert_consistent(req: SearchRequest, data: dict[str, Any]) -> None:
    """A search result agrees with itself and with its request."""
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN/Infinity anywhere
    start = (req.page - 1) * req.per_page
    assert len(data["hits"]) == max(0, min(req.per_page, data["total"] - start)), data["total"]
    assert len({h["id"] for h in data["hits"]}) == len(data["hits"])
    for hit in data["hits"]:
        assert_only_marks(hit["title_html"])
        assert_only_marks(hit["snippet"])
        assert html.unescape(without_marks(hit["title_html"])) == hit["title"]
    for name, values in data["facets"].items():
        assert all(v["count"] >= 0 for v in values), name


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(q=QUERIES, params=REQUEST_PARAMS)
def test_engine_search_raises_only_bad_request(engine: Engine, q: str, params: dict[str, list[str]]) -> None:
    try:
        req = SearchRequest.from_params({**params, "q": q})
    except BadRequest as exc:
        assert exc.status == 400 and exc.message and exc.param in (*PARAMS, "x", "limit", "Q", "q ")
        return
    assert_consistent(req, engine.search(req).to_dict())


@settings(max_examples=60, deadline=None, derandomize=True)
@given(prefix=QUERIES, limit=st.integers(min_value=1, max_value=50))
def test_engine_suggest_never_raises(engine: Engine, prefix: str, limit: int) -> None:
    items = engine.suggest(prefix, limit)
    assert len(items) <= limit
    for item in items:
        assert set(item) >= {"text", "kind"} and isinstance(item["text"], str)
    json.dumps(items, allow_nan=False)


DOC_IDS = st.one_of(st.text(max_size=30), st.sampled_from(["qn-0001", "bds-0001", "", " ", "..", "../x", "*"]))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(doc_id=DOC_IDS)
def test_engine_documents_raise_only_not_found(engine: Engine, doc_id: str) -> None:
    try:
        doc = engine.get(doc_id)
    except NotFound as exc:
        assert exc.status == 404
    else:
        assert doc["id"] == doc_id
    try:
        hits = engine.related(doc_id, 5)
    except NotFound:
        pass
    else:
        assert len(hits) <= 5 and all(h.id != doc_id for h in hits)


@pytest.mark.parametrize("doc_id", ["\udcff", "qn-\ud800", "\udc80\udc80"])
def test_document_id_with_lone_surrogate_is_not_found(engine: Engine, doc_id: str) -> None:
    """An id that cannot be UTF-8 encoded is simply not found.

    Reachable from the CLI: ``newssearch related $'\\xff'`` (or ``delete``)
    gets the argument as ``'\\udcff'``. Whoosh's lookup raised
    UnicodeEncodeError, a traceback (fixed in 73f9ab6).
    """
    with pytest.raises(NotFound):
        engine.get(doc_id)
    with pytest.raises(NotFound):
        engine.related(doc_id)


def test_delete_id_with_lone_surrogate_deletes_nothing(tmp_path: Path, sample_index: Path) -> None:
    """``newssearch delete $'\\xff'`` deletes nothing (it raised UnicodeEncodeError before 73f9ab6)."""
    root = copy_index(sample_index, tmp_path / "index")
    assert IndexStore(root).delete(["\udcff"]) == 0


# ---------------------------------------------------------------------------
# Highlighting never lets markup through
# ---------------------------------------------------------------------------

HTMLISH = st.lists(st.sampled_from([*"<>&\"'/= ab", "người", "Hạ", "script", "mark", "\u0301"]), max_size=30).map("".join)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.one_of(HTMLISH, st.text(max_size=80)), q=st.one_of(HTMLISH, QUERIES))
def test_highlight_output_is_escaped_text_and_marks(text: str, q: str) -> None:
    terms = parse_query(q).positive_terms()
    marked = highlight_all(text, terms)
    assert_only_marks(marked)
    assert html.unescape(without_marks(marked)) == text
    assert_only_marks(snippet(text, terms, size=40))


CHROMIUM = Path("/usr/bin/chromium")


def test_autocomplete_with_markup_runs_no_script(tmp_path: Path) -> None:
    """The autocomplete list is built by search.js from JSON: titles with markup
    show as text, and a title suggestion whose URL is ``javascript:`` is never
    followed (test_browser.py covers the server-rendered page, not this)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from werkzeug.serving import make_server

    from newssearch.web import create_app

    evil = '<img src=x onerror="window.__xss=1"> Zorbanh nhà phố'
    IndexStore(tmp_path / "index").write([
        Article(id="x-1", title=evil, url="javascript:window.__xss=2", body="Zorbanh <script>window.__xss=3</script>"),
        Article(id="x-2", title="Zorbanh <svg onload=window.__xss=4> bãi cháy", url="//evil.example/x"),
    ])
    server = make_server("127.0.0.1", 0, create_app({"index_dir": tmp_path / "index"}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dialogs: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.set_default_timeout(10_000)

            def on_dialog(dialog: Any) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            box = page.get_by_role("combobox", name="Tìm kiếm")
            box.click()
            box.press_sequentially("zorba", delay=30)
            options = page.get_by_role("option")
            options.first.wait_for(state="visible")
            texts = options.all_inner_texts()
            assert any(evil in t for t in texts), texts
            assert page.locator("#q-suggestions img, #q-suggestions svg").count() == 0
            index = next(i for i, t in enumerate(texts) if evil in t)
            for _ in range(index + 1):
                box.press("ArrowDown")
            with page.expect_navigation():
                box.press("Enter")  # a javascript: URL is not followed: the query is searched instead
            assert page.url.startswith(f"http://127.0.0.1:{server.server_port}/?")
            assert page.evaluate("window.__xss") is None
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert dialogs == []


# ---------------------------------------------------------------------------
# Dirty feeds end to end: exact counts of documents and problems
# ---------------------------------------------------------------------------


def good(id_: str, title: str, **extra: Any) -> str:
    return json.dumps({"type": "article", "id": id_, "title": title, "body": "Nội dung bài viết.", **extra},
                      ensure_ascii=False)


def truncated_gzip(lines: list[str], keep: float) -> bytes:
    data = gzip.compress("".join(line + "\n" for line in lines).encode("utf-8"), mtime=0)
    return data[: int(len(data) * keep)]


@pytest.fixture
def dirty_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of damaged feeds; the expected outcome is spelled out in the test."""
    monkeypatch.setattr(ingest_base, "MAX_LINE_BYTES", 2_000_000)  # the real limit is 64 MB
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "01-articles.jsonl").write_text(
        "\n".join([
            good("a-1", "Bản đầu tiên về Hạ Long"),                                   # 1 indexed, then replaced
            '{"type": "article", "id": "bad-1", "title": "Thiếu dấu đóng',            # 2 invalid JSON
            "[1, 2]",                                                                # 3 not an object
            "{}",                                                                    # 4 no title, no text
            "[" * 1_100_000 + "]" * 1_100_000,                                      # 5 too long (limit patched)
            "[" * 20_000 + "]" * 20_000,                                            # 6 nested too deeply
            good("a-2", "Ký tự\x00 điều khiển\x07 và \u202e đảo chiều\u200b"),          # 7 indexed, deleted on 12
            good("a-3", "Thân bài rất dài", body="chữ " * 300_000),                  # 8 indexed + warning
            json.dumps({"type": "article", "id": "x" * 201, "title": "Mã quá dài"}),  # 9 id too long
            good("a-4", "Bản đầu của bài bốn"),                                      # 10 indexed
            good("a-1", "Bản sửa lại cuối cùng"),                                    # 11 same id: last wins
            good("a-4", "Bản sửa của bài bốn", published="2024-02-30"),              # 12 bad date: kept, no date
            '{"id": "a-2", "deleted": true}',                                        # 13 deletion
            good("a-5", "Lượt xem vô hạn", views=1e400).replace("Infinity", "1e400"),  # 14 views inf: no views
            '{"type": "listing", "id": "l-1", "title": "Bán nhà NaN", "price_vnd": NaN}',  # 15 price NaN: no price
            good("a-6", "Tiêu đề " * 200),                                           # 16 title cut + warning
            "",                                                                      # 17 blank: ignored
            good("a-7", "Bài cuối của tệp"),                                         # 18 indexed
        ]) + "\n",
        "utf-8",
    )
    # Mixed encodings: UTF-8, a Windows-1258 line, stray bytes, NFD text.
    (feed / "02-mixed.jsonl").write_bytes(
        (good("e-1", "Tin bằng UTF-8") + "\n").encode("utf-8")
        # Windows-1258 has ê but writes tone marks as combining characters.
        + '{"type": "article", "id": "e-2", "title": "Ti\u00ea\u0301ng Vi\u00ea\u0323t"}\n'.encode("cp1258")
        + b'{"type": "article", "id": "e-3", "title": "Byte l\xff\xfe"}\n'
        + (good("e-4", unicodedata.normalize("NFD", "Người dân được hỗ trợ")) + "\n").encode("utf-8")
    )
    (feed / "03-truncated.jsonl.gz").write_bytes(
        truncated_gzip([good(f"t-{i}", f"Bài số {i} bị cắt") for i in range(1, 41)], keep=0.5)
    )
    (feed / "04-array.json").write_text(
        json.dumps([json.loads(good("j-1", "Mảng một")), "không phải bản ghi", json.loads(good("j-2", "Mảng hai"))],
                   ensure_ascii=False),
        "utf-8",
    )
    (feed / "05-broken.json").write_text('{"articles": [{"id": "x"', "utf-8")
    (feed / "06-empty.jsonl").write_bytes(b"")
    (feed / "07-image.bin").write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))
    (feed / ".hidden.jsonl").write_text(good("h-1", "Ẩn"), "utf-8")
    return feed


def problem_rows(problems: list[Problem]) -> list[tuple[str, int | None, str]]:
    return [(Path(p.path).name, p.line, p.level) for p in problems]


def test_dirty_feed_end_to_end(tmp_path: Path, dirty_feed: Path) -> None:
    root = tmp_path / "index"
    report = IndexStore(root).write(read_paths([dirty_feed]))

    # Recover how many gzip lines survive the cut independently of the reader.
    partial = gzip.GzipFile(fileobj=__import__("io").BytesIO((dirty_feed / "03-truncated.jsonl.gz").read_bytes()))
    survived = b""
    try:
        while chunk := partial.read(1):
            survived += chunk
    except EOFError:
        pass
    complete = survived.count(b"\n")
    assert 0 < complete < 40
    truncated_ids = [f"t-{i}" for i in range(1, complete + 1)]

    expected = sorted(["a-1", "a-3", "a-4", "a-5", "a-6", "a-7", "e-1", "e-2", "e-3", "e-4", "j-1", "j-2", "l-1",
                       *truncated_ids])
    assert all_ids(root) == expected
    rows = problem_rows(report.problems)
    assert rows[:12] == [
        ("01-articles.jsonl", 2, "error"),
        ("01-articles.jsonl", 3, "error"),
        ("01-articles.jsonl", 4, "error"),
        ("01-articles.jsonl", 5, "error"),
        ("01-articles.jsonl", 6, "error"),
        ("01-articles.jsonl", 8, "warning"),
        ("01-articles.jsonl", 9, "error"),
        ("01-articles.jsonl", 12, "warning"),
        ("01-articles.jsonl", 14, "warning"),
        ("01-articles.jsonl", 15, "warning"),
        ("01-articles.jsonl", 16, "warning"),
        ("02-mixed.jsonl", 2, "warning"),
    ]
    # The truncated line itself may or may not be decodable; the damage is always reported.
    tail = rows[12:]
    gz = [r for r in tail if r[0] == "03-truncated.jsonl.gz"]
    assert gz and gz[-1][2] == "error"
    assert "truncated or damaged gzip" in str(report.problems[12 + len(gz) - 1])
    assert tail[len(gz):] == [
        ("04-array.json", None, "error"),
        ("05-broken.json", 1, "error"),
        ("06-empty.jsonl", None, "warning"),
        ("07-image.bin", None, "error"),
    ]
    reasons = [p.reason for p in report.problems]
    assert reasons[3].startswith("line longer than")
    assert reasons[4] == "invalid JSON: nested too deeply"
    assert reasons[6] == "id is too long (201 characters; at most 200)"
    assert "decoded as Windows-1258" in reasons[11]
    assert reasons[-4].startswith("[1]: expected a JSON object")

    counts = report.to_dict()
    assert (counts["skipped"], counts["warnings"]) == (
        sum(r[2] == "error" for r in rows), sum(r[2] == "warning" for r in rows),
    )
    # a-2 was added, then deleted by a later line (committed in between); a-1 replaced once.
    assert (counts["added"], counts["replaced"], counts["deleted"]) == (len(expected) + 1, 2, 1)
    engine = Engine(root)
    assert engine.get("a-1")["title"] == "Bản sửa lại cuối cùng"
    assert (engine.get("a-4")["title"], engine.get("a-4")["published"]) == ("Bản sửa của bài bốn", None)
    assert (engine.get("a-5")["views"], engine.get("l-1")["price_vnd"]) == (None, None)
    assert engine.get("a-3")["body"].startswith("chữ chữ")
    assert engine.get("e-2")["title"] == "Tiếng Việt"
    assert engine.get("e-4")["title"] == "Người dân được hỗ trợ"  # NFC, searchable
    assert [h.id for h in engine.search(SearchRequest(q="nguoi dan duoc ho tro")).hits] == ["e-4"]
    assert engine.stats()["documents"] == len(expected)
    engine.close()

    # The same feed again: nothing is lost or duplicated.
    IndexStore(root).write(read_paths([dirty_feed]))
    assert all_ids(root) == expected


def test_json_record_with_lone_surrogate_does_not_stop_the_run(tmp_path: Path) -> None:
    """``"\\ud800"`` is legal JSON syntax and ``json.loads`` returns a lone
    surrogate. Before 73f9ab6 ``content_hash`` (and Whoosh) raised
    UnicodeEncodeError and the WHOLE run died with a traceback: nothing of it
    was committed (on a first run, no index at all).

    Now the run completes: the damaged record is indexed with U+FFFD in place of
    the surrogate and a warning naming the line (as for non-UTF-8 bytes).
    """
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        good("s-1", "Tin tốt") + "\n"
        + '{"type": "article", "id": "s-2", "title": "L\\u1ed7i \\ud800 surrogate"}\n'
        + '{"type": "article", "id": "s-\\udcff", "title": "M\\u00e3 l\\u1ea1"}\n'
        + good("s-3", "Tin tốt nữa") + "\n",
        "utf-8",
    )
    report = IndexStore(tmp_path / "index").write(read_paths([feed]))
    assert all_ids(tmp_path / "index") == ["s-1", "s-2", "s-3", "s-\ufffd"]
    assert problem_rows(report.problems) == [("feed.jsonl", 2, "warning"), ("feed.jsonl", 3, "warning")]
    assert Engine(tmp_path / "index").get("s-2")["title"] == "Lỗi \ufffd surrogate"


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["2024-02-30", "17/06/2022", "1,2 tỷ", "Thỏa thuận", "5x20m", "-5", "1e400", "", "sale", "rent",
                     "listing", "article", "Quận 7", "Hà Nội", "<b>x</b>", "javascript:alert(1)", "NaN"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=5,
)
RECORD_KEYS = st.sampled_from([
    "id", "type", "title", "body", "summary", "description", "url", "url_slug", "published", "posted", "updated",
    "category", "author", "tags", "views", "province", "district", "ward", "address", "price_vnd", "price_text",
    "price_per_m2_vnd", "area_m2", "bedrooms", "bathrooms", "floors", "property_type", "transaction", "direction",
    "legal_status", "project", "street", "captions", "stub", "deleted", "source", "outlet", "gia", "quan",
])
RECORDS = st.fixed_dictionaries(
    {"id": st.sampled_from(["f-1", "f-2", "f-3"]), "title": st.text(min_size=1, max_size=30)},
).flatmap(lambda base: st.dictionaries(RECORD_KEYS, JSON_VALUES, max_size=7).map(lambda extra: {**base, **extra}))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(RECORDS, min_size=1, max_size=6))
def test_any_json_record_is_indexed_or_reported(recs: list[dict[str, Any]]) -> None:
    """Whatever the fields hold, a record becomes a document or a problem; writing never raises.

    A fresh index per example: Hypothesis seeds the global ``random`` module
    the same way for every example, and Whoosh names segments with it, so
    several examples writing into one index would reuse segment names.
    """
    items: list[IngestItem] = []
    for line, rec in enumerate(recs, 1):
        raw = json.loads(json.dumps(rec))  # as read from a feed (NaN/Infinity literals included)
        items.extend(items_from_record(raw, "fuzz.jsonl", line, None))
    with tempfile.TemporaryDirectory() as tmp:
        report = IndexStore(tmp).write(items)
        assert report.skipped == sum(isinstance(i, Problem) and i.skipped for i in items)
        engine = Engine(tmp)
        try:
            title = recs[0]["title"] if isinstance(recs[0]["title"], str) else ""
            for req in (SearchRequest(), SearchRequest(sort="price_desc"), SearchRequest(q=title[:20])):
                assert_consistent(req, engine.search(req).to_dict())
            total = engine.search(SearchRequest()).total
            if total:  # an empty index is test_empty_index_has_stats_and_health
                assert engine.stats()["documents"] == total
        finally:
            engine.close()


@pytest.mark.parametrize("how", ["only bad records", "everything deleted"])
def test_empty_index_has_stats_and_health(tmp_path: Path, how: str) -> None:
    """An index with no documents (a first run whose records were all bad, or
    after deleting every document) has stats and is healthy.

    Before 73f9ab6 ``IndexStore.stats()`` raised NotImplementedError on Whoosh's
    EmptyReader: ``/healthz`` and ``/api/stats`` answered 500 and
    ``newssearch stats`` printed a traceback.
    """
    from newssearch.web import create_app

    store = IndexStore(tmp_path / "index")
    if how == "only bad records":
        store.write([Problem("feed.jsonl", 1, "invalid JSON")])
    else:
        store.write(articles(2, seed=1, prefix="gone"))
        store.delete(["gone-0", "gone-1"])
    stats = store.stats()
    assert (stats["documents"], stats["by_type"]) == (0, {"article": 0, "listing": 0})
    app = create_app({"index_dir": tmp_path / "index"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/stats").get_json()["documents"] == 0
    assert "newssearch.unexpected" not in app.extensions


# ---------------------------------------------------------------------------
# A full disk (a 3 MB tmpfs)
# ---------------------------------------------------------------------------

FULL_DISK_MESSAGE = re.compile(
    r"^could not write the index at .+: the disk is full; the previous index is intact"
)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs mounted for the test (root and ``mount`` needed), unmounted after it."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mount/umount are not available")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the full-disk test needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); the full-disk test needs it")
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Take all but ``leave`` bytes of the disk with a file someone can delete later."""
    filler = disk / "other-data.bin"
    free = shutil.disk_usage(disk).free
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def test_full_disk_incremental_run_keeps_the_previous_index(tiny_disk: Path) -> None:
    root = tiny_disk / "index"
    store = IndexStore(root)
    store.write(articles(40, seed=1, prefix="old", marker="cũ"))
    engine = Engine(root)
    before = engine.search(SearchRequest(q="cũ")).total
    assert before == 40
    filler = fill(tiny_disk, leave=250_000)
    new = articles(150, seed=2, prefix="new", marker="mới")
    with pytest.raises(StorageError) as info:
        store.write(new)
    assert FULL_DISK_MESSAGE.match(info.value.message), info.value.message
    assert info.value.status == 507
    # Everything committed before is there, for an open engine and a new one.
    assert engine.search(SearchRequest(q="cũ")).total == 40
    # (Not the total: "mới" alone may match typo neighbours in the old documents.)
    assert not [h.id for h in engine.search(SearchRequest(q="mới", per_page=100)).hits if h.id.startswith("new")]
    fresh = Engine(root)
    assert fresh.stats()["documents"] == 40
    fresh.close()
    # Space freed: the same run now completes.
    filler.unlink()
    report = store.write(new)
    assert report.added == 150
    assert engine.search(SearchRequest(q="mới")).total == 150
    assert engine.stats()["documents"] == 190
    engine.close()


def test_full_disk_failed_run_leaves_no_partial_segments(tiny_disk: Path) -> None:
    """A commit that hits ENOSPC leaves no half-written segment files behind.

    Before 73f9ab6 they stayed in the live generation (the TOC does not list
    them) and kept the space taken until the next successful commit: here 180
    KB of the 250 KB that were free, so the next small run failed as well.
    """
    root = tiny_disk / "index"
    store = IndexStore(root)
    store.write(articles(40, seed=1, prefix="old", marker="cũ"))
    fill(tiny_disk, leave=250_000)
    used = shutil.disk_usage(tiny_disk).used
    with pytest.raises(StorageError):
        store.write(articles(150, seed=2, prefix="new", marker="mới"))
    assert shutil.disk_usage(tiny_disk).used <= used + 16_384
    assert store.write(articles(2, seed=3, prefix="small")).added == 2


def test_full_disk_rebuild_keeps_the_previous_index(tiny_disk: Path) -> None:
    root = tiny_disk / "index"
    store = IndexStore(root)
    docs = articles(40, seed=1, prefix="old", marker="cũ")
    store.write(docs)
    live = store.current_dir()
    assert live is not None
    engine = Engine(root)
    filler = fill(tiny_disk, leave=150_000)
    with pytest.raises(StorageError) as info:
        store.write(docs, rebuild=True)
    assert FULL_DISK_MESSAGE.match(info.value.message), info.value.message
    assert store.current_dir() == live
    assert sorted(p.name for p in root.glob("gen-*")) == [live.name]  # the half-built one is gone
    assert engine.search(SearchRequest(q="cũ")).total == 40
    filler.unlink()
    assert store.write(docs[:10], rebuild=True, allow_shrink=True).added == 10
    assert store.current_dir() != live
    assert engine.search(SearchRequest(q="cũ")).total == 10
    engine.close()


def test_full_disk_cli_says_so_and_exits_2(tiny_disk: Path, tmp_path: Path) -> None:
    root = tiny_disk / "index"
    IndexStore(root).write(articles(40, seed=1, prefix="old", marker="cũ"))
    fill(tiny_disk, leave=150_000)
    feed = write_jsonl(tmp_path / "new.jsonl", records(80, seed=2, prefix="new", marker="mới"))
    for extra in ([], ["--rebuild"]):
        r = run_cli("index", str(feed), "--index-dir", str(root), *extra)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: could not write the index at "), r.stderr
        assert "the disk is full; the previous index is intact" in lines[0]
    assert len(all_ids(root)) == 40


def test_cli_problem_report_on_a_full_disk_is_not_a_traceback(tiny_disk: Path, tmp_path: Path) -> None:
    """When the problems report cannot be written (disk full, or e.g.
    ``--report /proc/problems.txt``) after the index was written: the summary
    is printed and names the report it could not write; no traceback.
    (Was an OSError traceback, exit 1; fixed in e070495.)
    """
    fill(tiny_disk, leave=0)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(good("p-1", "Tin một") + "\n{broken\n", "utf-8")
    report = tiny_disk / "problems.txt"
    r = run_cli("index", str(feed), "--index-dir", str(tmp_path / "index"), "--report", str(report))
    assert "Traceback" not in r.stderr, r.stderr[-600:]
    assert r.returncode in (0, 2)
    assert "indexed 1 articles" in r.stdout
    assert str(report) in r.stdout + r.stderr  # the failure is named
    assert all_ids(tmp_path / "index") == ["p-1"]


# ---------------------------------------------------------------------------
# kill -9 of a CLI rebuild
# ---------------------------------------------------------------------------


def test_kill_9_during_cli_rebuild(tmp_path: Path, sample_index: Path) -> None:
    root = copy_index(sample_index, tmp_path / "index")
    store = IndexStore(root)
    live = store.current_dir()
    assert live is not None
    n_before = len(all_ids(root))
    feed = write_jsonl(tmp_path / "big.jsonl", records(1500, seed=5, prefix="big", marker="lớn"))
    proc = subprocess.Popen(cli("index", str(feed), "--index-dir", str(root), "--rebuild"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not [g for g in root.glob("gen-*") if g != live]:
            assert proc.poll() is None, "the rebuild ended before it could be killed"
            assert time.monotonic() < deadline, "the rebuild never started a new generation"
            time.sleep(0.05)
        time.sleep(0.5)  # inside the rebuild: the new generation is being filled
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # The live index did not move and answers.
    assert store.current_dir() == live
    engine = Engine(root)
    assert engine.stats()["documents"] == n_before
    assert engine.search(SearchRequest(q="ha long")).total > 0
    # No stale lock: the lock is free at once, and the next runs complete.
    with store.lock(timeout=0.5):
        pass
    small = write_jsonl(tmp_path / "small.jsonl", records(3, seed=6, prefix="small", marker="nhỏ"))
    r = run_cli("index", str(small), "--index-dir", str(root))
    assert r.returncode == 0, r.stderr
    assert engine.stats()["documents"] == n_before + 3
    r = run_cli("index", str(small), "--index-dir", str(root), "--rebuild", "--allow-shrink")
    assert r.returncode == 0, r.stderr
    assert engine.stats()["documents"] == 3
    # The half-built generation was removed by the rebuild (only the live and previous remain).
    gens = sorted(p.name for p in root.glob("gen-*"))
    assert len(gens) == 2 and live.name in gens, gens
    engine.close()


# ---------------------------------------------------------------------------
# Several threads reading one Engine (gunicorn's gthread workers do this)
# ---------------------------------------------------------------------------


@pytest.fixture
def fast_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond (instead of 5 ms): races show up in seconds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_concurrent_reads_of_one_engine_never_fail(sample_index: Path, fast_thread_switches: None) -> None:
    """Threads sharing one ``Engine`` never corrupt each other's reads.

    All threads share one store snapshot, whose Whoosh readers keep a file
    position (seek, then read) per open file; the store holds a lock for each
    such read, and nothing else is locked, so searches run concurrently. With
    no lock at all (before 73f9ab6) concurrent reads interleaved and failed
    with CorruptIndexError ("Damaged postings block"), zlib.error,
    UnpicklingError, EOFError or IndexError -- 15 failures in this test, and 7
    HTTP 500s in 11,801 requests of the soak run (``newssearch serve`` runs 4
    threads per worker). Only the Python thread-switch interval is changed
    here, to make the interleaving frequent.
    """
    engine = Engine(sample_index)
    engine.search(SearchRequest(q="ha long"))
    ids = all_ids(sample_index)
    queries = ["nha pho ha long", "nguoi yeu the", "ban nha quan 7", "hạ long quảng ninh", "cảng container"]
    errors: list[str] = []
    lock = threading.Lock()

    def reader(k: int) -> None:
        for i in range(k, k + 400):
            try:
                engine.get(ids[i % len(ids)])
                if i % 20 == 0:
                    engine.search(SearchRequest(q=queries[i % len(queries)], per_page=20, facets=False))
                    engine.suggest(queries[i % len(queries)][:6])
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:80]}")

    threads = [threading.Thread(target=reader, args=(k * 97,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.close()
    assert errors == []


# ---------------------------------------------------------------------------
# A server in another process answers while the CLI indexes and rebuilds
# ---------------------------------------------------------------------------


@pytest.fixture
def served_copy(tmp_path: Path, sample_index: Path) -> Iterator[tuple[Path, int]]:
    """A copy of the sample index served by ``newssearch serve --workers 2`` on 127.0.0.1."""
    root = copy_index(sample_index, tmp_path / "index")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cli("serve", "--index-dir", str(root), "--host", "127.0.0.1", "--port", str(port), "--workers", "2"),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get_json(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield root, port
    finally:
        stop_server(proc, group=True)
    assert "Traceback" not in log.read_text(errors="replace")


LOAD_URLS = [
    "/api/search?q=zorbanh",
    "/api/search?q=quyxet&sort=newest",
    "/api/search?q=nha+pho+ha+long&type=listing&per_page=5",
    "/api/search?q=&sort=newest&page=2",
    "/api/search?q=h%E1%BA%A1+long&province=quang+ninh",
    "/api/suggest?q=zor",
    "/api/suggest?q=nha+p",
    "/api/stats",
    "/healthz",
    "/?q=ha+long",
]


def test_server_process_answers_while_the_cli_indexes_and_rebuilds(
    served_copy: tuple[Path, int], tmp_path: Path
) -> None:
    root, port = served_copy
    n_sample = len(all_ids(root))
    update = write_jsonl(tmp_path / "update.jsonl", records(30, seed=11, prefix="upd", marker="Zorbanh"))
    rebuild = write_jsonl(tmp_path / "rebuild.jsonl", records(12, seed=12, prefix="reb", marker="Quyxet"))

    stop = threading.Event()
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()

    def http_client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = offset
        while not stop.is_set():
            url = LOAD_URLS[i % len(LOAD_URLS)]
            i += 1
            try:
                conn.request("GET", url)
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    with lock:
                        errors.append(f"{url}: HTTP {r.status} {body[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{url}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                done[0] += 1
        conn.close()

    def engine_client() -> None:
        engine = Engine(root)
        while not stop.is_set():
            try:
                engine.search(SearchRequest(q="zorbanh quyxet ha long"))
            except Exception as exc:
                with lock:
                    errors.append(f"engine: {type(exc).__name__}: {exc}")
            with lock:
                done[0] += 1
        engine.close()

    threads = [threading.Thread(target=http_client, args=(k * 3,)) for k in range(3)]
    threads.append(threading.Thread(target=engine_client))
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        r = run_cli("index", str(update), "--index-dir", str(root))
        assert r.returncode == 0, r.stderr
        # Right after the commit every answer (any worker, new connections) has the new data.
        for _ in range(4):
            assert get_json(port, "/api/search?q=zorbanh")[1]["total"] == 30
            assert get_json(port, "/api/stats")[1]["documents"] == n_sample + 30
        r = run_cli("index", str(rebuild), "--index-dir", str(root), "--rebuild", "--allow-shrink")
        assert r.returncode == 0, r.stderr
        for _ in range(4):
            assert get_json(port, "/api/search?q=quyxet")[1]["total"] == 12
            assert get_json(port, "/api/search?q=zorbanh")[1]["total"] == 0
            assert get_json(port, "/api/stats")[1]["documents"] == 12
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    assert done[0] > 20


# ---------------------------------------------------------------------------
# Slow clients: connections that never finish their request hold no worker
# ---------------------------------------------------------------------------

SLOW_CLIENTS = 50


def test_healthz_answers_while_many_slow_clients_are_connected(served_copy: tuple[Path, int]) -> None:
    """50 connections that sent half a request (gunicorn's threaded worker
    stopped answering at 8: 2 workers x 4 threads); the longer run is
    ``benchmarks/robustness/slow_clients.py``."""
    _, port = served_copy
    slow: list[socket.socket] = []
    try:
        for i in range(SLOW_CLIENTS):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            if i % 2:
                s.sendall(b"X-Slow: 1\r\n")  # a header line, never the blank line that ends them
            slow.append(s)
        time.sleep(0.5)  # the server has taken them all
        for path in ("/healthz", "/api/search?q=nha+pho+ha+long", "/healthz", "/api/suggest?q=nha+p", "/healthz"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            started = time.monotonic()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                assert (path, r.status) == (path, 200)
                r.read()
            finally:
                conn.close()
            assert time.monotonic() - started < 3.0, path
    finally:
        for s in slow:
            s.close()


# ---------------------------------------------------------------------------
# Queries of death: every request stays within the time budget
# ---------------------------------------------------------------------------


def _repeat(text: str, n: int = 500) -> str:
    return (text * (n // len(text) + 1))[:n].rstrip()


COMMON_PAIRS = [
    "nhà phố", "hà nội", "người dân", "thành phố", "chung cư", "giao thông", "kinh tế", "du lịch",
    "bệnh viện", "học sinh", "mặt tiền", "giá vàng", "mùa hè", "dự án", "công trình",
]
QUERIES_OF_DEATH: dict[str, str] = {
    "2 unknown words and a repeated phrase": _repeat('zorbanh quyxet ' + '"của của" ' * 60),
    "45 common two-word phrases": _repeat(" ".join(f'"{COMMON_PAIRS[i % 15]}"' for i in range(45)), 500),
    "40 excluded phrases": _repeat("nhà " + " ".join(f'-"{COMMON_PAIRS[i % 15]}"' for i in range(40)), 500),
    "long digit strings": _repeat("12345678901234567890 "),
    "emoji": _repeat("🏠🔥 nhà 😀 phố 🚀 "),
    "mixed scripts": _repeat("nhà Дом 家 بيت phố σπίτι ห้อง "),
    "100 one-letter words": " ".join("abcdeghiklmnopqrstuvxyđ"[i % 23] for i in range(100)),
    "many words": " ".join(f"{a} {b}" for a, b in (p.split() for p in COMMON_PAIRS * 3))[:500],
    "many unfinished-looking words": _repeat("nh ph ha lo ca ho bi th "),
}
#: CPU time a request may use past its budget: the step that was running when
#: the budget ran out, then hits, snippets and facets.
BUDGET_MARGIN_S = 0.35


@pytest.fixture(scope="module")
def budget_engine(sample_index: Path) -> Iterator[Engine]:
    """An engine with the default settings (the production time budget)."""
    from newssearch.config import Settings

    e = Engine(sample_index, Settings(index_dir=sample_index))
    e.search(SearchRequest(q="hà nội"))
    yield e
    e.close()


@pytest.mark.parametrize("name", sorted(QUERIES_OF_DEATH))
def test_query_of_death_stays_within_the_budget(budget_engine: Engine, name: str) -> None:
    q = QUERIES_OF_DEATH[name]
    assert len(q) <= 500
    started = time.thread_time()
    result = budget_engine.search(SearchRequest.from_params({"q": q}))
    used = time.thread_time() - started
    assert used < budget_engine.settings.search_budget + BUDGET_MARGIN_S, (name, used)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert len(data["hits"]) == min(10, data["total"])


@pytest.mark.parametrize("prefix", [_repeat("nha pho "), _repeat("nhà phố hà "), _repeat("a "), _repeat("🏠 ")])
def test_long_autocomplete_stays_within_the_budget(budget_engine: Engine, prefix: str) -> None:
    started = time.thread_time()
    items = budget_engine.suggest(prefix)
    used = time.thread_time() - started
    assert used < budget_engine.settings.search_budget + BUDGET_MARGIN_S, (prefix[:20], used)
    assert len(items) <= 8
