"""The query parser: terms, phrases, exclusions, codes; never raises."""

from __future__ import annotations

from datetime import date

import pytest

from newssearch.datewords import find_dates
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
        ("foo:(ha long)^2 AND ~x*", ["foo", "ha", "long", "2", "and", "x"], [], []),
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


# --------------------------------------------------------------------------
# The editors' syntax: fields, OR, date words; never an error
# --------------------------------------------------------------------------


def _alt(x: QTerm | QPhrase) -> object:
    return [t.folded for t in x.terms] if isinstance(x, QPhrase) else x.folded


@pytest.mark.parametrize(
    ("text", "fields", "terms", "notes"),
    [
        ("tác giả: Hoàng Giang lũ lụt", [("author", "Hoàng Giang")], ["lu", "lut"], 0),
        ('tac gia:"hoang giang"', [("author", "hoang giang")], [], 0),
        ("Author:Thu Hà nhà", [("author", "Thu Hà")], ["nha"], 0),
        ("author: thu ha", [("author", "thu")], ["ha"], 0),
        ('tiêu đề: "hạ long" bão', [("title", "hạ long")], ["bao", "ha", "long"], 0),
        ("title:(ha long)", [("title", "ha long")], ["ha", "long"], 0),
        ("chuyên mục: Xã hội", [("category", "Xã hội")], [], 0),
        ("category: kinh te tác giả: Minh Anh", [("category", "kinh te"), ("author", "Minh Anh")], [], 0),
        ("foo: bar", [], ["foo", "bar"], 0),
        ("tác giả:", [], [], 1),
        ('title:"" nhà', [], ["nha"], 1),
    ],
)
def test_fields(text: str, fields: list[tuple[str, str]], terms: list[str], notes: int) -> None:
    p = parse_query(text)
    assert [(f.field, f.value) for f in p.fields] == fields
    assert folded(p.terms) == terms
    assert len(p.notes) == notes


@pytest.mark.parametrize(
    ("text", "groups", "terms", "notes"),
    [
        ("lũ OR lụt quảng ninh", [["lu", "lut"]], ["quang", "ninh"], 0),
        ('(lũ OR "ngập úng" OR mưa) bão', [["lu", ["ngap", "ung"], "mua"]], ["bao"], 0),
        ("(lũ OR lụt", [["lu", "lut"]], [], 0),
        ("OR bão OR", [], ["bao"], 1),
        ("bão OR OR lũ", [["bao", "lu"]], [], 1),
        ("OR", [], [], 1),
        ("lũ or lụt", [], ["lu", "or", "lut"], 0),
        ("(nhà phố))", [], ["nha", "pho"], 0),
    ],
)
def test_or_groups(text: str, groups: list[list[object]], terms: list[str], notes: int) -> None:
    p = parse_query(text)
    assert [[_alt(a) for a in g] for g in p.any_of] == groups
    assert folded(p.terms) == terms
    assert len(p.notes) == notes


def test_or_group_terms_are_highlighted_and_make_the_query_non_empty() -> None:
    p = parse_query("lũ OR lụt")
    assert not p.is_empty
    assert folded(p.positive_terms()) == ["lu", "lut"]


@pytest.mark.parametrize(
    ("text", "date_from", "date_to", "terms", "notes"),
    [
        ("bão năm 2022", date(2022, 1, 1), date(2022, 12, 31), ["bao"], 0),
        ("tháng 6/2022 lũ", date(2022, 6, 1), date(2022, 6, 30), ["lu"], 0),
        ("thang 2/2024", date(2024, 2, 1), date(2024, 2, 29), [], 0),
        ("tháng 6 năm 2022", date(2022, 6, 1), date(2022, 6, 30), [], 0),
        ("từ 2021 đến 2023 nhà phố", date(2021, 1, 1), date(2023, 12, 31), ["nha", "pho"], 0),
        ("tu 5/2021 den 17/2/2022", date(2021, 5, 1), date(2022, 2, 17), [], 0),
        ("tháng 13/2022 bão", None, None, ["thang", "13/2022", "bao"], 1),
        ("từ 2023 đến 2021", None, None, ["tu", "2023", "den", "2021"], 1),
        ("năm 99999", None, None, ["nam", "99999"], 0),
        ("năm 1800", None, None, ["nam", "1800"], 1),
        ("Việt Nam 2022", None, None, ["viet", "nam", "2022"], 0),
    ],
)
def test_date_words(text: str, date_from: date | None, date_to: date | None, terms: list[str], notes: int) -> None:
    p = parse_query(text)
    assert (p.date_from, p.date_to) == (date_from, date_to)
    assert folded(p.terms) == terms
    assert len(p.notes) == notes


def test_date_phrases_do_not_overlap() -> None:
    found = find_dates("từ tháng 6/2021 đến năm 2022 và năm 2020")
    assert [(d.start_date, d.end_date) for d in found] == [
        (date(2021, 6, 1), date(2022, 12, 31)),
        (date(2020, 1, 1), date(2020, 12, 31)),
    ]


@pytest.mark.parametrize(
    "text",
    ["tác giả: tiêu đề:", "((()))", "OR OR OR", 'title:"', "-", "chuyên mục:", "năm", "tháng 0/0", ":::", "tác giả: -x"],
)
def test_odd_syntax_never_raises(text: str) -> None:
    parse_query(text)
