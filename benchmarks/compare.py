"""Compare newssearch with SQLite FTS5 and Tantivy on the same corpus, in one run.

    .venv/bin/python -m benchmarks.compare --corpus ../shared/corpus [--limit N] [--skip-http]

Steps: (1) optionally slice the corpus (``--limit`` records per file);
(2) generate the relevance set and the query log (``benchmarks/work/``);
(3) build every engine's index, each in its own process (wall time, docs/s,
index size, peak RSS of the process tree); (4) run the query log against every
engine in its own process (latency of top-10, and of top-10 with facets and
snippets; relevance per query kind); (5) load-test ``newssearch serve`` over
HTTP at several concurrencies; (6) write ``benchmarks/results/compare-<tag>.json``
(aggregate figures only), a chart, and print a table with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import DEFAULT_CORPUS, REPO_ROOT, RESULTS_DIR, WORK_DIR, engines, http_load, report
from .corpus import corpus_files, iter_records, slice_corpus
from .relevance import DEFAULT_PER_KIND, SEED, evaluate, failures, generate
from .workload import build_log, load_log, save_log

ALL_ENGINES = ("newssearch", "fts5", "fts5_unidecode", "tantivy")
BROWSE_KINDS = ("browse_district", "browse_price", "filter_text")


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    a = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(a, 50)), 3),
        "p95": round(float(np.percentile(a, 95)), 3),
        "p99": round(float(np.percentile(a, 99)), 3),
        "mean": round(float(a.mean()), 3),
        "max": round(float(a.max()), 3),
    }


def run_worker(args: list[str], log_path: Path) -> tuple[dict[str, Any], int]:
    """Run ``python -m benchmarks.worker ARGS`` and sample its process tree's RSS."""
    result_path = Path(args[args.index("--result") + 1])
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.worker", *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"$ {shlex.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        with http_load.RssSampler(proc.pid, interval=0.2) as sampler:
            rc = proc.wait()
    if rc != 0 or not result_path.is_file():
        tail = log_path.read_text("utf-8", "replace")[-3000:]
        raise RuntimeError(f"worker {' '.join(args[:2])} failed with exit code {rc}:\n{tail}")
    data: dict[str, Any] = json.loads(result_path.read_text("utf-8"))
    return data, sampler.peak


def build_engine(name: str, files: list[Path], run_dir: Path, procs: int, reuse: bool) -> dict[str, Any]:
    """Build one engine in a subprocess (or reuse the last build report)."""
    out = run_dir / "index" / name
    result = run_dir / f"build-{name}.json"
    if reuse and result.is_file() and out.exists():
        data: dict[str, Any] = json.loads(result.read_text("utf-8"))
        if data.get("code_version") == code_version(name):
            data["reused"] = True
            return data
    args = ["build", name, "--out", str(out), "--result", str(result), "--procs", str(procs), "--files", *map(str, files)]
    data, peak = run_worker(args, run_dir / "worker.log")
    data["peak_rss_bytes"] = max(peak, data["maxrss"]["self"])
    data["code_version"] = code_version(name)
    result.write_text(json.dumps(data), "utf-8")
    return data


def code_version(name: str) -> str | None:
    """What an index depends on besides the corpus (newssearch: its schema version)."""
    if name == "newssearch":
        from newssearch.store import SCHEMA_VERSION

        return f"schema-{SCHEMA_VERSION}"
    return None


def query_engine(name: str, run_dir: Path, log_path: Path, warmup: int, profile: bool) -> dict[str, Any]:
    """Run the query log against one engine in a subprocess."""
    result = run_dir / f"query-{name}.json"
    args = ["query", name, "--out", str(run_dir / "index" / name), "--result", str(result),
            "--log", str(log_path), "--warmup", str(warmup)]
    if profile:
        args += ["--profile", str(run_dir / f"profile-{name}.txt")]
    data, peak = run_worker(args, run_dir / "worker.log")
    data["peak_rss_bytes"] = max(peak, data["maxrss"]["self"])
    return data


def latency_summary(data: dict[str, Any]) -> dict[str, Any]:
    """Percentiles per mode, overall and for text vs browse queries."""
    kinds: list[str] = data["kinds"]
    out: dict[str, Any] = {}
    for mode, values in data["latency_ms"].items():
        text = [v for v, k in zip(values, kinds, strict=True) if k not in BROWSE_KINDS]
        browse = [v for v, k in zip(values, kinds, strict=True) if k in BROWSE_KINDS]
        out[mode] = {"all": _percentiles(values), "text": _percentiles(text), "browse": _percentiles(browse)}
    return out


def article_titles(files: list[Path], ids: set[str]) -> dict[str, str]:
    """Titles of the given ids (for the failure lists in ``work/``)."""
    out: dict[str, str] = {}
    for path in files:
        for rec in iter_records(path):
            doc_id = str(rec.get("id"))
            if doc_id in ids:
                out[doc_id] = str(rec.get("title") or rec.get("address") or "")
    return out


def goals(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals, checked: relevance per kind, latency ratio, HTTP errors."""
    rel = results["relevance"]
    out: dict[str, Any] = {"relevance": {}, "latency": {}}
    if "newssearch" in rel:
        for kind, m in rel["newssearch"].items():
            peers = {e: r[kind]["mrr10"] for e, r in rel.items() if e != "newssearch" and kind in r}
            best = max(peers.values()) if peers else None
            out["relevance"][kind] = {
                "newssearch_mrr10": m["mrr10"],
                "best_peer_mrr10": best,
                "best_peer": max(peers, key=lambda e: peers[e]) if peers else None,
                "ahead": best is None or m["mrr10"] > best,
            }
        un = rel["newssearch"].get("unaccented")
        if un:
            out["search_issue_unaccented"] = {
                "success10": un["success10"], "mrr10": un["mrr10"],
                "met": un["success10"] >= 0.95 and un["mrr10"] >= 0.85,
            }
    lat = results["latency"]
    if "newssearch" in lat and "fts5" in lat:
        for stat in ("p50", "p95", "p99"):
            ns = lat["newssearch"]["full"]["all"][stat]
            fts = lat["fts5"]["full"]["all"][stat]
            ratio = ns / fts if fts else None
            out["latency"][stat] = {
                "newssearch_ms": ns, "fts5_ms": fts,
                "ratio": None if ratio is None else round(ratio, 2),
                "within_3x": ratio is not None and ratio <= 3.0,
            }
    http = results.get("http")
    if http and "levels" in http:
        out["http_errors"] = sum(level["errors_total"] for level in http["levels"])
    return out


def versions() -> dict[str, str]:
    """Versions of what is measured."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for pkg in ("newssearch", "whoosh3", "tantivy", "unidecode", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "missing"
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the whole comparison and print the table."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default ../shared/corpus)")
    ap.add_argument("--limit", type=int, help="only the first N records of each file")
    ap.add_argument("--engines", default=",".join(ALL_ENGINES), help="comma-separated engines")
    ap.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND, help="relevance queries per kind")
    ap.add_argument("--seed", type=int, default=SEED, help="relevance set seed")
    ap.add_argument("--procs", type=int, default=min(4, os.cpu_count() or 1), help="indexing processes/threads")
    ap.add_argument("--warmup", type=int, default=50, help="warm-up queries before timing")
    ap.add_argument("--skip-http", action="store_true", help="skip the HTTP load test")
    ap.add_argument("--http-seconds", type=float, default=20.0, help="seconds per concurrency level")
    ap.add_argument("--http-levels", default="1,8,32", help="comma-separated concurrency levels")
    ap.add_argument("--http-workers", type=int, default=os.cpu_count() or 2, help="server worker processes")
    ap.add_argument("--http-client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    ap.add_argument("--http-warmup", type=float, default=5.0, help="unmeasured seconds of load before the levels")
    ap.add_argument("--reuse", action="store_true", help="reuse indexes built by a previous run with the same tag")
    ap.add_argument("--profile", action="store_true", help="also profile 300 newssearch full searches (untimed) to work/<tag>/profile-newssearch.txt")
    ap.add_argument("--tag", help="name of this run (default: full or limit<N>)")
    ap.add_argument("--work-dir", type=Path, default=WORK_DIR, help="scratch folder (corpus-derived, git-ignored)")
    ap.add_argument("--results", type=Path, help="results JSON (default benchmarks/results/compare-<tag>.json)")
    ap.add_argument("--chart", type=Path, help="chart PNG (default docs/benchmarks.png for full runs, else work/)")
    args = ap.parse_args(argv)

    tag = args.tag or ("full" if args.limit is None else f"limit{args.limit}")
    run_dir: Path = args.work_dir / tag
    run_dir.mkdir(parents=True, exist_ok=True)
    names = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in names:
        engines.adapter(e)  # fail early on an unknown or uninstallable engine
    started = time.time()
    load_before = os.getloadavg()

    def say(msg: str) -> None:
        print(f"[{time.time() - started:7.1f}s] {msg}", flush=True)

    files = corpus_files(args.corpus)
    if args.limit is not None:
        files = slice_corpus(files, args.limit, run_dir / "corpus")
    counts = {p.name: sum(1 for _ in iter_records(p)) for p in files}
    say(f"corpus: {counts}")

    qs_path = run_dir / "relevance.json"
    qs = generate(files, args.per_kind, args.seed)
    qs.save(qs_path)
    log_path = run_dir / "querylog.json"
    save_log(build_log(qs), log_path)
    specs = load_log(log_path)
    say(f"relevance set {qs.counts()} -> {qs_path}; query log {len(specs)} queries")

    results: dict[str, Any] = {
        "meta": {
            "tag": tag,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python -m benchmarks.compare " + shlex.join(sys.argv[1:] if argv is None else argv),
            "corpus_files": counts,
            "limit": args.limit,
            "cpus": os.cpu_count(),
            "procs": args.procs,
            "platform": platform.platform(),
            "versions": versions(),
            "relevance_counts": qs.counts(),
            "newssearch_schema": code_version("newssearch") if "newssearch" in names else None,
            "query_log": {k: sum(1 for s in specs if s.kind == k) for k in sorted({s.kind for s in specs})},
        },
        "build": {},
        "search_process": {},
        "latency": {},
        "relevance": {},
    }
    # Peers first; newssearch last, its build, queries and HTTP test back to back (the
    # index is only valid for the code that built it). Results keep the display order.
    order = [n for n in names if n != "newssearch"] + [n for n in names if n == "newssearch"]
    runs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for name in order:
        say(f"building {name} ...")
        b = build_engine(name, files, run_dir, args.procs, args.reuse)
        say(f"  {name}: {b['docs']} docs in {b['seconds']:.1f}s, {b['index_bytes'] / 1e6:.1f} MB, "
            f"peak RSS {b['peak_rss_bytes'] / 1e6:.0f} MB")
        say(f"querying {name} ({len(specs)} queries x 2 modes) ...")
        try:
            d = query_engine(name, run_dir, log_path, args.warmup, args.profile and name == "newssearch")
        except RuntimeError as exc:
            if "SchemaMismatch" not in str(exc):
                raise
            # The code changed its schema while the index was being built: build again, once.
            say(f"  {name}: the schema changed during the build; rebuilding with the current code ...")
            b = build_engine(name, files, run_dir, args.procs, reuse=False)
            d = query_engine(name, run_dir, log_path, args.warmup, args.profile and name == "newssearch")
        runs[name] = (b, d)
        if d["errors"]:
            say(f"  {name}: {len(d['errors'])} queries raised, e.g. {next(iter(d['errors'].values()))}")
        lat = latency_summary(d)
        say(f"  {name}: full p50 {lat['full']['all']['p50']:.2f} ms, top10 p50 {lat['top10']['all']['p50']:.2f} ms")
        if name == "newssearch" and not args.skip_http:
            levels = [int(x) for x in args.http_levels.split(",") if x.strip()]
            say(f"HTTP load: levels {levels}, {args.http_seconds:g}s each, {args.http_workers} workers ...")
            try:
                results["http"] = http_load.run(
                    run_dir / "index" / "newssearch", [s.path() for s in specs], levels, args.http_seconds,
                    args.http_workers, run_dir, args.http_client, args.http_warmup,
                )
                say("  " + ", ".join(f"c={lv['concurrency']}: {lv['rps']:.1f} req/s, {lv['errors_total']} errors"
                                     for lv in results["http"]["levels"]))
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                # The other figures are still worth saving; the failure is reported in the results.
                results["http"] = {"error": str(exc)[:2000]}
                say(f"  HTTP load test failed: {str(exc)[:500]}")

    fail_ids: set[str] = set()
    fails: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        b, d = runs[name]
        results["build"][name] = {
            k: b[k] for k in ("docs", "seconds", "docs_per_s", "index_bytes", "peak_rss_bytes") if k in b
        }
        results["latency"][name] = latency_summary(d)
        results["search_process"][name] = {
            "open_ms": d["open_ms"], "first_query_ms": d["first_query_ms"],
            "peak_rss_bytes": d["peak_rss_bytes"], "errors": len(d["errors"]),
        }
        results["relevance"][name] = evaluate(qs, d["ids"])
        fails[name] = failures(qs, d["ids"])
        for f in fails[name]:
            fail_ids.update(f["got"])
            if "expected" in f:
                fail_ids.add(f["expected"])

    titles = article_titles(files, fail_ids)
    for name, rows in fails.items():
        for row in rows:
            if "expected" in row:
                row["expected_title"] = titles.get(row["expected"], "")
            row["got_titles"] = [titles.get(i, "") for i in row["got"]]
        (run_dir / f"failures-{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")

    results["meta"]["loadavg_before"] = [round(x, 2) for x in load_before]
    results["meta"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["seconds"] = round(time.time() - started, 1)
    results["goals"] = goals(results)

    out = args.results or RESULTS_DIR / f"compare-{tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", "utf-8")
    chart = args.chart or (REPO_ROOT / "docs" / "benchmarks.png" if args.limit is None else run_dir / "chart.png")
    report.chart(results, chart)
    print(report.table(results))
    say(f"results: {out}; chart: {chart}; failures: {run_dir}/failures-*.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
