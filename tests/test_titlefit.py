"""Title cover and the typo neighbours titles confirm, on a small archive
written for these tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newssearch.documents import Article
from newssearch.indexer import IndexStore
from newssearch.scorer import TextIndex
from newssearch.search import Engine
from newssearch.titlefit import confirmed, cover, title_pairs

DOCUMENTS = [
    Article(id="nhan-sac", title="Ngỡ ngàng trước nhan sắc hoa hậu", body="Khán giả khen nhan sắc của cô."),
    Article(id="nhat-sac", title="Nhặt sắc màu mùa thu", body="Lá vàng rơi đầy phố."),
    Article(id="mua-nha", title="Hoa hậu mua nhà mới", body="Căn nhà rộng, nhiều màu sắc."),
    Article(id="bang-nhom", title="Bắt băng nhóm lừa khách bằng trò đánh bài", body="Công an vào cuộc."),
    Article(id="cam-ban", title="Cấm bán trò đánh bài trên mạng", body="Bán trò chơi đánh bài bị phạt."),
]


@pytest.fixture(scope="module")
def titles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TextIndex]:
    root: Path = tmp_path_factory.mktemp("titlefit-index")
    IndexStore(root).write(DOCUMENTS)
    engine = Engine(root)
    yield engine.snapshot().text
    engine.close()


@pytest.mark.parametrize(
    ("words", "held"),
    [
        ("nhan sac hoa hau", 3),  # all in a row in one title
        ("nha sac hoa hau", 2),  # sắc hoa hậu: two of its three pairs
        ("hoa hau nhan sac", 2),  # two of its pairs in one title, if not in this order
        ("sac hoa mua nha", 1),  # each pair in some title, never two in one
        ("trang chu", 0),
        ("nhan", 0),  # no pair at all
    ],
)
def test_cover(titles: TextIndex, words: str, held: int) -> None:
    assert cover(title_pairs(titles, words.split())) == held


NEIGHBOURS = {
    "nha": ["nhat", "nhan", "ha"],
    "ban": ["bang", "ba", "can"],
    "bai": ["ba", "bat"],
    "nhac": ["nhan", "nhat", "nha"],
    "ba": ["bai", "bat"],
    "ha": ["hau", "ba"],
}


@pytest.mark.parametrize(
    ("words", "positions", "expected"),
    [
        # "nha" made another word: read as *nhan*, a title holds the whole query.
        ("nha sac hoa hau", [0, 1, 2, 3], {0: ["nhan"]}),
        # Only the positions asked about are tried.
        ("nha sac hoa hau", [1, 2, 3], {}),
        # Two readings hold as much: both are confirmed (the documents decide).
        ("nhac sac", [0], {0: ["nhan", "nhat"]}),
    ],
)
def test_confirmed_neighbours(titles: TextIndex, words: str, positions: list[int], expected: dict[int, list[str]]) -> None:
    assert confirmed(titles, words.split(), positions, lambda w: NEIGHBOURS.get(w, [])) == expected


@pytest.mark.parametrize(
    ("words", "positions", "expected"),
    [
        # A title holds the query once its last word is finished ("bài"): only
        # that word's neighbours are tried, and one that completes the title stands for it.
        ("ban tro danh ba", [0, 3], {3: ["bai"]}),
        # A title holds a word "ha" begins after "hoa" (hậu): the last word may be
        # being typed, so a neighbour stands for it only where a title holds the
        # whole query with it; another word's neighbour is still confirmed.
        ("nha sac hoa ha", [3], {}),
        ("nha sac hoa ha", [0, 3], {0: ["nhan"]}),
    ],
)
def test_confirmed_neighbours_of_an_unfinished_query(
    titles: TextIndex, words: str, positions: list[int], expected: dict[int, list[str]]
) -> None:
    assert confirmed(titles, words.split(), positions, lambda w: NEIGHBOURS.get(w, []), unfinished=True) == expected


@pytest.mark.parametrize("words", ["ban tro danh bai", "nhan sac hoa hau", "mua nha moi", "nha"])
def test_a_query_some_title_holds_as_typed_needs_no_neighbour(titles: TextIndex, words: str) -> None:
    asked: list[str] = []

    def neighbours(word: str) -> list[str]:
        asked.append(word)
        return NEIGHBOURS.get(word, [])

    assert confirmed(titles, words.split(), range(len(words.split())), neighbours) == {}
    assert asked == []
