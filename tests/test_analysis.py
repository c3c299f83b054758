"""Whoosh analyzers: exact, folded, bigram and joined forms.

Every analyzer is run the way Whoosh runs it (positions and character
offsets on), pickled the way Whoosh stores it in the index, and used in a
small real index built in ``tmp_path``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Phrase, Query, Term

from newssearch.store import analysis
from newssearch.store.analysis import (
    BigramFilter,
    FoldFilter,
    JoinedFilter,
    VietnameseTokenizer,
    bigram_analyzer,
    exact_analyzer,
    folded_analyzer,
    joined_analyzer,
)


def terms(analyzer: Any, value: str) -> list[str]:
    return [t.text for t in analyzer(value, positions=True, chars=True, mode="index")]


def spans(analyzer: Any, value: str, **kwargs: Any) -> list[tuple[str, int, str]]:
    """(term, position, ORIGINAL text between startchar and endchar)."""
    start = kwargs.get("start_char", 0)
    return [
        (t.text, t.pos, value[t.startchar - start : t.endchar - start])
        for t in analyzer(value, positions=True, chars=True, mode="index", **kwargs)
    ]


# --------------------------------------------------------------------------
# Each analyzer on examples
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyzer", "value", "expected"),
    [
        # exact: accents kept, lowercased, canonical tone placement.
        (exact_analyzer(), "Hoà Bình ĐƯỢC mùa", ["hòa", "bình", "được", "mùa"]),
        (exact_analyzer(), "Thuỷ lợi, Uỷ ban", ["thủy", "lợi", "ủy", "ban"]),
        (exact_analyzer(), "TP.HCM ở Q.7", ["tp", "hcm", "tphcm", "ở", "q", "7", "q7"]),
        (exact_analyzer(), "giá 1,2 tỷ", ["giá", "1,2", "tỷ"]),
        # folded: lowercase ASCII, đ -> d.
        (folded_analyzer(), "Hoà Bình ĐƯỢC mùa", ["hoa", "binh", "duoc", "mua"]),
        (folded_analyzer(), "Ðà Nẵng, Đấu", ["da", "nang", "dau"]),
        (folded_analyzer(), "Sở LĐ-TB&XH", ["so", "ld", "tb", "xh", "ldtbxh"]),
        # bigram: exact and folded forms of each adjacent pair.
        (bigram_analyzer(), "Vịnh Hạ Long", ["vịnh_hạ", "vinh_ha", "hạ_long", "ha_long"]),
        (bigram_analyzer(), "ha long", ["ha_long"]),  # folded == exact: emitted once
        (bigram_analyzer(), "Hạ", []),
        # Parts of a code pair up; its joined form does not take part.
        (bigram_analyzer(), "ở TP.HCM", ["ở_tp", "o_tp", "tp_hcm"]),
        # Punctuation does not break adjacency (positions are consecutive).
        (bigram_analyzer(), "Hà Nội, Huế", ["hà_nội", "ha_noi", "nội_huế", "noi_hue"]),
        # joined: capitalised runs only (names), folded.
        (joined_analyzer(), "Vịnh Hạ Long", ["vinhha", "halong"]),
        (joined_analyzer(), "ở Sài Gòn", ["saigon"]),
        (joined_analyzer(3), "Hồ Chí Minh", ["hochi", "chiminh", "hochiminh"]),
        (joined_analyzer(3), "thành phố Hồ Chí Minh", ["hochi", "chiminh", "hochiminh"]),
        (joined_analyzer(), "hạ long", []),  # lowercase words are not names
        (joined_analyzer(), "Hạ, Long", ["halong"]),
    ],
)
def test_analyzer_terms(analyzer: Any, value: str, expected: list[str]) -> None:
    assert terms(analyzer, value) == expected


def test_exact_positions_and_offsets_point_into_the_original() -> None:
    value = "Ủy ban TP.HCM\u200b họp"
    assert spans(exact_analyzer(), value) == [
        ("ủy", 0, "Ủy"),
        ("ban", 1, "ban"),
        ("tp", 2, "TP"),
        ("hcm", 3, "HCM"),
        ("tphcm", 2, "TP.HCM"),
        ("họp", 4, "họp"),
    ]


def test_folded_offsets_keep_the_accented_original() -> None:
    value = "Người\u00a0Việt"
    assert spans(folded_analyzer(), value) == [("nguoi", 0, "Người"), ("viet", 1, "Việt")]


def test_bigram_and_joined_offsets_cover_both_syllables() -> None:
    value = "Vịnh Hạ Long"
    assert spans(bigram_analyzer(), value) == [
        ("vịnh_hạ", 0, "Vịnh Hạ"),
        ("vinh_ha", 0, "Vịnh Hạ"),
        ("hạ_long", 1, "Hạ Long"),
        ("ha_long", 1, "Hạ Long"),
    ]
    assert spans(joined_analyzer(), value) == [("vinhha", 0, "Vịnh Hạ"), ("halong", 1, "Hạ Long")]


def test_nfd_value_offsets_cover_whole_letters() -> None:
    import unicodedata

    value = unicodedata.normalize("NFD", "Đà Nẵng")
    got = spans(exact_analyzer(), value)
    assert [(text, pos) for text, pos, _ in got] == [("đà", 0), ("nẵng", 1)]
    assert [unicodedata.normalize("NFC", original) for _, _, original in got] == ["Đà", "Nẵng"]


def test_start_pos_and_start_char_shift_tokens() -> None:
    # Whoosh passes these for the second value of a multi-valued field.
    value = "Hà Nội"
    got = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in exact_analyzer()(value, positions=True, chars=True, start_pos=10, start_char=100)
    ]
    assert got == [("hà", 10, 100, 102), ("nội", 11, 103, 106)]


def test_untokenized_value_is_one_token() -> None:
    got = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in VietnameseTokenizer()("Hà Nội", positions=True, chars=True, tokenize=False)
    ]
    assert got == [("Hà Nội", 0, 0, 6)]


def test_keeporiginal_is_the_original_substring() -> None:
    got = [(t.text, t.original) for t in exact_analyzer()("Hoà ĐÀ\u200bNẴNG", keeporiginal=True)]
    assert got == [("hòa", "Hoà"), ("đànẵng", "ĐÀ\u200bNẴNG")]


@pytest.mark.parametrize("value", ["", "   ", "😀 \ud800 \x00", "…—“”"])
def test_empty_and_garbage_values_give_no_terms(value: str) -> None:
    for make in (exact_analyzer, folded_analyzer, bigram_analyzer, joined_analyzer):
        assert terms(make(), value) == []


def test_fold_term_memo_matches_fold() -> None:
    from newssearch.vietnamese import fold

    for word in ("được", "Ð", "hoà", "tphcm", "中文"):
        assert analysis.fold_term(word) == fold(word)
        assert analysis.fold_term(word) == fold(word)  # second call: from the memo


# --------------------------------------------------------------------------
# Pickling: Whoosh stores analyzers inside the index
# --------------------------------------------------------------------------

ANALYZER_FACTORIES: list[Callable[[], Any]] = [
    exact_analyzer,
    folded_analyzer,
    bigram_analyzer,
    joined_analyzer,
    lambda: joined_analyzer(3),
]


@pytest.mark.parametrize("make", ANALYZER_FACTORIES)
def test_analyzers_pickle_and_compare_equal(make: Callable[[], Any]) -> None:
    a = make()
    restored = pickle.loads(pickle.dumps(a))
    assert restored == a
    assert restored == make()
    value = "Vịnh Hạ Long ở TP.HCM"
    assert terms(restored, value) == terms(a, value)


def test_analyzer_equality_tells_settings_apart() -> None:
    assert joined_analyzer(2) != joined_analyzer(3)
    assert JoinedFilter(2) == JoinedFilter(2)
    assert hash(JoinedFilter(2)) == hash(JoinedFilter(2))
    assert exact_analyzer() != folded_analyzer()
    assert BigramFilter() == BigramFilter()
    assert FoldFilter() != BigramFilter()


def test_classes_keep_their_import_path() -> None:
    # The pickled index refers to these names; moving a class breaks old indexes.
    for cls in (VietnameseTokenizer, FoldFilter, BigramFilter, JoinedFilter):
        assert cls.__module__ == "newssearch.store.analysis"
        assert getattr(analysis, cls.__name__) is cls


# --------------------------------------------------------------------------
# A real index in tmp_path
# --------------------------------------------------------------------------

DOCS = [
    ("1", "Được mùa lúa ở Hạ Long"),
    ("2", "Dương Văn Minh và đường phố Sài Gòn"),
    ("3", "Hoà Bình: thuỷ điện xả lũ"),
    ("4", "Sở LĐ-TB&XH TP.HCM họp về mua bán người"),
]


@pytest.fixture
def small_index(tmp_path: Path) -> Path:
    schema = Schema(
        id=ID(stored=True, unique=True),
        e=TEXT(analyzer=exact_analyzer(), stored=True),
        f=TEXT(analyzer=folded_analyzer()),
        bi=TEXT(analyzer=bigram_analyzer(), phrase=False),
        j=TEXT(analyzer=joined_analyzer(3), phrase=False),
    )
    ix = index.create_in(tmp_path, schema)
    with ix.writer() as w:
        for doc_id, text in DOCS:
            w.add_document(id=doc_id, e=text, f=text, bi=text, j=text)
    ix.close()
    return tmp_path


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Term("f", "duoc"), ["1"]),
        (Term("f", "duong"), ["2"]),  # both Dương and đường fold to duong
        (Term("e", "đường"), ["2"]),
        (Term("e", "dương"), ["2"]),
        (Term("e", "được"), ["1"]),
        (Term("e", "duoc"), []),  # the exact field keeps accents
        (Term("e", "hòa"), ["3"]),  # "Hoà" indexed under the canonical placement
        (Term("e", "thủy"), ["3"]),
        (Term("f", "hoa"), ["3"]),
        (Term("e", "ở"), ["1"]),  # one-letter syllable
        (Term("bi", "ha_long"), ["1"]),
        (Term("bi", "hạ_long"), ["1"]),
        (Term("bi", "mua_ban"), ["4"]),
        (Term("j", "halong"), ["1"]),
        (Term("j", "saigon"), ["2"]),
        (Term("f", "tphcm"), ["4"]),
        (Term("f", "ldtbxh"), ["4"]),
        (Phrase("e", ["mua", "bán", "người"]), ["4"]),
        (Phrase("f", ["tp", "hcm"]), ["4"]),
    ],
)
def test_index_search(small_index: Path, query: Query, expected: list[str]) -> None:
    # Opening the index unpickles the schema, analyzers included.
    ix = index.open_dir(small_index)
    try:
        with ix.searcher() as s:
            assert sorted(hit["id"] for hit in s.search(query, limit=None)) == expected
        assert ix.schema["f"].analyzer == folded_analyzer()
    finally:
        ix.close()


def test_index_time_fast_path_emits_what_the_whoosh_chain_emits() -> None:
    """The codec's fast formats take exact/folded terms from analysis.index_terms:
    for every text field of the schema, the same (term, frequency, weight,
    encoded value) as Whoosh's own format classes."""
    import unicodedata

    from whoosh import formats

    from newssearch.cli import sample_paths
    from newssearch.ingest import read_paths
    from newssearch.store.codec import FastFrequency, FastPositions
    from newssearch.store.schema import build_schema

    texts = ["", "   ", "TP.HCM, Q.7: 1,2 tỷ — 17/06/2022 100m2", "Hạ Long hạ long HẠ LONG", "LĐ-TB&XH ở ý"]
    for d in read_paths(sample_paths()):
        texts += [d.title, getattr(d, "body", "") or getattr(d, "description", "")]
    texts.append(unicodedata.normalize("NFD", texts[-1]))
    schema = build_schema()
    fast_fields = 0
    for name in schema.names():
        field = schema[name]
        fmt = getattr(field, "format", None)
        if type(fmt) is FastFrequency:
            original = formats.Frequency.word_values
        elif type(fmt) is FastPositions:
            original = formats.Positions.word_values
        else:
            continue
        fast_fields += analysis.index_terms(field.analyzer, "x") is not None
        for text in texts:
            expected = list(original(fmt, text, field.analyzer, mode="index"))
            assert list(fmt.word_values(text, field.analyzer, mode="index")) == expected, (name, text[:60])
    assert fast_fields == 11  # title, summary, captions, body, author: exact and folded; meta (folded)
