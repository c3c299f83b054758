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
    # "nhan sắc hoa hậu" typed with "nhan" as "nha", a word of every other
    # text: the query as typed has all its words in the "mua-nha" documents.
    Article(id="nhan-sac", title="Ngỡ ngàng trước nhan sắc hoa hậu", body="Khán giả khen nhan sắc của cô."),
    *(
        Article(id=f"mua-nha-{i}", title=f"Hoa hậu {i} mua nhà mới", body="Căn nhà rộng, nhiều màu sắc. Nhà có vườn.")
        for i in range(3)
    ),
    Article(id="bang-nhom", title="Bắt băng nhóm lừa khách bằng trò đánh bài", body="Công an bắt băng nhóm."),
    Article(id="cam-ban", title="Cấm bán trò đánh bài trên mạng", body="Bán trò chơi đánh bài bị phạt."),
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
        # that stand there do, the one a title confirms first ("tiệm vàng bị
        # trộm"), then by context (the documents decide).
        ("tie vang bi trom", {0: ["tiem", "the"]}),
        ("tie vang", {0: ["the", "tiem"]}),
        # An unfinished last word still gets the neighbour its context asks for
        # (prefix matching alone reads "ang" as the beginning of "angela").
        ("trung tam da ang", {3: ["nang"]}),
        # A typo that made another word: a title holds the query read with
        # *nhan*, none holds it as typed (the context alone is not enough).
        ("nha sac hoa hau", {0: ["nhan"]}),
        # Words that fit where they stand have none.
        ("tiem vang bi trom", {}),
        ("ban tro danh bai", {}),
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
        ("nha sac hoa hau", "nhan-sac"),
        ("bang tro danh bai", "bang-nhom"),
        # A title that holds the query as typed ranks first, above the typo
        # reading of another ("bán" is not a typo of "băng").
        ("ban tro danh bai", "cam-ban"),
        ("hoa hau 1 mua", "mua-nha-1"),
    ],
)
def test_typos_find_the_document_meant(engine: Engine, query: str, first: str) -> None:
    assert first_ids(engine, query)[0].startswith(first)


def test_a_neighbour_titles_confirm_competes_with_the_words_as_typed(engine: Engine) -> None:
    # The neighbour ranks below the word itself, and the documents with every
    # word as typed still follow the one the title confirms.
    alternatives = engine.snapshot().repair.typo_alternatives(parse_query("nha sac hoa hau"), every=False)
    assert [(words[0].folded, weight) for words, weight in alternatives[0]] == [("nhan", 0.5)]
    assert first_ids(engine, "nha sac hoa hau", 4) == ["nhan-sac", "mua-nha-0", "mua-nha-1", "mua-nha-2"]
