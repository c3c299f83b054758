"""Micro-benchmark of Vietnamese text analysis: how many MB/s of article text.

Reads title + body of the first ``--limit`` articles of the corpus and times:

* ``normalize``, ``fold`` and ``tokenize`` over each text (tokenize *cold*:
  its memo is cleared first, so every text is really tokenised);
* the full index-time chain for one text area, as the indexer runs it: the
  exact, folded, bigram and joined(2) analyzers over the same string object
  (tokenize runs once, the other three analyzers hit its memo), both as raw
  analyzer output and through Whoosh's ``field.index`` (posting encoding
  included); plus the same chain *cold* (memo cleared before each analyzer).

Throughput is UTF-8 bytes of input per CPU second of this process (best of
``--repeat`` runs; wall time is reported too, but on a shared machine it
also measures everybody else). Prints a table and writes
``benchmarks/results/analysis_throughput.json`` (figures only, no corpus
text). ``--profile`` prints the cProfile top functions of the full chain.

    .venv/bin/python benchmarks/analysis_throughput.py [--corpus PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import io
import json
import os
import platform
import pstats
import shlex
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh.fields import TEXT

from newssearch.store import analysis
from newssearch.vietnamese import fold, normalize, tokenize

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "articles.jsonl.gz"
DEFAULT_OUTPUT = REPO_ROOT / "benchmarks" / "results" / "analysis_throughput.json"


def load_texts(path: Path, limit: int) -> list[str]:
    """Title + body of the first ``limit`` article records (records without text skipped)."""
    opener: Callable[..., Any] = gzip.open if path.name.endswith(".gz") else open
    texts: list[str] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            parts = [rec.get("title") or "", rec.get("body") or ""]
            text = "\n".join(p for p in parts if isinstance(p, str) and p)
            if text:
                texts.append(text)
    return texts


def _chain_analyzers() -> list[Any]:
    """The analyzers of one text area (body): exact, folded, bigram, joined(2)."""
    return [
        analysis.exact_analyzer(),
        analysis.folded_analyzer(),
        analysis.bigram_analyzer(),
        analysis.joined_analyzer(2),
    ]


def _chain_fields() -> list[TEXT]:
    """Whoosh fields shaped like the schema's body, body_f, body_bi and body_j."""
    return [
        TEXT(analyzer=analysis.exact_analyzer()),
        TEXT(analyzer=analysis.folded_analyzer()),
        TEXT(analyzer=analysis.bigram_analyzer(), phrase=False),
        TEXT(analyzer=analysis.joined_analyzer(2), phrase=False),
    ]


def run_chain(texts: Iterable[str], analyzers: list[Any], cold: bool = False) -> int:
    """Every token of every analyzer over every text (Whoosh index-time flags)."""
    n = 0
    for text in texts:
        for a in analyzers:
            if cold:
                tokenize.cache_clear()
            for _ in a(text, positions=True, chars=True, boosts=True, mode="index"):
                n += 1
    return n


def run_fields(texts: Iterable[str], fields: list[TEXT]) -> int:
    """``field.index(text)`` for each field, as Whoosh's writer calls it."""
    n = 0
    for text in texts:
        for f in fields:
            for _ in f.index(text):
                n += 1
    return n


def _fresh(texts: list[str]) -> list[str]:
    """Equal but distinct string objects (no cached hash, no memo hit by identity)."""
    return [(t + " ")[:-1] for t in texts]


def measure(
    fn: Callable[[list[str]], object], texts: list[str], repeat: int
) -> tuple[float, float]:
    """Best (CPU seconds, wall seconds) of ``fn(fresh copy of texts)`` over ``repeat`` runs.

    CPU time of this process is the headline figure: on a shared machine the
    wall time also measures everybody else.
    """
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        batch = _fresh(texts)
        tokenize.cache_clear()
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        fn(batch)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_cpu, best_wall


def benchmarks() -> dict[str, Callable[[list[str]], object]]:
    """Name -> function over a list of texts."""
    analyzers = _chain_analyzers()
    fields = _chain_fields()
    return {
        "normalize": lambda ts: [normalize(t) for t in ts],
        "fold": lambda ts: [fold(t) for t in ts],
        "tokenize (cold)": lambda ts: [tokenize(t) for t in ts],
        "chain: 4 analyzers (as indexer, memo)": lambda ts: run_chain(ts, analyzers),
        "chain: 4 analyzers (cold, no memo)": lambda ts: run_chain(ts, analyzers, cold=True),
        "chain: 4 Whoosh field.index (as indexer)": lambda ts: run_fields(ts, fields),
    }


def profile_chain(texts: list[str], top: int) -> str:
    """cProfile report (sorted by own time) of the analyzer chain as the indexer runs it."""
    analyzers = _chain_analyzers()
    tokenize.cache_clear()
    prof = cProfile.Profile()
    prof.enable()
    run_chain(_fresh(texts), analyzers)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="articles .jsonl or .jsonl.gz"
    )
    ap.add_argument("--limit", type=int, default=5000, help="number of articles (default 5000)")
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per measure; the best is kept (default 3)"
    )
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results file")
    ap.add_argument(
        "--no-write", action="store_true", help="print only, do not write the JSON file"
    )
    ap.add_argument(
        "--only", action="append", default=[], help="run only measures whose name contains this"
    )
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the full chain")
    ap.add_argument("--label", default="", help="free-text label stored in the JSON (e.g. 'after')")
    args = ap.parse_args(argv)

    if not args.corpus.is_file():
        print(f"no corpus file at {args.corpus}; pass --corpus PATH", file=sys.stderr)
        return 2
    texts = load_texts(args.corpus, args.limit)
    if not texts:
        print(f"no article text in {args.corpus}", file=sys.stderr)
        return 2
    nbytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
    mb = nbytes / 1e6
    print(f"{len(texts)} texts, {mb:.1f} MB UTF-8, best of {args.repeat}")
    print(f"{'measure':<44} {'CPU s':>8} {'MB/s':>7} {'wall s':>8} {'MB/s':>7}")

    results: list[dict[str, Any]] = []
    for name, fn in benchmarks().items():
        if args.only and not any(o in name for o in args.only):
            continue
        cpu, wall = measure(fn, texts, args.repeat)
        results.append(
            {
                "measure": name,
                "cpu_seconds": round(cpu, 4),
                "mb_per_s": round(mb / cpu, 3) if cpu > 0 else None,
                "wall_seconds": round(wall, 4),
                "mb_per_s_wall": round(mb / wall, 3) if wall > 0 else None,
            }
        )
        print(f"{name:<44} {cpu:>8.3f} {mb / cpu:>7.2f} {wall:>8.3f} {mb / wall:>7.2f}")

    if args.profile:
        print()
        print(profile_chain(texts, 25))

    if not args.no_write:
        doc = {
            "benchmark": "analysis_throughput",
            "label": args.label,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": shlex.join(
                [
                    "python",
                    "benchmarks/analysis_throughput.py",
                    *(argv if argv is not None else sys.argv[1:]),
                ]
            ),
            "corpus": args.corpus.name,
            "articles": len(texts),
            "megabytes_utf8": round(mb, 3),
            "repeat": args.repeat,
            "throughput": "MB (10^6 bytes of UTF-8 input) per CPU second, best of repeat",
            "machine": {
                "cpu_count": os.cpu_count(),
                "processor": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "platform": platform.platform(),
                "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            },
            "results": results,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
