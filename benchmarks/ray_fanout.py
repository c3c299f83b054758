"""What a search costs through Ray Serve at 1, 2 and 4 shards, against the engine in one process.

    .venv/bin/python -m benchmarks.ray_fanout [--corpus ../shared/corpus --limit N]
        [--shards 1,2,4] [--rounds 5] [--out benchmarks/results/ray-fanout-sample.json]

For each shard count, builds an index of that many shards (the shipped
sample, or the first ``--limit`` records of each corpus file), then times
the same searches, one at a time, five ways:

* ``engine``: :meth:`Engine.search` over the whole index in this process (the floor);
* ``flask``: the web app in this process (``/api/search`` through Flask's
  test client: engine plus JSON), what one gunicorn worker does per request;
* ``fanned_out``: each shard searched by an engine of its own, in this
  process, the answers merged as the router merges them (the work of the
  fan-out without Ray: N searches and the merge, one after the other);
* ``ray_handle``: :class:`~newssearch.cluster.router.ClusterEngine` from this
  process to the shard deployments (one Ray call per shard and round);
* ``ray_http``: ``/api/search`` over HTTP on 127.0.0.1 through Serve's proxy,
  the ingress and the shard deployments.

Ray runs on a single local node on 127.0.0.1 with one replica per shard. Run
as root, the benchmark runs itself inside a network namespace it creates and
removes (Ray's replicas listen on every interface of their namespace).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from newssearch.cli import sample_paths
from newssearch.config import Settings
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.web import create_app

from .corpus import corpus_files, slice_corpus
from .shard_equivalence import FannedOut

RESULTS = Path(__file__).parent / "results"

#: The searches timed: text, places, listing words, filters, sorts, deep pages.
QUERIES: list[dict[str, list[str]]] = [
    {"q": ["hà nội"]},
    {"q": ["nhà phố hạ long"]},
    {"q": ["nha pho ha long"]},
    {"q": ["căn hộ 2 phòng ngủ dưới 3 tỷ"]},
    {"q": ["bán đất bãi cháy"], "type": ["listing"]},
    {"q": ["du lịch"], "page": ["3"]},
    {"q": ["giá vàng hôm nay"]},
    {"q": ["tai nạn giao thông"], "sort": ["newest"]},
    {"q": [""], "type": ["listing"], "sort": ["price_asc"]},
    {"q": [""], "sort": ["newest"], "per_page": ["50"]},
    {"q": ["quang ninh"]},
    {"q": ["\"vịnh hạ long\""]},
    {"q": ["nhà mặt tiền"], "transaction": ["sale"]},
    {"q": ["halong"]},
    {"q": ["trường học"], "page": ["2"], "per_page": ["20"]},
]


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def timed(run: Callable[[dict[str, list[str]]], Any], rounds: int) -> dict[str, float]:
    """Milliseconds per search over ``rounds`` passes of :data:`QUERIES` (after one warm-up pass)."""
    for params in QUERIES:
        run(params)
    times = []
    for _ in range(rounds):
        for params in QUERIES:
            started = time.perf_counter()
            run(params)
            times.append((time.perf_counter() - started) * 1000)
    return {
        "searches": len(times),
        "mean_ms": round(statistics.fmean(times), 2),
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
    }


def build_index(root: Path, corpus: Path | None, limit: int | None, shards: int) -> int:
    """Index the sample or a corpus slice into ``root`` as ``shards`` shards; the number of documents."""
    if corpus is not None:
        paths = slice_corpus(corpus_files(corpus), limit or 5000, root.parent / "slice")
    else:
        paths = list(sample_paths())
    report = IndexStore(root).write(read_paths(paths), shards=shards)
    return int(report.added)


def measure_layout(args: argparse.Namespace, index: Path, shards: int) -> dict[str, Any]:
    """Time the five paths over ``index`` (of ``shards`` shards)."""
    from ray import serve

    from newssearch.cluster.router import ClusterEngine
    from newssearch.cluster.serving import APP_NAME, connect, start

    settings = Settings(index_dir=index, query_log=False, ray_replicas=1, ray_shard_timeout=30.0)
    engine = Engine(index, settings)
    requests = {id(p): SearchRequest.from_params(p, settings) for p in QUERIES}
    report: dict[str, Any] = {"engine": timed(lambda p: engine.search(requests[id(p)]), args.rounds)}
    engine.close()
    client = create_app({"index_dir": index, "query_log": False, "metrics": False}).test_client()
    report["flask"] = timed(lambda p: client.get("/api/search?" + urlencode(p, doseq=True)), args.rounds)
    fanned = FannedOut(index, settings)
    report["fanned_out"] = timed(lambda p: fanned.search(requests[id(p)]), args.rounds)
    fanned.close()

    connect(None, max(os.cpu_count() or 1, shards))
    start(settings, "127.0.0.1", args.port)
    try:
        handles = [serve.get_deployment_handle(f"shard{n}", app_name=APP_NAME) for n in range(shards)]
        cluster = ClusterEngine(handles, settings)
        report["ray_handle"] = timed(lambda p: cluster.search(requests[id(p)]), args.rounds)
        base = f"http://127.0.0.1:{args.port}/api/search?"

        def over_http(p: dict[str, list[str]]) -> None:
            with urllib.request.urlopen(base + urlencode(p, doseq=True), timeout=30) as response:
                response.read()

        report["ray_http"] = timed(over_http, args.rounds)
    finally:
        serve.shutdown()
        import ray

        ray.shutdown()
    # Each path against the same work in one process: the fan-out, the call, the whole request.
    for path, floor in (("fanned_out", "engine"), ("ray_handle", "engine"), ("ray_http", "flask")):
        report[path]["overhead_p50_ms"] = round(report[path]["p50_ms"] - report[floor]["p50_ms"], 2)
    report["load_after"] = round(os.getloadavg()[0], 2)
    return report


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Build an index per shard count, time the paths over each, return the report."""
    from newssearch.cluster import use_loopback

    use_loopback()  # before Ray is imported
    work = Path(tempfile.mkdtemp(prefix="ray-fanout-"))
    try:
        by_shards: dict[str, Any] = {}
        documents = 0
        for shards in args.shards:
            index = work / f"index-{shards}"
            documents = build_index(index, args.corpus, args.limit, shards)
            by_shards[str(shards)] = measure_layout(args, index, shards)
            print(f"{shards} shard(s): {json.dumps(by_shards[str(shards)])}", file=sys.stderr, flush=True)
        return {
            "benchmark": "ray_fanout",
            "command": " ".join(["python -m benchmarks.ray_fanout", *sys.argv[1:]]).replace(" --inside", ""),
            "index": "corpus slice" if args.corpus else "sample",
            "limit_per_file": args.limit if args.corpus else None,
            "documents": documents,
            "queries": len(QUERIES),
            "rounds": args.rounds,
            "replicas_per_shard": 1,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]},
            "by_shards": by_shards,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_in_namespace(argv: list[str], module: str = "benchmarks.ray_fanout") -> int:
    """Run the benchmark ``module`` again inside a new network namespace (lo only), then remove it."""
    name = f"nsbench-{os.getpid()}-{secrets.token_hex(2)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        command = ["ip", "netns", "exec", name, sys.executable, "-m", module, *argv, "--inside"]
        return subprocess.run(command).returncode
    finally:
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", name], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the shipped sample)")
    parser.add_argument("--limit", type=int, default=None, help="records per corpus file")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the queries")
    parser.add_argument(
        "--shards", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 4],
        help="shard counts to measure, comma-separated (default 1,2,4)",
    )
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (inside the namespace)")
    parser.add_argument("--out", type=Path, default=None, help="results JSON")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside and os.geteuid() == 0 and shutil.which("ip"):
        sys.exit(run_in_namespace(sys.argv[1:]))
    report = measure(args)
    out = args.out or RESULTS / ("ray-fanout-sample.json" if args.corpus is None else f"ray-fanout-limit{args.limit}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(report["by_shards"], indent=2))


if __name__ == "__main__":
    main()
