"""The Whoosh schema, and the mapping from documents to Whoosh fields.

One index holds articles and listings (``type``). Text is indexed in several
forms (see :mod:`newssearch.store.analysis`): accent-exact, folded, title
syllable bigrams and joined syllables. Facet and sort values are Whoosh
columns; the full document is stored once, as a dict, in ``raw``. No field
weights are baked into the postings: the weights are ranking, and live in
:mod:`newssearch.ranking`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh import columns
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from ..documents import Article, Listing
from ..places import DISTRICT_SEP, BothMaps, place_keys, short_name
from . import analysis
from .codec import fast_format

#: Bump whenever analysis or the schema changes: an index built with another
#: version refuses to open and asks for ``newssearch index --rebuild``.
#: 8: the project's codec, no field boosts in the postings;
#: 9: the 2025 layout (ward_2025, province_2025), several districts per place;
#: 10: the author indexed as text ("author_x", "author_f");
#: 11: the per-document file (lengths, columns, the stored document: ``perdoc``).
#: 12: every document's write order ("seq"), the tie-break of equal scores.
#: 13: the language model counts the pairs and triples of titles three times.
SCHEMA_VERSION = 13

#: "No value" in numeric columns (float64 columns; NaN survives the round trip).
MISSING = float("nan")

#: Words for a listing's transaction, indexed in ``meta``.
TRANSACTION_WORDS = {"sale": "bán", "rent": "cho thuê"}
#: Text areas, each indexed accent-exact (``title``) and folded (``title_f``).
TEXT_FIELDS = ("title", "summary", "captions", "body")
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
    "ward_2025",
    "province_2025",
    "direction",
    "legal_status",
    "project",
)
#: Numeric columns (ints; area and price are stored as given, floats allowed).
NUMERIC_COLUMNS = (
    "published", "year", "views", "price_vnd", "area_m2", "bedrooms", "price_per_m2_vnd",
    "price_min_vnd", "price_max_vnd", "seq",
)
#: The numeric column holding a document's write order in its generation: the
#: order of documents that rank equal, the same however the index is laid out
#: (document numbers differ between a single index and its shards).
ORDER_COLUMN = "seq"


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
        # and made indexing ~10x slower. Body adjacency is rescored on the
        # stored text of the best candidates instead (see scorer.Adjacency).
        "title_bi": TEXT(analyzer=analysis.bigram_analyzer(), phrase=False),
        "title_j": TEXT(analyzer=analysis.joined_analyzer(3), phrase=False),
        # Words about the document that its text may not contain: a listing's
        # property type and transaction ("bán", "cho thuê"), project, street
        # and place names; an article's category and tags. So "ban nha van
        # giang" finds a structured listing that has only an address.
        "meta": TEXT(analyzer=folded, phrase=False),
    }
    for name in TEXT_FIELDS:
        # Folded fields keep positions (quoted phrases); exact fields only
        # need them for the short title (exact phrases elsewhere are checked
        # as a folded phrase plus the exact terms).
        fields[name] = TEXT(analyzer=exact, phrase=name == "title")
        fields[name + "_f"] = TEXT(analyzer=folded)
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
    # Bigram/joined fields are phrase=False: frequencies, no positions.
    schema = Schema(**fields)
    for name in schema.names():
        field = schema[name]
        if getattr(field, "format", None) is not None:
            field.format = fast_format(field.format)
    return schema


def _ts(value: datetime | None) -> float:
    """Seconds since the epoch; MISSING for no date or one no platform can convert."""
    if value is None:
        return MISSING
    try:
        return float(int(value.timestamp()))
    except (ValueError, OverflowError, OSError):
        return MISSING


def _num(value: float | int | None) -> float:
    return float(value) if value is not None else MISSING


def _short_places(doc: Article | Listing) -> list[str]:
    """Place names without their type word ("Hạ Long", not "Thành phố Hạ Long",
    whose "phố" would match "nhà phố")."""
    names = (doc.ward, *(doc.districts or [doc.district or ""]), doc.province, doc.ward_2025, doc.province_2025)
    return list(dict.fromkeys(short_name(p) for p in names if p))


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
            "price_per_m2_vnd": MISSING,
            "price_min_vnd": MISSING,
            "price_max_vnd": MISSING,
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
            # price per m² is a sale figure: a monthly rent per m² would sort among sale prices
            "price_per_m2_vnd": _num(doc.price_per_m2_vnd if doc.transaction != "rent" else None),
            "price_min_vnd": _num(doc.price_min_vnd),
            "price_max_vnd": _num(doc.price_max_vnd),
            "direction": _kw(doc.direction),
            "legal_status": _kw(doc.legal_status),
            "project": _kw(doc.project),
        }
    title = doc.title
    districts = doc.districts or ([doc.district] if doc.district else [])
    both = BothMaps(doc.province, doc.district, doc.ward, tuple(districts), doc.province_2025, doc.ward_2025)
    fields: dict[str, Any] = {
        "id": doc.id,
        "raw": doc.to_dict(),
        "type": _kw(doc.type),
        "province": _kw(doc.province),
        # A place in several legacy districts (a 2025 ward) is in each of them.
        "district": _kw(DISTRICT_SEP.join(districts)),
        "ward": _kw(doc.ward),
        "ward_2025": _kw(doc.ward_2025),
        "province_2025": _kw(doc.province_2025),
        "places": ",".join(place_keys(both)),
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
