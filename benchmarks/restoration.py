"""Accent restoration: the corpus language model against the index-bigram restorer.

Builds (or reuses) an index of the first ``--limit`` records of each corpus
file, then takes folded spans of 3-6 words from article and brief titles and
restores their diacritics with both restorers, in one run:

* ``langmodel`` -- :mod:`newssearch.langmodel` (syllable uni/bi/trigrams of
  titles, summaries and bodies, written with the index);
* ``index_bigrams`` -- :meth:`newssearch.suggest.Suggester.restore` (the
  fallback: title bigrams of the index).

Two span sets: ``in_index`` (titles of indexed documents: what a visitor
searching for an indexed article types) and ``held_out`` (titles of the
records that follow the slice, which the model has never seen). Scores:
whole span exactly right, and syllables right. Only words of letters are
used (a span with a digit or inner punctuation is skipped).

    .venv/bin/python -m benchmarks.restoration --corpus ../shared/corpus --limit 10000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from newssearch.documents import Article, Listing
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.langmodel import MODEL_FILE, LanguageModel, NgramCounter, count_document
from newssearch.search import Engine
from newssearch.vietnamese import fold

from . import DEFAULT_CORPUS, RESULTS_DIR, WORK_DIR
from .corpus import corpus_files, is_listing_file, iter_records, slice_corpus
from .relevance import title_words

SEED = 20261205
MIN_SPAN, MAX_SPAN = 3, 6


def spans_of(titles: Iterable[str], count: int, rng: random.Random) -> list[list[str]]:
    """Up to ``count`` spans (lowercase words of letters), at most one per title."""
    pool = list(titles)
    rng.shuffle(pool)
    out: list[list[str]] = []
    for title in pool:
        words = [w.lower() for w in title_words(title)]
        size = rng.randint(MIN_SPAN, MAX_SPAN)
        starts = [i for i in range(len(words) - size + 1) if all(w.isalpha() for w in words[i : i + size])]
        if not starts:
            continue
        i = rng.choice(starts)
        out.append(words[i : i + size])
        if len(out) >= count:
            break
    return out


def score(spans: list[list[str]], restore: Callable[[list[str]], list[str]]) -> dict[str, float]:
    """Exact-span and syllable accuracy of ``restore`` over folded ``spans``."""
    exact = syllables = total = 0
    started = time.perf_counter()
    for span in spans:
        got = restore([fold(w) for w in span])
        exact += got == span
        syllables += sum(a == b for a, b in zip(got, span, strict=True))
        total += len(span)
    took = time.perf_counter() - started
    return {
        "spans": len(spans),
        "exact": round(exact / max(len(spans), 1), 4),
        "syllables": round(syllables / max(total, 1), 4),
        "ms_per_span": round(took * 1000 / max(len(spans), 1), 3),
    }


def article_titles(files: list[Path], skip: int = 0, take: int | None = None) -> list[str]:
    """Titles of the article files, from record ``skip`` on (``take`` per file at most)."""
    out: list[str] = []
    for path in files:
        if is_listing_file(path):
            continue
        for n, rec in enumerate(iter_records(path)):
            if n < skip:
                continue
            if take is not None and n >= skip + take:
                break
            title = rec.get("title")
            if isinstance(title, str) and title.strip():
                out.append(title)
    return out


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the index, time the counting, measure both restorers, write the results JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder")
    ap.add_argument("--limit", type=int, default=10_000, help="records per corpus file in the index")
    ap.add_argument("--spans", type=int, default=2_000, help="spans per set")
    ap.add_argument("--procs", type=int, default=2, help="indexing processes")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--results", type=Path, help="results JSON (default benchmarks/results/restoration-limit<N>.json)")
    args = ap.parse_args(argv)

    files = corpus_files(args.corpus)
    run_dir = WORK_DIR / f"restoration-limit{args.limit}"
    sliced = slice_corpus(files, args.limit, run_dir / "corpus")
    index_dir = run_dir / "index"
    store = IndexStore(index_dir)
    build_seconds = None
    gen = store.current_dir()
    if gen is None or not (gen / MODEL_FILE).is_file():
        started = time.perf_counter()
        report = store.write(read_paths(sliced), rebuild=True, procs=args.procs)
        build_seconds = round(time.perf_counter() - started, 1)
        print(report.line())
        gen = store.current_dir()
    assert gen is not None
    model = LanguageModel.load(gen / MODEL_FILE)
    assert model is not None, "the index has no language model"
    engine = Engine(index_dir)
    snap = engine.snapshot()

    # What the model costs at indexing time: counting the slice's documents alone.
    docs = [d for d in read_paths(sliced) if isinstance(d, Article | Listing)]
    started = time.perf_counter()
    counter = NgramCounter()
    for d in docs:
        count_document(counter, d)
    arrays = counter.arrays()
    count_seconds = round(time.perf_counter() - started, 2)

    rng = random.Random(args.seed)
    sets = {
        "in_index": spans_of(article_titles(sliced), args.spans, rng),
        "held_out": spans_of(article_titles(files, skip=args.limit, take=args.spans), args.spans, rng),
    }
    results: dict[str, Any] = {
        "corpus_records_per_file": args.limit,
        "documents": snap.store.doc_count,
        "model": {
            "file_bytes": (gen / MODEL_FILE).stat().st_size,
            "syllables": len(model.words),
            "bigrams": len(model.bigram_keys),
            "trigrams": len(model.trigram_keys),
        },
        "build_seconds": build_seconds,
        "count_seconds": {"documents": len(docs), "seconds": count_seconds, "bigrams": len(arrays["bigram_keys"])},
        "sets": {},
    }
    for name, spans in sets.items():
        if not spans:  # an index of the whole corpus leaves no title held out
            continue
        results["sets"][name] = {
            "langmodel": score(spans, model.restore_words),
            "index_bigrams": score(spans, lambda words: snap.suggester.restore(words).split()),
        }
    engine.close()
    out = args.results or RESULTS_DIR / f"restoration-limit{args.limit}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
