"""The Whoosh schema, and the mapping from documents to Whoosh fields.

One index holds articles and listings (``type``). Text is indexed in several
forms (see :mod:`newssearch.analysis`): accent-exact, folded, syllable
bigrams, joined syllables and edge n-grams. Facet and sort values are Whoosh
columns; the full document is stored once, as a dict, in ``raw``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh import columns
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from . import analysis
from .documents import Article, Listing
from .places import Place, short_name

#: Bump whenever analysis or the schema changes: an index built with another
#: version refuses to open and asks for ``newssearch index --rebuild``.
SCHEMA_VERSION = 8  # 8: the author indexed as text ("author_x", "author_f")

#: "No value" in numeric columns (float64 columns; NaN survives the round trip).
MISSING = float("nan")

#: Words for a listing's transaction, indexed in ``meta``.
TRANSACTION_WORDS = {"sale": "bán", "rent": "cho thuê"}
#: Text areas and their BM25F weights (exact/folded pairs share a weight).
TEXT_FIELDS: dict[str, float] = {"title": 5.0, "summary": 2.0, "captions": 1.0, "body": 1.0}
#: Facet/filter columns holding strings.
KEYWORD_COLUMNS = (
    "type",
    "category",
    "author",
    "province",
    "district",
    "ward",
    "property_type",
    "transaction",
)
#: Numeric columns (ints; area and price are stored as given, floats allowed).
NUMERIC_COLUMNS = ("published", "year", "views", "price_vnd", "area_m2", "bedrooms")


def build_schema() -> Schema:
    """The Whoosh schema for :data:`SCHEMA_VERSION`."""
    exact = analysis.exact_analyzer()
    folded = analysis.folded_analyzer()
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        # Content hash: unchanged documents are not rewritten. Column only.
        "chash": COLUMN(columns.VarBytesColumn()),
        "raw": STORED(),
        "places": KEYWORD(commas=True, lowercase=False, scorable=True),
        # Bigram and joined forms are indexed for titles only: over bodies they
        # multiply the number of distinct terms (one Whoosh posting block each)
        # and made indexing ~10x slower. Body adjacency is ranked with phrase
        # queries on the positional folded body instead (see search.py).
        "title_bi": TEXT(analyzer=analysis.bigram_analyzer(), phrase=False, field_boost=3.0),
        "title_j": TEXT(analyzer=analysis.joined_analyzer(3), phrase=False, field_boost=3.0),
        # Words about the document that its text may not contain: a listing's
        # property type and transaction ("bán", "cho thuê"), project, street
        # and place names; an article's category and tags. So "ban nha van
        # giang" finds a structured listing that has only an address.
        "meta": TEXT(analyzer=folded, phrase=False),
    }
    for name, boost in TEXT_FIELDS.items():
        # Folded fields keep positions (phrases, adjacency); exact fields only
        # need them for the short title (exact phrases elsewhere are checked
        # as a folded phrase plus the exact terms).
        fields[name] = TEXT(analyzer=exact, field_boost=boost, phrase=name == "title")
        fields[name + "_f"] = TEXT(analyzer=folded, field_boost=boost)
    # The author as text, so a name typed in the box finds the byline ("author"
    # is the facet column). Short: frequencies only, no positions.
    fields["author_x"] = TEXT(analyzer=exact, phrase=False)
    fields["author_f"] = TEXT(analyzer=folded, phrase=False)
    # Filters, facets and sorts run on NumPy copies of these columns, never on
    # Whoosh postings, so they are columns only: an indexed NUMERIC field would
    # add 16 precision-tier terms per value (about a third of a listing's postings).
    for name in KEYWORD_COLUMNS:
        fields[name] = COLUMN(columns.VarBytesColumn())
    for name in NUMERIC_COLUMNS:
        fields[name] = COLUMN(columns.NumericColumn("d", default=MISSING))
    # Bigram/joined/ac fields are phrase=False: frequencies, no positions.
    return Schema(**fields)


def _ts(value: datetime | None) -> float:
    return float(int(value.timestamp())) if value is not None else MISSING


def _num(value: float | int | None) -> float:
    return float(value) if value is not None else MISSING


def _short_places(doc: Article | Listing) -> list[str]:
    """Place names without their type word ("Hạ Long", not "Thành phố Hạ Long",
    whose "phố" would match "nhà phố")."""
    return [short_name(p) for p in (doc.ward, doc.district, doc.province) if p]


def _kw(value: str | None) -> bytes:
    return (value or "").encode("utf-8")


def to_fields(doc: Article | Listing) -> dict[str, Any]:
    """The Whoosh field values for one document.

    The same string object is passed to every form of a text area, so
    :func:`newssearch.vietnamese.tokenize` (which is memoised) runs once per
    area rather than once per field.
    """
    if isinstance(doc, Article):
        meta = [doc.category, *doc.tags, *_short_places(doc)]
        summary = doc.summary
        body = doc.body
        captions = "\n".join(doc.captions)
        date = doc.published
        extra_cols: dict[str, Any] = {
            "category": _kw(doc.category),
            "author": _kw(doc.author),
            "views": _num(doc.views),
            "price_vnd": MISSING,
            "area_m2": MISSING,
            "bedrooms": MISSING,
        }
    else:
        meta = [
            doc.property_type,
            TRANSACTION_WORDS.get(doc.transaction or "", ""),
            doc.project,
            doc.street,
            *_short_places(doc),
        ]
        summary = ""
        body = doc.description
        captions = ""
        date = doc.posted
        extra_cols = {
            "property_type": _kw(doc.property_type),
            "transaction": _kw(doc.transaction),
            "views": MISSING,
            "price_vnd": _num(doc.price_vnd),
            "area_m2": _num(doc.area_m2),
            "bedrooms": _num(doc.bedrooms),
        }
    title = doc.title
    place = Place(doc.province, doc.district, doc.ward)
    fields: dict[str, Any] = {
        "id": doc.id,
        "raw": doc.to_dict(),
        "type": _kw(doc.type),
        "province": _kw(doc.province),
        "district": _kw(doc.district),
        "ward": _kw(doc.ward),
        "places": ",".join(place.keys()),
        "published": _ts(date),
        "year": float(date.year) if date is not None else MISSING,
        "title_bi": title,
        "title_j": title,
        "meta": " \n ".join(m for m in meta if m),
        **extra_cols,
    }
    for name, value in (("title", title), ("summary", summary), ("captions", captions), ("body", body)):
        if value:
            fields[name] = value
            fields[name + "_f"] = value
    if isinstance(doc, Article) and doc.author:
        fields["author_x"] = fields["author_f"] = doc.author
    return fields
