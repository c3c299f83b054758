"""Operations: request ids, JSON logs, Prometheus metrics (also across gunicorn workers), the query log."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from conftest import stop_server
from newssearch.cli import main
from newssearch.logs import JsonFormatter, logging_config
from newssearch.querylog import QUERY_LOG_NAME, read_entries
from newssearch.web import create_app

REPO = Path(__file__).resolve().parents[1]
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"


@pytest.fixture
def index_copy(sample_index: Path, tmp_path: Path) -> Path:
    """A private copy of the sample index (the query log is written beside it)."""
    root = tmp_path / "index"
    shutil.copytree(sample_index, root, symlinks=True, ignore=shutil.ignore_patterns(QUERY_LOG_NAME + "*"))
    return root


@pytest.fixture
def app(index_copy: Path) -> Flask:
    return create_app({"index_dir": index_copy, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, by name and labels."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(parsed: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return parsed.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-42.a:b_c", True), ("", False), ("has space", False), ("x" * 129, False), ("<script>", False)],
)
def test_request_id_in_and_out(client: FlaskClient, sent: str, kept: bool) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
    rid = r.headers["X-Request-ID"]
    if kept:
        assert rid == sent
    else:
        assert len(rid) == 32 and int(rid, 16) >= 0


def test_request_id_on_errors_and_refusals(client: FlaskClient) -> None:
    assert client.get("/api/search?page=abc", headers={"X-Request-ID": "e1"}).headers["X-Request-ID"] == "e1"
    too_long = client.get("/api/search?q=" + "a" * 9000, headers={"X-Request-ID": "e2"})
    assert too_long.status_code == 413 and too_long.headers["X-Request-ID"] == "e2"


def test_access_lines_are_json_with_the_request_id(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="newssearch.access"):
        client.get("/api/search?q=nha+pho", headers={"X-Request-ID": "abc-1"},
                   environ_base={"REMOTE_ADDR": "198.51.100.9"})
    (record,) = [r for r in caplog.records if r.name == "newssearch.access"]
    line = json.loads(JsonFormatter().format(record))
    assert {k: v for k, v in line.items() if k not in ("ts", "duration_ms")} == {
        "level": "info",
        "logger": "newssearch.access",
        "message": "GET /api/search 200",
        "request_id": "abc-1",
        "method": "GET",
        "path": "/api/search",
        "endpoint": "/api/search",
        "status": 200,
    }
    assert "198.51.100.9" not in json.dumps(line) and "nha" not in json.dumps(line)


def test_json_formatter_carries_the_request_id_of_app_messages(app: Flask) -> None:
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "rid-7"
        record = logging.makeLogRecord({"name": "newssearch.web", "levelname": "WARNING", "msg": "slow: %s",
                                        "args": ("x",)})
        line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["level"], line["request_id"]) == ("slow: x", "warning", "rid-7")


def test_json_formatter_keeps_extras_and_leaves_other_libraries_private_attributes() -> None:
    record = logging.makeLogRecord({"name": "newssearch.access", "levelname": "INFO", "msg": "GET /",
                                    "status": 200, "_ray_timestamp_ns": 1})
    line = json.loads(JsonFormatter().format(record))
    assert {k: v for k, v in line.items() if k != "ts"} == {
        "level": "info", "logger": "newssearch.access", "message": "GET /", "status": 200,
    }


def test_logging_config_is_valid() -> None:
    import logging.config

    for fmt in ("json", "text"):
        config = logging_config(fmt)
        logging.config.dictConfig({**config, "root": {"level": "INFO", "handlers": []}})
    logging.getLogger().handlers.clear()


def test_metrics(client: FlaskClient) -> None:
    before = samples(client.get("/metrics").get_data(as_text=True))
    client.get("/api/search?q=nha+pho+ha+long")
    client.get("/api/search?q=zzqqxx")
    client.get("/?q=ha+long")
    client.get("/api/search?page=abc")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=")
    after = samples(r.get_data(as_text=True))

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("newssearch_searches_total", source="api") == 2
    assert delta("newssearch_searches_total", source="page") == 1
    assert delta("newssearch_zero_result_searches_total", source="api") == 1
    assert delta("newssearch_http_requests_total", endpoint="/api/search", method="GET", status="200") == 2
    assert delta("newssearch_http_errors_total", endpoint="/api/search", status="400") == 1
    assert delta("newssearch_http_request_duration_seconds_count", endpoint="/api/search") == 3
    assert value(after, "newssearch_index_documents", type="article") == 50
    assert value(after, "newssearch_index_documents", type="listing") == 72
    assert 0 <= value(after, "newssearch_index_generation_age_seconds") < 7 * 86400


def test_metrics_without_an_index_and_switched_off(tmp_path: Path) -> None:
    empty = create_app({"index_dir": tmp_path / "none", "TESTING": True}).test_client()
    text = empty.get("/metrics").get_data(as_text=True)
    assert "newssearch_http_requests_total" in text and "newssearch_index_documents" not in text
    off = create_app({"index_dir": tmp_path / "none", "metrics": False, "TESTING": True}).test_client()
    assert off.get("/metrics").status_code == 404


def test_query_log_from_api_and_page(client: FlaskClient, index_copy: Path) -> None:
    client.get("/api/search?q=nha+pho&district=Hạ+Long&sort=newest", environ_base={"REMOTE_ADDR": "198.51.100.9"},
               headers={"User-Agent": "Secret-Agent/1.0", "Cookie": "sid=abc"})
    client.get("/?q=zzqqxx&page=0")
    client.get("/api/search?q=nha&page=abc")  # refused: not a search
    entries = list(read_entries(index_copy / QUERY_LOG_NAME))
    assert [(e["q"], e["filters"], e["sort"], e["page"], e["total"] > 0) for e in entries] == [
        ("nha pho", {"district": ["Hạ Long"]}, "newest", 1, True),
        ("zzqqxx", {}, "relevance", 1, False),
    ]
    raw = (index_copy / QUERY_LOG_NAME).read_text("utf-8")
    for private in ("198.51.100.9", "Secret-Agent", "sid=abc"):
        assert private not in raw
    assert set(entries[0]) == {"ts", "q", "filters", "sort", "page", "total", "took_ms"}


def test_query_log_off(index_copy: Path) -> None:
    create_app({"index_dir": index_copy, "query_log": False, "TESTING": True}).test_client().get("/api/search?q=x")
    assert not (index_copy / QUERY_LOG_NAME).exists()


def test_report_queries_command(client: FlaskClient, index_copy: Path) -> None:
    for q in ("nhà phố hạ long", "nha pho ha long", "can ho q7", "zzqqxx", "zzqqxx", "ZZQQXX"):
        client.get("/api/search", query_string={"q": q})
    runner = CliRunner()
    result = runner.invoke(main, ["report", "queries", "--index-dir", str(index_copy), "--since", "1h", "--limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("6 searches since ") and lines[0].endswith("UTC (6 with a query, 3 with no result)")
    assert lines[1:] == ["", "top queries:", "  3  zzqqxx", "  2  nhà phố hạ long",
                         "", "top queries with no result:", "  3  zzqqxx"]
    as_json = json.loads(runner.invoke(main, ["report", "queries", "--index-dir", str(index_copy), "--json"]).output)
    assert as_json["searches"] == 6 and as_json["top_zero"] == [{"query": "zzqqxx", "count": 3}]
    bad = runner.invoke(main, ["report", "queries", "--index-dir", str(index_copy), "--since", "lately"])
    assert bad.exit_code == 2 and "the period 'lately' is not valid" in bad.stderr


# ---------------------------------------------------------------------------
# Under gunicorn with deploy/gunicorn.conf.py: metrics added up across workers
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def production_server(index_copy: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``gunicorn -c deploy/gunicorn.conf.py`` with 2 workers; yields (base URL, metrics dir, log file)."""
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999999.db").write_bytes(b"left by an earlier run")
    env = {**os.environ, "NEWSSEARCH_INDEX_DIR": str(index_copy), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    env.pop("NEWSSEARCH_CONFIG", None)
    log = tmp_path / "gunicorn.log"
    cmd = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
           "--workers", "2", "newssearch.web:create_app()"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get_or_none(base + "/healthz") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield base, metrics_dir, log
    finally:
        stop_server(proc)


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)[0]
    except OSError:
        return None


@pytest.mark.slow
def test_metrics_add_up_across_gunicorn_workers(production_server: tuple[str, Path, Path], index_copy: Path) -> None:
    base, metrics_dir, log = production_server
    assert not (metrics_dir / "counter_99999999.db").exists()  # cleaned at start
    # Searches in pairs until both workers have counted some (which worker
    # accepts a connection is the kernel's choice; on a busy machine one
    # worker can take many in a row).
    sent = 0
    while sent < 20 or len({p.name.split("_")[-1] for p in metrics_dir.glob("*.db")}) < 2:
        assert sent < 400, "the second worker never answered"
        for q in ("nha+pho", f"zzqqxx{sent}"):
            status, headers, _ = _get(f"{base}/api/search?q={q}")
            assert status == 200 and headers["X-Request-ID"]
        sent += 2
    scrapes = [samples(_get(base + "/metrics")[2].decode()) for _ in range(4)]
    for parsed in scrapes:  # whichever worker answers, it reports the sum of all of them
        assert value(parsed, "newssearch_searches_total", source="api") == sent
        assert value(parsed, "newssearch_zero_result_searches_total", source="api") == sent // 2
        assert value(parsed, "newssearch_http_request_duration_seconds_count", endpoint="/api/search") == sent
        assert value(parsed, "newssearch_index_documents", type="listing") == 72
    assert len(list(read_entries(index_copy / QUERY_LOG_NAME))) == sent
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "newssearch.access" and line["path"] == "/api/search"]
    assert len(access) == sent and all(len(line["request_id"]) == 32 for line in access)
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own lines are JSON too
