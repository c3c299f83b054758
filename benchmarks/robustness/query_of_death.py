"""Queries of death over HTTP: each one stays within the time budget, and
ordinary searches keep their latency while four of them run.

``newssearch serve --workers 2`` on 127.0.0.1 over a corpus index. Three phases
(plus the CPU time of each query of death in process, which the budget
bounds and the machine's load does not change):

1. every query of death alone, ``--rounds`` times (latency, ``timed_out``);
2. ordinary searches alone (``--ordinary`` requests): the baseline;
3. four client threads sending queries of death back to back while one
   client sends the same ordinary searches; bounded by ``--duration``.

The queries (each at most 500 characters, the query limit): the issue's
(2 unknown words plus ``"của của"`` repeated; the 45 most common title word
pairs as phrases; 40 of them excluded; autocomplete of ``nha pho `` x 60)
and more: long digit strings, emoji, mixed scripts, 100 one-letter words,
many common words, many unfinished words. The common pairs come from the
index itself at run time (nothing from the corpus is written anywhere).

The index: ``--index-dir``, or the first ``--limit`` records of each
shared-corpus file (built once into ``benchmarks/work/robustness/``, as
``soak.py`` does). ``--budget`` sets ``NEWSSEARCH_SEARCH_BUDGET`` for the
server (``0``: no budget, to compare). Figures:
``benchmarks/results/robustness-query-of-death[-OUT].json``.

    .venv/bin/python -m benchmarks.robustness.query_of_death --limit 5000
    .venv/bin/python -m benchmarks.robustness.query_of_death --index-dir DIR --budget 0 --out no-budget
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from benchmarks.robustness.common import (
    WORK_DIR,
    Server,
    load_average,
    machine_info,
    run_cli,
    serve,
    write_result,
)
from benchmarks.robustness.soak import DEFAULT_CORPUS, corpus_index
from newssearch.config import Settings
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.search import Engine

#: The goal: no request over this, budget or not.
GOAL_S = 0.5
#: Ordinary searches: short queries people type (our own words).
ORDINARY = [
    "nha pho ha long", "can ho quan 7", "gia vang hom nay", "hoc sinh", "bệnh viện", "dat nen",
    "giao thông", "biet thu", "thời tiết hà nội", "chung cu cho thue", "du lich", "kinh te",
]


def _fill(text: str, n: int = 500) -> str:
    """``text`` repeated to ``n`` characters (cut at a space)."""
    out = (text * (n // len(text) + 1))[:n]
    return out[: out.rfind(" ")] if " " in out else out


def common_pairs(index: Path, n: int) -> list[str]:
    """The ``n`` most frequent title word pairs of the index, accented (``nhà phố``)."""
    ix = IndexStore(index).open()
    with ix.searcher() as s:
        top = s.reader().most_frequent_terms("title_bi", n * 3)
    pairs = []
    for _, term in sorted(top, reverse=True):
        text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
        a, _, b = text.partition("_")
        if a.isalpha() and b.isalpha() and not text.isascii():
            pairs.append(f"{a} {b}")
    return pairs[:n]


def queries(index: Path) -> dict[str, tuple[str, str]]:
    """Name -> (endpoint, q) of every query of death."""
    pairs = common_pairs(index, 45)
    search = {
        "2 unknown words + repeated phrase": _fill('zorbanh quyxet ' + '"của của" ' * 60),
        "45 common phrases": _fill(" ".join(f'"{p}"' for p in pairs)),
        "40 excluded phrases": _fill("nhà " + " ".join(f'-"{p}"' for p in pairs[:40])),
        "long digit strings": _fill("12345678901234567890 "),
        "emoji": _fill("🏠🔥 nhà 😀 phố 🚀 "),
        "mixed scripts": _fill("nhà Дом 家 بيت phố σπίτι ห้อง "),
        "100 one-letter words": " ".join("abcdeghiklmnopqrstuvxyđ"[i % 23] for i in range(100)),
        "many common words": _fill(" ".join(pairs)),
        "many unfinished words": _fill("nh ph ha lo ca ho bi th "),
    }
    out = {name: ("search", q) for name, q in search.items()}
    out["suggest nha pho x60"] = ("suggest", _fill("nha pho ", 480) + " ")
    out["suggest long accented"] = ("suggest", _fill("nhà phố hà nội "))
    return out


def url(endpoint: str, q: str) -> str:
    return f"/api/{endpoint}?" + urlencode({"q": q})


def cpu_times(index: Path, qod: dict[str, tuple[str, str]], budget: float | None, rounds: int) -> dict[str, float]:
    """CPU time of this thread per query of death, in process (the budget's own measure:
    unlike latency, it does not grow with the machine's load)."""
    settings = Settings(index_dir=index) if budget is None else Settings(index_dir=index, search_budget=budget)
    engine = Engine(index, settings)
    engine.search(SearchRequest(q="hà nội"))
    out: dict[str, float] = {}
    for name, (endpoint, q) in qod.items():
        worst = 0.0
        for _ in range(rounds):
            started = time.thread_time()
            if endpoint == "search":
                engine.search(SearchRequest(q=q))
            else:
                engine.suggest(q)
            worst = max(worst, time.thread_time() - started)
        out[name] = round(worst * 1000, 1)
    engine.close()
    return out


def get(conn: http.client.HTTPConnection, path: str) -> tuple[float, dict[str, Any]]:
    """Seconds for one GET and its JSON body (HTTP errors raise)."""
    t0 = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    elapsed = time.perf_counter() - t0
    if r.status != 200:
        raise RuntimeError(f"{path[:80]}: HTTP {r.status} {body[:200]!r}")
    return elapsed, json.loads(body)


def stats(seconds: list[float]) -> dict[str, Any]:
    ms = np.array(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
        "over_goal": int((ms > GOAL_S * 1000).sum()),
    }


def alone(server: Server, qod: dict[str, tuple[str, str]], rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conn = server.connection()
    for name, (endpoint, q) in qod.items():
        times, timed_out = [], 0
        for _ in range(rounds):
            elapsed, data = get(conn, url(endpoint, q))
            times.append(elapsed)
            timed_out += bool(data.get("timed_out"))
        out[name] = {**stats(times), "timed_out": timed_out, "total": data.get("total"),
                     "ignored": data.get("ignored"), "query_chars": len(data.get("query", ""))}
    conn.close()
    return out


def ordinary_alone(server: Server, n: int) -> list[float]:
    conn = server.connection()
    times = []
    for i in range(n):
        q = ORDINARY[i % len(ORDINARY)]
        times.append(get(conn, "/api/search?" + urlencode({"q": q, "page": 1 + (i // len(ORDINARY)) % 5}))[0])
    conn.close()
    return times


def under_attack(server: Server, qod: dict[str, tuple[str, str]], n: int, duration: float) -> dict[str, Any]:
    """Four clients looping queries of death; one client sends ``n`` ordinary searches."""
    stop = threading.Event()
    qod_times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    paths = [url(endpoint, q) for endpoint, q in qod.values()]

    def attacker(k: int) -> None:
        conn = server.connection(timeout=60)
        i = k
        while not stop.is_set():
            try:
                elapsed, _ = get(conn, paths[i % len(paths)])
                with lock:
                    qod_times.append(elapsed)
            except (OSError, http.client.HTTPException, RuntimeError) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = server.connection(timeout=60)
            i += 1
        conn.close()

    attackers = [threading.Thread(target=attacker, args=(k * 3,)) for k in range(4)]
    for t in attackers:
        t.start()
    time.sleep(1.0)
    ordinary: list[float] = []
    end = time.monotonic() + duration
    conn = server.connection(timeout=60)
    for i in range(n):
        if time.monotonic() > end:
            break
        q = ORDINARY[i % len(ORDINARY)]
        ordinary.append(get(conn, "/api/search?" + urlencode({"q": q, "page": 1 + (i // len(ORDINARY)) % 5}))[0])
    conn.close()
    stop.set()
    for t in attackers:
        t.join(timeout=120)
    return {"ordinary": stats(ordinary), "queries_of_death": stats(qod_times), "errors": errors[:10]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=5000, help="records per corpus file (without --index-dir)")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--budget", type=float, help="NEWSSEARCH_SEARCH_BUDGET for the server (0: none)")
    ap.add_argument("--rounds", type=int, default=3, help="times each query of death is sent alone")
    ap.add_argument("--ordinary", type=int, default=120, help="ordinary searches per phase")
    ap.add_argument("--duration", type=float, default=120.0, help="longest the attack phase runs (s)")
    ap.add_argument("--out", help="result name suffix")
    args = ap.parse_args()

    if args.index_dir:
        index, description = args.index_dir, f"index at {args.index_dir.name}"
    else:
        index, description = corpus_index(args.corpus, args.limit, args.procs)
    documents = json.loads(run_cli("stats", "--index-dir", str(index), "--json").stdout)["documents"]
    env = {} if args.budget is None else {"NEWSSEARCH_SEARCH_BUDGET": str(args.budget)}
    qod = queries(index)
    log = WORK_DIR / "robustness" / "query-of-death-server.log"
    with serve(index, log, workers=2, extra_env=env) as server:
        get(server.connection(), "/api/search?q=h%C3%A0+n%E1%BB%99i")
        load_before = load_average()
        result = {
            "index": description,
            "documents": documents,
            "budget_s": args.budget if args.budget is not None else "default",
            "goal_s": GOAL_S,
            "alone": alone(server, qod, args.rounds),
            "cpu_ms_in_process_worst": cpu_times(index, qod, args.budget, args.rounds),
            "ordinary_alone": stats(ordinary_alone(server, args.ordinary)),
            "under_attack": under_attack(server, qod, args.ordinary, args.duration),
            "load_average_before": load_before,
            "machine": machine_info(),
        }
    name = "query-of-death" + (f"-{args.out}" if args.out else "")
    path = write_result(name, result)
    for qname, s in result["alone"].items():
        cpu = result["cpu_ms_in_process_worst"][qname]
        print(f"{qname:36s} p50 {s['p50_ms']:8.1f} max {s['max_ms']:8.1f} ms  cpu {cpu:7.1f} ms  "
              f"timed_out {s['timed_out']}/{s['n']}")
    print("ordinary alone       ", result["ordinary_alone"])
    print("ordinary under attack", result["under_attack"]["ordinary"])
    print("queries of death     ", result["under_attack"]["queries_of_death"])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
