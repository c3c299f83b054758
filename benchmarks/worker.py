"""One engine, one job, one process: so that memory figures are per engine.

``compare`` runs::

    python -m benchmarks.worker build ENGINE --out DIR --files F... --result R.json
    python -m benchmarks.worker query ENGINE --out DIR --log LOG.json --result R.json

``build`` reports the documents indexed, wall time and index size. ``query``
opens the index, times the first query (cold), warms up, then runs the whole
log twice -- ``full`` (facets + snippets, the ids kept for relevance) and
``top10`` (ids only) -- and reports every latency in milliseconds. With
``--profile`` it then profiles a few hundred full searches (untimed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from . import engines
from .workload import QuerySpec, load_log

WARMUP_QUERIES = 50
#: Queries of the (separate, untimed) profiled pass.
PROFILE_QUERIES = 300


def _maxrss_bytes() -> dict[str, int]:
    """Peak RSS of this process and of its waited-for children.

    ``self`` is ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` would be
    wrong here, as Linux carries the parent's high-water mark over ``fork``
    and ``exec`` (every worker would report at least the harness's own size).
    """
    hwm = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"self": hwm, "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}


def run_build(name: str, out_dir: Path, files: list[Path], procs: int) -> dict[str, Any]:
    """Build one engine's index and measure it."""
    started = time.perf_counter()
    docs = engines.build(name, files, out_dir, procs)
    seconds = time.perf_counter() - started
    module = engines.adapter(name)
    index_dir = module.index_dir(out_dir) if hasattr(module, "index_dir") else out_dir
    return {
        "engine": name,
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1) if seconds else None,
        "index_bytes": engines.dir_size(index_dir),
        "maxrss": _maxrss_bytes(),
    }


def write_profile(engine: engines.Searcher, specs: list[QuerySpec], target: Path) -> None:
    """Profile full searches with pyinstrument (after the timed passes: it slows them)."""
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    for spec in specs:
        with contextlib.suppress(Exception):
            engine.search(spec, True)
    profiler.stop()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(profiler.output_text(unicode=True, color=False, show_all=False), "utf-8")


def run_queries(
    name: str, out_dir: Path, log_path: Path, warmup: int, profile: Path | None
) -> dict[str, Any]:
    """Open one engine's index and time the query log in both modes."""
    specs = load_log(log_path)
    t0 = time.perf_counter()
    engine = engines.open_engine(name, out_dir)
    open_ms = (time.perf_counter() - t0) * 1000
    first_ms = None
    if specs:
        t0 = time.perf_counter()
        engine.search(specs[0], True)
        first_ms = (time.perf_counter() - t0) * 1000
    for spec in specs[:warmup]:
        engine.search(spec, True)
        engine.search(spec, False)
    latency: dict[str, list[float]] = {"full": [], "top10": []}
    ids: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for mode in ("full", "top10"):
        full = mode == "full"
        for spec in specs:
            t0 = time.perf_counter()
            try:
                got = engine.search(spec, full)
            except Exception as exc:  # an engine error is reported, the run goes on
                errors.setdefault(spec.qid, f"{type(exc).__name__}: {exc}")
                got = []
            latency[mode].append(round((time.perf_counter() - t0) * 1000, 3))
            if full:
                ids[spec.qid] = got
    if profile is not None:
        write_profile(engine, specs[:PROFILE_QUERIES], profile)
    engine.close()
    return {
        "engine": name,
        "open_ms": round(open_ms, 1),
        "first_query_ms": None if first_ms is None else round(first_ms, 1),
        "qids": [s.qid for s in specs],
        "kinds": [s.kind for s in specs],
        "latency_ms": latency,
        "ids": ids,
        "errors": errors,
        "maxrss": _maxrss_bytes(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run one build or query job and write its JSON report."""
    ap = argparse.ArgumentParser(description="benchmark worker (one engine, one job)")
    ap.add_argument("job", choices=("build", "query"))
    ap.add_argument("engine", choices=sorted(engines.ENGINES))
    ap.add_argument("--out", type=Path, required=True, help="the engine's index folder")
    ap.add_argument("--result", type=Path, required=True, help="where to write the JSON report")
    ap.add_argument("--files", type=Path, nargs="*", default=[], help="corpus files (build)")
    ap.add_argument("--procs", type=int, default=1, help="indexing processes/threads (build)")
    ap.add_argument("--log", type=Path, help="query log JSON (query)")
    ap.add_argument("--warmup", type=int, default=WARMUP_QUERIES, help="warm-up queries (query)")
    ap.add_argument("--profile", type=Path, help="write a pyinstrument profile of the full pass here")
    args = ap.parse_args(argv)
    if args.job == "build":
        report = run_build(args.engine, args.out, args.files, args.procs)
    else:
        if args.log is None:
            ap.error("query needs --log")
        report = run_queries(args.engine, args.out, args.log, args.warmup, args.profile)
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(report, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
