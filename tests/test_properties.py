"""Property tests: the text functions and the query parser accept any string.

Arbitrary Unicode (every category, lone surrogates included) checks that
nothing raises and the basic contracts hold; Vietnamese-heavy strategies
(precomposed and combining marks, codes, numbers, invisible characters)
check the finer ones: idempotence, NFC/NFD equivalence, offsets.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.query import parse_query
from newssearch.vietnamese import (
    compact,
    fold,
    has_diacritics,
    normalize,
    normalize_chars,
    tokenize,
)

SETTINGS = settings(max_examples=200, deadline=None)

# Any code point, surrogates included (hypothesis leaves them out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=80)

_TONES = "\u0301\u0300\u0309\u0303\u0323"
_VOWELS = "aăâeêioôơuưy"
_LETTERS = sorted(
    {
        unicodedata.normalize("NFC", v + tone)
        for v in _VOWELS + _VOWELS.upper()
        for tone in ("", *_TONES)
    }
    | set("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX")
)
_SYLLABLES = [
    "hòa", "hoà", "thủy", "thuỷ", "khỏe", "khoẻ", "Thụy", "Thuỵ", "Hoà", "Uỷ", "Ủy", "hoàn",
    "toán", "khuyết", "huỳnh", "quý", "quà", "người", "giỏi", "được", "Đà", "Nẵng", "ở",
    "ý", "á", "TP.HCM", "LĐ-TB&XH", "Q.7", "UBND", "1,2", "5.2", "17/06/2022", "100m2",
    "40.000", "m²", "𝐇𝐚̀", "ÐBSCL", "dưới", "trên", "không",
]  # fmt: skip
_GLUE = [
    " ",
    "  ",
    ", ",
    ". ",
    "-",
    ".",
    "/",
    "&",
    "\n",
    "\u00a0",
    "\u200b",
    "\u00ad",
    "\ufeff",
    "\x00",
    "\x96",
    ": ",
    "\t",
]

# Characters (and short glue strings) of Vietnamese text and what surrounds it in the wild.
viet_chars = st.sampled_from(
    _LETTERS
    + list(_TONES)
    + list("\u0302\u0306\u031b")
    + list("0123456789")
    + _GLUE
    + ["Ð", "ð", "“", "”", "…", "😀"]
)
viet_text = st.lists(viet_chars, max_size=120).map("".join)
# Whole syllables (both tone placements, codes, numbers) glued by punctuation.
syllable_text = st.lists(
    st.tuples(st.sampled_from(_SYLLABLES), st.sampled_from(_GLUE)), max_size=20
).map(lambda pairs: "".join(s + g for s, g in pairs))
vietnamese = st.one_of(viet_text, syllable_text)


def _check_tokens(text: str) -> None:
    for t in tokenize(text):
        assert 0 <= t.start < t.end <= len(text)
        assert t.text
        assert t.text == t.text.lower()
        assert t.kind in ("word", "number", "part", "joined")


@SETTINGS
@given(any_text)
def test_any_text_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert isinstance(has_diacritics(text), bool)
    assert compact(text).isascii()
    clean, starts, ends = normalize_chars(text)
    if starts is not None and ends is not None:
        assert len(starts) == len(ends) == len(clean)
    _check_tokens(text)


@SETTINGS
@given(st.one_of(any_text, vietnamese))
def test_fold_is_ascii_lowercase_and_idempotent(text: str) -> None:
    once = fold(text)
    assert once.isascii()
    assert once == once.lower()
    assert fold(once) == once


@SETTINGS
@given(st.one_of(any_text, vietnamese))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once


@SETTINGS
@given(vietnamese)
def test_vietnamese_tokens(text: str) -> None:
    _check_tokens(text)
    for t in tokenize(text):
        original = text[t.start : t.end]
        if t.kind == "joined":
            assert compact(original) == fold(t.text)
        else:
            # The original substring, normalised and lowercased, is the token,
            # plus any stray combining marks its last letter carried.
            n = normalize(original).lower()
            assert n.startswith(t.text)
            assert all(unicodedata.combining(c) for c in n[len(t.text) :])


@SETTINGS
@given(vietnamese)
def test_nfd_and_nfc_input_agree(text: str) -> None:
    composed = unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFD", text)
    assert normalize(decomposed) == normalize(composed)
    assert fold(decomposed) == fold(composed)
    assert [(t.text, t.kind, t.pos) for t in tokenize(decomposed)] == [
        (t.text, t.kind, t.pos) for t in tokenize(composed)
    ]


@SETTINGS
@given(
    st.one_of(
        any_text, vietnamese, st.text(st.sampled_from('"“”«»-–:*?~^()[]{} aĐ.7'), max_size=40)
    )
)
def test_parse_query_never_raises(text: str) -> None:
    parsed = parse_query(text)
    assert parsed.raw == text
    for term in parsed.positive_terms():
        assert term.folded.isascii()
