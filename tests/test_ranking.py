"""The ranking configuration is one frozen object that the scorer reads."""

from __future__ import annotations

import dataclasses

import pytest

from newssearch import scorer
from newssearch.ranking import RANKING, Ranking


def test_the_configuration_cannot_be_changed_in_place() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RANKING.k1 = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        RANKING.field_weights["title_f"] = 9.0  # type: ignore[index]


def test_prefix_weights_are_the_field_weights_of_their_fields() -> None:
    assert {f: RANKING.field_weights[f] for f in RANKING.prefix_field_weights} == dict(RANKING.prefix_field_weights)
    assert set(RANKING.prefix_fields) <= set(RANKING.field_weights)


def test_the_scorer_ranks_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """BM25 read with another k1 gives other scores: the scorer has no copy of its own."""
    ids = scorer.np.array([0, 1], dtype=scorer.np.int64)
    tf = scorer.np.array([1.0, 3.0], dtype=scorer.np.float32)

    class Index:
        n = corpus_docs = 4

        def doc_frequency(self, field: str, term: str) -> int:
            return len(ids)

        def postings(self, field: str, term: str) -> scorer.Postings:
            return scorer.Postings(ids, tf)

        def lengths(self, field: str) -> scorer.FloatArray:
            return scorer.np.array([2.0, 4.0, 1.0, 1.0], dtype=scorer.np.float32)

        def avg_length(self, field: str) -> float:
            return 2.0

    before = scorer.TextIndex.bm25(Index(), "body_f", "x")[1].tolist()  # type: ignore[arg-type]
    monkeypatch.setattr(scorer, "RANKING", dataclasses.replace(Ranking(), k1=2.0))
    after = scorer.TextIndex.bm25(Index(), "body_f", "x")[1].tolist()  # type: ignore[arg-type]
    assert before != after and after[1] > before[1]  # less saturation: tf 3 counts more
