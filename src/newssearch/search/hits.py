"""Hits: stored documents as results, with highlighted titles and snippets;
the texts the rescore reads; recognised places as the API shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from ..highlight import SCAN_LIMIT, highlight_all, match_spans, snippet
from ..models import Hit
from ..places import Mention2025, forward
from ..query import QTerm
from ..ranking import RANKING
from .doctexts import DocText
from .matching import Mentioned
from .snapshot import Snapshot


def hit_from_raw(raw: dict[str, Any], score: float | None, terms: list[QTerm]) -> Hit:
    """A :class:`Hit` from a stored document, with highlighted title and snippet."""
    return hit_from_doc(DocText(raw), score, terms)


def _spans(doc: DocText, name: str, terms: list[QTerm]) -> list[tuple[int, int, int]]:
    """Where ``terms`` match the text ``name`` of ``doc`` (folded once per document)."""
    if not terms:
        return []
    return match_spans(doc.text(name), terms, doc.folded(name, SCAN_LIMIT))


def hit_from_doc(doc: DocText, score: float | None, terms: list[QTerm]) -> Hit:
    """A :class:`Hit` from a (cached) stored document, with highlighted title and snippet."""
    raw = doc.raw
    title = doc.text("title")
    is_listing = raw.get("type") == "listing"
    name = "description" if is_listing else "body"
    text = doc.text(name)
    summary = doc.text("summary")
    source, spans = text, _spans(doc, name, terms)
    if summary and (not terms or not spans):
        summary_spans = _spans(doc, "summary", terms)
        if summary_spans or not terms:
            source, spans = summary, summary_spans
    date = raw.get("published") if not is_listing else raw.get("posted")
    return Hit(
        id=str(raw.get("id")),
        type=str(raw.get("type")),
        title=title,
        url=raw.get("url"),
        snippet=snippet(source, terms, spans=spans),
        title_html=highlight_all(title, terms, _spans(doc, "title", terms)),
        published=date,
        category=raw.get("category"),
        author=raw.get("author"),
        province=raw.get("province"),
        district=raw.get("district"),
        ward=raw.get("ward"),
        districts=list(raw.get("districts") or ([raw["district"]] if raw.get("district") else [])),
        province_2025=raw.get("province_2025"),
        ward_2025=raw.get("ward_2025"),
        property_type=raw.get("property_type"),
        transaction=raw.get("transaction"),
        price_vnd=raw.get("price_vnd"),
        price_text=raw.get("price_text"),
        area_m2=raw.get("area_m2"),
        bedrooms=raw.get("bedrooms"),
        views=raw.get("views"),
        score=None if score is None else round(float(score), 4),
        price_per_m2_vnd=raw.get("price_per_m2_vnd"),
        price_min_vnd=raw.get("price_min_vnd"),
        price_max_vnd=raw.get("price_max_vnd"),
        direction=raw.get("direction"),
        legal_status=raw.get("legal_status"),
        project=raw.get("project"),
        image_url=raw.get("image_url"),
    )

def folded_texts(snap: Snapshot, docnum: int, full: bool = False) -> tuple[str, ...]:
    """A document's summary and the start of its body (with ``full``: its
    title, summary, captions and whole body), folded by ``fold_same_length``."""
    doc = snap.docs.get(docnum)
    body = "body" if doc.text("body") else "description"
    if full:
        return doc.folded("title"), doc.folded("summary"), doc.folded("captions"), doc.folded(body)
    return doc.folded("summary"), doc.folded(body, RANKING.rescore_text_chars)

def stored(snap: Snapshot, docs: npt.NDArray[np.int64], batch: int) -> Iterator[dict[str, Any]]:
    """The stored documents ``docs``, read ``batch`` at a time."""
    for i in range(0, len(docs), batch):
        yield from [snap.store.document(int(d)) for d in docs[i : i + batch]]

def mention_dict(m: Mentioned) -> dict[str, Any]:
    """A recognised place as the API's ``recognized`` entry (both maps)."""
    mention = m[0]
    if isinstance(mention, Mention2025):
        return {
            "text": mention.text,
            "level": "ward_2025",
            "province": None,
            "district": None,
            "ward": None,
            "districts": list(mention.districts),
            "province_2025": mention.ward.province,
            "ward_2025": mention.ward.name,
        }
    new = forward(mention.place)
    return {
        "text": mention.text,
        "level": mention.level,
        "province": mention.place.province,
        "district": mention.place.district,
        "ward": mention.place.ward,
        "districts": list(new.districts),
        "province_2025": new.province_2025,
        "ward_2025": new.ward_2025,
    }
