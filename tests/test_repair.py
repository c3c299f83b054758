"""Query repair on a small archive written for these tests: which neighbours
stand for a word that looks like a typo, and how the results rank."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newssearch.documents import Article
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.query import parse_query
from newssearch.search import Engine

DOCUMENTS = [
    Article(
        id="tiem-vang", title="Tiệm vàng bị trộm khoét mái",
        body="Kẻ trộm khoét mái tiệm vàng lúc nửa đêm. " + "Chủ tiệm vàng cho biết tiệm vàng đã lắp camera. " * 6,
    ),
    *(
        Article(id=f"the-vang-{i}", title=f"Cầu thủ số {i} nhận thẻ vàng", body="Trọng tài rút thẻ vàng. " * 8)
        for i in range(3)
    ),
    Article(id="bow-tie", title="Chọn bow tie cho chú rể", body="Chiếc bow tie đỏ. Bow tie xanh. Một bow tie nữa."),
    *(
        Article(
            id=f"da-nang-{i}", title=f"Khách sạn ở trung tâm Đà Nẵng kín phòng dịp lễ {i}",
            body="Khách đến Đà Nẵng tăng mạnh. Trung tâm Đà Nẵng đông vui. Bãi biển Đà Nẵng sạch đẹp.",
        )
        for i in range(3)
    ),
    Article(
        id="angela", title="Angela hát ở trung tâm thương mại",
        body="Ca sĩ Angela biểu diễn ở trung tâm. Khán giả chờ Angela từ sớm.",
    ),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    root: Path = tmp_path_factory.mktemp("repair-index")
    IndexStore(root).write(DOCUMENTS)
    e = Engine(root)
    e.search(SearchRequest(q="trung tâm"))  # the first search loads the model and typo index
    yield e
    e.close()


def neighbours(engine: Engine, q: str) -> dict[int, list[str]]:
    alternatives = engine.snapshot().repair.typo_alternatives(parse_query(q), every=False)
    return {i: [words[0].folded for words, _weight in alts] for i, alts in alternatives.items()}


def first_ids(engine: Engine, q: str, count: int = 3) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(q=q)).hits[:count]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "tie" is a word of the text, but never before "vàng": the neighbours
        # that stand there do, likeliest first (the documents decide).
        ("tie vang bi trom", {0: ["the", "tiem"]}),
        # An unfinished last word still gets the neighbour its context asks for
        # (prefix matching alone reads "ang" as the beginning of "angela").
        ("trung tam da ang", {3: ["nang"]}),
        # Words that fit where they stand have none.
        ("tiem vang bi trom", {}),
        ("trung tam da nang", {}),
        ("the vang", {}),
    ],
)
def test_neighbours_the_context_asks_for(engine: Engine, query: str, expected: dict[int, list[str]]) -> None:
    assert neighbours(engine, query) == expected


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("tie vang bi trom", "tiem-vang"),
        ("trung tam da ang", "da-nang-"),
        # As typed, the word itself ranks first.
        ("angela trung tam", "angela"),
        ("the vang", "the-vang-"),
    ],
)
def test_typos_find_the_document_meant(engine: Engine, query: str, first: str) -> None:
    assert first_ids(engine, query)[0].startswith(first)
