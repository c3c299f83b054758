"""The document model: what goes into the index.

``Article`` and ``Listing`` are plain dataclasses; readers in
:mod:`newssearch.ingest` build them from raw records, the indexer turns them
into Whoosh documents. Field names here are the JSON field names everywhere
(sample data, JSON Lines feeds, API output).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

DocType = Literal["article", "listing"]


@dataclass
class Article:
    id: str
    title: str
    url: str | None = None
    summary: str = ""
    body: str = ""
    captions: list[str] = field(default_factory=list)
    author: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    views: int | None = None
    province: str | None = None
    district: str | None = None
    ward: str | None = None
    source: str | None = None
    #: Every legacy district the place belongs to (a 2025 ward may span several).
    districts: list[str] = field(default_factory=list)
    #: The same place in the layout in force from 1 July 2025 (34 provinces, no districts).
    province_2025: str | None = None
    ward_2025: str | None = None
    #: True for an item seen only in a "Các tin khác" list (title, date, excerpt);
    #: a later full version of the article replaces it.
    stub: bool = False

    type: DocType = field(default="article", init=False)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass
class Listing:
    id: str
    title: str
    url: str | None = None
    description: str = ""
    property_type: str | None = None
    transaction: str | None = None  # "sale" | "rent"
    price_vnd: float | None = None
    price_text: str | None = None
    price_per_m2_vnd: float | None = None
    #: A price written as a range ("1,5 tỷ - 2 tỷ"): its ends; ``price_vnd`` stays empty.
    price_min_vnd: float | None = None
    price_max_vnd: float | None = None
    area_m2: float | None = None
    bedrooms: int | None = None
    bathrooms: int | None = None
    floors: int | None = None
    direction: str | None = None
    legal_status: str | None = None
    project: str | None = None
    street: str | None = None
    address: str | None = None
    ward: str | None = None
    district: str | None = None
    province: str | None = None
    districts: list[str] = field(default_factory=list)
    province_2025: str | None = None
    ward_2025: str | None = None
    posted: datetime | None = None
    source: str | None = None
    image_url: str | None = None

    type: DocType = field(default="listing", init=False)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


Document = Article | Listing


def _to_dict(doc: Article | Listing) -> dict[str, Any]:
    out = asdict(doc)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
    return out
