"""Serving memory of ``newssearch serve``: RSS, USS and PSS of each worker.

RSS counts every page a process has mapped, shared ones included: the
index files that all workers map, and the code and data the gunicorn master
loaded before forking. USS (pages only this process holds) is what one more
worker costs; PSS shares each shared page among the processes that map it,
so the PSS of all processes adds up to what the server really occupies.

The server is started on 127.0.0.1 over an existing index (``--workers``
gunicorn workers, 2 by default), warmed with the searches of a query log
(``benchmarks.compare`` writes one to ``work/<tag>/querylog.json``) for a
fixed time, and measured with psutil's ``memory_full_info`` (Linux
``/proc/<pid>/smaps_rollup``)::

    python -m benchmarks.serving_memory --index-dir benchmarks/work/limit5000/index/newssearch \\
        --query-log benchmarks/work/limit5000/querylog.json --tag limit5000

Results go to ``benchmarks/results/serving-memory-<tag>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from . import RESULTS_DIR, WORK_DIR
from .http_load import python_load, serve
from .workload import load_log

MB = 1024 * 1024


def process_memory(proc: Any) -> dict[str, Any]:
    """RSS, USS, PSS and shared bytes of one process, in MB."""
    info = proc.memory_full_info()
    return {
        "pid": proc.pid,
        "rss_mb": round(info.rss / MB, 1),
        "uss_mb": round(info.uss / MB, 1),
        "pss_mb": round(info.pss / MB, 1),
        "shared_mb": round(info.shared / MB, 1),
    }


def measure(pid: int) -> dict[str, Any]:
    """The master and each worker of the server whose master is ``pid``."""
    master = psutil.Process(pid)
    workers = []
    for child in master.children():  # gunicorn runs in the served process: its children are the workers
        with contextlib.suppress(psutil.Error):
            workers.append(process_memory(child))
    totals = {key: round(sum(w[key] for w in workers), 1) for key in ("rss_mb", "uss_mb", "pss_mb")}
    return {"master": process_memory(master), "workers": workers, "workers_total": totals}


def index_size(index_dir: Path) -> int:
    """Bytes of the live generation's files."""
    live = (index_dir / "current").resolve()
    return sum(p.stat().st_size for p in live.iterdir() if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Start the server, measure it idle, warm it with the query log, measure it again."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True, help="an index folder (with its 'current' link)")
    ap.add_argument("--query-log", type=Path, required=True, help="query log JSON (benchmarks.workload.save_log)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--warm-seconds", type=float, default=30.0, help="seconds of searches before measuring")
    ap.add_argument("--concurrency", type=int, default=4, help="client threads while warming")
    ap.add_argument("--tag", default="run", help="name of the run (results file serving-memory-<tag>.json)")
    ap.add_argument("--results", type=Path, help="results JSON (default benchmarks/results/serving-memory-<tag>.json)")
    args = ap.parse_args(argv)

    paths = [spec.path() for spec in load_log(args.query_log)]
    started = time.monotonic()
    with serve(args.index_dir, args.workers, WORK_DIR / args.tag / "serving-memory.log") as (port, pid):
        startup = time.monotonic() - started
        idle = measure(pid)
        load = python_load(port, paths, args.concurrency, args.warm_seconds)
        warm = measure(pid)
    result: dict[str, Any] = {
        "meta": {
            "tag": args.tag,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "workers": args.workers,
            "warm_seconds": args.warm_seconds,
            "concurrency": args.concurrency,
            "queries_in_log": len(paths),
            "index_bytes": index_size(args.index_dir),
            "cpus": os.cpu_count(),
            "loadavg": list(os.getloadavg()),
        },
        "startup_s": round(startup, 2),
        "warm_load": {k: load[k] for k in ("requests", "rps", "errors_total")},
        "idle": idle,
        "warm": warm,
    }
    out = args.results or RESULTS_DIR / f"serving-memory-{args.tag}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    for state in ("idle", "warm"):
        for w in result[state]["workers"]:
            print(f"{state:5} worker {w['pid']}: RSS {w['rss_mb']} MB, USS {w['uss_mb']} MB, PSS {w['pss_mb']} MB")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
