"""A sustained, bounded load on loopback: zero errors and stable memory over several minutes.

``newssearch serve --workers 2`` (gunicorn) on 127.0.0.1 serves a corpus
index; ``--concurrency`` client threads with keep-alive connections send a
mixed query log (unaccented and accented searches, filters and facets,
price/area ranges, deeper pages, autocomplete, documents, related, the HTML
page) for ``--duration`` seconds or ``--max-requests`` requests, whichever
comes first, then stop. Every few seconds the server's resident memory
(master and each worker) and the load average are sampled; the report gives
first/last/max RSS and a least-squares slope (MB per minute, after warm-up).

Errors: any status other than 200/304, socket errors and timeouts, and every
traceback in the server log (counted by exception type).

The index: ``--index-dir``; otherwise a slice of the shared corpus (the first
``--limit`` records of each file of ``--corpus``) is indexed into
``benchmarks/work/robustness/soak-index`` (reused when it is current).

    .venv/bin/python -m benchmarks.robustness.soak [--duration 300] [--concurrency 4] [--limit 5000]

The query log is derived from the index itself (title words, facet values,
ids) and kept in memory: no corpus text is written anywhere. Figures:
``benchmarks/results/robustness-soak.json``.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

from benchmarks.robustness.common import (
    REPO_ROOT,
    WORK_DIR,
    Server,
    http_get,
    load_average,
    machine_info,
    run_cli,
    serve,
    tree_rss,
    write_result,
)
from newssearch.vietnamese import fold

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
WARM_UP_S = 30.0
#: Share of each kind of request in the mixed log.
MIX = {
    "search_unaccented": 26,
    "search_accented": 18,
    "search_filtered": 12,
    "browse_facets": 6,
    "ranges": 6,
    "deep_page": 8,
    "suggest": 14,
    "document": 4,
    "related": 3,
    "page_html": 3,
}


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


def _records(path: Path, limit: int) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= limit:
                break
            yield line


def corpus_index(corpus: Path, limit: int, procs: int) -> tuple[Path, str]:
    """A slice of the corpus (first ``limit`` records per file), indexed once and reused."""
    work = WORK_DIR / "robustness"
    slices = work / f"soak-corpus-{limit}"
    index = work / f"soak-index-{limit}"
    files = sorted(p for p in corpus.glob("*.jsonl*") if p.is_file())
    if not files:
        raise SystemExit(f"no corpus at {corpus}: pass --index-dir or --corpus")
    description = f"first {limit:,} records of each of {', '.join(p.name for p in files)}"
    stats = run_cli("stats", "--index-dir", str(index), "--json")
    if stats.returncode == 0:
        return index, description + " (index reused)"
    slices.mkdir(parents=True, exist_ok=True)
    out_files = []
    for p in files:
        dest = slices / p.name.removesuffix(".gz")
        with dest.open("w", encoding="utf-8") as out:
            out.writelines(_records(p, limit))
        out_files.append(str(dest))
    print(f"indexing {description} ...", flush=True)
    t0 = time.monotonic()
    r = run_cli("index", *out_files, "--index-dir", str(index), "--rebuild", "--procs", str(procs), timeout=7200)
    if r.returncode != 0:
        raise SystemExit(f"indexing failed: {r.stderr.strip()[-2000:]}")
    print(f"indexed in {time.monotonic() - t0:.0f}s: {r.stdout.strip()}", flush=True)
    return index, description


# ---------------------------------------------------------------------------
# The query log
# ---------------------------------------------------------------------------

WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _get_json(conn: http.client.HTTPConnection, path: str) -> Any:
    status, body = http_get(conn, path)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    return json.loads(body)


def query_log(server: Server, size: int, seed: int) -> list[tuple[str, str]]:
    """``size`` (kind, path) pairs in the proportions of :data:`MIX`, built from the index."""
    rng = random.Random(seed)
    conn = server.connection()
    titles: list[str] = []
    ids: list[str] = []
    for page in range(1, 21):
        data = _get_json(conn, f"/api/search?q=&sort=newest&per_page=100&page={page}")
        titles += [h["title"] for h in data["hits"] if h["title"]]
        ids += [h["id"] for h in data["hits"]]
        if not data["hits"]:
            break
    facets = _get_json(conn, "/api/search?q=&per_page=1")["facets"]
    conn.close()
    if not titles:
        raise SystemExit("the index has no titles to build queries from")

    def values(name: str) -> list[str]:
        return [v["value"] for v in facets.get(name, [])][:20] or [""]

    def phrase() -> str:
        words = WORD_RE.findall(rng.choice(titles))
        if len(words) < 2:
            return " ".join(words) or "tin"
        n = rng.randint(2, min(4, len(words)))
        start = rng.randrange(0, len(words) - n + 1)
        return " ".join(words[start:start + n]).lower()

    def search(**params: Any) -> str:
        return "/api/search?" + urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)

    makers = {
        "search_unaccented": lambda: search(q=fold(phrase())),
        "search_accented": lambda: search(q=phrase()),
        "search_filtered": lambda: search(
            q=fold(phrase()) if rng.random() < 0.5 else phrase(),
            **rng.choice([
                {"type": "article", "category": rng.choice(values("category"))},
                {"type": "listing", "province": rng.choice(values("province"))},
                {"district": rng.choice(values("district"))},
                {"property_type": rng.choice(values("property_type")), "sort": "price_asc"},
                {"year": rng.choice(values("year"))},
            ]),
        ),
        "browse_facets": lambda: search(
            q="", type=rng.choice(["article", "listing"]), sort=rng.choice(["newest", "price_desc", "area_asc"]),
            province=rng.choice(values("province")),
        ),
        "ranges": lambda: search(
            q=rng.choice(["", fold(phrase())]), type="listing",
            price_min=rng.choice([None, 500_000_000, 1_000_000_000, 2_000_000_000]),
            price_max=rng.choice([None, 3_000_000_000, 5_000_000_000, 10_000_000_000]),
            area_min=rng.choice([None, 30, 50]), bedrooms=rng.choice([None, 2, 3]),
        ),
        "deep_page": lambda: search(q=fold(phrase().split()[0]), page=rng.randint(2, 5), per_page=rng.choice([10, 20])),
        "suggest": lambda: "/api/suggest?" + urlencode({"q": (lambda p: p[: rng.randint(2, len(p))])(fold(phrase()))}),
        "document": lambda: "/api/documents/" + quote(rng.choice(ids), safe=""),
        "related": lambda: "/api/documents/" + quote(rng.choice(ids), safe="") + "/related",
        "page_html": lambda: "/?" + urlencode({"q": phrase()}),
    }
    kinds = [k for k, w in MIX.items() for _ in range(w)]
    return [(kind, makers[kind]()) for kind in (rng.choice(kinds) for _ in range(size))]


# ---------------------------------------------------------------------------
# Load and sampling
# ---------------------------------------------------------------------------


class Load:
    """Closed-loop clients over keep-alive connections, bounded by time and count."""

    def __init__(self, server: Server, log: list[tuple[str, str]], concurrency: int, seconds: float, max_requests: int) -> None:
        self.server = server
        self.log = log
        self.concurrency = concurrency
        self.deadline = time.monotonic() + seconds
        self.max_requests = max_requests
        self.lock = threading.Lock()
        self.sent = 0
        self.statuses: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.latency: dict[str, list[float]] = {k: [] for k in MIX}
        self.error_samples: list[str] = []

    def _take(self) -> int | None:
        with self.lock:
            if self.sent >= self.max_requests or time.monotonic() >= self.deadline:
                return None
            self.sent += 1
            return self.sent

    def _client(self, k: int) -> None:
        conn = self.server.connection()
        while (n := self._take()) is not None:
            kind, path = self.log[(n * 7919 + k) % len(self.log)]
            t0 = time.perf_counter()
            try:
                status, body = http_get(conn, path)
                ms = (time.perf_counter() - t0) * 1000
                with self.lock:
                    self.statuses[str(status)] += 1
                    self.latency[kind].append(ms)
                    if status not in (200, 304):
                        self.errors[f"HTTP {status}"] += 1
                        if len(self.error_samples) < 20:
                            self.error_samples.append(f"{kind} HTTP {status}: {body[:160]!r}")
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.errors[type(exc).__name__] += 1
                    if len(self.error_samples) < 20:
                        self.error_samples.append(f"{kind}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = self.server.connection()
        conn.close()

    def run(self) -> None:
        threads = [threading.Thread(target=self._client, args=(k,), daemon=True) for k in range(self.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def sample_memory(server: Server, load: Load, every: float, stop: threading.Event, out: list[dict[str, Any]]) -> None:
    """Every ``every`` seconds: server RSS (total and per process), load average, requests so far."""
    t0 = time.monotonic()
    while not stop.is_set():
        rss = tree_rss(server.proc.pid)
        out.append({
            "t": round(time.monotonic() - t0, 1),
            "rss_mb": round(sum(rss.values()) / 2**20, 1),
            "per_process_mb": {str(pid): round(b / 2**20, 1) for pid, b in sorted(rss.items())},
            "load_average": load_average(),
            "requests": load.sent,
        })
        stop.wait(every)


def slope_mb_per_min(samples: list[dict[str, Any]], after: float) -> float | None:
    """Least-squares slope of total RSS over time (MB/min), on samples after ``after`` seconds."""
    pts = [(s["t"], s["rss_mb"]) for s in samples if s["t"] >= after]
    if len(pts) < 3:
        return None
    t, y = np.asarray(pts, dtype=float).T
    return round(float(np.polyfit(t / 60.0, y, 1)[0]), 3)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    a = np.asarray(values)
    return {f"p{p}": round(float(np.percentile(a, p)), 1) for p in (50, 90, 99)} | {"max": round(float(a.max()), 1)}


def server_tracebacks(log_text: str) -> Counter[str]:
    """Exception types of the tracebacks in the server log."""
    kinds: Counter[str] = Counter()
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            for nxt in lines[i + 1:]:
                if nxt and not nxt.startswith((" ", "\t", "Traceback")):
                    kinds[nxt.split(":", 1)[0].strip()] += 1
                    break
    return kinds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, help="serve this index instead of a corpus slice")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=5000, help="records per corpus file for the slice")
    ap.add_argument("--procs", type=int, default=2, help="indexer processes for the slice")
    ap.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--sample-every", type=float, default=5.0)
    ap.add_argument("--log-size", type=int, default=5000, help="distinct requests in the mixed log")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threads", type=int, help="run gunicorn directly with this many threads per worker "
                    "(default: `newssearch serve`, which uses 4)")
    ap.add_argument("--out", default="soak")
    args = ap.parse_args(argv)

    if args.index_dir is not None:
        index, description = args.index_dir, f"given index {args.index_dir}"
    else:
        index, description = corpus_index(args.corpus, args.limit, args.procs)
    stats = json.loads(run_cli("stats", "--index-dir", str(index), "--json").stdout)
    log_path = WORK_DIR / "robustness" / f"{args.out}-serve.log"
    load_before = load_average()
    with serve(index, log_path, workers=2, threads=args.threads) as server:
        log = query_log(server, args.log_size, args.seed)
        load = Load(server, log, args.concurrency, args.duration, args.max_requests)
        samples: list[dict[str, Any]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample_memory, args=(server, load, args.sample_every, stop, samples))
        sampler.start()
        started = time.monotonic()
        load.run()
        seconds = time.monotonic() - started
        time.sleep(min(args.sample_every, 5.0))
        stop.set()
        sampler.join()
        load_after = load_average()
    server_kind = (
        "`newssearch serve --workers 2` (gunicorn gthread, 4 threads per worker)" if args.threads is None
        else f"gunicorn on newssearch.web:create_app(), 2 workers x {args.threads} thread(s)"
    )
    log_text = log_path.read_text("utf-8", "replace")
    tracebacks = server_tracebacks(log_text)
    rss = [s["rss_mb"] for s in samples]
    all_latency = [ms for v in load.latency.values() for ms in v]
    result: dict[str, Any] = {
        "what": f"sustained load on {server_kind} from {args.concurrency} keep-alive clients (127.0.0.1)",
        "index": {"description": description, "documents": stats["documents"], "by_type": stats["by_type"],
                  "size_mb": round(stats["size_bytes"] / 2**20, 1), "schema_version": stats["schema_version"]},
        "duration_s": round(seconds, 1),
        "requests": load.sent,
        "throughput_rps": round(load.sent / seconds, 1) if seconds else 0.0,
        "statuses": dict(sorted(load.statuses.items())),
        "errors": dict(load.errors),
        "errors_total": sum(load.errors.values()),
        "error_samples": load.error_samples,
        "server_tracebacks": dict(tracebacks),
        "latency_ms": percentiles(all_latency),
        "latency_ms_by_kind": {k: percentiles(v) | {"n": len(v)} for k, v in load.latency.items()},
        "mix_percent": MIX,
        "memory": {
            "first_mb": rss[0] if rss else None,
            "last_mb": rss[-1] if rss else None,
            "max_mb": max(rss) if rss else None,
            "slope_mb_per_min_after_warm_up": slope_mb_per_min(samples, WARM_UP_S),
            "slope_mb_per_min_whole_run": slope_mb_per_min(samples, 0.0),
            "slope_mb_per_min_second_half": slope_mb_per_min(samples, seconds / 2),
            "warm_up_s": WARM_UP_S,
            "sample_every_s": args.sample_every,
            "samples": samples,
        },
        "load_average": {"before": load_before, "after": load_after,
                         "max_1min": max((s["load_average"][0] for s in samples), default=None)},
        "machine": machine_info(),
        "command": " ".join(["python -m benchmarks.robustness.soak", *(argv or sys.argv[1:])]),
    }
    path = write_result(args.out, result)
    brief = {k: result[k] for k in ("duration_s", "requests", "throughput_rps", "errors_total", "server_tracebacks")}
    brief["memory"] = {k: v for k, v in result["memory"].items() if k != "samples"}
    brief["latency_ms"] = result["latency_ms"]
    brief["load_average"] = result["load_average"]
    print(json.dumps(brief, indent=1))
    print(f"figures: {path}")
    return 0 if result["errors_total"] == 0 and not tracebacks else 1


if __name__ == "__main__":
    raise SystemExit(main())
