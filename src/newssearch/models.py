"""Request and result objects: the library's public contract.

The CLI and the web views build a :class:`SearchRequest` (usually with
:meth:`SearchRequest.from_params`, which validates and raises
:class:`~newssearch.errors.BadRequest` naming the bad parameter), call
``Engine.search`` and render :meth:`SearchResult.to_dict` -- the JSON contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .config import Settings
from .params import KEYWORD_FILTERS as KEYWORD_FILTERS
from .params import PARAMS as PARAMS
from .params import SORTS as SORTS
from .params import format_params, parse_params

#: The request field of a parameter, where the two names differ.
_FIELD_NAMES = {"year": "years"}


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
        ``MultiDict`` converted with ``to_dict(flat=False)``, or CLI options);
        each is checked as :data:`newssearch.params.SEARCH_PARAMS` describes
        it (:func:`~newssearch.params.parse_params`). Unknown parameters are
        rejected so that typos do not silently return unfiltered results.
        """
        settings = settings or Settings()
        values = parse_params(params, settings)
        filters = {name: values.pop(name) for name in KEYWORD_FILTERS}
        return cls(
            filters={name: chosen for name, chosen in filters.items() if chosen},
            **{_FIELD_NAMES.get(name, name): value for name, value in values.items()},
        )

    def to_params(self) -> dict[str, list[str]]:
        """The inverse of :meth:`from_params` (used to build links)."""
        values = {
            name: getattr(self, _FIELD_NAMES.get(name, name)) for name in PARAMS if name not in KEYWORD_FILTERS
        }
        return format_params({**values, **self.filters})


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
    #: Where the hit stands in its index's order, when a shard's answer is to
    #: be merged with others' (ascending: the router's merge key); never shown.
    merge_key: tuple[float, ...] | None = field(default=None, compare=False, repr=False)

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
