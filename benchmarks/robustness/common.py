"""Shared pieces of the robustness scripts: servers on loopback, memory, data, results.

Everything here talks to 127.0.0.1 only. Synthetic documents are built from a
small list of Vietnamese syllables written for this project (no corpus text),
so the scripts run anywhere; the load test can also use a corpus index built
by the benchmark harness.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from benchmarks import REPO_ROOT, RESULTS_DIR, WORK_DIR
from newssearch import __version__

__all__ = [
    "REPO_ROOT",
    "RESULTS_DIR",
    "WORK_DIR",
    "Server",
    "cli",
    "free_port",
    "http_get",
    "load_average",
    "machine_info",
    "run_cli",
    "serve",
    "synthetic_records",
    "tree_rss",
    "write_jsonl",
    "write_result",
]

HOST = "127.0.0.1"
READY_TIMEOUT_S = 300.0

#: Syllables for synthetic text (ordinary Vietnamese words; accents, đ, tone placement).
SYLLABLES = [
    "nhà", "phố", "hà", "nội", "hạ", "long", "quảng", "ninh", "người", "dân", "được", "hỗ",
    "trợ", "xây", "dựng", "đường", "cầu", "bãi", "cháy", "du", "lịch", "biển", "mùa", "hè",
    "thành", "kinh", "tế", "giáo", "dục", "học", "sinh", "trường", "bệnh", "viện", "giao",
    "thông", "cảng", "tàu", "cá", "ngư", "mưa", "bão", "nắng", "điện", "nước", "chợ", "giá",
    "vàng", "đất", "nền", "căn", "hộ", "chung", "cư", "mặt", "tiền", "hẻm", "ngõ", "quận",
    "huyện", "phường", "xã", "tỉnh", "năm", "tháng", "ngày", "mới", "cũ", "lớn", "nhỏ", "đẹp",
    "sạch", "xanh", "an", "toàn", "phát", "triển", "đầu", "tư", "dự", "án", "công", "trình",
    "khởi", "hoàn", "lễ", "hội", "văn", "hóa", "hoà", "thể", "thao", "bóng", "đá", "thủy",
    "thuỷ", "khỏe", "khoẻ", "uỷ", "ủy", "ban", "nhân", "tin", "tức", "sáng", "chiều", "tối",
    "hôm", "nay", "ở", "ý", "kiến", "trên", "dưới", "không", "gian", "bán", "cho", "thuê",
    "triệu", "tỷ", "mét", "vuông"
]
TITLE_WORDS = 8
BODY_WORDS = 160


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def cli(*args: str) -> list[str]:
    """The ``newssearch`` command line for ``args``, with this interpreter."""
    return [sys.executable, "-m", "newssearch", *args]


def run_cli(*args: str, timeout: float = 1800.0) -> subprocess.CompletedProcess[str]:
    """Run ``newssearch ARGS`` to completion; output captured."""
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, check=False)


def http_get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """One GET over a kept-alive connection; returns (status, body)."""
    conn.request("GET", path)
    resp = conn.getresponse()
    return resp.status, resp.read()


class Server:
    """A running ``newssearch serve`` (gunicorn) on 127.0.0.1."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def connection(self, timeout: float = 30.0) -> http.client.HTTPConnection:
        """A new keep-alive connection to the server."""
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def workers(self) -> list[int]:
        """Process ids of the gunicorn workers (children of the master)."""
        with contextlib.suppress(psutil.Error):
            return [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)]
        return []


@contextlib.contextmanager
def serve(
    index_dir: Path, log: Path, workers: int = 2, extra_env: dict[str, str] | None = None, threads: int | None = None
) -> Iterator[Server]:
    """``newssearch serve`` on 127.0.0.1 (a free port) for the ``with`` block.

    With ``threads``, gunicorn is started directly on ``create_app()`` (index
    from ``NEWSSEARCH_INDEX_DIR``) with its threaded worker and that many
    threads per worker instead of ``newssearch serve``'s gevent workers (it
    ran 4 threads per worker before) -- to compare. The server gets its own process
    group; on exit it is stopped with TERM, then KILL after 20 seconds. Waits
    until ``/healthz`` answers 200.
    """
    port = free_port()
    cmd = cli("serve", "--index-dir", str(index_dir), "--host", HOST, "--port", str(port), "--workers", str(workers))
    env = {**os.environ, **(extra_env or {})}
    if threads is not None:
        cmd = [
            sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--access-logfile", "-",
            "--no-control-socket", "newssearch.web:create_app()",
        ]
        env["NEWSSEARCH_INDEX_DIR"] = str(index_dir)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would block gunicorn's logging
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    server = Server(proc, port, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            tail = server.log.read_text("utf-8", "replace")[-3000:]
            raise RuntimeError(f"newssearch serve exited with {server.proc.returncode}:\n{tail}")
        conn = server.connection(timeout=5)
        try:
            status, _ = http_get(conn, "/healthz")
            if status == 200:
                return
            last = f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            last = str(exc)
        finally:
            conn.close()
        time.sleep(0.3)
    raise RuntimeError(f"newssearch serve did not answer within {READY_TIMEOUT_S:.0f}s ({last})")


def tree_rss(pid: int) -> dict[int, int]:
    """Resident bytes of a process and each of its descendants ({} once gone)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return {}
    out: dict[int, int] = {}
    for p in procs:
        with contextlib.suppress(psutil.Error):
            out[p.pid] = p.memory_info().rss
    return out


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "newssearch": __version__,
        "load_average": load_average(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/robustness-NAME.json`` (aggregate figures only)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"robustness-{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(SYLLABLES) for _ in range(n))


def synthetic_records(n: int, *, seed: int, prefix: str, marker: str = "", body_words: int = BODY_WORDS) -> list[dict[str, Any]]:
    """``n`` article records with ids ``PREFIX-0..``; ``marker`` (a made-up word) in every title."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        title = f"{marker} {_words(rng, TITLE_WORDS)}".strip().capitalize()
        body = ". ".join(_words(rng, 16).capitalize() for _ in range(max(1, body_words // 16))) + "."
        out.append(
            {
                "type": "article",
                "id": f"{prefix}-{i}",
                "title": title,
                "body": body,
                "published": f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "category": rng.choice(["Xã hội", "Kinh tế", "Du lịch", "Giáo dục"]),
            }
        )
    return out


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    """Records as JSON Lines (UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
