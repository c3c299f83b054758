"""Known-item relevance per query kind (accented, unaccented, partial, typo, telex)
on the index that :mod:`benchmarks.restoration` builds, newssearch only.

The quick loop for query repair: the same slice and query set as
:mod:`benchmarks.relevance` generates, without the peers, latency and HTTP
runs of :mod:`benchmarks.compare`. ``--label`` names the run, so that the
figures of two versions of the code on the same index sit side by side in
``benchmarks/results/repair-relevance-limit<N>.json``.

    .venv/bin/python -m benchmarks.restoration --limit 10000     # builds the index
    .venv/bin/python -m benchmarks.repair_relevance --limit 10000 --label after

The ``before`` figures in the results file come from the same command with
``PYTHONPATH`` set to an export of the previous version's ``src`` (``git
archive <commit> src``) and ``--label before``: an index written by the
newer code opens with the older one when the schema version is the same.
``previous`` is the version before the schema-11 language model (titles
counted three times, Kneser-Ney), measured on its own schema-10 index of
the same slice.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from newssearch.models import SearchRequest
from newssearch.search import Engine

from . import DEFAULT_CORPUS, RESULTS_DIR, WORK_DIR
from .corpus import corpus_files, slice_corpus
from .relevance import DEFAULT_PER_KIND, KNOWN_ITEM_KINDS, SEED, QuerySet, evaluate, generate


def main(argv: list[str] | None = None) -> int:
    """Run the known-item queries through the library and add the figures to the results file."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder")
    ap.add_argument("--limit", type=int, default=10_000, help="records per corpus file (the index's slice)")
    ap.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND, help="queries per kind")
    ap.add_argument("--label", default="current", help="name of this run in the results file")
    args = ap.parse_args(argv)

    run_dir = WORK_DIR / f"restoration-limit{args.limit}"
    index_dir = run_dir / "index"
    if not (index_dir / "current").exists():
        raise SystemExit(f"no index at {index_dir}: run benchmarks.restoration --limit {args.limit} first")
    queries_path = run_dir / f"queries-{args.per_kind}.json"
    if queries_path.is_file():
        qs = QuerySet.load(queries_path)
    else:
        qs = generate(slice_corpus(corpus_files(args.corpus), args.limit, run_dir / "corpus"), args.per_kind, SEED)
        qs.save(queries_path)
    known = [q for q in qs.queries if q.kind in KNOWN_ITEM_KINDS]
    engine = Engine(index_dir)
    engine.search(SearchRequest(q="warm up"))
    ids: dict[str, list[str]] = {}
    took: dict[str, list[float]] = {}
    corrected: dict[str, int] = {}
    for q in known:
        started = time.perf_counter()
        result = engine.search(SearchRequest(q=q.q, per_page=10))
        took.setdefault(q.kind, []).append((time.perf_counter() - started) * 1000)
        ids[q.qid] = [h.id for h in result.hits]
        # (getattr: the same script also measures versions from before corrections existed)
        corrected[q.kind] = corrected.get(q.kind, 0) + (getattr(result, "corrected", None) is not None)
    engine.close()
    scores = evaluate(QuerySet(qs.meta, known, {}), ids)
    run: dict[str, Any] = {}
    for kind in KNOWN_ITEM_KINDS:
        if kind in scores and kind in took:
            times = sorted(took[kind])
            run[kind] = {
                **scores[kind],
                "corrected": corrected.get(kind, 0),
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            }
    out = RESULTS_DIR / f"repair-relevance-limit{args.limit}.json"
    try:
        results = json.loads(out.read_text("utf-8"))
    except (OSError, ValueError):
        results = {"corpus_records_per_file": args.limit, "per_kind": args.per_kind, "runs": {}}
    results["runs"][args.label] = run
    out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(json.dumps({args.label: run}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
