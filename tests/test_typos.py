"""The deletion-neighbourhood typo index."""

from __future__ import annotations

import pytest

from newssearch.typos import TypoIndex, edit_distance, max_typos, vocabulary_from_lexicon

VOCAB = {"pho": 50, "phong": 80, "phoi": 5, "nguoi": 300, "thanh": 120, "thuong": 40, "hoang": 60,
         "chungcu": 3, "shophouse": 9, "rare": 1, "dat": 200, "da": 500}


@pytest.mark.parametrize(
    ("a", "b", "limit", "distance"),
    [("phoo", "pho", 1, 1), ("dta", "dat", 1, 1), ("hoanh", "hoang", 1, 1), ("abc", "abc", 1, 0),
     ("shophuose", "shophouse", 2, 1), ("nguoi", "thanh", 2, 3), ("a", "abcd", 1, 2)],
)
def test_edit_distance(a: str, b: str, limit: int, distance: int) -> None:
    assert edit_distance(a, b, limit) == distance


@pytest.mark.parametrize(
    ("word", "known", "typos"),
    [("ha", False, 0), ("dta", False, 1), ("dta", True, 0), ("phoo", True, 1), ("shophuose", True, 2)],
)
def test_max_typos(word: str, known: bool, typos: int) -> None:
    assert max_typos(word, known) == typos


@pytest.mark.parametrize(
    ("word", "known", "expected"),
    [
        ("phoo", True, [("pho", 1, 50), ("phoi", 1, 5)]),
        ("dta", False, [("dat", 1, 200), ("da", 1, 500)]),
        ("nguoj", True, [("nguoi", 1, 300)]),
        ("shophuose", True, [("shophouse", 1, 9)]),
        ("ha", True, []),  # too short for a typo
        ("rar", False, []),  # "rare" is seen once: never offered
        ("q7", False, []),
        ("nhà", False, []),
    ],
)
def test_neighbours(word: str, known: bool, expected: list[tuple[str, int, int]]) -> None:
    got = TypoIndex(VOCAB).neighbours(word, known=known)
    assert sorted(got) == sorted(expected)


def test_neighbours_closest_then_commonest_first_and_bounded() -> None:
    index = TypoIndex({w: c for w, c in VOCAB.items()})
    assert index.neighbours("phoo", limit=1) == [("pho", 1, 50)]
    assert TypoIndex({}).neighbours("phoo") == []


def test_vocabulary_from_lexicon_sums_fields_and_keeps_words() -> None:
    assert vocabulary_from_lexicon([("nha", 3), ("nha", 2), ("100m2", 4), ("tphcm", 1)]) == {"nha": 5, "tphcm": 1}
