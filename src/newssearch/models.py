"""Request and result objects: the library's public contract.

The CLI and the web views build a :class:`SearchRequest` (usually with
:meth:`SearchRequest.from_params`, which validates and raises
:class:`~newssearch.errors.BadRequest` naming the bad parameter), call
``Engine.search`` and render :meth:`SearchResult.to_dict` -- the JSON contract.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .config import Settings
from .errors import BadRequest
from .parsing import EARLIEST_DATE, LATEST_DATE
from .store.schema import KEYWORD_COLUMNS

#: Sort keys accepted by ``sort``.
SORTS = (
    "relevance",
    "newest",
    "oldest",
    "views",
    "price_asc",
    "price_desc",
    "area_asc",
    "area_desc",
    "price_per_m2_asc",
    "price_per_m2_desc",
)
#: Keyword filters: repeated values select several (OR within a filter, AND across filters).
#: One per keyword column of the index.
KEYWORD_FILTERS = KEYWORD_COLUMNS
#: Every parameter ``from_params`` understands.
PARAMS = (
    "q",
    *KEYWORD_FILTERS,
    "year",
    "date_from",
    "date_to",
    "price_min",
    "price_max",
    "area_min",
    "area_max",
    "price_per_m2_min",
    "price_per_m2_max",
    "bedrooms",
    "sort",
    "page",
    "per_page",
    "verbatim",
)
TYPES = ("article", "listing")
#: Most values one repeated filter parameter may carry.
MAX_FILTER_VALUES = 50
TRANSACTIONS = ("sale", "rent")


@dataclass
class SearchRequest:
    """One search: free text, filters, sort and page."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    price_min: float | None = None
    price_max: float | None = None
    area_min: float | None = None
    area_max: float | None = None
    price_per_m2_min: float | None = None
    price_per_m2_max: float | None = None
    bedrooms: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: bool = True
    highlight: bool = True
    #: Search the words exactly as typed: no correction replaces them.
    verbatim: bool = False

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], settings: Settings | None = None
    ) -> SearchRequest:
        """Build and validate a request from query parameters.

        ``params`` maps a name to a string or a list of strings (a Werkzeug
        ``MultiDict`` converted with ``to_dict(flat=False)``, or CLI options).
        Unknown parameters are rejected so that typos do not silently
        return unfiltered results.
        """
        settings = settings or Settings()
        values = {k: _as_list(v) for k, v in params.items()}
        unknown = sorted(set(values) - set(PARAMS))
        if unknown:
            raise BadRequest(
                f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAMS)}",
                param=unknown[0],
            )
        req = cls()
        qs = [v for v in values.get("q", []) if v.strip()]
        if len(set(qs)) > 1:
            raise BadRequest(f"q was given {len(qs)} times; give it once", param="q")
        # Not stripped: a trailing space means the last word is finished.
        req.q = qs[0].lstrip() if qs else ""
        if len(req.q) > settings.max_query_length:
            raise BadRequest(
                f"the query is {len(req.q)} characters long; the limit is {settings.max_query_length}",
                param="q",
            )
        for name in KEYWORD_FILTERS:
            given = values.get(name, [])
            chosen = [v.strip() for v in given if v.strip()]
            if len(given) > MAX_FILTER_VALUES:
                raise BadRequest(f"at most {MAX_FILTER_VALUES} values for {name}", param=name)
            if any(len(v) > 200 for v in chosen):
                raise BadRequest(f"a {name} value is longer than 200 characters", param=name)
            if chosen:
                req.filters[name] = chosen
        for t in req.filters.get("type", []):
            if t not in TYPES:
                raise BadRequest(f"type must be one of {', '.join(TYPES)}, not {t!r}", param="type")
        for t in req.filters.get("transaction", []):
            if t not in TRANSACTIONS:
                raise BadRequest(
                    f"transaction must be one of {', '.join(TRANSACTIONS)}, not {t!r}",
                    param="transaction",
                )
        if len(values.get("year", [])) > MAX_FILTER_VALUES:
            raise BadRequest(f"at most {MAX_FILTER_VALUES} values for year", param="year")
        req.years = [_int(values, "year", v, 1900, 2100) for v in values.get("year", []) if v.strip()]
        req.date_from = _date(values, "date_from")
        req.date_to = _date(values, "date_to")
        if req.date_from and req.date_to and req.date_from > req.date_to:
            raise BadRequest("date_from is after date_to", param="date_from")
        req.price_min = _float(values, "price_min")
        req.price_max = _float(values, "price_max")
        if req.price_min is not None and req.price_max is not None and req.price_min > req.price_max:
            raise BadRequest("price_min is greater than price_max", param="price_min")
        req.area_min = _float(values, "area_min")
        req.area_max = _float(values, "area_max")
        if req.area_min is not None and req.area_max is not None and req.area_min > req.area_max:
            raise BadRequest("area_min is greater than area_max", param="area_min")
        req.price_per_m2_min = _float(values, "price_per_m2_min")
        req.price_per_m2_max = _float(values, "price_per_m2_max")
        if (
            req.price_per_m2_min is not None
            and req.price_per_m2_max is not None
            and req.price_per_m2_min > req.price_per_m2_max
        ):
            raise BadRequest("price_per_m2_min is greater than price_per_m2_max", param="price_per_m2_min")
        bedrooms = _single(values, "bedrooms")
        req.bedrooms = _int(values, "bedrooms", bedrooms, 0, 100) if bedrooms else None
        sort = _single(values, "sort") or "relevance"
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}", param="sort")
        req.sort = sort
        page = _single(values, "page")
        per_page = _single(values, "per_page")
        req.page = _int(values, "page", page, 1, 10**6) if page else 1
        req.per_page = _int(values, "per_page", per_page, 1, settings.max_per_page) if per_page else 10
        verbatim = _single(values, "verbatim")
        if verbatim not in (None, "", "0", "1"):
            raise BadRequest(f"verbatim must be 0 or 1, not {verbatim!r}", param="verbatim")
        req.verbatim = verbatim == "1"
        if req.page * req.per_page > settings.max_result_window:
            raise BadRequest(
                f"page {req.page} with per_page {req.per_page} goes past result "
                f"{settings.max_result_window}, the deepest reachable; narrow the search instead",
                param="page",
            )
        return req

    def to_params(self) -> dict[str, list[str]]:
        """The inverse of :meth:`from_params` (used to build links)."""
        out: dict[str, list[str]] = {}
        if self.q:
            out["q"] = [self.q]
        for k, vs in self.filters.items():
            if vs:
                out[k] = list(vs)
        if self.years:
            out["year"] = [str(y) for y in self.years]
        for name in ("date_from", "date_to"):
            d = getattr(self, name)
            if d is not None:
                out[name] = [d.isoformat()]
        for name in ("price_min", "price_max", "area_min", "area_max", "price_per_m2_min", "price_per_m2_max"):
            v = getattr(self, name)
            if v is not None:
                out[name] = [_fmt_num(v)]
        if self.bedrooms is not None:
            out["bedrooms"] = [str(self.bedrooms)]
        if self.sort != "relevance":
            out["sort"] = [self.sort]
        if self.page != 1:
            out["page"] = [str(self.page)]
        if self.per_page != 10:
            out["per_page"] = [str(self.per_page)]
        if self.verbatim:
            out["verbatim"] = ["1"]
        return out


def _fmt_num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, Iterable):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def _single(values: Mapping[str, list[str]], name: str) -> str | None:
    vs = [v for v in values.get(name, []) if v.strip()]
    if len(vs) > 1 and len(set(vs)) > 1:
        raise BadRequest(f"{name} was given {len(vs)} times; give it once", param=name)
    return vs[0].strip() if vs else None


def _int(values: Mapping[str, list[str]], name: str, raw: str | None, lo: int, hi: int) -> int:
    try:
        n = int(str(raw).strip())
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number, not {raw!r}", param=name) from None
    if not lo <= n <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}, not {n}", param=name)
    return n


def _float(values: Mapping[str, list[str]], name: str) -> float | None:
    raw = _single(values, name)
    if raw is None:
        return None
    try:
        v = float(raw.replace(",", "."))
    except ValueError:
        raise BadRequest(f"{name} must be a number, not {raw!r}", param=name) from None
    if not math.isfinite(v) or v < 0:
        raise BadRequest(f"{name} must be a non-negative number, not {raw!r}", param=name)
    return v


def _date(values: Mapping[str, list[str]], name: str) -> date | None:
    raw = _single(values, name)
    if raw is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m", "%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if not EARLIEST_DATE.date() <= day < LATEST_DATE.date():
            raise BadRequest(
                f"{name} must be a date from {EARLIEST_DATE.year} to {LATEST_DATE.year - 1}, not {raw!r}",
                param=name,
            )
        return day
    raise BadRequest(f"{name} must be a date like 2022-06-17 or 17/06/2022, not {raw!r}", param=name)


@dataclass
class FacetValue:
    """One value of a facet, complete enough that templates never compute."""

    value: str
    label: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "label": self.label,
            "count": self.count,
            "selected": self.selected,
        }
        return out


@dataclass
class Hit:
    """One result."""

    id: str
    type: str
    title: str
    url: str | None
    snippet: str
    title_html: str
    published: str | None
    category: str | None
    author: str | None
    province: str | None
    district: str | None
    ward: str | None
    districts: list[str]
    province_2025: str | None
    ward_2025: str | None
    property_type: str | None
    transaction: str | None
    price_vnd: float | None
    price_text: str | None
    area_m2: float | None
    bedrooms: int | None
    views: int | None
    score: float | None
    price_per_m2_vnd: float | None = None
    price_min_vnd: float | None = None
    price_max_vnd: float | None = None
    direction: str | None = None
    legal_status: str | None = None
    project: str | None = None
    image_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "title_html": self.title_html,
            "url": self.url,
            "snippet": self.snippet,
            "published": self.published,
            "category": self.category,
            "author": self.author,
            "province": self.province,
            "district": self.district,
            "ward": self.ward,
            "districts": self.districts,
            "province_2025": self.province_2025,
            "ward_2025": self.ward_2025,
            "property_type": self.property_type,
            "transaction": self.transaction,
            "price_vnd": self.price_vnd,
            "price_text": self.price_text,
            "area_m2": self.area_m2,
            "bedrooms": self.bedrooms,
            "views": self.views,
            "score": self.score,
            "price_per_m2_vnd": self.price_per_m2_vnd,
            "price_min_vnd": self.price_min_vnd,
            "price_max_vnd": self.price_max_vnd,
            "direction": self.direction,
            "legal_status": self.legal_status,
            "project": self.project,
            "image_url": self.image_url,
        }


@dataclass
class SearchResult:
    """What a search returns; :meth:`to_dict` is the JSON contract."""

    query: str
    total: int
    page: int
    per_page: int
    relaxed: bool
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None
    took_ms: float
    sort: str = "relevance"
    #: Places recognised in the query: [{"text", "level", "province", "district", "ward"}].
    recognized: list[dict[str, Any]] = field(default_factory=list)
    #: Facets that could not be computed (reported, the rest still served).
    facet_errors: dict[str, str] = field(default_factory=dict)
    #: The time budget ran out: the result is what was found by then.
    timed_out: bool = False
    #: Query parts over the caps, ignored: {"terms" | "phrases" | "excluded": how many}.
    ignored: dict[str, int] = field(default_factory=dict)
    #: When nothing met every filter read from the query: what was missing and
    #: which nearest reading the hits show instead.
    nearest: str | None = None
    #: Parts of the query that were ignored, explained (Vietnamese).
    notes: list[str] = field(default_factory=list)
    #: The corrected query whose results are shown, when the query as typed
    #: found nothing good ("Đang hiển thị kết quả cho …"); None otherwise.
    corrected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "relaxed": self.relaxed,
            "sort": self.sort,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [v.to_dict() for v in vs] for k, vs in self.facets.items()},
            "suggestion": self.suggestion,
            "corrected": self.corrected,
            "recognized": self.recognized,
            "facet_errors": self.facet_errors,
            "timed_out": self.timed_out,
            "ignored": self.ignored,
            "nearest": self.nearest,
            "notes": self.notes,
            "took_ms": round(self.took_ms, 2),
        }
