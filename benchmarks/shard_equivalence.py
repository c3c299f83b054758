"""A sharded index answers exactly as the single index: build both, compare.

Two ways of reading the shards are compared with the single index: the
library's :class:`~newssearch.search.Engine` over the whole sharded index
(one process), and each shard searched apart by an engine of its own, the
answers merged as ``serve --ray``'s router merges them (:class:`FannedOut`,
in this process, without Ray).

Usage::

    .venv/bin/python -m benchmarks.shard_equivalence [--corpus ../shared/corpus] [--limit 5000] [--shards 3]

``--limit N`` indexes the first N records of each corpus file (5000: a
20,000-document slice). The same documents are indexed once as one index and
once as ``--shards`` shards; a generated set of requests (words with and
without accents, typos, phrases, exclusions, filters, facets, every sort,
deep pages, autocomplete, related documents) runs on both, and every answer
must be identical (the JSON of the result, ``took_ms`` aside). Build time and
the median search time of each layout are measured too; the results go to
``benchmarks/results/shard-equivalence-limit{N}.json``.

:func:`request_set`, :func:`answer` and :func:`differences` are what
``tests/test_shards.py`` runs on its own documents.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from newssearch.autocomplete import combine
from newssearch.cluster.merge import merge_related, search_shards
from newssearch.config import Settings
from newssearch.ids import normalize_id
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.models import SORTS, Hit, SearchRequest, SearchResult
from newssearch.search import Engine
from newssearch.store import shard_of
from newssearch.vietnamese import fold, tokenize

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


@dataclass(frozen=True)
class Probe:
    """One request: a search, an autocomplete prefix or a related-documents id."""

    kind: str
    request: SearchRequest | None = None
    text: str = ""

    def label(self) -> str:
        """A short description for reports."""
        if self.request is None:
            return f"{self.kind} {self.text!r}"
        r = self.request
        return f"search q={r.q!r} sort={r.sort} page={r.page} filters={r.filters}"


def exact_engine(index_dir: Path) -> Engine:
    """An engine whose answers depend on the index alone, for comparisons:
    no time budget (a search out of time answers with what it has so far,
    which depends on the machine's load) and no freshness boost (computed
    from the clock when an engine first needs it, so two engines opened
    seconds apart score recent documents a little differently)."""
    return Engine(index_dir, Settings(index_dir=index_dir, search_budget=0, recency_weight=0))


def _typo(word: str, rng: random.Random) -> str:
    """``word`` with one letter dropped, doubled or swapped with the next."""
    if len(word) < 3:
        return word + word[-1]
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def request_set(engine: Engine, count: int = 300, seed: int = 18) -> list[Probe]:
    """``count`` requests built from the documents of ``engine``'s index (drawn
    with ``seed``: the same index and seed give the same set)."""
    rng = random.Random(seed)
    snap = engine.snapshot()
    store = snap.store
    live = [int(d) for d in range(store.doc_count) if snap.columns.live[d]]
    docs = [store.document(d) for d in rng.sample(live, min(len(live), 400))]
    titles = [[t.text for t in tokenize(d.get("title") or "") if t.text.isalpha()] for d in docs]
    titles = [t for t in titles if t]
    words = sorted({w.lower() for t in titles for w in t if len(w) > 1})
    labels = {
        name: sorted(v for v in store.vocab.labels[name] if v)
        for name in ("category", "province", "type", "transaction", "property_type", "district")
    }
    ids = sorted(str(d.get("id")) for d in docs)

    def query() -> str:
        title = rng.choice(titles)
        start = rng.randrange(len(title))
        span = title[start : start + rng.choice((1, 1, 2, 2, 3))]
        kind = rng.randrange(7)
        if kind == 0:
            return " ".join(fold(w) for w in span)  # without accents
        if kind == 1:
            return " ".join(_typo(fold(w), rng) for w in span)  # typos
        if kind == 2 and len(span) > 1:
            return f'"{" ".join(span)}"'  # a phrase
        if kind == 3:
            return f"{' '.join(span)} -{rng.choice(words)}"  # an exclusion
        if kind == 4:
            return rng.choice(words)
        return " ".join(span).lower()

    probes: list[Probe] = []
    while len(probes) < count:
        roll = rng.random()
        if roll < 0.1:
            title = rng.choice(titles)
            n = rng.randrange(1, min(3, len(title)) + 1)
            prefix = " ".join(title[:n]).lower()
            cut = prefix[: max(1, len(prefix) - rng.randrange(3))]
            probes.append(Probe("suggest", text=cut if rng.random() < 0.7 else fold(cut)))
            continue
        if roll < 0.17:
            probes.append(Probe("related", text=rng.choice(ids)))
            continue
        req = SearchRequest(q="" if rng.random() < 0.1 else query())
        req.sort = rng.choice(SORTS) if rng.random() < 0.5 else "relevance"
        req.page = rng.choice((1, 1, 1, 2, 3, 5, 8))
        req.per_page = rng.choice((5, 10, 20))
        if rng.random() < 0.35:
            name = rng.choice([n for n in labels if labels[n]])
            req.filters = {name: rng.sample(labels[name], min(len(labels[name]), rng.choice((1, 1, 2))))}
        if rng.random() < 0.15:
            req.price_min = rng.choice((5e8, 1e9, 2e9))
            req.price_max = req.price_min * rng.choice((2, 5, 20))
        if rng.random() < 0.1:
            req.bedrooms = rng.choice((1, 2, 3))
        if rng.random() < 0.1:
            req.date_from = date(rng.choice((2019, 2021, 2023, 2025)), 1, 1)
        req.facets = rng.random() < 0.8
        probes.append(Probe("search", request=req))
    return probes


class FannedOut:
    """The shards of a sharded index searched apart, one engine each, and their
    answers merged as the router of ``serve --ray`` merges them, in this process."""

    def __init__(self, index_dir: Path, settings: Settings | None = None) -> None:
        count = IndexStore(index_dir).shard_count()
        settings = settings or Settings(index_dir=index_dir)
        self.engines = [Engine(index_dir, settings, shard=n) for n in range(count)]

    def search(self, req: SearchRequest) -> SearchResult:
        """What the router answers (the shards asked in rounds until they agree)."""
        return search_shards(req, len(self.engines), lambda r, plan, to: [self.engines[n].search_shard(r, plan) for n in to])

    def suggest(self, prefix: str) -> list[dict[str, Any]]:
        return combine([e.completions(prefix) for e in self.engines])

    def related(self, doc_id: str) -> list[Hit]:
        query = self.engines[shard_of(normalize_id(doc_id), len(self.engines))].related_query(doc_id)
        return merge_related([e.related_to(query) for e in self.engines], 5)

    def close(self) -> None:
        for e in self.engines:
            e.close()


def exact_fanned_out(index_dir: Path) -> FannedOut:
    """:class:`FannedOut` with the settings of :func:`exact_engine` (answers that
    depend on the index alone)."""
    return FannedOut(index_dir, Settings(index_dir=index_dir, search_budget=0, recency_weight=0))


def answer(engine: Engine | FannedOut, probe: Probe) -> Any:
    """The JSON form of ``engine``'s answer to ``probe`` (timings left out)."""
    if probe.request is not None:
        data = engine.search(probe.request).to_dict()
        data.pop("took_ms", None)
        return data
    if probe.kind == "suggest":
        return engine.suggest(probe.text)
    return [hit.to_dict() for hit in engine.related(probe.text)]


def differences(a: Engine | FannedOut, b: Engine | FannedOut, probes: list[Probe]) -> list[str]:
    """The probes whose answers differ between ``a`` and ``b``, described."""
    found = []
    for probe in probes:
        one, other = answer(a, probe), answer(b, probe)
        if json.dumps(one, sort_keys=True, default=str) != json.dumps(other, sort_keys=True, default=str):
            found.append(probe.label())
    return found


def corpus_slice(corpus: Path, out: Path, limit: int) -> list[Path]:
    """The first ``limit`` records of each corpus file, as JSON Lines in ``out``."""
    from benchmarks.corpus import corpus_files, iter_records

    paths = []
    for src in corpus_files(corpus):
        name = src.name.removesuffix(".gz")
        dst = out / name
        with dst.open("w", encoding="utf-8") as f:
            for record in iter_records(src, limit):
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths.append(dst)
    return paths


def _p50(engine: Engine | FannedOut, probes: list[Probe]) -> float:
    """Median milliseconds of the searches among ``probes`` (after one warm-up pass;
    the engine's own figure, ``took_ms``, without the JSON of the answer)."""
    searches = [p.request for p in probes if p.request is not None]
    for req in searches:
        engine.search(req)
    times = []
    for req in searches:
        started = time.perf_counter()
        engine.search(req)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Build both layouts of a corpus slice, compare every answer, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--limit", type=int, default=5000, help="first N records of each corpus file")
    ap.add_argument("--shards", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = corpus_slice(args.corpus, work, args.limit)
        builds: dict[int, dict[str, Any]] = {}
        for shards in (1, args.shards):
            started = time.perf_counter()
            report = IndexStore(work / f"index-{shards}").write(read_paths(paths), shards=shards)
            builds[shards] = {
                "seconds": round(time.perf_counter() - started, 1),
                "documents": report.added,
                # The machine is shared: the load says how far two builds are comparable.
                "loadavg_1min_after": round(os.getloadavg()[0], 2),
            }
            print(f"{shards} shard(s): {report.line()}", file=sys.stderr)
        single, sharded = exact_engine(work / "index-1"), exact_engine(work / f"index-{args.shards}")
        sharded_dir = work / f"index-{args.shards}"
        fanned = exact_fanned_out(sharded_dir)
        probes = request_set(single, args.requests)
        started = time.perf_counter()
        diff = differences(single, sharded, probes)
        fan_diff = differences(single, fanned, probes)
        compare_s = time.perf_counter() - started
        for engine in (single, sharded, fanned):
            engine.close()
        for shards in (1, args.shards):
            engine = Engine(work / f"index-{shards}")  # the default time budget, as served
            builds[shards]["search_p50_ms"] = round(_p50(engine, probes), 2)
            engine.close()
        fanned = FannedOut(sharded_dir)
        builds[args.shards]["fanned_out_search_p50_ms"] = round(_p50(fanned, probes), 2)
        fanned.close()
    result = {
        "command": f"python -m benchmarks.shard_equivalence --limit {args.limit} --shards {args.shards}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "documents": builds[1]["documents"],
        "requests": len(probes),
        "by_kind": {k: sum(p.kind == k for p in probes) for k in ("search", "suggest", "related")},
        "different": len(diff),
        "differences": diff[:20],
        "fanned_out_different": len(fan_diff),
        "fanned_out_differences": fan_diff[:20],
        "compare_seconds": round(compare_s, 1),
        "layouts": {str(k): v for k, v in builds.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"shard-equivalence-limit{args.limit}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if diff or fan_diff else 0


if __name__ == "__main__":
    raise SystemExit(main())
