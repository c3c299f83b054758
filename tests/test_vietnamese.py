"""Pure Vietnamese text functions: normalize, fold, compact, tokenize, has_diacritics.

Each group follows a point of docs/vietnamese-search.md (shared): NFC vs NFD
input, đ and its look-alike Ð, tone-mark placement, one-letter syllables,
numbers, abbreviations, offsets into the original text, invisible and styled
characters, legacy encodings and garbage that must never raise.
"""

from __future__ import annotations

import dataclasses
import time
import unicodedata

import pytest

from newssearch.vietnamese import (
    Token,
    compact,
    fold,
    has_diacritics,
    normalize,
    normalize_chars,
    tokenize,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def table(text: str) -> list[tuple[str, str, int, str]]:
    """(token text, kind, position, ORIGINAL substring) for every token."""
    return [(t.text, t.kind, t.pos, text[t.start : t.end]) for t in tokenize(text)]


# Sentences written for these tests (not corpus text), used by several groups.
SENTENCES = [
    "Người dân ở Hà Nội được hỗ trợ",
    "Ủy ban nhân dân TP.HCM họp với Sở LĐ-TB&XH",
    "Nhà phố Q.7 giá 1,2 tỷ, diện tích 100m2",
    "Hòa bình, thủy lợi và sức khỏe",
    "Ông Nguyễn Văn Đạt đã đến Đà Nẵng hôm 17/06/2022",
    "Căn hộ dưới 500 triệu, không gian xanh, trên 3 tỷ",
    "Apple ra mắt iPhone tại Việt Nam",
]

# --------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hà Nội", "Hà Nội"),
        (nfd("Hà Nội được"), "Hà Nội được"),
        ("hoà thuỷ khoẻ", "hòa thủy khỏe"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Uỷ ban", "Ủy ban"),
        ("Thuỵ Sĩ", "Thụy Sĩ"),
        ("  a \t\n  b  ", "a b"),
        ("a\u200bb", "ab"),  # zero-width space removed
        ("a\u00a0b", "a b"),  # NBSP is a space
        ("bất\u00ad động", "bất động"),  # soft hyphen removed
        ("\ufeffHà Nội", "Hà Nội"),  # BOM removed
        ("a\u200eb\u202ec", "abc"),  # bidi marks removed
        ("𝐇𝐚̀ 𝐍𝐨̣̂𝐢", "Hà Nội"),  # styled math-bold letters (NFKC)
        ("100 m²", "100 m2"),
        ("ÐBSCL và Ðà Nẵng", "ĐBSCL và Đà Nẵng"),  # eth look-alike -> Đ
        ("a\x00b\x07c", "a b c"),  # C0 controls separate words
        ("a\x96b", "a b"),  # C1 control (mis-decoded cp1252 dash)
        ("Céng hßa X· héi", "Céng hßa X· héi"),  # TCVN3: left alone, no crash
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hoà\u0323",
        "thuỷ\u0302 x",
        "A\u200b\u0300",
        "Hà Nội",
        nfd("Người Việt"),
        "a\u00a8b",
        "\u1100\u1161",
        "",
    ],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --------------------------------------------------------------------------
# Tone-mark placement
# --------------------------------------------------------------------------

TONE_PAIRS = [
    ("hòa", "hoà"),
    ("thủy", "thuỷ"),
    ("khỏe", "khoẻ"),
    ("Thụy", "Thuỵ"),
    ("Hòa", "Hoà"),
    ("HÒA", "HOÀ"),
    ("Ủy", "Uỷ"),
    ("tòa", "toà"),
    ("họa", "hoạ"),
    ("lòe", "loè"),
    ("xõa", "xoã"),
    ("túy", "tuý"),
]


@pytest.mark.parametrize(("traditional", "modern"), TONE_PAIRS)
def test_tone_placements_unify(traditional: str, modern: str) -> None:
    # The traditional placement is the canonical one, for every form of input.
    for form in (traditional, modern, nfd(traditional), nfd(modern)):
        assert normalize(form) == traditional
        assert words(form) == [traditional.lower()]
        assert fold(form) == fold(traditional)


@pytest.mark.parametrize(
    "word",
    [
        "hoàn", "toán", "khuyết", "huỳnh", "quý", "quà", "quỳ", "người", "giỏi",
        "thuyền", "khuya", "hoạch", "hoàng", "quỳnh", "của", "giữa", "thuở", "Quý",
        "QUÀ", "HOÀNG",
    ],
)  # fmt: skip
def test_closed_and_qu_syllables_are_not_rewritten(word: str) -> None:
    assert normalize(word) == word
    assert normalize(nfd(word)) == word
    assert words(word) == [word.lower()]


def test_tone_rewrite_keeps_offsets_on_the_original() -> None:
    text = "Khu Hoà Bình, thuỷ điện"
    assert table(text) == [
        ("khu", "word", 0, "Khu"),
        ("hòa", "word", 1, "Hoà"),
        ("bình", "word", 2, "Bình"),
        ("thủy", "word", 3, "thuỷ"),
        ("điện", "word", 4, "điện"),
    ]


# --------------------------------------------------------------------------
# fold / compact / has_diacritics
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Được Đấu", "duoc dau"),
        ("ĐƯỜNG PHỐ", "duong pho"),
        (nfd("Người Việt"), "nguoi viet"),
        ("đ Đ ð Ð", "d d d d"),  # đ has no decomposition; Ð is its look-alike
        ("hòa hoà", "hoa hoa"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("100 m²", "100 m2"),
        ("𝐇𝐚̀ 𝐍𝐨̣̂𝐢", "ha noi"),
        ("Straße", "strasse"),
        ("“Hà Nội” – 2025…", '"ha noi" - 2025...'),
        ("a\u200bb", "ab"),  # invisible characters vanish, as in normalize
        ("😀 ok", " ok"),  # no ASCII form: dropped
        ("\ud800x", "x"),  # lone surrogate: dropped (and no warning)
        ("TP.HCM", "tp.hcm"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *SENTENCES,
        *(nfd(s) for s in SENTENCES),
        "Céng hßa X· héi",
        "中文 ΑΣ ß 😀 \x00\x85",
        "q\u0301 x\U0001d167",
    ],
)
def test_fold_is_ascii_and_idempotent(text: str) -> None:
    once = fold(text)
    assert once.isascii()
    assert once == once.lower()
    assert fold(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hạ Long", "halong"),
        ("Sài Gòn", "saigon"),
        ("Hồ Chí Minh", "hochiminh"),
        ("TP.HCM", "tphcm"),
        ("LĐ-TB&XH", "ldtbxh"),
        ("Q.7", "q7"),
        (nfd("Đà Nẵng"), "danang"),
        ("", ""),
        ("😀…", ""),
    ],
)
def test_compact(text: str, expected: str) -> None:
    assert compact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("duoc", False),
        ("HA NOI", False),
        ("2025", False),
        ("", False),
        ("được", True),
        ("Đ", True),
        ("Ð", True),
        ("hà", True),
        (nfd("hà"), True),
        ("ở", True),
    ],
)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected


# --------------------------------------------------------------------------
# tokenize: words, numbers, codes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Người dân ở Hà Nội",
            [
                ("người", "word", 0, "Người"),
                ("dân", "word", 1, "dân"),
                ("ở", "word", 2, "ở"),
                ("hà", "word", 3, "Hà"),
                ("nội", "word", 4, "Nội"),
            ],
        ),
        (
            # One-letter syllables are words: never dropped.
            "ý kiến ở á",
            [
                ("ý", "word", 0, "ý"),
                ("kiến", "word", 1, "kiến"),
                ("ở", "word", 2, "ở"),
                ("á", "word", 3, "á"),
            ],
        ),
        (
            "Giá 1,2 tỷ hay 5.2 tỷ, ngày 17/06/2022",
            [
                ("giá", "word", 0, "Giá"),
                ("1,2", "number", 1, "1,2"),
                ("tỷ", "word", 2, "tỷ"),
                ("hay", "word", 3, "hay"),
                ("5.2", "number", 4, "5.2"),
                ("tỷ", "word", 5, "tỷ"),
                ("ngày", "word", 6, "ngày"),
                ("17/06/2022", "number", 7, "17/06/2022"),
            ],
        ),
        (
            "100m2 giá 40.000 đồng, 12:30",
            [
                ("100m2", "word", 0, "100m2"),
                ("giá", "word", 1, "giá"),
                ("40.000", "number", 2, "40.000"),
                ("đồng", "word", 3, "đồng"),
                ("12:30", "number", 4, "12:30"),
            ],
        ),
        (
            # A comma between digits and letters is punctuation, not a decimal.
            "3, 4,5",
            [("3", "number", 0, "3"), ("4,5", "number", 1, "4,5")],
        ),
        (
            "TP.HCM",
            [("tp", "part", 0, "TP"), ("hcm", "part", 1, "HCM"), ("tphcm", "joined", 0, "TP.HCM")],
        ),
        (
            "Sở LĐ-TB&XH",
            [
                ("sở", "word", 0, "Sở"),
                ("lđ", "part", 1, "LĐ"),
                ("tb", "part", 2, "TB"),
                ("xh", "part", 3, "XH"),
                ("lđtbxh", "joined", 1, "LĐ-TB&XH"),
            ],
        ),
        (
            "Q.7 và quận 7",
            [
                ("q", "part", 0, "Q"),
                ("7", "part", 1, "7"),
                ("q7", "joined", 0, "Q.7"),
                ("và", "word", 2, "và"),
                ("quận", "word", 3, "quận"),
                ("7", "number", 4, "7"),
            ],
        ),
        ("UBND HĐND", [("ubnd", "word", 0, "UBND"), ("hđnd", "word", 1, "HĐND")]),
        (
            # Codes made only of digits have no joined form.
            "2022-2023",
            [("2022", "part", 0, "2022"), ("2023", "part", 1, "2023")],
        ),
        (
            "Apple ra mắt iPhone 15",
            [
                ("apple", "word", 0, "Apple"),
                ("ra", "word", 1, "ra"),
                ("mắt", "word", 2, "mắt"),
                ("iphone", "word", 3, "iPhone"),
                ("15", "number", 4, "15"),
            ],
        ),
        ("", []),
    ],
)
def test_tokenize(text: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert table(text) == expected


def test_stopword_like_syllables_are_tokens() -> None:
    # "dưới 500 triệu", "trên 3 tỷ", "không gian": these syllables carry meaning.
    assert words("dưới 500 triệu, trên 3 tỷ, không gian") == [
        "dưới", "500", "triệu", "trên", "3", "tỷ", "không", "gian",
    ]  # fmt: skip


def test_uppercase_is_lowered_but_keeps_marks() -> None:
    assert words("ĐƯỜNG NGUYỄN HUỆ, QUẬN 1") == ["đường", "nguyễn", "huệ", "quận", "1"]


# --------------------------------------------------------------------------
# Offsets: always into the ORIGINAL string
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hà\u200bNội, Đà\u00a0Nẵng\ufeff",
            [
                ("hànội", "word", 0, "Hà\u200bNội"),
                ("đà", "word", 1, "Đà"),
                ("nẵng", "word", 2, "Nẵng"),
            ],
        ),
        ("bất\u00ad động", [("bất", "word", 0, "bất"), ("động", "word", 1, "động")]),
        # Marks after a deleted invisible compose with the letter before it.
        ("A\u200b\u0300 b", [("à", "word", 0, "A\u200b\u0300"), ("b", "word", 1, "b")]),
        ("ki\u00adlô\u00adgam", [("kilôgam", "word", 0, "ki\u00adlô\u00adgam")]),
        ("𝐇𝐚̀ 𝐍𝐨̣̂𝐢", [("hà", "word", 0, "𝐇𝐚̀"), ("nội", "word", 1, "𝐍𝐨̣̂𝐢")]),
        ("100 m²", [("100", "number", 0, "100"), ("m2", "word", 1, "m²")]),
        ("ÐBSCL", [("đbscl", "word", 0, "ÐBSCL")]),
        ("😀Hà😀Nội😀", [("hà", "word", 0, "Hà"), ("nội", "word", 1, "Nội")]),
        ("a\x00b\x96c", [("a", "word", 0, "a"), ("b", "word", 1, "b"), ("c", "word", 2, "c")]),
        (
            "Céng hßa X· héi",
            [
                ("céng", "word", 0, "Céng"),
                ("hßa", "word", 1, "hßa"),
                ("x", "word", 2, "X"),
                ("héi", "word", 3, "héi"),
            ],
        ),
    ],
)
def test_offsets_point_at_the_original(
    text: str, expected: list[tuple[str, str, int, str]]
) -> None:
    assert table(text) == expected


@pytest.mark.parametrize("sentence", SENTENCES)
def test_nfd_input_tokenizes_like_nfc(sentence: str) -> None:
    decomposed = nfd(sentence)
    assert decomposed != sentence or sentence.isascii()
    nfc_tokens = tokenize(sentence)
    nfd_tokens = tokenize(decomposed)
    assert [(t.text, t.kind, t.pos) for t in nfd_tokens] == [
        (t.text, t.kind, t.pos) for t in nfc_tokens
    ]
    # Offsets of NFD input cover whole NFD substrings (letters with all their marks).
    assert [nfc(decomposed[t.start : t.end]) for t in nfd_tokens] == [
        sentence[t.start : t.end] for t in nfc_tokens
    ]
    for t in nfd_tokens:
        assert not unicodedata.combining(decomposed[t.start])
        assert t.end == len(decomposed) or not unicodedata.combining(decomposed[t.end])


@pytest.mark.parametrize(
    "text",
    [
        *SENTENCES,
        *(nfd(s) for s in SENTENCES),
        "Hà\u200bNội\u00a0\u00ad\ufeff 𝐇𝐚̀ m² ÐBSCL \x00\x96 😀 Céng hßa X· héi",
        "Khu Hoà Bình, thuỷ điện",
    ],
)
def test_token_invariants(text: str) -> None:
    for t in tokenize(text):
        assert 0 <= t.start < t.end <= len(text)
        assert t.text == t.text.lower()
        original = text[t.start : t.end]
        if t.kind == "joined":
            assert compact(original) == fold(t.text)
        else:
            # The token is its original substring, normalised and lowercased.
            assert normalize(original).lower() == t.text


def test_normalize_chars_maps_back_to_the_original() -> None:
    text = "Đ\u200bà 𝐍ộ" + nfd("ộ")
    clean, starts, ends = normalize_chars(text)
    assert clean == "Đà Nộộ"
    assert starts is not None and ends is not None
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == [
        "Đ", "à", " ", "𝐍", "ộ", nfd("ộ"),
    ]  # fmt: skip
    assert normalize_chars("Hà Nội") == ("Hà Nội", None, None)  # identity: no maps


# --------------------------------------------------------------------------
# Garbage never raises
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀🇻🇳👍🏽",
        "\x00\x01\x02\x1b[31m\x7f\x85\x9f",
        "\ud800",
        "\udfff\ud800Hà",
        "\u0301\u0301\u0301",
        "a" + "\u0301" * 50,
        "\ufffe\uffff\U0010ffff",
        "…—–“”‘’«»",
        "中文 العربية עברית ภาษาไทย 한국어",
        "\u1100\u1161\u11a8",
        "Céng hßa X· héi",
        "....----&&&&////,,,,::::",
        "1.2.3.4.5.6.7.8.9",
        "a-" * 1000,
    ],
)
def test_garbage_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert fold(text).isascii()
    assert compact(text).isalnum() or compact(text) == ""
    assert isinstance(has_diacritics(text), bool)
    for t in tokenize(text):
        assert 0 <= t.start < t.end <= len(text)


def test_emoji_and_surrogates_give_no_tokens() -> None:
    assert tokenize("😀 \ud800 🇻🇳") == ()


def _megabyte(line_breaks: bool) -> str:
    sep = "\n" if line_breaks else " "
    # Some "dirty" characters so the slow paths run too.
    block = sep.join(SENTENCES) + " “trích dẫn”… Hà\u200bNội\u00a0x" + sep
    return block * (1_000_000 // len(block.encode()) + 1)


# Times are CPU times of this process: other processes (pytest -n, a busy
# machine) do not make these tests flaky.


@pytest.mark.parametrize("line_breaks", [True, False])
def test_one_megabyte_is_fast(line_breaks: bool) -> None:
    text = _megabyte(line_breaks)
    assert len(text.encode()) >= 1_000_000
    tokenize.cache_clear()
    t0 = time.process_time()
    tokens = tokenize(text)
    elapsed = time.process_time() - t0
    assert elapsed < 5.0, f"tokenize took {elapsed:.1f} s (CPU) for 1 MB"
    assert len(tokens) > 100_000
    last = tokens[-1]
    assert text[last.start : last.end] == "x"
    for fn in (normalize, fold, compact):
        t0 = time.process_time()
        fn(text)
        assert time.process_time() - t0 < 5.0, fn.__name__


def test_one_megabyte_nfd_is_fast() -> None:
    text = nfd(_megabyte(True))
    tokenize.cache_clear()
    t0 = time.process_time()
    tokens = tokenize(text)
    assert time.process_time() - t0 < 5.0
    assert [t.text for t in tokens[:5]] == ["người", "dân", "ở", "hà", "nội"]


# --------------------------------------------------------------------------
# Token
# --------------------------------------------------------------------------


def test_token_is_a_frozen_value() -> None:
    t = Token("hà", 0, 2, 0)
    assert t == Token(text="hà", start=0, end=2, pos=0, kind="word")
    assert hash(t) == hash(Token("hà", 0, 2, 0, "word"))
    assert dataclasses.replace(t, kind="part") == Token("hà", 0, 2, 0, "part")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.text = "x"  # type: ignore[misc]


def test_tokenize_is_memoised_for_equal_strings() -> None:
    text = "Bản tin sáng nay"
    assert tokenize(text) is tokenize("".join(["Bản tin ", "sáng nay"]))
