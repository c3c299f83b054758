"""Constraint precision of listing queries: "<type> <place> <price bound>".

Indexes the shared listings (``listings*.jsonl.gz``, all records unless
``--limit``) into a temporary folder, generates queries from the most common
legacy districts, four kinds of property and six price bounds, and checks the
top 10 of each:

* ``price_precision``: share of the top-10 hits whose price meets the bound
  (sale prices; a range-priced listing counts at its middle), over the
  queries answered with listings that meet every filter (``nearest`` answers
  -- "nothing under 2 tỷ; the nearest are..." -- are counted apart, in
  ``nearest_answers``);
* ``all_precision``: share that also are in the district and of the kind;
* ``empty_with_answers``: queries with no result although some listing meets
  every constraint (should be 0);
* latency of the searches (median and p95 ``took_ms``).

    python -m benchmarks.constraint_precision --out benchmarks/results/constraint-precision.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newssearch.documents import Listing
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.listing_query import PROPERTY_TYPES, understand
from newssearch.models import SearchRequest
from newssearch.places import short_name
from newssearch.search import Engine
from newssearch.vietnamese import fold

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
KINDS = {"can ho": "apartment", "nha": "house_any", "dat": "land", "biet thu": "villa"}
BOUNDS = ("duoi 2 ty", "duoi 5 ty", "tren 3 ty", "tren 10 ty", "2-4 ty", "tam 3 ty")


def _kind_ok(doc: Listing, kind: str, phrase: str) -> bool:
    """The engine's reading of a kind: the type field says so, or it is empty and the title does."""
    words = PROPERTY_TYPES[kind][2]
    if doc.property_type:
        folded = fold(doc.property_type)
        return any(re.search(rf"\b{re.escape(w)}\b", folded) for w in words)
    text = fold(doc.title)
    return re.search(rf"\b{re.escape(phrase)}\b", text) is not None


def _price(doc: Listing) -> float | None:
    if doc.price_vnd is not None:
        return doc.price_vnd
    if doc.price_min_vnd is not None and doc.price_max_vnd is not None:
        return (doc.price_min_vnd + doc.price_max_vnd) / 2
    return None


def _price_ok(doc: Listing, lo: float | None, hi: float | None) -> bool:
    p = _price(doc)
    return (
        doc.transaction != "rent" and p is not None and (lo is None or p >= lo) and (hi is None or p <= hi)
    )


def main() -> None:
    """Index the listings, run the generated queries, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--limit", type=int, default=None, help="records per listings file (default: all)")
    ap.add_argument("--places", type=int, default=20, help="how many of the commonest districts")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    files = sorted(CORPUS.glob("listings*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no listings in {CORPUS}")
    docs: list[Listing] = []
    for path in files:
        taken = 0
        for item in read_paths([path], doc_type="listing"):
            if isinstance(item, Listing):
                docs.append(item)
                taken += 1
                if args.limit and taken >= args.limit:
                    break
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        IndexStore(tmp).write(docs)
        index_s = time.perf_counter() - started
        engine = Engine(tmp)
        try:
            result = _run(engine, docs, args.places)
        finally:
            engine.close()
    result = {"corpus_files": [f.name for f in files], "limit_per_file": args.limit, "listings": len(docs),
              "index_seconds": round(index_s, 1), **result}
    print(json.dumps({k: v for k, v in result.items() if k != "worst"}, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _run(engine: Engine, docs: list[Listing], n_places: int) -> dict[str, Any]:
    by_id = {d.id: d for d in docs}
    places = Counter((d.province, d.district) for d in docs if d.district and d.province)
    checked = hits_price_ok = hits_all_ok = nearest_answers = 0
    empty_with_answers: list[str] = []
    took: list[float] = []
    worst: list[tuple[float, str]] = []
    queries = 0
    for (province, district), _n in places.most_common(n_places):
        place_words = fold(short_name(district or ""))
        for phrase, kind in KINDS.items():
            for bound in BOUNDS:
                q = f"{phrase} {place_words} {bound}"
                lq = understand(q)
                price = lq.get("price")
                if price is None:
                    raise SystemExit(f"the price bound of {q!r} was not understood")
                result = engine.search(SearchRequest(q=q, per_page=10, facets=False, highlight=False))
                queries += 1
                took.append(result.took_ms)
                answers = any(
                    district in (d.districts or [d.district]) and d.province == province
                    and _price_ok(d, price.lo, price.hi) and _kind_ok(d, kind, phrase)
                    for d in docs
                )
                if result.nearest is not None or not result.hits:
                    nearest_answers += result.nearest is not None
                    if answers:  # some listing met every constraint, yet none was shown
                        empty_with_answers.append(q)
                    continue
                ok_price = ok_all = 0
                for h in result.hits:
                    doc = by_id[h.id]
                    p_ok = _price_ok(doc, price.lo, price.hi)
                    in_place = district in (doc.districts or [doc.district])
                    ok_price += p_ok
                    ok_all += p_ok and in_place and _kind_ok(doc, kind, phrase)
                checked += len(result.hits)
                hits_price_ok += ok_price
                hits_all_ok += ok_all
                worst.append((ok_all / len(result.hits), q))
    worst.sort()
    return {
        "queries": queries,
        "hits_checked": checked,
        "price_precision": round(hits_price_ok / checked, 4) if checked else None,
        "all_precision": round(hits_all_ok / checked, 4) if checked else None,
        "nearest_answers": nearest_answers,
        "empty_with_answers": len(empty_with_answers),
        "empty_with_answers_queries": empty_with_answers[:20],
        "took_ms_median": round(statistics.median(took), 1),
        "took_ms_p95": round(sorted(took)[int(len(took) * 0.95) - 1], 1),
        "worst": [{"query": q, "all_ok": round(r, 2)} for r, q in worst[:15]],
    }


if __name__ == "__main__":
    main()
