"""Snippets and highlights over the original accented text."""

from __future__ import annotations

import unicodedata

import pytest

from newssearch.highlight import SCAN_LIMIT, fold_same_length, highlight_all, match_spans, snippet
from newssearch.query import parse_query


def terms(q: str) -> list:  # type: ignore[type-arg]
    return parse_query(q).positive_terms()


def test_unaccented_query_marks_accented_original() -> None:
    assert highlight_all("Chăm lo cho người yếu thế", terms("nguoi yeu the")) == (
        "Chăm lo cho <mark>người</mark> <mark>yếu</mark> <mark>thế</mark>"
    )


def test_nfd_original_is_marked_at_original_offsets() -> None:
    text = unicodedata.normalize("NFD", "Đấu tranh ở Hạ Long")
    out = highlight_all(text, terms("dau tranh"))
    assert out.startswith("<mark>" + text[: text.index(" ")] + "</mark>")


def test_joined_query_marks_spaced_words() -> None:
    assert highlight_all("Vịnh Hạ Long đẹp", terms("halong")) == "Vịnh <mark>Hạ Long</mark> đẹp"


def test_code_query_marks_code() -> None:
    assert highlight_all("Tại TP.HCM hôm nay", terms("tphcm")) == "Tại <mark>TP.HCM</mark> hôm nay"


def test_html_is_escaped() -> None:
    out = highlight_all("<script>alert('người')</script>", terms("nguoi"))
    assert "<script>" not in out
    assert out == "&lt;script&gt;alert(&#x27;<mark>người</mark>&#x27;)&lt;/script&gt;"


def test_snippet_picks_window_with_most_terms() -> None:
    filler = "Nội dung không liên quan. " * 30
    text = filler + "Dự án đấu tranh chống mua bán người được triển khai." + filler
    out = snippet(text, terms("mua ban nguoi"), size=120)
    assert "<mark>mua</mark> <mark>bán</mark> <mark>người</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(out) < 400


def test_snippet_without_match_is_start_of_text() -> None:
    assert snippet("Một hai ba bốn", terms("xyz"), size=100) == "Một hai ba bốn"


def test_match_spans_on_empty_and_huge_text() -> None:
    assert match_spans("", terms("a")) == []
    big = "người " * 200_000
    assert len(match_spans(big, terms("nguoi"))) > 1000


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Chăm lo cho người yếu thế", "nguoi yeu the"),
        ("Du lịch Hạ Long mùa hè", "halong"),
        ("Sở LĐ-TB&XH làm việc", "ld-tb&xh"),
        (unicodedata.normalize("NFD", "Người dân Đà Nẵng"), "da nang"),  # NFD: the general path
        ("Một hai ba. " * 3000 + "người yếu thế", "nguoi ba"),  # past SCAN_LIMIT
        ("", "nguoi"),
    ],
)
def test_spans_from_a_text_folded_earlier_equal_spans_folding_it_now(text: str, query: str) -> None:
    expected = match_spans(text, terms(query))
    for folded in (fold_same_length(text), fold_same_length(text[:SCAN_LIMIT])):
        assert match_spans(text, terms(query), folded) == expected
        assert highlight_all(text, terms(query), expected) == highlight_all(text, terms(query))
