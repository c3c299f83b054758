"""Tantivy (the ``tantivy`` Python binding) with its best folding analyzer.

The binding exposes Tantivy's built-in tokenizers and filters; the best fit
for Vietnamese is a custom ``TextAnalyzer``: ``simple`` tokenizer (split on
non-alphanumerics), ``remove_long(40)``, ``lowercase``, ``ascii_fold``.
Tantivy's ASCII folding (a port of Lucene's) maps ``đ`` to ``d``, so it folds
Vietnamese completely; there is no accent-exact field and no word
segmentation. Keyword columns are ``raw`` fast fields (facets via a
``terms`` aggregation), prices fast floats.

Queries mirror the FTS5 adapter: the analysed words, each matched in title
(boost 5), meta (2) or body (1); all required, OR-ed when nothing matches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tantivy

from ..corpus import iter_peer_docs
from ..workload import QuerySpec

ANALYZER = "vi_fold"
BOOSTS = {"title": 5.0, "meta": 2.0, "body": 1.0}
FACETS = ("type", "category", "province", "district", "property_type")
HEAP_BYTES = 512_000_000
_SORTS = {
    "newest": ("date", tantivy.Order.Desc),
    "price_asc": ("price", tantivy.Order.Asc),
    "price_desc": ("price", tantivy.Order.Desc),
}


def analyzer() -> tantivy.TextAnalyzer:
    """simple tokenizer -> remove_long(40) -> lowercase -> ascii_fold."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def schema() -> tantivy.Schema:
    """Text fields with the folding analyzer; keyword and numeric fast fields."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name=ANALYZER)
    sb.add_text_field("body", stored=True, tokenizer_name=ANALYZER)
    sb.add_text_field("meta", stored=False, tokenizer_name=ANALYZER)
    for name in FACETS:
        sb.add_text_field(name, stored=False, fast=True, tokenizer_name="raw")
    sb.add_text_field("date", stored=False, fast=True, tokenizer_name="raw")
    sb.add_float_field("price", stored=False, fast=True, indexed=True)
    sb.add_float_field("area", stored=False, fast=True, indexed=True)
    return sb.build()


def _open(out_dir: Path, sch: tantivy.Schema | None = None) -> tantivy.Index:
    ix = tantivy.Index(sch or schema(), path=str(out_dir), reuse=sch is None)
    ix.register_tokenizer(ANALYZER, analyzer())
    return ix


def build(name: str, files: list[Path], out_dir: Path, procs: int) -> int:
    """Index ``files`` into a new Tantivy index in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in out_dir.iterdir():
        if p.is_file():
            p.unlink()
    ix = _open(out_dir, schema())
    writer = ix.writer(HEAP_BYTES, max(1, procs))
    n = 0
    seen: set[str] = set()
    for d in iter_peer_docs(files):
        if d.id in seen:
            continue
        seen.add(d.id)
        fields: dict[str, Any] = {"id": d.id, "type": d.type, "title": d.title, "body": d.body, "meta": d.meta}
        for key in ("category", "province", "district", "property_type", "date"):
            value = getattr(d, key)
            if value:
                fields[key] = value
        if d.price is not None:
            fields["price"] = d.price
        if d.area is not None:
            fields["area"] = d.area
        writer.add_document(tantivy.Document(**fields))
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    return n


class Tantivy:
    """Searches one Tantivy index."""

    def __init__(self, out_dir: Path) -> None:
        self.index = _open(out_dir)
        self.schema = self.index.schema
        self.analyzer = analyzer()
        self.searcher = self.index.searcher()
        self.aggs = {f: {"terms": {"field": f, "size": 30}} for f in FACETS}

    def _text_query(self, words: list[str], any_word: bool) -> tantivy.Query:
        clauses = []
        for w in words:
            per_field = [
                (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, f, w), b))
                for f, b in BOOSTS.items()
            ]
            clauses.append(
                (tantivy.Occur.Should if any_word else tantivy.Occur.Must, tantivy.Query.boolean_query(per_field))
            )
        return tantivy.Query.boolean_query(clauses)

    def _with_filters(self, q: tantivy.Query | None, spec: QuerySpec) -> tantivy.Query:
        must: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if q is not None:
            must.append((tantivy.Occur.Must, q))
        if spec.district:
            must.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "district", spec.district)))
        if spec.price_min is not None or spec.price_max is not None:
            rq = tantivy.Query.range_query(
                self.schema, "price", tantivy.FieldType.Float, spec.price_min, spec.price_max,
                include_upper=spec.price_max is None,
            )
            must.append((tantivy.Occur.Must, rq))
        if not must:
            return tantivy.Query.all_query()
        if len(must) == 1:
            return must[0][1]
        return tantivy.Query.boolean_query(must)

    def search(self, spec: QuerySpec, full: bool) -> list[str]:
        words = self.analyzer.analyze(spec.q) if spec.q else []
        text_q = self._text_query(words, any_word=False) if words else None
        query = self._with_filters(text_q, spec)
        kwargs: dict[str, Any] = {}
        if spec.sort in _SORTS:
            kwargs["order_by_field"], kwargs["order"] = _SORTS[spec.sort]
        result = self.searcher.search(query, 10, count=full, **kwargs)
        if not result.hits and len(words) > 1:
            text_q = self._text_query(words, any_word=True)
            query = self._with_filters(text_q, spec)
            result = self.searcher.search(query, 10, count=full, **kwargs)
        docs = [self.searcher.doc(addr) for _, addr in result.hits]
        if full:
            self.searcher.aggregate(query, self.aggs)
            if text_q is not None and docs:
                titles = tantivy.SnippetGenerator.create(self.searcher, text_q, self.schema, "title")
                bodies = tantivy.SnippetGenerator.create(self.searcher, text_q, self.schema, "body")
                for doc in docs:
                    titles.snippet_from_doc(doc).to_html()
                    bodies.snippet_from_doc(doc).to_html()
        return [str(doc["id"][0]) for doc in docs]

    def close(self) -> None:
        del self.searcher


def open_engine(name: str, out_dir: Path) -> Tantivy:
    """Open the index built by :func:`build`."""
    return Tantivy(out_dir)
