"""Read the shared corpus with newssearch.ingest and print counts as JSON.

Usage: ``python benchmarks/ingest_counts.py [PATH ...] [--limit N]``

Without paths, reads the four files of ``../shared/corpus``. For each file:
records read by type, problems (errors = skipped, warnings), how many
documents got a province / district / price / area, and the read throughput
(records per second, place recognition and parsing included). No corpus text
is printed, only counts and problem reasons (which name fields, not content).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Any

from newssearch.documents import Article, Listing
from newssearch.ingest import Deletion, Problem, read_paths

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FILES = ("articles.jsonl.gz", "news_briefs.jsonl.gz", "listings.jsonl.gz", "listings_structured.jsonl.gz")


def _reason_key(reason: str) -> str:
    """Problem reasons without their variable parts (values, numbers)."""
    reason = re.sub(r"'[^']*'", "'…'", reason)
    return re.sub(r"\d[\d,.]*", "N", reason)[:120]


def count(path: Path, limit: int | None) -> dict[str, Any]:
    """Counts for one file."""
    c: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started, cpu_started = time.perf_counter(), time.process_time()
    for item in islice(read_paths([path]), limit):
        if isinstance(item, Problem):
            c["errors" if item.skipped else "warnings"] += 1
            reasons[_reason_key(item.reason)] += 1
        elif isinstance(item, Deletion):
            c["deletions"] += 1
        elif isinstance(item, Article | Listing):
            kind = "articles" if isinstance(item, Article) else "listings"
            c[kind] += 1
            c[f"{kind}_with_province"] += item.province is not None
            c[f"{kind}_with_district"] += item.district is not None
            if isinstance(item, Article):
                c["articles_with_date"] += item.published is not None
                c["stubs"] += item.stub
            else:
                c["listings_with_price"] += item.price_vnd is not None
                c["listings_with_area"] += item.area_m2 is not None
                c["listings_with_ward"] += item.ward is not None
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    records = c["articles"] + c["listings"] + c["deletions"] + c["errors"]
    return {
        "file": path.name,
        **dict(sorted(c.items())),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "records_per_second": round(records / seconds) if seconds else None,
        "records_per_cpu_second": round(records / cpu) if cpu else None,
        "problem_reasons": dict(reasons.most_common(10)),
    }


def main(argv: list[str] | None = None) -> int:
    """Print one JSON object: per-file counts and totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="items per file (for a quick look)")
    args = parser.parse_args(argv)
    paths = args.paths or [CORPUS / f for f in FILES]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"not found: {', '.join(map(str, missing))} (the corpus lives in ../shared/corpus)", file=sys.stderr)
        return 2
    per_file = [count(p, args.limit) for p in paths]
    totals: Counter[str] = Counter()
    for row in per_file:
        for k, v in row.items():
            if isinstance(v, int) and not k.startswith("records_per"):
                totals[k] += v
    seconds = sum(r["seconds"] for r in per_file)
    cpu = sum(r["cpu_seconds"] for r in per_file)
    records = totals["articles"] + totals["listings"] + totals["deletions"] + totals["errors"]
    out = {
        "files": per_file,
        "totals": {**dict(sorted(totals.items())), "seconds": round(seconds, 2),
                   "cpu_seconds": round(cpu, 2),
                   "records_per_second": round(records / seconds) if seconds else None,
                   "records_per_cpu_second": round(records / cpu) if cpu else None},
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
