"""The write API: upserts, deletes, batches, keys and scopes, refusals, durability.

The first part runs the Flask app in-process; the second a real ``newssearch
serve`` (gunicorn, two workers) on a free 127.0.0.1 port, started once for
the module.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from conftest import stop_server
from newssearch.batch import apply_batch, read_body
from newssearch.cli import main
from newssearch.indexer import IndexStore
from newssearch.keys import KeyStore
from newssearch.search import Engine
from newssearch.web import create_app

ARTICLE = {
    "id": "cms/2026/12/cau-bai-chay-moi",
    "title": "Khánh thành cầu Bãi Cháy mới nối hai bờ vịnh",
    "summary": "Cây cầu thứ hai qua eo Cửa Lục giảm tải cho cầu cũ.",
    "body": "Sáng nay, tỉnh Quảng Ninh khánh thành cầu Bãi Cháy mới. Xe tải được đi từ tuần sau.",
    "published": "2026-12-01T08:00:00",
    "category": "Giao thông",
}
LISTING = {
    "id": "cms/bds/42",
    "type": "listing",
    "title": "Bán nhà phố Zentrovia Hạ Long 4 tầng",
    "description": "Nhà mới xây, sổ đỏ chính chủ.",
    "price_text": "6,3 tỷ",
    "area_m2": 80,
    "district": "Thành phố Hạ Long",
    "province": "Quảng Ninh",
}
JSONL = "application/x-ndjson"


def ids_in(root: Path) -> set[str]:
    ix = IndexStore(root).open()
    with ix.searcher() as s:
        return {fields["id"] for fields in s.all_stored_fields()}


# ---------------------------------------------------------------------------
# In-process
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A copy of the sample index with one key of each scope and a revoked write key."""
    root = tmp_path_factory.mktemp("write") / "index"
    shutil.copytree(sample_index, root, symlinks=True)
    store = KeyStore(root)
    tokens = {scope: store.create(scope, f"test {scope}")[1] for scope in ("search", "write", "admin")}
    revoked, tokens["revoked"] = store.create("write", "old")
    store.revoke(revoked.id)
    return root, tokens


@pytest.fixture(scope="module")
def app(keyed: tuple[Path, dict[str, str]]) -> Flask:
    return create_app({"index_dir": keyed[0], "max_write_bytes": 4096, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def auth(tokens: dict[str, str], who: str = "write") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def post(client: FlaskClient, body: Any, headers: dict[str, str], content_type: str = "application/json") -> Any:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    return client.post("/api/documents", data=data, headers={**headers, "Content-Type": content_type})


def test_upsert_one_array_and_json_lines(client: FlaskClient, keyed: tuple[Path, dict[str, str]]) -> None:
    root, tokens = keyed
    r = post(client, ARTICLE, auth(tokens))
    assert r.status_code == 200
    body = r.get_json()
    assert body["records"] == [{"index": 0, "status": "created", "id": ARTICLE["id"], "type": "article"}]
    assert body["counts"] == {"created": 1} and body["errors"] == 0
    assert client.get("/api/search?q=cau+bai+chay+moi").get_json()["hits"][0]["id"] == ARTICLE["id"]

    changed = {**ARTICLE, "title": "Thông xe cầu Bãi Cháy mới"}
    r = post(client, [changed, LISTING], auth(tokens, "admin"))
    assert [(x["status"], x["id"]) for x in r.get_json()["records"]] == [
        ("replaced", ARTICLE["id"]), ("created", LISTING["id"])
    ]
    lines = "\n".join(json.dumps(d, ensure_ascii=False) for d in (changed, LISTING)) + "\n\n"
    r = post(client, lines, auth(tokens), JSONL)
    assert r.status_code == 200 and r.get_json()["counts"] == {"unchanged": 2}
    assert client.get(f"/api/documents/{ARTICLE['id']}").get_json()["title"] == "Thông xe cầu Bãi Cháy mới"
    assert {ARTICLE["id"], LISTING["id"]} <= ids_in(root)


def test_bad_records_are_reported_and_the_rest_written(client: FlaskClient, keyed: tuple[Path, dict[str, str]]) -> None:
    root, tokens = keyed
    lines = "\n".join([
        json.dumps({"id": "w-ok-1", "type": "article", "title": "Chợ đêm Hạ Long mở lại"}),
        "{not json",
        json.dumps({"id": "w-bad", "title": ""}),
        json.dumps({"id": "w-ok-2", "type": "listing", "title": "Cho thuê căn hộ Bãi Cháy", "price_vnd": -5}),
        json.dumps({"id": "w-ok-3", "type": "listing", "title": "Bán đất Hoành Bồ", "price_text": "5 nghìn"}),
        json.dumps({"id": "w-ok-1", "deleted": True}),
    ])
    r = post(client, lines, auth(tokens), JSONL)
    assert r.status_code == 207
    assert r.get_json()["records"] == [
        {"index": 0, "status": "created", "id": "w-ok-1", "type": "article"},
        {"index": 1, "status": "error", "line": 2,
         "message": "invalid JSON: Expecting property name enclosed in double quotes (column 2)"},
        {"index": 2, "status": "error", "line": 3, "message": "record has no title and no text"},
        {"index": 3, "status": "created", "id": "w-ok-2", "type": "listing",
         "warnings": ["field 'price_vnd': invalid price -5: must be a positive number; left empty"]},
        {"index": 4, "status": "created", "id": "w-ok-3", "type": "listing",
         "warnings": ["price '5 nghìn' is implausibly low for a sale; price_vnd left empty"]},
        {"index": 5, "status": "deleted", "id": "w-ok-1"},
    ]
    assert "w-ok-1" not in ids_in(root) and {"w-ok-2", "w-ok-3"} <= ids_in(root)


def test_ids_with_path_characters(client: FlaskClient, keyed: tuple[Path, dict[str, str]]) -> None:
    tokens = keyed[1]
    odd = ["tin/2026/12/bai 1", "a?b#c&d=e", "../../etc/passwd", "Hà Nội/%2F", "x/related-not"]
    r = post(client, [{"id": i, "type": "article", "title": f"Bài thử số {n} về Hạ Long"} for n, i in enumerate(odd)], auth(tokens))
    assert [x["status"] for x in r.get_json()["records"]] == ["created"] * len(odd)
    for doc_id in odd:
        url = "/api/documents/" + quote(doc_id, safe="/")
        assert client.get(url).get_json()["id"] == doc_id
        assert client.delete(url, headers=auth(tokens)).get_json()["records"] == [
            {"index": 0, "status": "deleted", "id": doc_id}
        ]
        assert client.get(url).status_code == 404
        r = client.delete(url, headers=auth(tokens))
        assert (r.status_code, r.get_json()["error"]["param"]) == (404, "doc_id")


def test_batch_delete(client: FlaskClient, keyed: tuple[Path, dict[str, str]]) -> None:
    root, tokens = keyed
    post(client, [{"id": f"w-del-{n}", "type": "article", "title": f"Tin xóa thử {n}"} for n in range(3)], auth(tokens))
    r = client.post("/api/documents/delete", json={"ids": ["w-del-0", "w-del-2", "nope", ""]}, headers=auth(tokens))
    assert r.status_code == 207
    assert r.get_json()["records"] == [
        {"index": 0, "status": "deleted", "id": "w-del-0"},
        {"index": 1, "status": "deleted", "id": "w-del-2"},
        {"index": 2, "status": "not_found", "id": "nope"},
        {"index": 3, "status": "error", "message": 'a deletion record needs an "id" (or "url")'},
    ]
    assert {i for i in ids_in(root) if i.startswith("w-del-")} == {"w-del-1"}


REFUSALS = [
    # (who, method, path, content type, body, status, words in the message)
    (None, "post", "/api/documents", "application/json", ARTICLE, 401, "needs an API key"),
    ("bogus", "post", "/api/documents", "application/json", ARTICLE, 401, "not valid"),
    ("revoked", "post", "/api/documents", "application/json", ARTICLE, 401, "was revoked"),
    ("search", "post", "/api/documents", "application/json", ARTICLE, 403, "'search' scope"),
    ("search", "delete", "/api/documents/qn-0001", None, None, 403, "'search' scope"),
    ("search", "post", "/api/documents/delete", "application/json", {"ids": ["qn-0001"]}, 403, "scope"),
    (None, "delete", "/api/documents/qn-0001", None, None, 401, "needs an API key"),
    ("write", "post", "/api/documents", "text/plain", "x", 415, "application/json"),
    ("write", "post", "/api/documents", None, "x", 415, "no Content-Type"),
    ("write", "post", "/api/documents", "application/json; charset=latin-1", "{}", 415, "UTF-8"),
    ("write", "post", "/api/documents/delete", JSONL, '{"ids": ["qn-0001"]}', 415, "as JSON"),
    ("write", "post", "/api/documents", "application/json", "[" + "1," * 3000 + "1]", 413, "larger than 4096"),
    ("write", "post", "/api/documents", "application/json", "{bad json", 400, "invalid JSON"),
    ("write", "post", "/api/documents", "application/json", "", 400, "empty"),
    ("write", "post", "/api/documents", "application/json", "[]", 400, "no records"),
    ("write", "post", "/api/documents", "application/json", b"\xff\xfe{}", 400, "UTF-8"),
    ("write", "post", "/api/documents", "application/json", [{"id": "w-x", "title": ""}, 5], 400,
     "no record could be indexed, nothing was written: record 0: [0]: record has no title"),
    ("write", "post", "/api/documents?kind=x", "application/json", ARTICLE, 400, "unknown parameter"),
    ("write", "post", "/api/documents?type=video", "application/json", ARTICLE, 400, "unknown document type"),
    ("write", "post", "/api/documents/delete", "application/json", {"ids": []}, 400, "at least one id"),
    ("write", "post", "/api/documents/delete", "application/json", "[1", 400, "invalid JSON"),
    ("write", "delete", "/api/documents/qn-0001?force=1", None, None, 400, "unknown parameter"),
]


@pytest.mark.parametrize(("who", "method", "path", "ctype", "body", "status", "words"), REFUSALS)
def test_refusals_change_nothing(
    app: Flask, keyed: tuple[Path, dict[str, str]], who: str | None, method: str, path: str,
    ctype: str | None, body: Any, status: int, words: str,
) -> None:
    root, tokens = keyed
    headers = {} if who is None else {"Authorization": f"Bearer {tokens.get(who, 'nsk_00000000_nope')}"}
    if ctype is not None:
        headers["Content-Type"] = ctype
    data = body if body is None or isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    before = IndexStore(root).read_meta()["updated"], sorted(ids_in(root))
    r = getattr(app.test_client(), method)(path, data=data, headers=headers)
    assert r.status_code == status, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["status"] == status and words in error["message"], error
    assert r.headers.get("WWW-Authenticate") == ('Bearer realm="newssearch"' if status == 401 else None)
    assert (IndexStore(root).read_meta()["updated"], sorted(ids_in(root))) == before


def test_write_answers_match_the_openapi_description(client: FlaskClient, keyed: tuple[Path, dict[str, str]]) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema-rs (a schemathesis dependency) is missing")
    tokens = keyed[1]
    spec = client.get("/api/openapi.json").get_json()
    answers = [
        ("/api/documents", "post", post(client, [ARTICLE, {"id": "w-o", "title": ""}], auth(tokens))),
        ("/api/documents", "post", post(client, "[]", auth(tokens))),
        ("/api/documents", "post", post(client, ARTICLE, {})),
        ("/api/documents/{doc_id}", "delete", client.delete("/api/documents/nope", headers=auth(tokens))),
        ("/api/documents/delete", "post", client.post("/api/documents/delete", json={"ids": ["x"]}, headers=auth(tokens))),
    ]
    assert [r.status_code for _, _, r in answers] == [207, 400, 401, 404, 200]
    for path, method, r in answers:
        described = spec["paths"][path][method]["responses"][str(r.status_code)]
        assert spec["paths"][path][method]["security"] == [{"bearerAuth": []}]
        schema = {**described["content"]["application/json"]["schema"], "components": spec["components"]}
        jsonschema_rs.validator_for(schema).validate(r.get_json())


def test_writing_is_off_without_a_write_key(sample_index: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(sample_index, root, symlinks=True)
    client = create_app({"index_dir": root}).test_client()
    _, search_token = KeyStore(root).create("search")
    for headers in ({}, {"Authorization": f"Bearer {search_token}"}):
        for r in (
            client.post("/api/documents", json=ARTICLE, headers=headers),
            client.delete("/api/documents/qn-0001", headers=headers),
            client.post("/api/documents/delete", json={"ids": ["qn-0001"]}, headers=headers),
        ):
            assert r.status_code == 404 and "writing is off" in r.get_json()["error"]["message"]
    assert "qn-0001" in ids_in(root)
    # A write key created while the app runs turns writing on (and revoking it, off) at once.
    key, token = KeyStore(root).create("write")
    assert client.delete("/api/documents/qn-0001", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    KeyStore(root).revoke(key.id)
    assert client.delete("/api/documents/qn-0002", headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_a_busy_index_is_503_with_retry_after(sample_index: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(sample_index, root, symlinks=True)
    _, token = KeyStore(root).create("write")
    client = create_app({"index_dir": root, "write_lock_timeout": 0.3}).test_client()
    with IndexStore(root).lock():  # another indexer (the CLI, another worker) is writing
        r = client.post("/api/documents", json=ARTICLE, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert "nothing was written" in r.get_json()["error"]["message"]
    assert ARTICLE["id"] not in ids_in(root)


def test_search_may_require_a_key(keyed: tuple[Path, dict[str, str]]) -> None:
    root, tokens = keyed
    client = create_app({"index_dir": root, "require_search_key": True}).test_client()
    assert client.get("/api/search?q=ha+long").status_code == 401
    assert client.get("/?q=ha+long", headers={"Accept": "text/html"}).status_code == 401
    for who in ("search", "write", "admin"):
        r = client.get("/api/search?q=ha+long", headers=auth(tokens, who))
        assert r.status_code == 200 and r.headers["Cache-Control"] == "max-age=60, private"
        assert "Authorization" in r.headers["Vary"]
    assert client.get("/api/suggest?q=ha", headers=auth(tokens, "revoked")).status_code == 401
    assert client.get("/healthz").status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    assert spec["security"] == [{"bearerAuth": []}] and spec["paths"]["/healthz"]["get"]["security"] == []
    assert client.options("/api/search", headers={"Origin": "https://x.example"}).status_code == 200


def test_apply_batch_reports_warnings_with_their_record(tmp_path: Path) -> None:
    long_title = "Tin dài " * 200
    items = read_body(json.dumps([{"id": "a", "title": long_title}, {"id": "b", "title": "Tin ngắn"}]).encode(), "json", "article")
    report = apply_batch(IndexStore(tmp_path), items, lock_timeout=1)
    assert [(r.id, r.status, len(r.warnings)) for r in report.records] == [("a", "created", 1), ("b", "created", 0)]
    assert "title" in report.records[0].warnings[0]


def test_a_stub_superseded_in_the_same_batch(tmp_path: Path) -> None:
    stub = {"id": "s1", "type": "article", "title": "Tin ngắn về chợ đêm", "stub": True}
    full = {**stub, "stub": False, "body": "Chợ đêm mở lại từ thứ bảy."}
    report = apply_batch(IndexStore(tmp_path), read_body(json.dumps([stub, full]).encode(), "json"), lock_timeout=1)
    assert [(r.id, r.status) for r in report.records] == [("s1", "unchanged"), ("s1", "created")]


def test_index_reads_json_lines_from_stdin(tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    lines = json.dumps(ARTICLE, ensure_ascii=False) + "\n{oops\n" + json.dumps(LISTING, ensure_ascii=False) + "\n"
    r = CliRunner().invoke(main, ["index", "-", "--index-dir", idx], input=lines.encode())
    assert r.exit_code == 0, r.output
    assert "indexed 1 articles, 1 listings (2 new" in r.stdout and "skipped 1" in r.stdout
    assert "skipped: <stdin>:2: invalid JSON" in r.stderr
    assert ids_in(Path(idx)) == {ARTICLE["id"], LISTING["id"]}


# ---------------------------------------------------------------------------
# A real server: `newssearch serve` with two gunicorn workers
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """A running ``newssearch serve``: its index, port, process and keys."""

    def __init__(self, root: Path, port: int, proc: subprocess.Popen[bytes], tokens: dict[str, str]) -> None:
        self.root, self.port, self.proc, self.tokens = root, port, proc, tokens

    def request(
        self, method: str, path: str, body: Any = None, who: str | None = "write",
        content_type: str = "application/json",
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a fresh connection (so it may land on either worker)."""
        headers = {"Content-Type": content_type} if body is not None else {}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        data = body if body is None or isinstance(body, (bytes, str, Iterator)) else json.dumps(body, ensure_ascii=False)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            # An iterator is sent chunked (no Content-Length).
            conn.request(method, path, body=data.encode() if isinstance(data, str) else data, headers=headers,
                         encode_chunked=isinstance(data, Iterator))
            r = conn.getresponse()
            raw = r.read()
            return r.status, dict(r.getheaders()), json.loads(raw) if raw else None
        finally:
            conn.close()

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.request("GET", "/healthz", who=None)[0] == 200 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server is not answering")
            time.sleep(0.1)

    def total(self, q: str) -> int:
        status, _, body = self.request("GET", "/api/search?q=" + quote(q), who=None)
        assert status == 200, body
        return int(body["total"])


@pytest.fixture(scope="module")
def server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("served")
    root = tmp / "index"
    shutil.copytree(sample_index, root, symlinks=True)
    runner = CliRunner()
    tokens = {}
    for scope in ("search", "write"):
        r = runner.invoke(main, ["keys", "create", "--scope", scope, "--index-dir", str(root)])
        assert r.exit_code == 0, r.output
        tokens[scope] = r.stdout.strip()
    port = _free_port()
    log = tmp / "serve.log"
    env = {**os.environ, "NEWSSEARCH_MAX_WRITE_BYTES": "65536"}
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would block gunicorn's logging
        proc = subprocess.Popen(
            [sys.executable, "-m", "newssearch", "serve", "--index-dir", str(root), "--host", "127.0.0.1",
             "--port", str(port), "--workers", "2"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env,
        )
    srv = Server(root, port, proc, tokens)
    try:
        try:
            srv.wait_healthy(90)
        except AssertionError:
            raise AssertionError("the server did not start:\n" + log.read_text(errors="replace")[-3000:]) from None
        yield srv
    finally:
        stop_server(proc, group=True)
    assert "Traceback" not in log.read_text(errors="replace")


def assert_seen_everywhere(srv: Server, q: str, expected: int, within: float = 2.0, requests: int = 10) -> None:
    """Within ``within`` seconds, ``requests`` searches in a row, each on a new connection (so
    spread over both workers), find ``expected`` documents."""
    deadline = time.monotonic() + within
    streak = 0
    while streak < requests:
        streak = streak + 1 if srv.total(q) == expected else 0
        assert time.monotonic() < deadline, f"{q!r} did not reach {expected} results in every worker within {within} s"


@pytest.mark.slow
def test_served_upsert_and_delete_are_visible_in_both_workers(server: Server) -> None:
    doc = {"id": "srv/2026/zentrovia-1", "title": "Lễ hội Zentrovia trên vịnh Hạ Long", "body": "Pháo hoa và thuyền buồm."}
    status, headers, body = server.request("POST", "/api/documents", doc)
    assert (status, body["counts"]) == (200, {"created": 1}) and headers["Cache-Control"] == "no-store"
    assert_seen_everywhere(server, "zentrovia", 1)
    lines = "".join(
        json.dumps({"id": f"srv/jl/{n}", "title": f"Zentrovia tin số {n}", "body": "Thử nghiệm."}, ensure_ascii=False) + "\n"
        for n in range(3)
    )
    status, _, body = server.request("POST", "/api/documents", lines, content_type=JSONL)
    assert (status, body["counts"]) == (200, {"created": 3})
    assert_seen_everywhere(server, "zentrovia", 4)
    status, _, body = server.request("DELETE", "/api/documents/" + quote(doc["id"], safe="/"))
    assert (status, body["counts"]) == (200, {"deleted": 1})
    status, _, body = server.request("POST", "/api/documents/delete", {"ids": ["srv/jl/0", "srv/jl/1", "nope"]})
    assert (status, body["counts"]) == (200, {"deleted": 2, "not_found": 1})
    assert_seen_everywhere(server, "zentrovia", 1)
    status, _, got = server.request("GET", "/api/documents/srv/jl/2", who=None)
    assert (status, got["title"]) == (200, "Zentrovia tin số 2")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("who", "content_type", "body", "status"),
    [
        (None, "application/json", ARTICLE, 401),
        ("search", "application/json", ARTICLE, 403),
        ("write", "text/csv", "id,title\n1,x\n", 415),
        ("write", "application/json", "{", 400),
        ("write", "application/json", json.dumps([ARTICLE] * 400), 413),
        ("write", "application/json", iter([json.dumps([ARTICLE] * 400).encode()]), 413),  # chunked
    ],
)
def test_served_refusals(server: Server, who: str | None, content_type: str, body: Any, status: int) -> None:
    before = server.total("khanh thanh cau bai chay")
    got, _, answer = server.request("POST", "/api/documents", body, who=who, content_type=content_type)
    assert got == status and answer["error"]["status"] == status, answer
    assert server.total("khanh thanh cau bai chay") == before


@pytest.mark.slow
def test_served_concurrent_writers_are_serialised(server: Server) -> None:
    results: list[int] = []

    def write(n: int) -> None:
        batch = [{"id": f"srv/conc/{n}/{k}", "type": "article", "title": f"Quyxetia chuyến {n} số {k}"} for k in range(5)]
        results.append(server.request("POST", "/api/documents", batch)[0])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [200] * 6
    assert_seen_everywhere(server, "quyxetia", 30)


@pytest.mark.slow
def test_served_write_survives_killed_workers(server: Server) -> None:
    doc = {"id": "srv/durable", "type": "article", "title": "Bến tàu Vorlanix mở cửa đón khách"}
    assert server.request("POST", "/api/documents", doc)[0] == 200
    for pid in server.workers():  # whichever worker wrote, it is gone now
        os.kill(pid, signal.SIGKILL)
    server.wait_healthy()
    assert server.total("vorlanix") == 1
    engine = Engine(server.root)
    try:
        assert engine.get("srv/durable")["title"] == doc["title"]
    finally:
        engine.close()
