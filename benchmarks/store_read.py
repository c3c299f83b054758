"""What a search reads from the store, timed apart from the rest of a search.

Over an existing index: opening a snapshot (its columns read from nothing,
as a worker does at start and after a rebuild), every text field's lengths,
stored documents, terms by prefix and document frequencies of the words of
a query log (``benchmarks.compare`` writes one to ``work/<tag>/querylog.json``).
Only the store's interface is used, so the same script times any version::

    python -m benchmarks.store_read --index-dir benchmarks/work/limit5000/index/newssearch \\
        --query-log benchmarks/work/limit5000/querylog.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from newssearch.indexer import IndexStore
from newssearch.store import TEXT_FIELDS, open_index, open_snapshot
from newssearch.vietnamese import fold, tokenize

from .workload import load_log


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def main(argv: list[str] | None = None) -> int:
    """Time each read; print and optionally save the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True, help="an index folder (with its 'current' link)")
    ap.add_argument("--query-log", type=Path, required=True, help="query log JSON (benchmarks.workload.save_log)")
    ap.add_argument("--repeat", type=int, default=5, help="snapshot opens (the median is reported)")
    ap.add_argument("--documents", type=int, default=3000, help="stored documents read")
    ap.add_argument("--results", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    gen = IndexStore(args.index_dir).current_dir()
    assert gen is not None, "no index"
    opens = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        snap = open_snapshot(open_index(gen))
        opens.append(time.perf_counter() - started)
        snap.close()
    snap = open_snapshot(open_index(gen))
    out: dict[str, Any] = {"documents": snap.doc_count, "open_ms_median": _ms(statistics.median(opens))}

    started = time.perf_counter()
    for field in TEXT_FIELDS:
        snap.field_lengths(field)
        snap.field_lengths(field + "_f")
    out["field_lengths_ms"] = _ms(time.perf_counter() - started)

    rng = random.Random(7)
    docnums = [rng.randrange(snap.doc_count) for _ in range(args.documents)]
    started = time.perf_counter()
    for d in docnums:
        snap.document(d)
    out["document_us"] = round((time.perf_counter() - started) / len(docnums) * 1e6, 1)

    words = sorted({fold(t.text) for spec in load_log(args.query_log) for t in tokenize(spec.q)})
    prefixes = sorted({w[:n] for w in words for n in (1, 2, 3) if len(w) >= n})
    started = time.perf_counter()
    for p in prefixes:
        snap.terms_with_prefix("body_f", p)
    out["terms_with_prefix_us"] = round((time.perf_counter() - started) / len(prefixes) * 1e6, 1)
    started = time.perf_counter()
    for w in words:
        snap.doc_frequency("body_f", w)
    out["doc_frequency_us"] = round((time.perf_counter() - started) / len(words) * 1e6, 1)
    out["prefixes"], out["words"] = len(prefixes), len(words)
    out["loadavg"] = list(os.getloadavg())
    snap.close()
    print(json.dumps(out, indent=1))
    if args.results:
        args.results.write_text(json.dumps(out, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
