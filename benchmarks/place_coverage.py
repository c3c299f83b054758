"""How many shared-corpus listings get a legacy district and a 2025 ward.

Reads ``listings*.jsonl.gz`` from the shared corpus through the ingest path
(:func:`newssearch.ingest.records.listing_from_record`) and counts the
listings with a province, a legacy district, a legacy ward, a 2025 province
and a 2025 ward. Run it with the code to measure on ``PYTHONPATH`` (an export
of an older commit gives the "before" figures; documents of that code have no
2025 fields, which count as missing).

    python -m benchmarks.place_coverage --out benchmarks/results/place-coverage-after.json
    python -m benchmarks.place_coverage --sample 50 --seed 7   # listings to check by hand
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newssearch.errors import InvalidRecord
from newssearch.ingest.records import listing_from_record

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FIELDS = ("province", "district", "ward", "province_2025", "ward_2025")


def records(limit: int | None) -> list[tuple[str, dict[str, Any]]]:
    """(file name, record) of every listing file, up to ``limit`` per file."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CORPUS.glob("listings*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                if limit is not None and i >= limit:
                    break
                out.append((path.name, json.loads(line)))
    return out


def main() -> None:
    """Count place coverage; optionally print a random sample for checking by hand."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--limit", type=int, default=None, help="records per file (default: all)")
    ap.add_argument("--out", type=Path, default=None, help="write the counts here as JSON")
    ap.add_argument("--sample", type=int, default=0, help="print this many listings with their places")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"the shared corpus is not at {CORPUS}")
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    for name, rec in records(args.limit):
        counts["records"] += 1
        try:
            doc = listing_from_record(rec)
        except InvalidRecord:
            counts["dropped"] += 1
            continue
        counts["listings"] += 1
        got = {f: getattr(doc, f, None) for f in FIELDS}
        for f, v in got.items():
            counts[f"with_{f}"] += v is not None
        counts["with_several_districts"] += len(getattr(doc, "districts", None) or []) > 1
        if args.sample:
            rows.append({"file": name, "id": doc.id, "address": rec.get("address"),
                         "given": {f: rec.get(f) for f in ("province", "district", "ward")}, "got": got})
    result = {"corpus_files": sorted(p.name for p in CORPUS.glob("listings*.jsonl.gz")),
              "limit_per_file": args.limit, **dict(sorted(counts.items())),
              "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.sample:
        for row in random.Random(args.seed).sample(rows, min(args.sample, len(rows))):
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
