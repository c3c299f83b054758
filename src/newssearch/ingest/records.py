"""Raw records (dicts) -> clean :class:`Article` / :class:`Listing` documents.

Every reader ends here: a JSON object, a CSV row mapped to field names, or the
fields scraped from a page all go through :func:`from_record`.

Decisions
---------
* **Ids** are stable across runs: the record's ``id`` (through
  :func:`newssearch.ids.normalize_id`, as for deletions and look-ups); else
  ``"u-"`` + 16 hex of SHA-1 over the normalised URL; else ``"t-"`` + 16 hex
  of SHA-1 over the folded, normalised title and the publication *day*. A
  stub seen in "Các tin khác" and the full article read later from page text
  get the same ``t-`` id. A record with no id, URL or date gets ``"c-"`` + 16
  hex over its whole content (folded), with a warning: two listings titled
  "Bán nhà riêng" stay two documents.
* **Fields** never sink a record: a date, number or count that cannot be
  parsed, is out of range (:data:`~newssearch.parsing.EARLIEST_DATE`,
  :data:`MAX_COUNT`, :data:`MAX_AREA_M2`, :data:`MAX_PRICE_VND`...) or has the
  wrong type is left empty with a warning naming the field.
* **Text** is normalised with :func:`newssearch.vietnamese.normalize`, except
  that ``body``/``description`` keep their line breaks (each line normalised,
  runs of blank lines reduced to one).
* **Sizes**: ``body``/``description`` are cut to :data:`MAX_TEXT_CHARS`, titles
  to :data:`MAX_TITLE_CHARS`, other strings to :data:`MAX_FIELD_CHARS`;
  captions to :data:`MAX_CAPTIONS` of :data:`MAX_CAPTION_CHARS` each, tags to
  :data:`MAX_TAGS`; the document is kept and a warning is reported.
* **source** is the publisher or site (``outlet``, then ``site``, then
  ``source``), i.e. what a reader wants to see, not the crawl provenance.
* **Places**: listing places are resolved to official names; missing ones are
  recognised from the address, then (district only when confident) the title.
  A name the gazetteer does not know is kept as written. Articles without
  places get them from title + summary + the start of the body when one
  district clearly dominates.
* **Prices** written in ``price_text`` are used when ``price_vnd`` is missing;
  a sale price parsed from text below :data:`MIN_SALE_PRICE_VND` is dropped
  as implausible (a mis-scraped unit) with a warning; ``price_text`` stays.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newssearch import places
from newssearch.documents import Article, DocType, Listing
from newssearch.errors import InvalidRecord
from newssearch.ids import MAX_ID_CHARS, normalize_id
from newssearch.parsing import (
    ParseError,
    parse_area,
    parse_date,
    parse_int,
    parse_price,
    parse_price_range,
)
from newssearch.vietnamese import fold, normalize

__all__ = [
    "MAX_AREA_M2",
    "MAX_CAPTIONS",
    "MAX_CAPTION_CHARS",
    "MAX_COUNT",
    "MAX_FIELD_CHARS",
    "MAX_PRICE_VND",
    "MAX_TAGS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_VIEWS",
    "MIN_SALE_PRICE_VND",
    "Deletion",
    "article_from_record",
    "content_id",
    "derive_id",
    "from_record",
    "listing_from_record",
    "normalize_url",
    "record_type",
    "title_date_id",
    "url_id",
]

#: Longest body/description kept (characters); longer ones are cut with a warning.
MAX_TEXT_CHARS = 1_000_000
#: Longest title kept.
MAX_TITLE_CHARS = 1_000
#: Longest value kept for other text fields (summary, address, ...).
MAX_FIELD_CHARS = 20_000
#: Captions kept per article, and the longest caption kept.
MAX_CAPTIONS = 200
MAX_CAPTION_CHARS = 1_000
#: Tags (keywords) kept per document.
MAX_TAGS = 100
#: Largest plausible bedrooms, bathrooms or floors; views; area; price.
MAX_COUNT = 1_000
MAX_VIEWS = 10**12
MAX_AREA_M2 = 1e9
MAX_PRICE_VND = 1e16
#: A sale price parsed from text below this (10 triệu) is taken as a mis-scraped unit.
MIN_SALE_PRICE_VND = 10_000_000
#: How much of an article body is scanned for place names.
PLACE_SCAN_CHARS = 3_000
#: Length of a title made from the first sentence of the body.
DERIVED_TITLE_CHARS = 120


@dataclass(frozen=True, slots=True)
class Deletion:
    """A request to remove a document: ``{"id": "...", "deleted": true}``."""

    id: str


# --------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------

_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|zarsrc|ref|source)$", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """The form of a URL used for ids: lower-case scheme and host, no ``www.``,
    no fragment, no tracking parameters, no trailing slash; http == https."""
    s = url.strip()
    try:
        parts = urlsplit(s)
    except ValueError:
        return s
    host = parts.netloc.lower()
    host = host.removeprefix("www.")
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    )
    path = parts.path.rstrip("/") or "/"
    scheme = "https" if parts.scheme.lower() in ("http", "https", "") else parts.scheme.lower()
    return urlunsplit((scheme, host, path, query, ""))


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def url_id(url: str) -> str:
    """``"u-"`` + 16 hex digits derived from the normalised URL."""
    return "u-" + _sha(normalize_url(url))


def title_date_id(title: str, when: datetime | date | None) -> str:
    """``"t-"`` + 16 hex digits from the folded title and the day (time ignored)."""
    day = when.strftime("%Y-%m-%d") if when is not None else ""
    return "t-" + _sha(fold(normalize(title)) + "|" + day)


def content_id(rec: Mapping[str, Any]) -> str:
    """``"c-"`` + 16 hex digits over every field of the record, folded (so a
    re-encoded copy of the same record gets the same id)."""
    payload = json.dumps(
        {str(k): fold(normalize(str(v))) for k, v in rec.items() if v is not None},
        sort_keys=True, ensure_ascii=False,
    )
    return "c-" + _sha(payload)


def _doc_id(
    rec: Mapping[str, Any], url: str | None, title: str, when: datetime | None, warnings: list[str] | None
) -> str:
    """:func:`derive_id`, but from the whole content when only a title is there to go on."""
    given = rec.get("id")
    if not _has_id(given) and not url and when is None:
        if warnings is not None:
            warnings.append(
                "no id, url or date: the id was derived from the record's content, so an edited "
                "copy becomes a new document; give records an id"
            )
        return content_id(rec)
    return derive_id(given, url, title, when)


def _has_id(given: Any) -> bool:
    return given is not None and not isinstance(given, bool) and bool(str(given).strip())


def derive_id(given: Any, url: str | None, title: str, when: datetime | date | None) -> str:
    """The document id: given id, else from the URL, else from title and date."""
    if _has_id(given):
        value = normalize_id(str(given))
        if len(value) > MAX_ID_CHARS:
            raise InvalidRecord(
                f"id is too long ({len(value)} characters; at most {MAX_ID_CHARS})", param="id"
            )
        return value
    if url:
        return url_id(url)
    if title:
        return title_date_id(title, when)
    raise InvalidRecord("record has no id, url or title to derive an id from", param="id")


# --------------------------------------------------------------------------
# Field helpers
# --------------------------------------------------------------------------


def _first(rec: Mapping[str, Any], *names: str) -> Any:
    """The first present, non-empty value among ``names``."""
    for n in names:
        v = rec.get(n)
        if v is None:
            continue
        if isinstance(v, str) and not v.strip():
            continue
        if isinstance(v, list | tuple) and not v:
            continue
        return v
    return None


def _cut(text: str, limit: int, name: str, warnings: list[str] | None, original: int | None = None) -> str:
    if len(text) <= limit:
        return text
    if warnings is not None:
        warnings.append(f"{name} has {max(len(text), original or 0):,} characters; kept the first {limit:,}")
    cut = text[:limit]
    space = max(cut.rfind("\n"), cut.rfind(" "))
    return cut[:space] if space > limit * 0.9 else cut


def _text(value: Any, name: str, warnings: list[str] | None, limit: int = MAX_FIELD_CHARS) -> str:
    """A one-line normalised string ("" when missing)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value if v is not None)
    elif not isinstance(value, str):
        value = str(value)
    size = len(value)
    if size > limit * 2:  # normalise no more than we keep
        value = value[: limit * 2]
    return _cut(normalize(value), limit, name, warnings, size)


def _opt_text(value: Any, name: str, warnings: list[str] | None) -> str | None:
    return _text(value, name, warnings) or None


def _paragraphs(value: Any, name: str, warnings: list[str] | None, limit: int = MAX_TEXT_CHARS) -> str:
    """Multi-paragraph text: each line normalised; runs of blank lines become one."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "\n".join(str(v) for v in value if v is not None)
    elif not isinstance(value, str):
        value = str(value)
    size = len(value)
    if size > limit + 1000:
        value = value[: limit + 1000]
    out: list[str] = []
    for raw in value.splitlines():
        line = normalize(raw)
        if line or (out and out[-1]):
            out.append(line)
    text = "\n".join(out).strip("\n")
    if size > limit and len(text) <= limit:
        if warnings is not None:
            warnings.append(f"{name} has {size:,} characters; kept the first {limit:,}")
        return text
    return _cut(text, limit, name, warnings, size)


def _list(value: Any, name: str, warnings: list[str] | None) -> list[str]:
    """A list of strings from a list or a comma/semicolon separated string, deduplicated."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[;,|]", str(value)[:MAX_FIELD_CHARS])
    if len(items) > MAX_TAGS * 2:  # normalise no more than can be kept
        items = items[: MAX_TAGS * 2]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item is None:
            continue
        s = _text(item, name, warnings)
        if s and s not in seen:
            if len(out) == MAX_TAGS:
                _warn(warnings, f"{name} has more than {MAX_TAGS} values; kept the first {MAX_TAGS}")
                break
            seen.add(s)
            out.append(s)
    return out


#: What a field parser may raise on a value of the wrong type or size.
_FIELD_ERRORS = (ParseError, TypeError, ValueError, OverflowError, AttributeError)


def _field(
    rec: Mapping[str, Any], name: str, parse: Callable[[Any], Any], warnings: list[str] | None,
    limit: float | None = None,
) -> Any:
    """``parse(rec[name])``; a value that cannot be parsed or is over ``limit``
    becomes ``None`` and a warning (the record is kept)."""
    v = rec.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str | int | float | date):
        _warn(warnings, f"field {name!r}: expected text or a number, not a {type(v).__name__} "
              f"({_short(v)}); left empty")
        return None
    try:
        value = parse(v)
    except _FIELD_ERRORS as exc:
        reason = exc.message if isinstance(exc, ParseError) else f"cannot read {_short(v)} ({exc})"
        _warn(warnings, f"field {name!r}: {reason}; left empty")
        return None
    if limit is not None and isinstance(value, int | float) and value > limit:
        _warn(warnings, f"field {name!r}: {_short(v)} is implausibly large (over {limit:,.0f}); left empty")
        return None
    return value


def _warn(warnings: list[str] | None, message: str) -> None:
    if warnings is not None:
        warnings.append(message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _date(rec: Mapping[str, Any], *names: str, warnings: list[str] | None = None) -> datetime | None:
    for n in names:
        value: datetime | None = _field(rec, n, parse_date, warnings)
        if value is not None:
            return value
    return None


def _int(
    rec: Mapping[str, Any], *names: str, warnings: list[str] | None = None, limit: int = MAX_COUNT
) -> int | None:
    for n in names:
        value: int | None = _field(rec, n, parse_int, warnings, limit)
        if value is not None:
            return value
    return None


def _first_sentence(text: str, limit: int = DERIVED_TITLE_CHARS) -> str:
    """The first sentence of ``text`` (its first line), cut to ``limit`` at a word."""
    first = text.split("\n", 1)[0].strip()
    m = re.search(r"(?<=\w{2})[.!?…](?=\s|$)", first[20:])
    if m:
        end = 20 + m.end()
        first = first[: end - 1] if first[end - 1] == "." else first[:end]
    if len(first) <= limit:
        return first
    cut = first[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "…"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return fold(value.strip()) in ("1", "true", "yes", "y", "co", "x")
    return bool(value)


# --------------------------------------------------------------------------
# Record type
# --------------------------------------------------------------------------

_ARTICLE_TYPES = {"article", "articles", "news", "brief", "tin", "tin tuc", "bai", "bai viet", "bao"}
_LISTING_TYPES = {
    "listing", "listings", "property", "real estate", "nha dat", "bat dong san", "bds", "tin dang",
}
_LISTING_KEYS = (
    "price_vnd", "price_text", "price", "price_per_m2_vnd", "area_m2", "area", "property_type",
    "bedrooms", "bathrooms", "floors", "address", "legal_status",
)
_ARTICLE_KEYS = ("body", "published", "category", "summary", "outlet", "author", "captions", "views")
_WEAK_LISTING_KEYS = ("transaction", "description", "posted", "ward", "district")


def record_type(rec: Mapping[str, Any], default: DocType | None = None) -> DocType:
    """Article or listing: the record's ``type`` field, else ``default`` (a
    reader's or the user's choice), else guessed from the fields present."""
    t = rec.get("type")
    if t is not None and str(t).strip():
        key = fold(normalize(str(t)))
        if key in _ARTICLE_TYPES:
            return "article"
        if key in _LISTING_TYPES:
            return "listing"
        raise InvalidRecord(f"unknown type {t!r}; expected 'article' or 'listing'", param="type")
    if default is not None:
        return default
    if any(_first(rec, k) is not None for k in _LISTING_KEYS):
        return "listing"
    if any(_first(rec, k) is not None for k in _ARTICLE_KEYS):
        return "article"
    if any(_first(rec, k) is not None for k in _WEAK_LISTING_KEYS):
        return "listing"
    if all(_first(rec, k) is None for k in ("title", "body", "summary", "description", "text")):
        raise InvalidRecord("record has no title and no text", param="title")
    raise InvalidRecord(
        "cannot tell whether this record is an article or a listing; "
        "add a \"type\" field or choose the type when indexing",
        param="type",
    )


def from_record(
    rec: Mapping[str, Any],
    doc_type: DocType | None = None,
    warnings: list[str] | None = None,
) -> Article | Listing | Deletion:
    """Build the document (or deletion) a raw record describes.

    Raises :class:`InvalidRecord` with a message naming the field when the
    record cannot be indexed. Non-fatal issues (cut text, dropped price) are
    appended to ``warnings`` when given.
    """
    if not isinstance(rec, Mapping):
        raise InvalidRecord(f"expected a JSON object, got {type(rec).__name__}")
    if _truthy(rec.get("deleted")) or fold(str(rec.get("action", ""))) == "delete":
        url = _first(rec, "url", "link")
        ident = _first(rec, "id")
        if ident is None and url is None:
            raise InvalidRecord("a deletion record needs an \"id\" (or \"url\")", param="id")
        return Deletion(derive_id(ident, str(url) if url else None, "", None))
    if record_type(rec, doc_type) == "listing":
        return listing_from_record(rec, warnings)
    return article_from_record(rec, warnings)


# --------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------


def article_from_record(rec: Mapping[str, Any], warnings: list[str] | None = None) -> Article:
    """Build an :class:`Article` from a record (shared corpus or our own field names)."""
    title = _text(_first(rec, "title", "headline", "tieu_de"), "title", warnings, MAX_TITLE_CHARS)
    body = _paragraphs(_first(rec, "body", "content", "text", "noi_dung"), "body", warnings)
    summary = _text(_first(rec, "summary", "description", "sapo", "excerpt"), "summary", warnings)
    if not title:
        title = _first_sentence(body or summary)
    if not title:
        raise InvalidRecord("record has no title and no text", param="title")
    published = _date(rec, "published", "date", "published_at", "publish_date", "pubDate", warnings=warnings)
    updated = _date(rec, "updated", "modified", "updated_at", warnings=warnings)
    url = _opt_text(_first(rec, "url", "link"), "url", warnings)
    views = _int(rec, "views", "view_count", "luot_xem", warnings=warnings, limit=MAX_VIEWS)
    captions = _captions(rec.get("captions"), warnings)
    art = Article(
        id=_doc_id(rec, url, title, published, warnings),
        title=title,
        url=url,
        summary=summary,
        body=body,
        captions=captions,
        author=_opt_text(_first(rec, "author", "authors", "tac_gia"), "author", warnings),
        category=_opt_text(_first(rec, "category", "section", "chuyen_muc"), "category", warnings),
        tags=_list(_first(rec, "tags", "keywords"), "tags", warnings),
        published=published,
        updated=updated,
        views=views,
        source=_opt_text(_first(rec, "outlet", "site", "source"), "source", warnings),
        stub=_truthy(rec.get("stub")),
    )
    province = _opt_text(_first(rec, "province"), "province", warnings)
    district = _opt_text(_first(rec, "district"), "district", warnings)
    ward = _opt_text(_first(rec, "ward"), "ward", warnings)
    both = places.locate(province, district, ward, None) if province or ward else None
    if both is None:
        if province or district or ward:
            place = places.resolve(province, district, ward)
            art.province = place.province or province
            art.district = place.district or district
            art.ward = place.ward or ward
        else:
            found = places_in_text(title, summary, body)
            art.province, art.district = found.province, found.district
        both = places.forward(places.Place(art.province, art.district, art.ward))
    _set_places(art, both)
    return art


def _captions(value: Any, warnings: list[str] | None) -> list[str]:
    """At most :data:`MAX_CAPTIONS` non-empty captions of :data:`MAX_CAPTION_CHARS`
    (the rest is not even normalised: a feed with a million captions stays fast)."""
    items = _as_list(value)
    if len(items) > MAX_CAPTIONS:
        _warn(warnings, f"captions has {len(items):,} items; kept the first {MAX_CAPTIONS}")
        items = items[:MAX_CAPTIONS]
    return [c for c in (_text(x, "captions", warnings, MAX_CAPTION_CHARS) for x in items) if c]


def _set_places(doc: Article | Listing, both: places.BothMaps) -> None:
    """Both layouts on a document: legacy fields (kept as written when unknown),
    every legacy district, and the 2025 units."""
    doc.province = both.province or doc.province
    doc.district = both.district or doc.district
    doc.ward = both.ward or doc.ward
    doc.districts = list(both.districts) or ([doc.district] if doc.district else [])
    doc.province_2025 = both.province_2025
    doc.ward_2025 = both.ward_2025


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


_LEVEL_WORDS = re.compile(r"^(quan|huyen|thi xa|tx|tp|thanh pho|q|h|tinh)\b")


def places_in_text(title: str, summary: str = "", body: str = "") -> places.Place:
    """The district (and its province) an article is about, when clear.

    District mentions in the title, the summary and the first
    :data:`PLACE_SCAN_CHARS` characters of the body are counted; the most
    frequent one wins (a title mention beats the others). It is kept only when
    it is in the title, mentioned twice, or the only district named with its
    level word ("TP Hạ Long", "huyện Bình Liêu"), and dropped when the title
    names a province it is not in ("Cần Thơ có đường bay thẳng đến Đà Lạt").
    Without a district, a province is chosen by the same rule.
    """
    rest = "\n".join(t for t in (summary, body[:PLACE_SCAN_CHARS]) if t)
    text = f"{title}\n{rest}" if rest else title
    cut = len(title)
    mentions = [(m, m.start < cut) for m in places.find_places(text)] if text else []
    chosen = _dominant(
        [(m.place.province, m.place.district, m.text, in_title) for m, in_title in mentions if m.place.district]
    )
    title_provinces = {m.place.province for m, t in mentions if t and m.place.district is None}
    if chosen is not None and (not title_provinces or chosen[0] in title_provinces):
        return places.Place(province=chosen[0], district=chosen[1], ward=None)
    chosen = _dominant(
        [(m.place.province, None, m.text, in_title) for m, in_title in mentions if m.place.province]
    )
    if chosen is not None:
        return places.Place(province=chosen[0], district=None, ward=None)
    return places.Place(province=None, district=None, ward=None)


def _dominant(
    mentions: list[tuple[str | None, str | None, str, bool]],
) -> tuple[str | None, str | None] | None:
    if not mentions:
        return None
    counts: Counter[tuple[str | None, str | None]] = Counter()
    in_title: set[tuple[str | None, str | None]] = set()
    explicit: set[tuple[str | None, str | None]] = set()
    order: dict[tuple[str | None, str | None], int] = {}
    for i, (prov, dist, text, title) in enumerate(mentions):
        key = (prov, dist)
        counts[key] += 1
        order.setdefault(key, i)
        if title:
            in_title.add(key)
        if _LEVEL_WORDS.match(fold(text)):
            explicit.add(key)
    best = max(counts, key=lambda k: (k in in_title, counts[k], -order[k]))
    if best in in_title or counts[best] >= 2 or (len(counts) == 1 and best in explicit):
        return best
    return None


# --------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------

_RENT_WORDS = re.compile(r"\b(cho thue|thue|rent|for rent|lease)\b")
_SALE_WORDS = re.compile(r"\b(ban|mua ban|can ban|sale|for sale|sell)\b")


def _transaction(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = fold(normalize(str(value)))
    if _RENT_WORDS.search(key):
        return "rent"
    if _SALE_WORDS.search(key):
        return "sale"
    return normalize(str(value)) or None


def _per_m2(value: Any) -> float | None:
    p = parse_price(value)
    return p.per_m2 if p.per_m2 is not None else p.vnd


def _price(rec: Mapping[str, Any], name: str, area: float | None, warnings: list[str] | None) -> Any:
    """The parsed price of field ``name``; an empty Price when it cannot be used."""
    parsed = _field(rec, name, lambda v: parse_price(v, area), warnings)
    if parsed is None:
        return parse_price(None)
    for amount in (parsed.vnd, parsed.per_m2):
        if amount is not None and amount > MAX_PRICE_VND:
            _warn(warnings, f"field {name!r}: {_short(rec.get(name))} is implausibly large; left empty")
            return parse_price(None)
    return parsed


def listing_from_record(rec: Mapping[str, Any], warnings: list[str] | None = None) -> Listing:
    """Build a :class:`Listing` from a record (shared corpus, CSV row or our own)."""
    title = _text(_first(rec, "title", "tieu_de"), "title", warnings, MAX_TITLE_CHARS)
    description = _paragraphs(_first(rec, "description", "body", "content", "mo_ta"), "description", warnings)
    address = _opt_text(_first(rec, "address", "dia_chi"), "address", warnings)

    area = None
    for name in ("area_m2", "area", "dien_tich"):
        area = _field(rec, name, parse_area, warnings, MAX_AREA_M2)
        if area is not None:
            break

    price_text = _opt_text(_first(rec, "price_text", "gia"), "price_text", warnings)
    raw_price = _first(rec, "price_vnd", "price")
    price_vnd: float | None = None
    per_m2: float | None = _field(rec, "price_per_m2_vnd", _per_m2, warnings, MAX_PRICE_VND)
    period = None
    price_range: tuple[float, float] | None = None
    if raw_price is not None:
        name = "price_vnd" if rec.get("price_vnd") is not None else "price"
        if isinstance(raw_price, str):
            price_range = parse_price_range(raw_price)
        parsed = _price(rec, name, area, warnings)
        price_vnd, period = parsed.vnd, parsed.period
        per_m2 = per_m2 or parsed.per_m2
        if isinstance(raw_price, str) and price_text is None:
            price_text = _text(raw_price, "price_text", warnings)
    elif price_text is not None:
        price_range = parse_price_range(price_text)
        parsed = _price({"price_text": price_text}, "price_text", area, warnings)
        price_vnd, period = parsed.vnd, parsed.period
        per_m2 = per_m2 or parsed.per_m2
    if price_range is not None and price_vnd is None:
        period = period or _range_period(price_text or str(raw_price))
    transaction = _transaction(_first(rec, "transaction", "giao_dich"))
    if transaction is None and period is not None:
        transaction = "rent"
    if (
        price_vnd is not None
        and not isinstance(raw_price, int | float)
        and transaction != "rent"
        and period is None
        and price_vnd < MIN_SALE_PRICE_VND
    ):
        if warnings is not None:
            warnings.append(f"price {price_text!r} is implausibly low for a sale; price_vnd left empty")
        price_vnd = None
    if per_m2 is None and price_vnd and area and period is None:
        per_m2 = round(price_vnd / area)

    province = _opt_text(_first(rec, "province", "city", "tinh"), "province", warnings)
    district = _opt_text(_first(rec, "district", "quan"), "district", warnings)
    ward = _opt_text(_first(rec, "ward", "phuong"), "ward", warnings)
    both = places.locate(province, district, ward, address)
    place = places.resolve(province, district, ward) if (province or district or ward) and both is None else None
    if place is not None:
        province = place.province or province
        district = place.district or district
        ward = place.ward or ward
    if both is not None:
        province, district, ward = both.province or province, both.district, both.ward
    if both is None and address and (district is None or province is None or ward is None):
        found = places.recognize_address(address, province_hint=province)
        if province is None or found.province == province:
            province = province or found.province
            if district is None or found.district == district:
                district = district or found.district
                ward = ward or found.ward
    if both is None and district is None and title:
        guess = places_in_text(title)
        if guess.district and (province is None or guess.province == province):
            province, district = guess.province, guess.district

    if not title:
        title = _first_sentence(description) if description else _place_title(rec, address, ward, district, province)
    if not title:
        raise InvalidRecord("record has no title and no text", param="title")

    url = _opt_text(_first(rec, "url", "link"), "url", warnings)
    posted = _date(rec, "posted", "published", "date", "ngay_dang", warnings=warnings)
    listing = Listing(
        id=_doc_id(rec, url, title, posted, warnings),
        title=title,
        url=url,
        description=description,
        property_type=_opt_text(_first(rec, "property_type", "loai"), "property_type", warnings),
        transaction=transaction,
        price_vnd=price_vnd,
        price_text=price_text,
        price_per_m2_vnd=per_m2,
        price_min_vnd=price_range[0] if price_range and price_vnd is None else None,
        price_max_vnd=price_range[1] if price_range and price_vnd is None else None,
        area_m2=area,
        bedrooms=_int(rec, "bedrooms", warnings=warnings),
        bathrooms=_int(rec, "bathrooms", warnings=warnings),
        floors=_int(rec, "floors", warnings=warnings),
        direction=_opt_text(_first(rec, "direction", "huong"), "direction", warnings),
        legal_status=_opt_text(_first(rec, "legal_status", "phap_ly"), "legal_status", warnings),
        project=_opt_text(_first(rec, "project", "du_an"), "project", warnings),
        street=_opt_text(_first(rec, "street", "duong"), "street", warnings),
        address=address,
        ward=ward,
        district=district,
        province=province,
        posted=posted,
        source=_opt_text(_first(rec, "site", "outlet", "source"), "source", warnings),
        image_url=_image(rec, warnings),
    )
    _set_places(listing, both or places.forward(places.Place(province, district, ward)))
    return listing


def _range_period(text: str) -> str | None:
    """"month" when a price range is a monthly rent ("5 - 7 triệu/tháng")."""
    return "month" if re.search(r"/\s*th|\bthang\b", fold(text)) else None


def _image(rec: Mapping[str, Any], warnings: list[str] | None) -> str | None:
    """The first image URL of a record (``image_url``, ``image``, ``thumbnail``, or
    the first of ``images``); only http(s) links are kept."""
    value = _first(rec, "image_url", "image", "thumbnail", "images", "anh")
    if isinstance(value, list | tuple):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    url = _opt_text(value, "image_url", warnings) if isinstance(value, str) else None
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


def _place_title(
    rec: Mapping[str, Any], address: str | None, ward: str | None, district: str | None, province: str | None
) -> str:
    """A title for a listing that has none (structured data): type and place."""
    where = address or ", ".join(p for p in (ward, district, province) if p)
    if not where:
        return ""
    kind = _text(rec.get("property_type"), "property_type", None)
    return f"{kind} – {where}" if kind else where
