"""Slow clients (slow loris) on loopback: does the service still answer?

Starts a server on 127.0.0.1 over an index, measures ``/healthz`` and an
ordinary search from a well-behaved client, then opens ``--slow``
connections that send a request line and then one header line every
``--interval`` seconds without ever finishing the request, plus ``--idle``
connections that send nothing, and keeps measuring for ``--duration``
seconds. Everything is bounded: the attack stops by itself, every probe has
a timeout, and the server is stopped at the end.

Setups (``--setup``):

* ``serve``: ``newssearch serve --workers 2``, as shipped;
* ``gthread``: gunicorn's threaded worker, 2 workers x 4 threads (how
  ``newssearch serve`` ran before it switched worker class), to compare;
* ``nginx``: Debian's nginx with ``deploy/nginx.conf`` in front of
  ``newssearch serve`` (needs ``/usr/sbin/nginx``: ``apt-get install nginx``).

The index: ``--index-dir``, or the shipped sample built into
``benchmarks/work/robustness/sample-index``. Figures:
``benchmarks/results/robustness-slow-clients-SETUP.json``.

    .venv/bin/python -m benchmarks.robustness.slow_clients --setup gthread
    .venv/bin/python -m benchmarks.robustness.slow_clients --setup serve
    .venv/bin/python -m benchmarks.robustness.slow_clients --setup nginx
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.robustness.common import (
    REPO_ROOT,
    WORK_DIR,
    free_port,
    http_get,
    load_average,
    machine_info,
    run_cli,
    serve,
    write_result,
)
from newssearch.cli import sample_paths

HOST = "127.0.0.1"
#: A probe that takes longer than this counts as failed (the service did not answer).
PROBE_TIMEOUT_S = 5.0
PROBE_EVERY_S = 0.25
SEARCH_PATH = "/api/search?q=nha+pho+ha+long"
NGINX = Path("/usr/sbin/nginx")
NGINX_CONF = REPO_ROOT / "deploy" / "nginx.conf"


def sample_index() -> Path:
    """The shipped sample, indexed once into the work folder."""
    index = WORK_DIR / "robustness" / "sample-index"
    if run_cli("stats", "--index-dir", str(index)).returncode != 0:
        r = run_cli("index", *map(str, sample_paths()), "--index-dir", str(index), "--rebuild")
        if r.returncode != 0:
            raise SystemExit(f"indexing the sample failed: {r.stderr.strip()[-2000:]}")
    return index


@contextlib.contextmanager
def nginx_in_front(upstream_port: int, log_dir: Path) -> Iterator[int]:
    """Debian's nginx with ``deploy/nginx.conf`` (its upstream and port filled in), in the foreground."""
    if not NGINX.exists():
        raise SystemExit(f"{NGINX} not found: apt-get install -y nginx")
    port = free_port()
    prefix = log_dir / "nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "logs").mkdir(parents=True)
    conf = NGINX_CONF.read_text("utf-8")
    conf = conf.replace("127.0.0.1:8000", f"{HOST}:{upstream_port}").replace("listen 80;", f"listen {HOST}:{port};")
    # Every file under the prefix; as root, workers stay root so they can write the temp paths.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = (
        f"{user}daemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n"
        "worker_processes 1;\nevents { worker_connections 1024; }\n"
        f"http {{\n access_log off;\n client_body_temp_path {prefix}/body;\n proxy_temp_path {prefix}/proxy;\n"
        f" fastcgi_temp_path {prefix}/fastcgi;\n uwsgi_temp_path {prefix}/uwsgi;\n scgi_temp_path {prefix}/scgi;\n"
        f"{conf}\n}}\n"
    )
    (prefix / "nginx.conf").write_text(main, "utf-8")
    proc = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
                break
            if proc.poll() is not None:
                raise SystemExit(f"nginx exited: {(prefix / 'logs' / 'error.log').read_text(errors='replace')}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class SlowLoris:
    """``slow`` connections that dribble header lines and ``idle`` ones that send nothing."""

    def __init__(self, port: int, slow: int, idle: int, interval: float) -> None:
        self.port = port
        self.interval = interval
        self.slow: list[socket.socket] = []
        self.idle: list[socket.socket] = []
        for i in range(slow + idle):
            s = socket.create_connection((HOST, port), timeout=5)
            if i < slow:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                self.slow.append(s)
            else:
                self.idle.append(s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)
        self.lines_sent = 0
        self.closed_by_server = 0

    def _dribble(self) -> None:
        n = 0
        while not self._stop.wait(self.interval):
            n += 1
            for s in list(self.slow):
                try:
                    s.sendall(f"X-Slow-{n}: {n}\r\n".encode())
                    self.lines_sent += 1
                except OSError:
                    self.slow.remove(s)
                    self.closed_by_server += 1

    def __enter__(self) -> SlowLoris:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for s in self.slow + self.idle:
            s.close()

    def still_open(self) -> int:
        """Connections the server has not closed (a closed one reads EOF)."""
        open_ = 0
        for s in self.slow + self.idle:
            try:
                s.setblocking(False)
                data = s.recv(1, socket.MSG_PEEK)
                open_ += data != b""
            except BlockingIOError:
                open_ += 1
            except OSError:
                pass
            finally:
                s.setblocking(True)
        return open_


def probe(port: int, path: str) -> float | None:
    """Seconds for one GET on a new connection, or None when it failed or took too long."""
    conn = http.client.HTTPConnection(HOST, port, timeout=PROBE_TIMEOUT_S)
    t0 = time.perf_counter()
    try:
        status, _ = http_get(conn, path)
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    elapsed = time.perf_counter() - t0
    return elapsed if status == 200 and elapsed <= PROBE_TIMEOUT_S else None


def probe_for(port: int, seconds: float) -> dict[str, Any]:
    """/healthz and a search, alternately, every PROBE_EVERY_S for ``seconds``."""
    times: dict[str, list[float | None]] = {"healthz": [], "search": []}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        times["healthz"].append(probe(port, "/healthz"))
        times["search"].append(probe(port, SEARCH_PATH))
        time.sleep(PROBE_EVERY_S)
    return {name: summary(values) for name, values in times.items()}


def summary(values: list[float | None]) -> dict[str, Any]:
    ok = np.array([v for v in values if v is not None]) * 1000
    out: dict[str, Any] = {"requests": len(values), "failed": len(values) - len(ok)}
    if len(ok):
        out |= {
            "p50_ms": round(float(np.percentile(ok, 50)), 1),
            "p95_ms": round(float(np.percentile(ok, 95)), 1),
            "max_ms": round(float(ok.max()), 1),
        }
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    index = args.index_dir or sample_index()
    log = WORK_DIR / "robustness" / f"slow-clients-{args.setup}.log"
    threads = 4 if args.setup == "gthread" else None
    with serve(index, log, workers=2, threads=threads) as server, contextlib.ExitStack() as stack:
        port = server.port
        if args.setup == "nginx":
            port = stack.enter_context(nginx_in_front(server.port, log.parent))
        probe(port, SEARCH_PATH)  # warm both the search and the connection path
        baseline = probe_for(port, args.baseline)
        load_before = load_average()
        with SlowLoris(port, args.slow, args.idle, args.interval) as loris:
            time.sleep(1.0)  # let the server take them all
            attack = probe_for(port, args.duration)
            open_at_end = loris.still_open()
            attack["slow_connections"] = {
                "opened": args.slow + args.idle,
                "open_at_end": open_at_end,
                "header_lines_sent": loris.lines_sent,
            }
        after = probe_for(port, 3.0)
    return {
        "setup": args.setup,
        "index": str(index.relative_to(REPO_ROOT)) if index.is_relative_to(REPO_ROOT) else index.name,
        "slow": args.slow,
        "idle": args.idle,
        "interval_s": args.interval,
        "duration_s": args.duration,
        "probe_timeout_s": PROBE_TIMEOUT_S,
        "baseline": baseline,
        "during": attack,
        "after": after,
        "load_average_before_attack": load_before,
        "machine": machine_info(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setup", choices=("serve", "gthread", "nginx"), default="serve")
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--slow", type=int, default=50, help="connections that dribble header lines")
    ap.add_argument("--idle", type=int, default=0, help="connections that send nothing")
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between header lines")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of attack")
    ap.add_argument("--baseline", type=float, default=5.0, help="seconds measured before the attack")
    ap.add_argument("--out", help="result name (default: slow-clients-SETUP)")
    args = ap.parse_args()
    result = run(args)
    path = write_result(args.out or f"slow-clients-{args.setup}", result)
    for phase in ("baseline", "during", "after"):
        print(phase, {k: v for k, v in result[phase].items()})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
