"""Stored documents with folded texts: folded once, equal to folding at read time, cached per snapshot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newssearch.documents import Article
from newssearch.highlight import fold_same_length
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.search.doctexts import DocCache, DocText

RAW: dict[str, Any] = {
    "id": "d1",
    "type": "article",
    "title": "Đà Nẵng đón khách du lịch",
    "summary": "Lượng khách tăng mạnh.",
    "captions": ["Bãi biển Mỹ Khê", "Cầu Rồng"],
    "body": "Thành phố Đà Nẵng đón hơn một triệu lượt khách trong tháng Sáu.",
}


@pytest.mark.parametrize(
    ("name", "original"),
    [
        ("title", RAW["title"]),
        ("summary", RAW["summary"]),
        ("captions", "Bãi biển Mỹ Khê\nCầu Rồng"),
        ("body", RAW["body"]),
        ("description", ""),
    ],
)
@pytest.mark.parametrize("limits", [(None, 5), (5, None), (3, 9, 200), (0,)])
def test_folded_equals_folding_the_text_in_any_order_of_prefixes(
    name: str, original: str, limits: tuple[int | None, ...]
) -> None:
    doc = DocText(RAW)
    assert doc.text(name) == original
    for limit in limits:
        assert doc.folded(name, limit) == fold_same_length(original[:limit])


class CountingStore:
    """A store of generated documents that counts its reads."""

    def __init__(self, n: int) -> None:
        self.docs = [{"id": f"d{i}", "title": f"Tin số {i:02d}", "body": "Nội dung " * 50} for i in range(n)]
        self.reads: list[int] = []

    def document(self, docnum: int) -> dict[str, Any]:
        self.reads.append(docnum)
        return self.docs[docnum]


def test_cache_decodes_once_and_stays_within_its_budget() -> None:
    store = CountingStore(20)
    size = DocText(store.docs[0]).nbytes()
    cache = DocCache(store, budget=5 * size)  # type: ignore[arg-type]
    first = cache.get(3)
    assert cache.get(3) is first and store.reads == [3]
    for d in range(20):
        assert cache.get(d).raw == store.docs[d]
    assert len(cache._items._items) == 5 and cache._items._bytes == 5 * size
    cache.get(0)  # evicted long ago: read again
    assert store.reads == [3, *(d for d in range(20) if d != 3), 0]


def _article(title: str, body: str) -> Article:
    return Article(id="a1", title=title, body=body, category="Xã hội", published=datetime(2024, 5, 1))


def test_a_new_snapshot_reads_the_new_text(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([_article("Mưa lớn ở Huế", "Mưa lớn kéo dài nhiều ngày ở Huế.")])
    engine = Engine(tmp_path)
    req = SearchRequest.from_params({"q": "mua lon"})
    assert engine.search(req).hits[0].snippet == "<mark>Mưa</mark> <mark>lớn</mark> kéo dài nhiều ngày ở Huế."
    # The rebuilt index gives the new text the same document number.
    store.write([_article("Mưa lớn ở Quảng Trị", "Mưa lớn gây ngập ở Quảng Trị.")], rebuild=True)
    hit = engine.search(req).hits[0]
    assert (hit.title_html, hit.snippet) == ("<mark>Mưa</mark> <mark>lớn</mark> ở Quảng Trị", "<mark>Mưa</mark> <mark>lớn</mark> gây ngập ở Quảng Trị.")
    engine.close()


@pytest.mark.parametrize("q", ["quang ninh", "Hạ Long", "nha pho ha long", "tp.hcm can ho", "doan cong tac da kiem tra"])
def test_results_from_the_cache_equal_results_read_afresh(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    req = SearchRequest.from_params({"q": q, "per_page": "20"})

    def page() -> dict[str, Any]:
        data = engine.search(req).to_dict()
        del data["took_ms"]
        return data

    cached = [page(), page()]  # the second one reads every candidate from the cache
    monkeypatch.setattr(DocCache, "get", lambda self, docnum: DocText(self._store.document(docnum)))
    assert cached == [page(), page()]
    assert cached[0]["hits"]
