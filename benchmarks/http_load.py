"""A bounded HTTP load test of ``newssearch serve`` on loopback.

The server is started on 127.0.0.1 (a free port) over an existing index, and
each concurrency level runs for a fixed time and stops by itself. The client
is ``wrk`` when installed (``apt-get install -y wrk``; a Lua script cycles
through the query log) and a small thread-pool client otherwise. Reported
per level: requests, throughput, latency percentiles, errors (socket errors,
timeouts and non-2xx answers) and the server's resident memory (all its
processes).
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil  # type: ignore[import-untyped,unused-ignore]

READY_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 30.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once gone)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


class RssSampler:
    """Samples a process tree's RSS in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def serve(index_dir: Path, workers: int, log_path: Path, port: int | None = None) -> Iterator[tuple[int, int]]:
    """Run ``newssearch serve`` on 127.0.0.1 for the ``with`` block; yields ``(port, pid)``.

    The server gets its own process group, stopped (TERM, then KILL) on exit.
    """
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "newssearch", "serve", "--index-dir", str(index_dir),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(port, proc, log_path)
            yield port, proc.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


def wait_ready(port: int, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    """Wait until ``/api/search`` answers 200 (the first search loads the index)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = ""
    refusals = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"newssearch serve exited with {proc.returncode}:\n{tail}")
        try:
            status, body = get(port, "/api/search?q=nha")
            if status == 200:
                return
            last = f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
            refusals += 1
            if refusals >= 20:  # the server answers, but refuses (e.g. the index needs a rebuild)
                break
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"newssearch serve is not serving searches ({last})")


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    """One GET on 127.0.0.1; returns (status, body)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        c.request("GET", path)
        resp = c.getresponse()
        return resp.status, resp.read()
    finally:
        if conn is None:
            c.close()


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def _summary(latencies_ms: Sequence[float], requests: int, seconds: float, errors: dict[str, int]) -> dict[str, Any]:
    lat = np.asarray(latencies_ms, dtype=float) if len(latencies_ms) else np.zeros(1)
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            "p50": round(float(np.percentile(lat, 50)), 2),
            "p90": round(float(np.percentile(lat, 90)), 2),
            "p99": round(float(np.percentile(lat, 99)), 2),
            "mean": round(float(lat.mean()), 2),
            "max": round(float(lat.max()), 2),
        },
        "errors": errors,
        "errors_total": sum(errors.values()),
    }


def python_load(port: int, paths: Sequence[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed-loop load from ``concurrency`` threads with keep-alive connections."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"status": 0, "socket": 0}

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        i = offset
        mine: list[float] = []
        bad_status = bad_socket = 0
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _ = get(port, path, conn)
                if not 200 <= status < 300:
                    bad_status += 1
            except (OSError, http.client.HTTPException):
                bad_socket += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
            mine.append((time.perf_counter() - t0) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors["status"] += bad_status
            errors["socket"] += bad_socket

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(k * len(paths) // concurrency,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summary(latencies, len(latencies), time.monotonic() - started, errors)


_LUA = """
local paths = {%s}
local counter = 0
local step = 1
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads * 7919)
end

init = function(args)
  counter = (offset or 0) %% #paths
end

request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d,' ..
    ' "status": %%d, "timeout": %%d, "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def write_lua(paths: Sequence[str], target: Path) -> Path:
    """The wrk script that cycles through ``paths`` (percent-encoded, so plain ASCII)."""
    body = ", ".join(json.dumps(p) for p in paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_LUA % body, "utf-8")
    return target


def wrk_load(port: int, script: Path, concurrency: int, seconds: float) -> dict[str, Any]:
    """One wrk run; latency percentiles come from wrk's own histogram."""
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    cmd = [
        "wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds:g}s",
        "--timeout", f"{REQUEST_TIMEOUT_S:g}s", "-s", str(script), f"http://127.0.0.1:{port}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    d = json.loads(line.removeprefix("WRKJSON "))
    secs = d["duration_us"] / 1e6
    errors = {k: int(d[k]) for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "requests": d["requests"],
        "seconds": round(secs, 2),
        "rps": round(d["requests"] / secs, 1) if secs else 0.0,
        "latency_ms": {
            "p50": round(d["p50"] / 1000, 2),
            "p90": round(d["p90"] / 1000, 2),
            "p99": round(d["p99"] / 1000, 2),
            "mean": round(d["mean"] / 1000, 2),
            "max": round(d["max"] / 1000, 2),
        },
        "errors": errors,
        "errors_total": sum(errors.values()),
    }


def run(
    index_dir: Path,
    paths: Sequence[str],
    levels: Sequence[int],
    seconds: float,
    workers: int,
    work_dir: Path,
    client: str = "auto",
    warmup_s: float = 5.0,
) -> dict[str, Any]:
    """Start the server, warm it up, run every concurrency level, stop it."""
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
    script = write_lua(paths, work_dir / "wrk-querylog.lua") if use_wrk else None
    out: dict[str, Any] = {
        "client": "wrk" if use_wrk else "python-threads",
        "workers": workers,
        "seconds_per_level": seconds,
        "paths": len(paths),
        "levels": [],
    }

    def load(port: int, c: int, secs: float) -> dict[str, Any]:
        if script is not None:
            return wrk_load(port, script, c, secs)
        return python_load(port, paths, c, secs)

    started = time.monotonic()
    with serve(index_dir, workers, work_dir / "serve.log") as (port, pid):
        out["startup_s"] = round(time.monotonic() - started, 2)
        out["rss_idle_bytes"] = tree_rss(pid)
        if warmup_s > 0:
            load(port, max(2, workers * 2), warmup_s)
        peak = 0
        for c in levels:
            with RssSampler(pid) as sampler:
                result = load(port, c, seconds)
            result["concurrency"] = c
            result["server_rss_peak_bytes"] = sampler.peak
            peak = max(peak, sampler.peak)
            out["levels"].append(result)
        out["server_rss_peak_bytes"] = peak
    return out
