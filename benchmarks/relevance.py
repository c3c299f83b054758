"""The relevance set: known-item and district queries generated from the corpus.

Deterministic (fixed seed): the same corpus slice always gives the same
queries. Kinds:

* ``accented`` -- a 3-6 word contiguous span of an article/brief title, as
  typed (punctuation around words dropped, inside words kept: ``1,6 tỉ``);
  the answer is that article.
* ``unaccented`` -- the same span folded with :func:`newssearch.vietnamese.fold`.
* ``partial`` -- the folded span with its last word cut to a 2-3 letter prefix.
* ``typo`` -- the folded span with one edit (swap, delete or replace a letter)
  in one word of at least 4 letters.
* ``fragment`` -- a 4-8 word contiguous span of an article's body, within
  one sentence, as typed (a remembered sentence fragment, without quotes);
  the answer is that article. The folded span occurs in no other body.
* ``fragment_unaccented`` -- the same span folded.
* ``telex`` -- the accented span as typed in Telex with the input method off
  (``Hạ Long`` -> ``Haj Long``, ``đất`` -> ``ddaats``: marks as letter
  keys, the tone key last).
* ``district`` -- "<property type> <district short name>", unaccented
  ("nha pho go vap", "can ho quan 7"); every listing of that district (by the
  record's own ``district`` field) is relevant.

Spans are distinctive: the folded span occurs in no other title, and titles
shared by several articles are skipped. The query set contains corpus text,
so it is written to ``benchmarks/work/`` (git-ignored), never committed.

Run on its own: ``python -m benchmarks.relevance --corpus ../shared/corpus``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from newssearch.vietnamese import fold, has_diacritics, normalize

from . import DEFAULT_CORPUS, WORK_DIR
from .corpus import corpus_files, is_listing_file, iter_records

KNOWN_ITEM_KINDS = ("accented", "unaccented", "partial", "typo", "telex")
FRAGMENT_KINDS = ("fragment", "fragment_unaccented")
KINDS = (*KNOWN_ITEM_KINDS, *FRAGMENT_KINDS, "district")
SEED = 20260817
DEFAULT_PER_KIND = 400
MIN_SPAN, MAX_SPAN = 3, 6
MIN_FRAGMENT, MAX_FRAGMENT = 4, 8
#: Property words of the district queries (unaccented, as people type them).
PROPERTY_WORDS = ("nha", "nha pho", "nha rieng", "can ho", "dat", "biet thu", "ban nha", "chung cu")
DISTRICT_PREFIXES = ("quận ", "huyện ", "thị xã ", "thành phố ", "tp. ", "tp ")
#: A district needs this many listings to get queries.
MIN_DISTRICT_LISTINGS = 20
_EDGE_RE = re.compile(r"^[\W_]+|[\W_]+$")
_SENTENCE_RE = re.compile(r"(?<=[.!?;:…])\s+|\n+")
_LETTERS = "abcdeghiklmnopqrstuvxy"  # the Latin letters Vietnamese uses


@dataclass
class Query:
    """One relevance query; ``relevant`` holds ids, or a district key for ``district``."""

    qid: str
    kind: str
    q: str
    relevant: list[str] = field(default_factory=list)
    district: str | None = None


@dataclass
class QuerySet:
    """The generated queries and, for district queries, the members of each district."""

    meta: dict[str, Any]
    queries: list[Query]
    districts: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "queries": [asdict(q) for q in self.queries], "districts": self.districts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuerySet:
        return cls(
            meta=dict(data["meta"]),
            queries=[Query(**q) for q in data["queries"]],
            districts={k: list(v) for k, v in data["districts"].items()},
        )

    def save(self, path: Path) -> None:
        """Write as JSON (UTF-8)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=0), "utf-8")

    @classmethod
    def load(cls, path: Path) -> QuerySet:
        """Read a set written by :meth:`save`."""
        return cls.from_dict(json.loads(path.read_text("utf-8")))

    def relevant(self, q: Query) -> set[str]:
        """The relevant ids of ``q``."""
        if q.kind == "district" and q.district is not None:
            return set(self.districts.get(q.district, []))
        return set(q.relevant)

    def counts(self) -> dict[str, int]:
        """Queries per kind."""
        c = Counter(q.kind for q in self.queries)
        return {k: c.get(k, 0) for k in KINDS}


# ---------------------------------------------------------------------------
# Known-item queries from titles
# ---------------------------------------------------------------------------


def title_words(title: str) -> list[str]:
    """The title's words as a person types them: punctuation at the edges dropped,
    inner punctuation kept (``"1,6"``, ``"TP.HCM"``, ``"vắc-xin"``)."""
    out: list[str] = []
    for token in normalize(title).split():
        word = _EDGE_RE.sub("", token)
        if word:
            out.append(word)
    return out


def _fold_words(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(fold(w) for w in words)


def _pick_span(words: list[str], rng: random.Random) -> list[str] | None:
    """A span usable for every known-item kind, or None after a few tries."""
    if len(words) < MIN_SPAN:
        return None
    for _ in range(6):
        n = rng.randint(MIN_SPAN, min(MAX_SPAN, len(words)))
        start = rng.randint(0, len(words) - n)
        span = words[start : start + n]
        folded = _fold_words(span)
        if not all(w.isascii() for w in folded):
            continue
        if not has_diacritics(" ".join(span)):
            continue
        if len(folded[-1]) < 3 or not folded[-1].isalpha():
            continue  # the partial kind cuts the last word to a 2-3 letter prefix
        if not any(len(w) >= 4 and w.isalpha() for w in folded):
            continue  # the typo kind edits a word of 4+ letters
        return span
    return None


def _typo(word: str, rng: random.Random) -> str:
    """One edit: swap two neighbouring letters, delete one or replace one."""
    for _ in range(10):
        op = rng.choice(("swap", "delete", "replace"))
        if op == "swap":
            spots = [i for i in range(len(word) - 1) if word[i] != word[i + 1]]
            if not spots:
                continue
            i = rng.choice(spots)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op == "delete":
            i = rng.randrange(len(word))
            out = word[:i] + word[i + 1 :]
        else:
            i = rng.randrange(len(word))
            out = word[:i] + rng.choice([c for c in _LETTERS if c != word[i]]) + word[i + 1 :]
        if out != word:
            return out
    return word[1:]


#: Telex keys of the quality marks and the tones (combining marks after NFD).
_TELEX_MARKS = {"\u0302": "", "\u0306": "w", "\u031b": "w"}
_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def telex(word: str) -> str:
    """``word`` as Telex keys typed with the input method off (``đất`` -> ``ddaats``)."""
    letters: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TELEX_TONES:
            tone = _TELEX_TONES[ch]
        elif ch == "\u0302" and letters:
            letters.append(letters[-1].lower())  # â -> aa, ê -> ee, ô -> oo
        elif ch in _TELEX_MARKS:
            letters.append(_TELEX_MARKS[ch])
        elif ch in "đĐ":
            letters.append("dd" if ch == "đ" else "Dd")
        else:
            letters.append(ch)
    return "".join(letters) + tone


def known_item_variants(span: list[str], rng: random.Random) -> dict[str, str]:
    """The known-item query texts for one title span."""
    folded = list(_fold_words(span))
    cut = rng.choice([k for k in (2, 3) if k < len(folded[-1])])
    partial = [*folded[:-1], folded[-1][:cut]]
    candidates = [i for i, w in enumerate(folded) if len(w) >= 4 and w.isalpha()]
    i = rng.choice(candidates)
    typo = list(folded)
    typo[i] = _typo(folded[i], rng)
    return {
        "accented": " ".join(span),
        "unaccented": " ".join(folded),
        "partial": " ".join(partial),
        "typo": " ".join(typo),
        "telex": " ".join(telex(w) for w in span),
    }


def _title_ngrams(words: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    for n in range(MIN_SPAN, MAX_SPAN + 1):
        for i in range(len(words) - n + 1):
            yield words[i : i + n]


def known_item_queries(
    titles: list[tuple[str, str]], per_kind: int, rng: random.Random
) -> list[Query]:
    """Known-item queries from ``(id, title)`` pairs: ``per_kind`` of each kind (or fewer)."""
    folded_titles = [_fold_words(title_words(t)) for _, t in titles]
    title_counts = Counter(folded_titles)
    order = list(range(len(titles)))
    rng.shuffle(order)
    candidates: list[tuple[int, list[str]]] = []
    wanted = per_kind * 2 + 50  # some spans turn out not to be distinctive
    for i in order:
        if len(candidates) >= wanted:
            break
        if not folded_titles[i] or title_counts[folded_titles[i]] > 1:
            continue
        span = _pick_span(title_words(titles[i][1]), rng)
        if span is not None:
            candidates.append((i, span))
    # How many titles contain each candidate span (folded)?
    spans = {_fold_words(span) for _, span in candidates}
    seen_in: Counter[tuple[str, ...]] = Counter()
    for words in folded_titles:
        hits = {g for g in _title_ngrams(words) if g in spans}
        seen_in.update(hits)
    out: list[Query] = []
    n = 0
    for i, span in candidates:
        if n >= per_kind:
            break
        if seen_in[_fold_words(span)] != 1:
            continue
        doc_id = titles[i][0]
        for kind, text in known_item_variants(span, rng).items():
            out.append(Query(f"{kind}-{n:04d}", kind, text, [doc_id]))
        n += 1
    return out


# ---------------------------------------------------------------------------
# Known-item queries from body fragments
# ---------------------------------------------------------------------------


def _pick_fragment(body: str, rng: random.Random) -> list[str] | None:
    """A 4-8 word span of one sentence of ``body`` (letters only, with
    diacritics somewhere), or None after a few tries."""
    sentences = [w for w in (title_words(s) for s in _SENTENCE_RE.split(body)) if len(w) >= MIN_FRAGMENT]
    if not sentences:
        return None
    for _ in range(6):
        words = rng.choice(sentences)
        n = rng.randint(MIN_FRAGMENT, min(MAX_FRAGMENT, len(words)))
        start = rng.randint(0, len(words) - n)
        span = words[start : start + n]
        folded = _fold_words(span)
        if all(w.isascii() for w in folded) and has_diacritics(" ".join(span)):
            return span
    return None


def fragment_queries(bodies: list[tuple[str, str]], per_kind: int, rng: random.Random) -> list[Query]:
    """Body-fragment queries from ``(id, body)`` pairs: ``per_kind`` of each
    fragment kind (or fewer), each span found in exactly one body."""
    order = list(range(len(bodies)))
    rng.shuffle(order)
    candidates: list[tuple[int, list[str]]] = []
    for i in order[: per_kind * 2 + 50]:
        span = _pick_fragment(bodies[i][1], rng)
        if span is not None:
            candidates.append((i, span))
    # Count the bodies holding each candidate span, indexed by its first word.
    by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for _, span in candidates:
        folded = _fold_words(span)
        by_first[folded[0]].add(folded)
    seen_in: Counter[tuple[str, ...]] = Counter()
    for _, body in bodies:
        words = _fold_words(title_words(body))
        found: set[tuple[str, ...]] = set()
        for j, w in enumerate(words):
            for span_words in by_first.get(w, ()):
                if words[j : j + len(span_words)] == span_words:
                    found.add(span_words)
        seen_in.update(found)
    out: list[Query] = []
    n = 0
    for i, span in candidates:
        if n >= per_kind:
            break
        folded = _fold_words(span)
        if seen_in[folded] != 1:
            continue
        doc_id = bodies[i][0]
        out.append(Query(f"fragment-{n:04d}", "fragment", " ".join(span), [doc_id]))
        out.append(Query(f"fragment_unaccented-{n:04d}", "fragment_unaccented", " ".join(folded), [doc_id]))
        n += 1
    return out


# ---------------------------------------------------------------------------
# District queries over listings
# ---------------------------------------------------------------------------


def district_short(name: str) -> str:
    """``"Quận Gò Vấp"`` -> ``"go vap"``; ``"Quận 7"`` -> ``"quan 7"`` (unaccented)."""
    folded = fold(normalize(name)).strip()
    for prefix in DISTRICT_PREFIXES:
        p = fold(prefix)
        if folded.startswith(p):
            rest = folded[len(p) :].strip()
            return f"{p.strip()} {rest}" if rest.isdigit() else rest
    return folded


def district_queries(
    listings: list[tuple[str, str, str]], per_kind: int, rng: random.Random
) -> tuple[list[Query], dict[str, list[str]]]:
    """District queries from ``(id, province, district)`` triples, and each district's ids.

    Districts whose short name is shared by several provinces (e.g. Châu
    Thành) are skipped: the query would be ambiguous.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id, province, district in listings:
        if district:
            members[f"{province}|{district}"].append(doc_id)
    by_short: dict[str, set[str]] = defaultdict(set)
    for key in members:
        by_short[district_short(key.split("|", 1)[1])].add(key)
    usable = sorted(
        (k for k, ids in members.items() if len(ids) >= MIN_DISTRICT_LISTINGS and len(by_short[district_short(k.split("|", 1)[1])]) == 1),
        key=lambda k: (-len(members[k]), k),
    )
    combos = [(k, w) for k in usable for w in PROPERTY_WORDS]
    rng.shuffle(combos)
    # Round-robin over districts so that every district gets queries before any gets many.
    picked: list[tuple[str, str]] = []
    taken: set[tuple[str, str]] = set()
    per_district: Counter[str] = Counter()
    rounds = 0
    while len(picked) < per_kind and rounds < len(PROPERTY_WORDS):
        for k, w in combos:
            if len(picked) >= per_kind:
                break
            if per_district[k] == rounds and (k, w) not in taken:
                picked.append((k, w))
                taken.add((k, w))
                per_district[k] += 1
        rounds += 1
    queries = [
        Query(f"district-{i:04d}", "district", f"{w} {district_short(k.split('|', 1)[1])}", [], k)
        for i, (k, w) in enumerate(picked)
    ]
    used = {k for k, _ in picked}
    return queries, {k: sorted(v) for k, v in members.items() if k in used}


# ---------------------------------------------------------------------------
# The whole set
# ---------------------------------------------------------------------------


def generate(files: list[Path], per_kind: int = DEFAULT_PER_KIND, seed: int = SEED) -> QuerySet:
    """Generate the relevance set from corpus files (deterministic for a given seed)."""
    titles: list[tuple[str, str]] = []
    bodies: list[tuple[str, str]] = []
    listings: list[tuple[str, str, str]] = []
    for path in files:
        if is_listing_file(path):
            for rec in iter_records(path):
                if rec.get("id"):
                    listings.append((str(rec["id"]), str(rec.get("province") or ""), str(rec.get("district") or "")))
        else:
            for rec in iter_records(path):
                title = rec.get("title")
                if rec.get("id") and isinstance(title, str) and title.strip():
                    titles.append((str(rec["id"]), title))
                body = rec.get("body")
                if rec.get("id") and isinstance(body, str) and body.strip():
                    bodies.append((str(rec["id"]), body))
    rng = random.Random(seed)
    queries = known_item_queries(titles, per_kind, rng)
    dq, members = district_queries(listings, per_kind, random.Random(seed + 1))
    fq = fragment_queries(bodies, per_kind, random.Random(seed + 2))
    qs = QuerySet(
        meta={
            "seed": seed, "per_kind": per_kind, "files": [p.name for p in files], "titles": len(titles),
            "bodies": len(bodies), "listings": len(listings),
        },
        queries=queries + fq + dq,
        districts=members,
    )
    qs.meta["counts"] = qs.counts()
    return qs


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def first_rank(ids: Sequence[str], relevant: set[str], k: int = 10) -> int:
    """1-based rank of the first relevant id in the top ``k``; 0 when none."""
    for rank, doc_id in enumerate(ids[:k], 1):
        if doc_id in relevant:
            return rank
    return 0


def evaluate(qs: QuerySet, results: Mapping[str, Sequence[str]], k: int = 10) -> dict[str, dict[str, float]]:
    """MRR@k and Success@k per kind (and precision@k for districts) from ranked ids per qid.

    A query with no entry in ``results`` counts as a miss.
    """
    sums: dict[str, dict[str, float]] = {kind: {"n": 0, "mrr10": 0.0, "success10": 0.0} for kind in KINDS}
    for q in qs.queries:
        ids = list(results.get(q.qid, []))
        rel = qs.relevant(q)
        rank = first_rank(ids, rel, k)
        s = sums[q.kind]
        s["n"] += 1
        s["mrr10"] += 1.0 / rank if rank else 0.0
        s["success10"] += 1.0 if rank else 0.0
        if q.kind == "district":
            s["precision10"] = s.get("precision10", 0.0) + sum(1 for d in ids[:k] if d in rel) / k
    out: dict[str, dict[str, float]] = {}
    for kind, s in sums.items():
        n = s["n"]
        if not n:
            continue
        out[kind] = {name: (v if name == "n" else round(v / n, 4)) for name, v in s.items()}
        out[kind]["n"] = int(n)
    return out


def failures(
    qs: QuerySet, results: Mapping[str, Sequence[str]], titles: Mapping[str, str] | None = None, k: int = 10
) -> list[dict[str, Any]]:
    """Queries whose answer is not ranked first: for reading (contains corpus text)."""
    out: list[dict[str, Any]] = []
    for q in qs.queries:
        ids = list(results.get(q.qid, []))
        rel = qs.relevant(q)
        rank = first_rank(ids, rel, k)
        if rank == 1:
            continue
        row: dict[str, Any] = {"qid": q.qid, "kind": q.kind, "q": q.q, "rank": rank, "got": ids[:3]}
        if q.kind == "district":
            row["district"] = q.district
        else:
            row["expected"] = q.relevant[0]
        if titles is not None:
            row["expected_title"] = titles.get(row.get("expected", ""), "")
            row["got_titles"] = [titles.get(i, "") for i in ids[:3]]
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate the relevance set and print how many queries of each kind it has."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder")
    ap.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND, help="queries per kind")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=WORK_DIR / "relevance.json", help="where to write the set")
    args = ap.parse_args(argv)
    qs = generate(corpus_files(args.corpus), args.per_kind, args.seed)
    qs.save(args.out)
    print(f"wrote {sum(qs.counts().values())} queries to {args.out}: {qs.counts()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
