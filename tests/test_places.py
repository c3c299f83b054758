"""Tests for newssearch.places: administrative places in fields, addresses and free text.

All texts here are written for the tests; the corpus is only used (and
skipped when absent) for the agreement and throughput checks at the end.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import time
import unicodedata
from pathlib import Path

import pytest

from newssearch.places import (
    Place,
    PlaceMention,
    find_places,
    normalize_district,
    normalize_province,
    normalize_ward,
    recognize_address,
    resolve,
    short_name,
)
from newssearch.places.gazetteer import load_gazetteer
from newssearch.places.recognise import _find_places

HCM = "Thành phố Hồ Chí Minh"
HN = "Thành phố Hà Nội"
QN = "Tỉnh Quảng Ninh"
HL = "Thành phố Hạ Long"

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"


def mentions(text: str) -> list[tuple[str, str, Place]]:
    """(matched text, level, place) for each mention, checking offsets on the way."""
    found = find_places(text)
    out = []
    last_end = 0
    for m in found:
        assert isinstance(m, PlaceMention)
        assert text[m.start : m.end] == m.text, "offsets must point at the original text"
        assert m.start >= last_end, "mentions are in order and never overlap"
        last_end = m.end
        out.append((m.text, m.level, m.place))
    return out


# --------------------------------------------------------------------------
# find_places: free text and queries
# --------------------------------------------------------------------------

FREE_TEXT_CASES = [
    # the examples of the brief
    ("TP Uông Bí", [("TP Uông Bí", "district", Place(QN, "Thành phố Uông Bí"))]),
    ("thành phố Uông Bí", [("thành phố Uông Bí", "district", Place(QN, "Thành phố Uông Bí"))]),
    ("phường Cao Xanh", [("phường Cao Xanh", "ward", Place(QN, HL, "Phường Cao Xanh"))]),
    ("huyện Tiên Yên", [("huyện Tiên Yên", "district", Place(QN, "Huyện Tiên Yên"))]),
    ("Q.7", [("Q.7", "district", Place(HCM, "Quận 7"))]),
    ("Q7", [("Q7", "district", Place(HCM, "Quận 7"))]),
    ("quận 7", [("quận 7", "district", Place(HCM, "Quận 7"))]),
    ("Quận Gò Vấp", [("Quận Gò Vấp", "district", Place(HCM, "Quận Gò Vấp"))]),
    ("tp.hcm", [("tp.hcm", "province", Place(HCM))]),
    ("TPHCM", [("TPHCM", "province", Place(HCM))]),
    ("TP.HCM", [("TP.HCM", "province", Place(HCM))]),
    ("TP. Hồ Chí Minh", [("TP. Hồ Chí Minh", "province", Place(HCM))]),
    ("Sài Gòn", [("Sài Gòn", "province", Place(HCM))]),
    ("saigon", [("saigon", "province", Place(HCM))]),
    ("Hà Nội", [("Hà Nội", "province", Place(HN))]),
    ("hanoi", [("hanoi", "province", Place(HN))]),
    ("Hạ Long", [("Hạ Long", "district", Place(QN, HL))]),
    ("ha long", [("ha long", "district", Place(QN, HL))]),
    ("halong", [("halong", "district", Place(QN, HL))]),
    ("nha pho ha long", [("ha long", "district", Place(QN, HL))]),
    ("can ho q7", [("q7", "district", Place(HCM, "Quận 7"))]),
    ("biet thu tay ho", [("tay ho", "district", Place(HN, "Quận Tây Hồ"))]),
    ("Uông Bí", [("Uông Bí", "district", Place(QN, "Thành phố Uông Bí"))]),
    ("Gò Vấp", [("Gò Vấp", "district", Place(HCM, "Quận Gò Vấp"))]),
    # more type words and abbreviations
    ("TX. Quảng Yên", [("TX. Quảng Yên", "district", Place(QN, "Thị xã Quảng Yên"))]),
    ("P.Cao Xanh", [("P.Cao Xanh", "ward", Place(QN, HL, "Phường Cao Xanh"))]),
    ("thị trấn Tiên Yên", [("thị trấn Tiên Yên", "ward", Place(QN, "Huyện Tiên Yên", "Thị trấn Tiên Yên"))]),
    ("tỉnh Quảng Ninh", [("tỉnh Quảng Ninh", "province", Place(QN))]),
    ("Bà Rịa - Vũng Tàu", [("Bà Rịa - Vũng Tàu", "province", Place("Tỉnh Bà Rịa - Vũng Tàu"))]),
    ("BR-VT", [("BR-VT", "province", Place("Tỉnh Bà Rịa - Vũng Tàu"))]),
    ("Thừa Thiên Huế", [("Thừa Thiên Huế", "province", Place("Thành phố Huế"))]),
    ("HCM", [("HCM", "province", Place(HCM))]),
    ("HN", [("HN", "province", Place(HN))]),
    # the 2019-2025 mergers, as the package data has them
    ("Quận 2", [("Quận 2", "district", Place(HCM, "Thành phố Thủ Đức"))]),
    ("Q.9", [("Q.9", "district", Place(HCM, "Thành phố Thủ Đức"))]),
    ("quận Thủ Đức", [("quận Thủ Đức", "district", Place(HCM, "Thành phố Thủ Đức"))]),
    ("huyện Hoành Bồ", [("huyện Hoành Bồ", "district", Place(QN, HL))]),
    # upper case, unaccented
    ("BÁN NHÀ HẠ LONG", [("HẠ LONG", "district", Place(QN, HL))]),
    ("QUẬN GÒ VẤP", [("QUẬN GÒ VẤP", "district", Place(HCM, "Quận Gò Vấp"))]),
    ("quan go vap", [("quan go vap", "district", Place(HCM, "Quận Gò Vấp"))]),
    ("thanh pho uong bi", [("thanh pho uong bi", "district", Place(QN, "Thành phố Uông Bí"))]),
    ("Dak Lak", [("Dak Lak", "province", Place("Tỉnh Đắk Lắk"))]),
    ("Đăk Lăk", [("Đăk Lăk", "province", Place("Tỉnh Đắk Lắk"))]),  # marks left out: still it
    # several places, context
    (
        "Phường Cao Xanh, TP Hạ Long",
        [
            ("Phường Cao Xanh", "ward", Place(QN, HL, "Phường Cao Xanh")),
            ("TP Hạ Long", "district", Place(QN, HL)),
        ],
    ),
    (
        "Hạ Long Quảng Ninh",
        [("Hạ Long", "district", Place(QN, HL)), ("Quảng Ninh", "province", Place(QN))],
    ),
    (
        "Ba Đình Hà Nội",
        [("Ba Đình", "district", Place(HN, "Quận Ba Đình")), ("Hà Nội", "province", Place(HN))],
    ),
    (
        "phường Bến Nghé, quận 1",
        [
            ("phường Bến Nghé", "ward", Place(HCM, "Quận 1", "Phường Bến Nghé")),
            ("quận 1", "district", Place(HCM, "Quận 1")),
        ],
    ),
    (
        "Phường 12, Quận Gò Vấp",
        [
            ("Phường 12", "ward", Place(HCM, "Quận Gò Vấp", "Phường 12")),
            ("Quận Gò Vấp", "district", Place(HCM, "Quận Gò Vấp")),
        ],
    ),
    (
        "Giá nhà ở Q.7, TP.HCM tăng",
        [("Q.7", "district", Place(HCM, "Quận 7")), ("TP.HCM", "province", Place(HCM))],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FREE_TEXT_CASES, ids=[c[0] for c in FREE_TEXT_CASES])
def test_find_places(text: str, expected: list[tuple[str, str, Place]]) -> None:
    assert mentions(text) == expected


NOT_PLACES = [
    "GV",  # a bare two-letter abbreviation (also "giáo viên")
    "nhà GV đẹp",
    "7",  # a bare number is never a district
    "căn hộ 7 phòng",
    "hn",  # HN only in capitals
    "phường 7",  # hundreds of them: nothing says which
    "xã Tân Thành",  # dozens of them
    "hòa bình thế giới",  # the word, not the province
    "tuổi thanh xuân",
    "bình minh trên biển",
    "Thái Bình Dương",  # the Pacific
    "Nguyễn Thanh Xuân",  # a person
    "anh Hoàng Mai",
    "Chủ tịch Hồ Chí Minh",
    "hoa Huệ",  # not Huế: a different tone mark
    "xã hội",  # not a ward named "Hội"
    "Bảo trợ xã hội hóa",
    "đường Hà Nội",  # a street
    "311 An Dương Vương",  # a street named after a king, not Quận An Dương
    "Vinh",  # one syllable: needs its type word
    "F1",
    "trên sân Thống Nhất",
    "Samson ghi bàn thắng thứ ba trong trận đấu tối qua trên sân nhà của đội bóng",
    "Hưng Hòa",  # not "H. Ứng Hòa"
    "",
    "   ",
    "😀🏠🇻🇳",
]


@pytest.mark.parametrize("text", NOT_PLACES)
def test_find_places_rejects(text: str) -> None:
    assert mentions(text) == []


AMBIGUITY_CASES = [
    # a district name in many provinces: only with its province
    ("Châu Thành", []),
    (
        "huyện Châu Thành, Tiền Giang",
        [
            ("huyện Châu Thành", "district", Place("Tỉnh Tiền Giang", "Huyện Châu Thành")),
            ("Tiền Giang", "province", Place("Tỉnh Tiền Giang")),
        ],
    ),
    (
        "Châu Thành, Tiền Giang và Châu Thành, Long An",
        [
            ("Châu Thành", "district", Place("Tỉnh Tiền Giang", "Huyện Châu Thành")),
            ("Tiền Giang", "province", Place("Tỉnh Tiền Giang")),
            ("Châu Thành", "district", Place("Tỉnh Long An", "Huyện Châu Thành")),
            ("Long An", "province", Place("Tỉnh Long An")),
        ],
    ),
    # Hà Nội's quận and Nghệ An's thị xã: the type word or the province decides
    ("Hoàng Mai", []),
    ("quận Hoàng Mai", [("quận Hoàng Mai", "district", Place(HN, "Quận Hoàng Mai"))]),
    (
        "Hoàng Mai, Nghệ An",
        [
            ("Hoàng Mai", "district", Place("Tỉnh Nghệ An", "Thị xã Hoàng Mai")),
            ("Nghệ An", "province", Place("Tỉnh Nghệ An")),
        ],
    ),
    # a huyện and a thị xã of the same name in one province
    ("Kỳ Anh, Hà Tĩnh", [("Hà Tĩnh", "province", Place("Tỉnh Hà Tĩnh"))]),
    ("thị xã Kỳ Anh", [("thị xã Kỳ Anh", "district", Place("Tỉnh Hà Tĩnh", "Thị xã Kỳ Anh"))]),
    # a province and its capital city: bare is the province
    ("Hà Tĩnh", [("Hà Tĩnh", "province", Place("Tỉnh Hà Tĩnh"))]),
    ("thành phố Hà Tĩnh", [("thành phố Hà Tĩnh", "district", Place("Tỉnh Hà Tĩnh", "Thành phố Hà Tĩnh"))]),
    # Quảng Bình province and Huyện Quang Bình (Hà Giang): the marks decide
    ("Quảng Bình", [("Quảng Bình", "province", Place("Tỉnh Quảng Bình"))]),
    (
        "Quang Bình, Hà Giang",
        [
            ("Quang Bình", "district", Place("Tỉnh Hà Giang", "Huyện Quang Bình")),
            ("Hà Giang", "province", Place("Tỉnh Hà Giang")),
        ],
    ),
    # a ward placed by the district right after it ...
    (
        "phường Trần Hưng Đạo, TP Hạ Long",
        [
            ("phường Trần Hưng Đạo", "ward", Place(QN, HL, "Phường Trần Hưng Đạo")),
            ("TP Hạ Long", "district", Place(QN, HL)),
        ],
    ),
    # ... and not elsewhere when that district has no such ward
    (
        "xã Tân Thành, huyện Tân Phú, Đồng Nai",
        [
            ("huyện Tân Phú", "district", Place("Tỉnh Đồng Nai", "Huyện Tân Phú")),
            ("Đồng Nai", "province", Place("Tỉnh Đồng Nai")),
        ],
    ),
    # a name shaped like a person's counts in a long text only with its province
    (
        "Thủ môn Văn Lâm có một trận đấu xuất sắc, cản phá hai quả phạt đền trong hiệp hai",
        [],
    ),
    (
        "Nhà máy mới ở Văn Lâm, Hưng Yên sẽ tuyển thêm hai nghìn công nhân trong năm nay",
        [
            ("Văn Lâm", "district", Place("Tỉnh Hưng Yên", "Huyện Văn Lâm")),
            ("Hưng Yên", "province", Place("Tỉnh Hưng Yên")),
        ],
    ),
    ("bán nhà Hà Đông", [("Hà Đông", "district", Place(HN, "Quận Hà Đông"))]),
]


@pytest.mark.parametrize(("text", "expected"), AMBIGUITY_CASES, ids=[c[0] for c in AMBIGUITY_CASES])
def test_find_places_ambiguity(text: str, expected: list[tuple[str, str, Place]]) -> None:
    assert mentions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Thành phố Hạ Long, tỉnh Quảng Ninh",
        "Người dân phường Cao Xanh, TP Hạ Long đón Tết",
        "Hoà Bình",  # modern tone placement
    ],
)
def test_find_places_nfd_input_offsets_into_original(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    got = mentions(nfd)  # checks nfd[start:end] == text of each mention
    want = mentions(text)
    assert [(unicodedata.normalize("NFC", t), lvl, p) for t, lvl, p in got] == want
    assert got


def test_find_places_offsets_with_invisible_characters() -> None:
    text = "Giá đất ở Gò\u200bVấp và TP\u00adHCM"  # zero-width space, soft hyphen
    got = mentions(text)
    assert [p for _, _, p in got] == [Place(HCM, "Quận Gò Vấp"), Place(HCM)]


@pytest.mark.parametrize(
    "text",
    [
        "😀 Hà Nội 😀",
        "\x00\x01Hà\x02Nội",
        "Céng hßa X· héi chñ nghÜa",  # TCVN3 typed text
        "ＨＡ ＬＯＮＧ",  # full-width letters
        "𝐇𝐚̀ 𝐍𝐨̣̂𝐢",  # styled letters
        "a" * 100_000,
        "phường " * 5000,
        "Q." * 10_000,
        "\n".join(["TP"] * 1000),
    ],
)
def test_find_places_garbage_does_not_raise(text: str) -> None:
    _find_places(text)  # without the safety net find_places() has
    mentions(text)


def test_find_places_random_megabyte_does_not_raise() -> None:
    rng = random.Random(7)
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợ .,-\n0123456789😀"
    text = "".join(rng.choice(alphabet) for _ in range(1_000_000))
    for m in _find_places(text):
        assert text[m.start : m.end] == m.text


# --------------------------------------------------------------------------
# Structured fields
# --------------------------------------------------------------------------

RESOLVE_CASES = [
    (("Quảng Ninh", "TP Hạ Long", "P. Bãi Cháy"), Place(QN, HL, "Phường Bãi Cháy")),
    (("HCM", "Q.7", None), Place(HCM, "Quận 7")),
    (("", "quan go vap", None), Place(HCM, "Quận Gò Vấp")),  # province inferred
    ((None, "Gò Vấp", "Phường 12"), Place(HCM, "Quận Gò Vấp", "Phường 12")),
    (("Thành phố Hồ Chí Minh", "Quận 2", "Phường Thảo Điền"), Place(HCM, "Thành phố Thủ Đức", "Phường Thảo Điền")),
    (("Hà Nội", "Long Biên", "Bồ Đề"), Place(HN, "Quận Long Biên", "Phường Bồ Đề")),
    (("Tiền Giang", "Châu Thành", None), Place("Tỉnh Tiền Giang", "Huyện Châu Thành")),
    ((None, "Châu Thành", None), Place(None, "Huyện Châu Thành")),  # same name in 10 provinces
    ((None, "Tân Phú", None), Place()),  # Quận Tân Phú or Huyện Tân Phú: unknown
    (("Đồng Nai", "Tân Phú", None), Place("Tỉnh Đồng Nai", "Huyện Tân Phú")),
    (("Tiền Giang", "TX Cai Lậy", None), Place("Tỉnh Tiền Giang", "Thị xã Cai Lậy")),
    (("Tiền Giang", "Cai Lậy", None), Place("Tỉnh Tiền Giang")),  # huyện or thị xã?
    (("Hà Nội", "Gò Vấp", None), Place(HN)),  # the district is not in that province
    (("Hà Tĩnh", "Huyện Lộc Hà", "Xã Thạch Kim"), Place("Tỉnh Hà Tĩnh", "Huyện Thạch Hà", "Xã Thạch Kim")),
    (("xx", "yy", "zz"), Place()),
    ((None, None, None), Place()),
    (("😀", "\x00", ""), Place()),
    ((unicodedata.normalize("NFD", "Quảng Ninh"), unicodedata.normalize("NFD", "TP Hạ Long"), None), Place(QN, HL)),
]


@pytest.mark.parametrize(("args", "expected"), RESOLVE_CASES, ids=[repr(c[0]) for c in RESOLVE_CASES])
def test_resolve(args: tuple[str | None, str | None, str | None], expected: Place) -> None:
    assert resolve(*args) == expected


ADDRESS_CASES = [
    (
        "Đường Trần Hưng Đạo, phường Trần Hưng Đạo, TP Hạ Long, Quảng Ninh",
        None,
        Place(QN, HL, "Phường Trần Hưng Đạo"),
    ),
    ("Số 5 ngõ 12, Phường 12, Gò Vấp, Hồ Chí Minh", None, Place(HCM, "Quận Gò Vấp", "Phường 12")),
    ("Nhà mặt tiền, Phường 11, Q6", None, Place(HCM, "Quận 6", "Phường 11")),
    ("Khu dân cư mới, P. Tân Sơn Nhì, Tân Phú", None, Place(HCM, "Quận Tân Phú", "Phường Tân Sơn Nhì")),
    ("Bãi Cháy, Hạ Long", None, Place(QN, HL, "Phường Bãi Cháy")),  # bare ward inside an address
    ("Căn góc Khu đô thị mới Long Biên", None, Place(HN, "Quận Long Biên")),
    ("Tây Hồ Hà Nội", None, Place(HN, "Quận Tây Hồ")),
    ("HCM", None, Place(HCM)),
    ("Hoàng Mai", None, Place()),
    ("Hoàng Mai", "Hà Nội", Place(HN, "Quận Hoàng Mai")),
    ("Lê Văn Lương", "Hà Nội", Place(HN)),  # a street, nothing more
    ("311 An Dương Vương", None, Place()),
    ("", None, Place()),
    ("", "HCM", Place(HCM)),
    ("😀, 🏠", None, Place()),
]


@pytest.mark.parametrize(("address", "hint", "expected"), ADDRESS_CASES, ids=[c[0] or "empty" for c in ADDRESS_CASES])
def test_recognize_address(address: str, hint: str | None, expected: Place) -> None:
    assert recognize_address(address, hint) == expected


@pytest.mark.parametrize(
    ("name", "province", "expected"),
    [
        ("quan 7", None, "Quận 7"),
        ("Q.7", None, "Quận 7"),
        ("Q7", None, "Quận 7"),
        ("q7", None, "Quận 7"),
        ("District 7", None, "Quận 7"),
        ("Quận 7", None, "Quận 7"),
        ("QUẬN 07", None, "Quận 7"),
        (unicodedata.normalize("NFD", "Quận 7"), None, "Quận 7"),
        ("tp ha long", None, HL),
        ("Hạ Long", "Quảng Ninh", HL),
        ("Quận 2", None, "Thành phố Thủ Đức"),
        ("Gò Vấp", None, "Quận Gò Vấp"),
        ("GV", None, None),
        ("7", None, None),
        ("Châu Thành", None, "Huyện Châu Thành"),  # every one of them has that name
        ("Tân Phú", None, None),
        ("Tân Phú", "HCM", "Quận Tân Phú"),
        ("Tân Phú", "Đồng Nai", "Huyện Tân Phú"),
        ("Hưng Hòa", None, None),
        ("", None, None),
    ],
)
def test_normalize_district(name: str, province: str | None, expected: str | None) -> None:
    assert normalize_district(name, province) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HCM", HCM),
        ("TP.HCM", HCM),
        ("tphcm", HCM),
        ("Sài Gòn", HCM),
        ("ho chi minh", HCM),
        ("Thành phố Hồ Chí Minh", HCM),
        ("quang ninh", QN),
        ("QUẢNG NINH", QN),
        ("Tỉnh Quảng Ninh", QN),
        ("Thừa Thiên Huế", "Thành phố Huế"),
        ("Ha Noi", HN),
        ("Vũng Tàu", "Tỉnh Bà Rịa - Vũng Tàu"),
        ("Hạ Long", None),  # a district, not a province
        ("abc", None),
        ("", None),
    ],
)
def test_normalize_province(name: str, expected: str | None) -> None:
    assert normalize_province(name) == expected


@pytest.mark.parametrize(
    ("name", "district", "province", "expected"),
    [
        ("P. Cao Xanh", None, None, "Phường Cao Xanh"),
        ("cao xanh", "ha long", None, "Phường Cao Xanh"),
        ("phuong 12", "Gò Vấp", "HCM", "Phường 12"),
        ("P.12", "quan go vap", None, "Phường 12"),
        ("p12", None, None, "Phường 12"),  # the same official name everywhere
        ("Bãi Cháy", None, None, "Phường Bãi Cháy"),
        ("Phường Không Có", None, None, None),
        ("", None, None, None),
    ],
)
def test_normalize_ward(name: str, district: str | None, province: str | None, expected: str | None) -> None:
    assert normalize_ward(name, district, province) == expected


@pytest.mark.parametrize(
    ("official", "expected"),
    [
        ("Thành phố Hạ Long", "Hạ Long"),
        ("Quận 7", "Quận 7"),
        ("Phường 12", "Phường 12"),
        ("Tỉnh Quảng Ninh", "Quảng Ninh"),
        ("Thị trấn Tiên Yên", "Tiên Yên"),
        ("Thị xã Quảng Yên", "Quảng Yên"),
        ("Quận Gò Vấp", "Gò Vấp"),
        ("Hạ Long", "Hạ Long"),
        ("", ""),
    ],
)
def test_short_name(official: str, expected: str) -> None:
    assert short_name(official) == expected


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        (Place(QN, HL, "Phường Cao Xanh"), ["p:quangninh", "d:quangninh/halong", "w:quangninh/halong/caoxanh"]),
        (Place(HCM, "Quận 7"), ["p:hochiminh", "d:hochiminh/quan7"]),
        (Place(HCM, "Quận Gò Vấp", "Phường 12"), ["p:hochiminh", "d:hochiminh/govap", "w:hochiminh/govap/phuong12"]),
        (Place("Tỉnh Tiền Giang", "Thị xã Cai Lậy"), ["p:tiengiang", "d:tiengiang/thixacailay"]),
        (Place("Tỉnh Tiền Giang", "Huyện Cai Lậy"), ["p:tiengiang", "d:tiengiang/huyencailay"]),
        (Place(None, "Huyện Châu Thành"), []),
        (Place(), []),
    ],
)
def test_place_keys(place: Place, expected: list[str]) -> None:
    assert place.keys() == expected


def test_keys_are_unique_nationally() -> None:
    g = load_gazetteer()
    seen: dict[str, str] = {}
    for w in g.wards:
        p = g.place(w)
        key = p.keys()[-1]
        assert key.startswith("w:")
        assert key not in seen, (key, seen.get(key), p)
        seen[key] = str(p)
    district_keys = {g.place(d).keys()[-1] for d in g.districts}
    assert len(district_keys) == len(g.districts)
    assert len({g.place(p).keys()[0] for p in g.provinces}) == 63


def test_every_official_name_normalises_to_itself() -> None:
    g = load_gazetteer()
    for u in g.provinces:
        assert normalize_province(u.name) == u.name
    for d in g.districts:
        prov = g.provinces[d.province].name
        assert resolve(prov, d.name) == Place(prov, d.name)


# --------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------

# Written for this test: a news-like paragraph with places in many forms.
_PARAGRAPH = (
    "Sáng 12/3, UBND TP Hạ Long (Quảng Ninh) tổ chức hội nghị bàn về phát triển du lịch "
    "bền vững. Ông Trần Minh, Chủ tịch UBND phường Bãi Cháy, cho biết lượng khách đến vịnh "
    "trong quý I tăng mạnh so với cùng kỳ. Tại TP.HCM, giá nhà phố ở quận 7 và Gò Vấp tiếp "
    "tục tăng, nhiều gia đình tìm mua căn hộ ở Thủ Đức hoặc Bình Dương. Ở Hà Nội, nhu cầu "
    "thuê nhà tại Cầu Giấy, Tây Hồ tăng khoảng 15%. Người dân huyện Tiên Yên được hỗ trợ "
    "sửa nhà sau bão; xã hội hóa nguồn vốn giúp công trình hoàn thành sớm. Không khí hòa "
    "bình, tuổi thanh xuân và những buổi bình minh trên biển là điều du khách nhớ nhất. "
)


def test_find_places_speed_200kb() -> None:
    text = _PARAGRAPH * (200_000 // len(_PARAGRAPH.encode()) + 1)
    find_places(_PARAGRAPH)  # load the gazetteer outside the timing
    t = time.process_time()
    found = find_places(text)
    elapsed = time.process_time() - t
    # CPU time, not wall time: the suite may share the machine.
    assert elapsed < 3.0, f"{elapsed:.2f}s for {len(text.encode()) / 1e3:.0f} KB"
    per_paragraph = len(found) / text.count("Sáng 12/3")
    assert per_paragraph >= 10


def test_gazetteer_loads_quickly() -> None:
    load_gazetteer.cache_clear()
    t = time.process_time()
    load_gazetteer()
    elapsed = time.process_time() - t
    assert elapsed < 2.0, f"gazetteer took {elapsed:.2f}s"  # ~0.3 s on an idle machine


# --------------------------------------------------------------------------
# The real corpus (skipped when ../shared is absent)
# --------------------------------------------------------------------------


def _records(name: str, n: int) -> list[dict[str, object]]:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {path} not found (needs ../shared/corpus)")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, n)]


@pytest.mark.corpus
def test_corpus_resolve_agrees_with_listing_fields() -> None:
    recs = [r for r in _records("listings.jsonl.gz", 1000) if r.get("district")]
    same = 0
    for r in recs:
        p = resolve(r.get("province"), r.get("district"), r.get("ward"))  # type: ignore[arg-type]
        same += p.district == r["district"]
    assert same / len(recs) > 0.98


@pytest.mark.corpus
def test_corpus_articles_do_not_raise_and_are_fast() -> None:
    bodies = [str(r.get("body") or "") for r in _records("articles.jsonl.gz", 200)]
    find_places(bodies[0])
    t = time.process_time()
    for body in bodies:
        for m in find_places(body):
            assert body[m.start : m.end] == m.text
    elapsed = time.process_time() - t
    mb = sum(len(b.encode()) for b in bodies) / 1e6
    assert mb / elapsed > 0.5, f"{mb / elapsed:.2f} MB/s"
