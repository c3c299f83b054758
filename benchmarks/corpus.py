"""The benchmark corpus: locate, slice and read it.

newssearch reads the corpus files through its own ingest code
(:func:`newssearch.ingest.read_paths`). The peer engines (SQLite FTS5,
Tantivy) read the very same files with the plain loader below, as a user of
those engines would: one JSON object per line, mapped to a small flat
:class:`PeerDoc` (title, body, place/type text, and the facet columns).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: The files of ``../shared/corpus``, in the order they are indexed.
CORPUS_FILES = (
    "articles.jsonl.gz",
    "news_briefs.jsonl.gz",
    "listings.jsonl.gz",
    "listings_structured.jsonl.gz",
)
#: Files whose titles give the known-item queries.
ARTICLE_STEMS = ("articles", "news_briefs")


def _stem(path: Path) -> str:
    name = path.name
    for ext in (".jsonl.gz", ".jsonl", ".json.gz", ".json"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return path.stem


def is_listing_file(path: Path) -> bool:
    """Listings files are named ``listings*``; everything else holds articles."""
    return _stem(path).startswith("listing")


def corpus_files(corpus: Path) -> list[Path]:
    """The corpus files in ``corpus`` (a folder), in indexing order.

    The four known names (compressed or not) come first; any other
    ``*.jsonl``/``*.jsonl.gz`` file follows in name order.
    """
    if corpus.is_file():
        return [corpus]
    if not corpus.is_dir():
        raise FileNotFoundError(f"no corpus folder at {corpus}; pass --corpus PATH")
    found: list[Path] = []
    for name in CORPUS_FILES:
        for candidate in (corpus / name, corpus / name.removesuffix(".gz")):
            if candidate.is_file():
                found.append(candidate)
                break
    known = {p.name for p in found}
    for p in sorted(corpus.iterdir()):
        if p.name not in known and p.is_file() and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz")):
            found.append(p)
    if not found:
        raise FileNotFoundError(f"no .jsonl or .jsonl.gz files in {corpus}")
    return found


def open_text(path: Path) -> IO[str]:
    """Open a ``.jsonl`` or ``.jsonl.gz`` file as UTF-8 text."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def iter_records(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """JSON objects from a JSON Lines file (lines that are not objects are skipped)."""
    n = 0
    with open_text(path) as fh:
        for line in fh:
            if limit is not None and n >= limit:
                return
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                n += 1
                yield rec


def slice_corpus(files: list[Path], limit: int, out_dir: Path) -> list[Path]:
    """Copy the first ``limit`` records of each file to ``out_dir`` (plain ``.jsonl``).

    Reused when a previous slice of the same sources and limit is there
    (checked with a small manifest of source sizes and mtimes).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "limit": limit,
        "sources": [[str(p.resolve()), p.stat().st_size, int(p.stat().st_mtime)] for p in files],
    }
    manifest_path = out_dir / "manifest.json"
    targets = [out_dir / f"{_stem(p)}.jsonl" for p in files]
    try:
        if json.loads(manifest_path.read_text("utf-8")) == manifest and all(t.is_file() for t in targets):
            return targets
    except (OSError, ValueError):
        pass
    for src, dst in zip(files, targets, strict=True):
        tmp = dst.with_suffix(".tmp")
        with open_text(src) as fh, tmp.open("w", encoding="utf-8") as out:
            n = 0
            for line in fh:
                if n >= limit:
                    break
                if line.strip():
                    out.write(line if line.endswith("\n") else line + "\n")
                    n += 1
        os.replace(tmp, dst)
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    return targets


@dataclass(frozen=True, slots=True)
class PeerDoc:
    """One document as the peer engines index it."""

    id: str
    type: str  # "article" | "listing"
    title: str
    body: str
    #: Place and property-type words (address, ward, district, province, type).
    meta: str
    category: str
    province: str
    district: str
    property_type: str
    price: float | None
    area: float | None
    #: ISO date (or datetime) string, "" when unknown; sorts as text.
    date: str


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_s(v) for v in value)
    return str(value).strip()


def _f(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def peer_doc(rec: dict[str, Any], listing: bool) -> PeerDoc | None:
    """Map a raw corpus record to a :class:`PeerDoc` (None without an id)."""
    doc_id = _s(rec.get("id"))
    if not doc_id:
        return None
    if listing:
        meta = " ".join(
            _s(rec.get(k)) for k in ("property_type", "address", "ward", "district", "province") if rec.get(k)
        )
        return PeerDoc(
            id=doc_id,
            type="listing",
            title=_s(rec.get("title")),
            body=_s(rec.get("description")),
            meta=meta,
            category="",
            province=_s(rec.get("province")),
            district=_s(rec.get("district")),
            property_type=_s(rec.get("property_type")),
            price=_f(rec.get("price_vnd")),
            area=_f(rec.get("area_m2")),
            date=_s(rec.get("posted")),
        )
    title = _s(rec.get("title")) or _s(rec.get("url_slug")).replace("-", " ")
    body = "\n".join(x for x in (_s(rec.get("summary")), _s(rec.get("body"))) if x)
    return PeerDoc(
        id=doc_id,
        type="article",
        title=title,
        body=body,
        meta=_s(rec.get("tags")),
        category=_s(rec.get("category")),
        province=_s(rec.get("province")),
        district=_s(rec.get("district")),
        property_type="",
        price=None,
        area=None,
        date=_s(rec.get("published")),
    )


def iter_peer_docs(files: list[Path]) -> Iterator[PeerDoc]:
    """Every document of ``files`` as a :class:`PeerDoc`."""
    for path in files:
        listing = is_listing_file(path)
        for rec in iter_records(path):
            doc = peer_doc(rec, listing)
            if doc is not None:
                yield doc
