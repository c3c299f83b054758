"""Remembered phrases: the contiguous-phrase pattern and the bounded rescore."""

from __future__ import annotations

import numpy as np
import pytest

from newssearch import phrases
from newssearch.highlight import fold_same_length
from newssearch.phrases import contains, phrase_bonus, phrase_pattern
from newssearch.query import parse_query


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("doan cong tac da kiem tra", "Chiều 20/6, đoàn công tác đã kiểm tra tuyến đê", True),
        ("ĐOÀN CÔNG TÁC ĐÃ KIỂM TRA", "đoàn công tác đã kiểm tra", True),
        ("ha noi ngay 17/6 mua", "Hà Nội, ngày 17/6: mưa lớn", True),  # punctuation between words
        ("cong tac da kiem tra", "công tác đã không kiểm tra", False),  # not contiguous
        ("doan cong tac da kiem", "đoàn công tác đã kiểm tra", True),
        ("so ld-tb&xh lam viec voi", "Sở LĐ-TB&XH làm việc với huyện", True),  # a code, with its dots and dashes
    ],
)
def test_pattern_finds_the_phrase_as_written(query: str, text: str, found: bool) -> None:
    pattern = phrase_pattern(parse_query(query + " ").terms)
    assert pattern is not None
    assert contains(pattern, [fold_same_length(text)]) is found


def test_an_unfinished_last_word_may_end_the_phrase() -> None:
    parsed = parse_query("doan cong tac da kie")
    pattern = phrase_pattern(parsed.terms, parsed.last_is_prefix)
    assert pattern is not None and contains(pattern, [fold_same_length("đoàn công tác đã kiểm tra")])


@pytest.mark.parametrize(
    ("query", "covered", "active"),
    [
        ("cong tac kiem tra", 0, True),
        ("kiem tra de", 0, False),  # three words: a topic, not a remembered sentence
        ("can ho ha long", 4, False),  # a kind of property and a place
        ("nha pho ha long gia re", 4, False),
        ("nguoi dan o ha long da", 2, True),
    ],
)
def test_short_and_topic_queries_are_not_phrases(query: str, covered: int, active: bool) -> None:
    assert (phrase_pattern(parse_query(query + " ").terms, covered=covered) is not None) is active


def test_bonus_lifts_holders_above_every_candidate_and_reads_a_bounded_number(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern = phrase_pattern(parse_query("đoàn công tác đã kiểm tra ").terms)
    assert pattern is not None
    n = 40
    docs = np.arange(n, dtype=np.int64)
    scores = np.linspace(100.0, 1.0, n)  # doc 0 best
    holders = {3, 5, 30}
    read: list[int] = []

    def texts(doc: int) -> tuple[str, ...]:
        read.append(doc)
        return ("tieu de", "doan cong tac da kiem tra" if doc in holders else "doan cong tac chua kiem tra")

    monkeypatch.setattr(phrases, "AFTER_FIRST", 4)
    eligible = np.ones(n, dtype=bool)
    eligible[5] = False  # not every word in one area: never read
    bonus = phrase_bonus(pattern, docs, scores, eligible, texts)
    assert set(np.flatnonzero(bonus).tolist()) == {3}
    assert bonus[3] == phrases.LIFT
    assert read == [0, 1, 2, 3, 4, 6, 7, 8]  # best first; four more after the first holder

    monkeypatch.setattr(phrases, "WINDOW", 3)
    read.clear()
    assert not phrase_bonus(pattern, docs, scores, eligible, texts).any()
    assert read == [0, 1, 2]
