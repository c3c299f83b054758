"""The scorer: BM25 checked against numbers worked out by hand on a tiny
index, and the sparse implementation against the straightforward dense
formulation it replaced (one vector per field and term, kept here as the
reference)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from newssearch.documents import Article
from newssearch.indexer import IndexStore
from newssearch.query import ParsedQuery, QTerm, parse_query
from newssearch.ranking import RANKING
from newssearch.scorer import (
    EXACT_FIELDS,
    BoolArray,
    FloatArray,
    Scored,
    TermMatch,
    TextIndex,
    match_term,
    score_terms,
)
from newssearch.search import Engine

# --------------------------------------------------------------------------
# BM25 worked out by hand
# --------------------------------------------------------------------------


def test_bm25_and_a_one_word_query_equal_hand_computed_values(tmp_path: Path) -> None:
    """Three bodies of 3, 2 and 1 syllables; "nhà" twice in the first, once in
    the third. N = 3, df = 2: idf = ln(3 / (2 + 1)) + 1 = 1; the average body
    is 2 syllables. BM25 = idf * tf (k1 + 1) / (tf + k1 (1 - b + b len / avg)):

    * first:  2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3/2)) = 4.4 / 3.65 = 1.205479
    * third:  1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1/2)) = 2.2 / 1.75 = 1.257143

    The term is in no title, summary or metadata, so a query of that one word
    scores exactly its body BM25 (body weight 1)."""
    store = IndexStore(tmp_path)
    store.write(
        [
            Article(id="d1", title="Tin một", body="nhà phố nhà"),
            Article(id="d2", title="Tin hai", body="phố biển"),
            Article(id="d3", title="Tin ba", body="nhà"),
        ]
    )
    engine = Engine(tmp_path)
    try:
        snap = engine.snapshot()
        ti = snap.text
        docnum = {snap.store.document(d)["id"]: d for d in range(ti.n)}
        assert ti.avg_length("body_f") == 2.0
        ids, scores = ti.bm25("body_f", "nha")
        got = {str(snap.store.document(int(d))["id"]): float(s) for d, s in zip(ids, scores, strict=True)}
        assert got == {"d1": pytest.approx(4.4 / 3.65, rel=1e-6), "d3": pytest.approx(2.2 / 1.75, rel=1e-6)}
        scored = score_terms(ti, parse_query("nha"), [], relaxed=False)
        assert sorted(np.flatnonzero(scored.mask).tolist()) == sorted([docnum["d1"], docnum["d3"]])
        assert float(scored.score[docnum["d1"]]) == pytest.approx(4.4 / 3.65, rel=1e-6)
        assert float(scored.score[docnum["d3"]]) == pytest.approx(2.2 / 1.75, rel=1e-6)
        # "phố": df = 2 as well, lengths 3 and 2, tf 1 each.
        _, pho = ti.bm25("body_f", "pho")
        assert pho.tolist() == pytest.approx(
            [2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / 2)), 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / 2))], rel=1e-6
        )
    finally:
        engine.close()


# --------------------------------------------------------------------------
# Reference: the dense implementation (one vector per field and term)
# --------------------------------------------------------------------------


def _dense(ti: TextIndex, field: str, term: str, weight: float = 1.0) -> tuple[BoolArray, FloatArray]:
    """(presence, weighted score) as dense vectors over all documents."""
    ids, scores = ti.bm25(field, term)
    present = np.zeros(ti.n, dtype=bool)
    score = np.zeros(ti.n, dtype=np.float32)
    if len(ids):
        present[ids] = True
        score[ids] = scores * weight
    return present, score


def ref_match_term(
    ti: TextIndex, t: QTerm, prefix: bool = False, fields: dict[str, float] = RANKING.field_weights
) -> TermMatch:
    """A query term in any field: presence and disjunction-max score.

    With ``prefix`` (an unfinished last word), words beginning with the term
    match too, at :data:`RANKING.prefix_weight` of their score.
    """
    best = np.zeros(ti.n, dtype=np.float32)
    total = np.zeros(ti.n, dtype=np.float32)
    present = np.zeros(ti.n, dtype=bool)
    in_title = np.zeros(ti.n, dtype=bool)
    title_score = np.zeros(ti.n, dtype=np.float32)
    for field, weight in fields.items():
        p, s = _dense(ti, field, t.folded, weight)
        present |= p
        np.maximum(best, s, out=best)
        total += s
        if field in ("title_f", "title_j"):
            in_title |= p
            np.maximum(title_score, s, out=title_score)
    if t.parts:  # a code such as Q.7: its parts, all in one field, count too
        for field, weight in RANKING.field_weights.items():
            if field == "title_j":
                continue
            part_present = np.ones(ti.n, dtype=bool)
            part_score = np.zeros(ti.n, dtype=np.float32)
            for part in t.parts:
                p, s = _dense(ti, field, part, weight)
                part_present &= p
                part_score += s
            part_score[~part_present] = 0
            present |= part_present
            np.maximum(best, part_score, out=best)
            total += part_score
            if field == "title_f":
                in_title |= part_present
                np.maximum(title_score, part_score, out=title_score)
    score = best + RANKING.tiebreak * (total - best)
    if prefix and len(t.folded) >= RANKING.prefix_min_length and t.folded.isalnum():
        for word in ti.expand_prefix(t.folded):
            other = ref_match_term(ti, QTerm(word, word, False, t.start, t.end), fields=RANKING.prefix_field_weights)
            present |= other.present
            in_title |= other.in_title
            np.maximum(score, other.score * RANKING.prefix_weight, out=score)
            np.maximum(title_score, other.title_score * RANKING.prefix_weight, out=title_score)
    return TermMatch(present, score, in_title, title_score)


def ref_exact_score(ti: TextIndex, t: QTerm) -> FloatArray:
    """Extra score where the term appears with the diacritics the user typed."""
    out = np.zeros(ti.n, dtype=np.float32)
    for folded_field, exact_field in EXACT_FIELDS.items():
        _, s = _dense(ti, exact_field, t.exact, RANKING.field_weights[folded_field])
        np.maximum(out, s, out=out)
    return out


def ref_score_terms(
    ti: TextIndex,
    parsed: ParsedQuery,
    place_groups: list[tuple[list[int], list[str]]],
    relaxed: bool,
) -> Scored:
    """Match and score the plain terms of a query.

    ``place_groups`` lists (indexes of the terms naming a place, that place's
    index keys): those terms may be satisfied by the document's place instead
    of its words.
    """
    terms = parsed.terms
    last = len(terms) - 1
    matches = [ref_match_term(ti, t, prefix=parsed.last_is_prefix and i == last) for i, t in enumerate(terms)]
    score = np.zeros(ti.n, dtype=np.float32)
    for m in matches:
        score += m.score
    grouped: set[int] = set()
    clauses: list[BoolArray] = []
    tiers: list[BoolArray] = []
    for covered, keys in place_groups:
        words = np.ones(ti.n, dtype=bool)
        for i in covered:
            words &= matches[i].present
        in_place = np.zeros(ti.n, dtype=bool)
        for key in keys:
            in_place |= _dense(ti, "places", key)[0]
        clauses.append(words | in_place)
        tiers.append(in_place)
        grouped.update(covered)
    clauses.extend(m.present for i, m in enumerate(matches) if i not in grouped)
    if clauses:
        mask = np.logical_or.reduce(clauses) if relaxed else np.logical_and.reduce(clauses)
    else:
        mask = np.ones(ti.n, dtype=bool)
    # Boosts.
    for t in terms:
        if t.accented:
            score += RANKING.exact_boost * ref_exact_score(ti, t)
    for a, b in itertools.pairwise(terms):
        if a.parts or b.parts:
            continue
        score += _dense(ti, "title_bi", f"{a.folded}_{b.folded}", RANKING.title_bigram_boost)[1]
        if a.accented or b.accented:
            score += _dense(ti, "title_bi", f"{a.exact}_{b.exact}", RANKING.exact_bigram_boost)[1]
    if len(matches) > 1:
        all_in_title = np.logical_and.reduce([m.in_title for m in matches])
        title_total = np.sum([m.title_score for m in matches], axis=0)
        score += np.where(all_in_title, RANKING.title_all_boost * title_total, 0).astype(np.float32)
    if tiers:
        for tier in tiers:
            score[tier] += RANKING.tier_lift
    return Scored(mask, score)


# --------------------------------------------------------------------------
# Equivalence on the sample index
# --------------------------------------------------------------------------

QUERIES = [
    "nha pho ha long",
    "bán nhà",
    "bàn nha",
    "nguoi yeu the",
    "Quảng Ninh",
    "can ho q7",
    "Q.7",
    "TP.HCM du lich",
    "dau tranh",
    "ha lo",
    "biet thu tay ho",
    "cho thuê căn hộ",
    "mua ban dat",
    "xyzzy không có",
    "đường",
    "nha",
]


def _places(engine: Engine, ti: TextIndex) -> list[list[str]]:
    keys = sorted(ti.snap.terms_with_prefix("places", ""))
    return [keys[:1], keys[1:3]] if len(keys) >= 3 else [keys]


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("relaxed", [False, True])
@pytest.mark.parametrize("prefix", [False, True])
def test_sparse_scorer_equals_dense_reference(engine: Engine, q: str, relaxed: bool, prefix: bool) -> None:
    ti = engine.snapshot().text
    parsed = parse_query(q)
    parsed.last_is_prefix = prefix
    groups = [([0], keys) for keys in _places(engine, ti)][:1] if parsed.terms else []
    got = score_terms(ti, parsed, groups, relaxed)
    want = ref_score_terms(ti, parsed, groups, relaxed)
    assert np.array_equal(got.mask, want.mask)
    np.testing.assert_allclose(got.score, want.score, rtol=1e-5, atol=1e-5)
    assert got.mask.any() == want.mask.any()


@pytest.mark.parametrize("q", QUERIES)
def test_match_term_equals_dense_reference(engine: Engine, q: str) -> None:
    ti = engine.snapshot().text
    for t in parse_query(q).terms:
        for prefix in (False, True):
            got, want = match_term(ti, t, prefix), ref_match_term(ti, t, prefix)
            assert np.array_equal(got.present, want.present)
            assert np.array_equal(got.in_title, want.in_title)
            np.testing.assert_allclose(got.score, want.score, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got.title_score, want.title_score, rtol=1e-5, atol=1e-6)


def test_reference_comparison_is_not_vacuous(engine: Engine) -> None:
    ti = engine.snapshot().text
    scored = score_terms(ti, parse_query("nha"), [], False)
    assert scored.mask.sum() > 1 and float(scored.score.max()) > 0



@pytest.mark.parametrize("limit", [1, 3, 10, 60])
def test_pruned_adjacency_rescore_ranks_like_rescoring_every_candidate(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """_rank stops rescoring at the first candidate that cannot reach the best
    ``limit`` even with the largest bonus; an unbounded bonus turns that off."""
    from newssearch import scorer

    queries = ["nha pho ha long", "ban nha mat tien", "quang ninh du lich", "can ho cho thue", "tin tuc xa hoi"]
    snap = engine.snapshot()

    def ranked() -> list[list[tuple[int, float | None]]]:
        out = []
        for q in queries:
            parsed = parse_query(q)
            mask, scores, _exact = engine._match(snap, parsed, [], relaxed=True)
            assert scores is not None
            out.append(engine._rank(snap, parsed, mask, scores, limit))
        return out

    pruned = ranked()
    original_init = scorer.Adjacency.__init__

    def unbounded(self: scorer.Adjacency, terms: list[QTerm]) -> None:
        original_init(self, terms)
        self.max_bonus = float("inf") if self.patterns else 0.0

    monkeypatch.setattr(scorer.Adjacency, "__init__", unbounded)
    full = ranked()
    assert pruned == full
    assert all(r and len(r) <= limit for r in full)


def test_term_matches_are_cached_read_only_and_reused(engine: Engine) -> None:
    ti = engine.snapshot().text
    t = parse_query("quang ninh").terms[0]
    first = match_term(ti, t)
    key = next(k for k in ti.matches._items if k[0] == t.folded and not k[2])
    cached = ti.matches.get(key)
    assert cached is not None and not cached.score.flags.writeable
    again = match_term(ti, t)
    assert np.array_equal(first.score, again.score) and np.array_equal(first.present, again.present)


@pytest.mark.parametrize(("n", "need"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (9, 6), (12, 8)])
def test_required_count_most_words(n: int, need: int) -> None:
    from newssearch.scorer import required_count

    assert required_count(n) == need


def test_alternatives_match_below_the_word_and_exact_says_where_it_was_typed(engine: Engine) -> None:
    from newssearch.query import QTerm, parse_query
    from newssearch.scorer import score_terms

    snap = engine.snapshot()
    parsed = parse_query("nguoi yeu thee ")
    plain = score_terms(snap.text, parsed, [], relaxed=False)
    assert not plain.mask.any() and plain.exact is None
    the = QTerm("the", "the", False, 10, 14)
    scored = score_terms(snap.text, parsed, [], relaxed=False, alternatives={2: [((the,), 0.5)]})
    assert scored.mask.any() and scored.exact is not None and not scored.exact.any()
    typed = score_terms(snap.text, parse_query("nguoi yeu the "), [], relaxed=False)
    assert np.array_equal(scored.mask, typed.mask)
    assert np.all(scored.score[scored.mask] < typed.score[typed.mask])
