"""The time budget (Deadline) and the caps on one query (bound_query)."""

from __future__ import annotations

import time

import pytest

from newssearch.budget import (
    MAX_EXCLUDED,
    MAX_PHRASES,
    MAX_TERMS,
    WALL_FACTOR,
    Deadline,
    bound_query,
    unlimited,
)
from newssearch.query import QPhrase, QTerm, parse_query


def spin(seconds: float) -> None:
    """Use CPU for ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_no_budget_never_expires() -> None:
    for deadline in (unlimited(), Deadline(0), Deadline(-1)):
        spin(0.02)
        assert not deadline.expired()
        assert not deadline.timed_out


def test_budget_expires_after_that_much_cpu_time_and_stays_expired() -> None:
    deadline = Deadline(0.05)
    assert not deadline.expired()
    assert not deadline.timed_out
    spin(0.06)
    assert deadline.expired()
    assert deadline.timed_out
    assert deadline.expired()


def test_waiting_counts_only_past_the_wall_time_cap() -> None:
    deadline = Deadline(0.05)
    time.sleep(0.06)  # no CPU used: within budget until the wall time cap
    assert not deadline.expired()
    time.sleep(0.05 * WALL_FACTOR)
    assert deadline.expired()


def test_start_restarts_the_clock() -> None:
    deadline = Deadline(0.05)
    spin(0.06)
    deadline.start()
    assert not deadline.expired()


def _words(q: str) -> list[str]:
    return [t.folded for t in parse_query(q).terms]


def _phrases(ps: list[QPhrase]) -> list[str]:
    return [" ".join(t.folded for t in p.terms) for p in ps]


def _excluded(xs: list[QTerm | QPhrase]) -> list[str]:
    return [x.folded if isinstance(x, QTerm) else " ".join(t.folded for t in x.terms) for x in xs]


many_words = " ".join(f"tu{i}" for i in range(MAX_TERMS + 5))
many_phrases = " ".join(f'"nha so{i}"' for i in range(MAX_PHRASES + 3))
many_excluded = " ".join(f"-loai{i}" for i in range(MAX_EXCLUDED + 4))


@pytest.mark.parametrize(
    ("q", "terms", "phrases", "excluded", "ignored"),
    [
        ("nha pho ha long", ["nha", "pho", "ha", "long"], [], [], {}),
        # Repeated words are kept (pairs and places read them in order).
        ("ha noi ha long", ["ha", "noi", "ha", "long"], [], [], {}),
        ('x "của của" "của của" "cua cua"', ["x"], ["cua cua", "cua cua"], [], {}),
        ('a -"nhà phố" -"nhà phố" -b -b', ["a"], [], ["nha pho", "b"], {}),
        (many_words, [f"tu{i}" for i in range(MAX_TERMS)], [], [], {"terms": 5}),
        (many_phrases, [], [f"nha so{i}" for i in range(MAX_PHRASES)], [], {"phrases": 3}),
        ("z " + many_excluded, ["z"], [], [f"loai{i}" for i in range(MAX_EXCLUDED)], {"excluded": 4}),
        # Repeats do not count towards the caps.
        (" ".join(["nha"] * 100), ["nha"] * 100, [], [], {}),
    ],
)
def test_bound_query(q: str, terms: list[str], phrases: list[str], excluded: list[str], ignored: dict[str, int]) -> None:
    bounded, dropped = bound_query(parse_query(q))
    assert ([t.folded for t in bounded.terms], _phrases(bounded.phrases), _excluded(bounded.excluded), dropped) == (
        terms,
        phrases,
        excluded,
        ignored,
    )


@pytest.mark.parametrize(
    ("q", "last_is_prefix"),
    [
        ("nha pho ha lo", True),
        ("nha pho ha long ", False),
        ("nha pho nha", True),  # a repeated last word stays unfinished
        (many_words, False),  # the unfinished last word was over the cap
    ],
)
def test_bound_query_keeps_the_unfinished_word_only_if_it_is_still_last(q: str, last_is_prefix: bool) -> None:
    assert bound_query(parse_query(q))[0].last_is_prefix is last_is_prefix
