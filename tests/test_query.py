"""The query parser: terms, phrases, exclusions, codes; never raises."""

from __future__ import annotations

import pytest

from newssearch.query import QPhrase, QTerm, parse_query, property_intent


def folded(terms: list[QTerm]) -> list[str]:
    return [t.folded for t in terms]


@pytest.mark.parametrize(
    ("text", "terms", "phrases", "excluded"),
    [
        ("nguoi yeu the", ["nguoi", "yeu", "the"], [], []),
        ("Người Yếu Thế", ["nguoi", "yeu", "the"], [], []),
        ('"mua bán người" tỉnh', ["tinh"], [["mua", "ban", "nguoi"]], []),
        ("“mua bán người”", [], [["mua", "ban", "nguoi"]], []),
        ("nha pho -chung cu", ["nha", "pho", "cu"], [], ["chung"]),
        ('nha -"chung cu"', ["nha"], [], [["chung", "cu"]]),
        ('"unbalanced quote', ["unbalanced", "quote"], [], []),
        ("title:(ha long)^2 AND ~x*", ["title", "ha", "long", "2", "and", "x"], [], []),
        ("can-ho", ["canho"], [], []),
        ("", [], [], []),
        ("   ", [], [], []),
        ("---", [], [], []),
    ],
)
def test_parse(text: str, terms: list[str], phrases: list[list[str]], excluded: list[object]) -> None:
    p = parse_query(text)
    assert folded(p.terms) == terms
    assert [[t.folded for t in ph.terms] for ph in p.phrases] == phrases
    got_excluded = [
        [t.folded for t in x.terms] if isinstance(x, QPhrase) else x.folded for x in p.excluded
    ]
    assert got_excluded == excluded


def test_accents_are_kept_for_ranking() -> None:
    p = parse_query("bán nha")
    assert [(t.exact, t.folded, t.accented) for t in p.terms] == [
        ("bán", "ban", True),
        ("nha", "nha", False),
    ]


@pytest.mark.parametrize(
    ("text", "joined", "parts"),
    [("Q.7", "q7", ("q", "7")), ("TP.HCM", "tphcm", ("tp", "hcm")), ("LĐ-TB&XH", "ldtbxh", ("ld", "tb", "xh"))],
)
def test_codes_become_one_term_with_parts(text: str, joined: str, parts: tuple[str, ...]) -> None:
    (term,) = parse_query(text).terms
    assert (term.folded, term.parts) == (joined, parts)


def test_offsets_point_into_the_raw_query() -> None:
    text = 'căn hộ "Hạ Long" -đất'
    p = parse_query(text)
    assert [text[t.start : t.end] for t in p.positive_terms()] == ["căn", "hộ", "Hạ", "Long"]


def test_only_exclusions_is_browse_mode() -> None:
    p = parse_query("-dat")
    assert p.is_empty and folded([x for x in p.excluded if isinstance(x, QTerm)]) == ["dat"]


@pytest.mark.parametrize(
    ("text", "prefix"),
    [("nha pho ha lo", True), ("nha pho ha lo ", False), ('"ha long"', False), ("can ho Q.7", False), ("", False)],
)
def test_last_word_prefix_flag(text: str, prefix: bool) -> None:
    assert parse_query(text).last_is_prefix is prefix


@pytest.mark.parametrize(
    ("q", "covered"),
    [
        ("can ho my tho", [0, 1]),
        ("Nhà phố Hạ Long", [0, 1]),
        ("biet thu tay ho", [0, 1]),
        ("ban dat dien ban", [1]),  # "dat" alone; "ban" is not a kind of property
        ("nha", [0]),
        ("chay rung ha long", []),
        ("cho thue van phong q1", [0, 1, 2, 3]),
    ],
)
def test_property_intent_finds_kinds_of_property(q: str, covered: list[int]) -> None:
    assert property_intent(parse_query(q).terms) == covered
