"""How long a sharded rebuild takes as Ray tasks on 1 and 2 CPUs, against one process.

    .venv/bin/python -m benchmarks.ray_build [--corpus ../shared/corpus --limit N]
        [--shards 2] [--out benchmarks/results/ray-build-limit2500.json]

Slices the corpus (the first ``--limit`` records of each file; default: the
shipped sample), then rebuilds the same sharded index three ways, each into a
fresh folder:

* ``one_process``: ``IndexStore.write(..., shards=N)`` in this process;
* ``ray_1cpu`` / ``ray_2cpu``: :func:`~newssearch.cluster.build.build_on_ray`
  on a local Ray instance with 1 or 2 CPUs (one task per shard, so at most
  1 or 2 shards written at once). The time includes starting and stopping Ray,
  which is also given alone (``ray_start_stop_s``).

Every Ray task reads the whole input and analyses its shard's documents, so
the reading is repeated once per shard. Run as root, the benchmark runs itself
inside a network namespace it creates and removes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from newssearch.cli import sample_paths
from newssearch.config import Settings
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths

from .corpus import corpus_files, slice_corpus
from .ray_fanout import run_in_namespace

RESULTS = Path(__file__).parent / "results"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Slice the input, time the three builds, return the report."""
    from newssearch.cluster import use_loopback

    use_loopback()  # before Ray is imported
    import ray

    from newssearch.cluster.build import build_on_ray
    from newssearch.cluster.serving import connect

    work = Path(tempfile.mkdtemp(prefix="ray-build-"))
    try:
        if args.corpus is not None:
            paths = slice_corpus(corpus_files(args.corpus), args.limit or 2500, work / "slice")
        else:
            paths = list(sample_paths())
        results: dict[str, Any] = {}
        load = os.getloadavg()[0]
        started = time.perf_counter()
        report = IndexStore(work / "one").write(read_paths(paths), shards=args.shards)
        results["one_process"] = {"seconds": round(time.perf_counter() - started, 2), "load_1min_before": load}
        documents = report.added
        for cpus in (1, 2):
            started = time.perf_counter()
            connect(None, num_cpus=cpus)
            ray.shutdown()
            start_stop = time.perf_counter() - started
            load = os.getloadavg()[0]
            started = time.perf_counter()
            built = build_on_ray(Settings(index_dir=work / f"ray{cpus}"), paths, args.shards, None, num_cpus=cpus)
            seconds = time.perf_counter() - started
            assert built.added == documents, (built.added, documents)
            results[f"ray_{cpus}cpu"] = {
                "seconds": round(seconds, 2), "ray_start_stop_s": round(start_stop, 2), "load_1min_before": load,
            }
        for name in ("ray_1cpu", "ray_2cpu"):
            results[name]["vs_one_process"] = round(results[name]["seconds"] / results["one_process"]["seconds"], 2)
        return {
            "benchmark": "ray_build",
            "command": " ".join(["python -m benchmarks.ray_build", *sys.argv[1:]]).replace(" --inside", ""),
            "index": "corpus slice" if args.corpus else "sample",
            "limit_per_file": args.limit if args.corpus else None,
            "documents": documents,
            "shards": args.shards,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_at_end": os.getloadavg()},
            "results": results,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the shipped sample)")
    parser.add_argument("--limit", type=int, default=None, help="records per corpus file")
    parser.add_argument("--shards", type=int, default=2, help="shards (one Ray task each)")
    parser.add_argument("--out", type=Path, default=None, help="results JSON")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside and os.geteuid() == 0 and shutil.which("ip"):
        sys.exit(run_in_namespace(sys.argv[1:], "benchmarks.ray_build"))
    report = measure(args)
    out = args.out or RESULTS / ("ray-build-sample.json" if args.corpus is None else f"ray-build-limit{args.limit}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
