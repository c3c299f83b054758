"""Both maps: reading addresses in the 2025 layout and linking them to the legacy one."""

from __future__ import annotations

import pytest

from newssearch.places import (
    BothMaps,
    Place,
    find_wards_2025,
    forward,
    locate,
    normalize_province_2025,
    place_keys,
    read_2025,
)
from newssearch.places.map2025 import Place2025, to_2025

HCM = "Thành phố Hồ Chí Minh"
QN = "Tỉnh Quảng Ninh"
HL = "Thành phố Hạ Long"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # the 2025 ward (from Hồng Hải, Hồng Hà of TP Hạ Long), not the legacy Xã Hạ Long of Vân Đồn
        ("Phường Hạ Long, Tỉnh Quảng Ninh", BothMaps(QN, "Thành phố Hạ Long", None, ("Thành phố Hạ Long",), QN, "Phường Hạ Long")),
        ("Phường Tân Mỹ, TP.HCM", BothMaps(HCM, "Quận 7", None, ("Quận 7",), HCM, "Phường Tân Mỹ")),
        ("số 5 đường Số 7, phường Tân Mỹ, Thành phố Hồ Chí Minh", BothMaps(HCM, "Quận 7", None, ("Quận 7",), HCM, "Phường Tân Mỹ")),
        # a legacy province name in a 2025 address gives the province it joined
        ("P. Dĩ An, Bình Dương", BothMaps("Tỉnh Bình Dương", "Thành phố Dĩ An", "Phường Dĩ An", ("Thành phố Dĩ An",), HCM, "Phường Dĩ An")),
        # a 2025 ward formed from wards of two legacy districts belongs to both
        ("Phường Bình Dương, TP Hồ Chí Minh", BothMaps("Tỉnh Bình Dương", "Thành phố Thủ Dầu Một", None, ("Thành phố Thủ Dầu Một", "Thành phố Tân Uyên"), HCM, "Phường Bình Dương")),
        ("Đặc khu Vân Đồn, Quảng Ninh", BothMaps(QN, "Huyện Vân Đồn", None, ("Huyện Vân Đồn",), QN, "Đặc khu Vân Đồn")),
        # legacy layouts: a district is named, or the ward type is not the 2025 one
        ("Phường 12, Quận Gò Vấp, TP.HCM", None),
        ("Xã Hạ Long, Quảng Ninh", None),
        ("Thị trấn Cái Rồng, Vân Đồn, Quảng Ninh", None),
        # not guessed from nothing: no province; no such ward; not an address
        ("Phường Tân Mỹ", None),
        ("Phường Không Có, TP.HCM", None),
        ("", None),
        ("!!!", None),
    ],
)
def test_read_2025(address: str, expected: BothMaps | None) -> None:
    assert read_2025(address) == expected


def test_locate_uses_fields_and_leaves_legacy_records_alone() -> None:
    assert locate("TP.HCM", None, "Phường Tân Mỹ", None) == read_2025("Phường Tân Mỹ, TP.HCM")
    assert locate("TP.HCM", "Quận 7", "Phường Tân Phú", "Phường Tân Phú, Quận 7") is None


def test_forward_converts_a_legacy_place() -> None:
    assert forward(Place(HCM, "Quận 7", "Phường Tân Phú")) == BothMaps(
        HCM, "Quận 7", "Phường Tân Phú", ("Quận 7",), HCM, "Phường Tân Mỹ"
    )
    assert forward(Place(HCM, "Quận 7", None)) == BothMaps(HCM, "Quận 7", None, ("Quận 7",), HCM, None)
    assert forward(Place("Tỉnh Bình Dương")) == BothMaps("Tỉnh Bình Dương", None, None, (), HCM, None)
    assert forward(Place("Nowhere")) == BothMaps("Nowhere", None, None, (), None, None)


def test_place_keys_cover_both_layouts_and_every_district() -> None:
    assert place_keys(read_2025("Phường Bình Dương, TP.HCM") or BothMaps()) == [
        "p:binhduong", "d:binhduong/thudaumot", "d:binhduong/tanuyen",
        "p25:thanhphohochiminh", "w25:thanhphohochiminh/phuongbinhduong",
    ]
    assert place_keys(forward(Place(HCM, "Quận 7", "Phường Tân Phú"))) == [
        "p:hochiminh", "d:hochiminh/quan7", "w:hochiminh/quan7/tanphu",
        "p25:thanhphohochiminh", "w25:thanhphohochiminh/phuongtanmy",
    ]
    assert place_keys(BothMaps()) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("can ho phuong tan my", [("phuong tan my", "Phường Tân Mỹ", ("Quận 7",))]),
        ("nhà phố phường Hạ Long Quảng Ninh", [("phường Hạ Long", "Phường Hạ Long", ("Thành phố Hạ Long",))]),
        ("đất xã tân mỹ", []),  # several communes of that name, no province: not guessed
        ("can ho quan 7", []),
        ("", []),
    ],
)
def test_find_wards_2025(query: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert [(m.text, m.ward.name, m.districts) for m in find_wards_2025(query)] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("hcm", HCM), ("Bình Dương", HCM), ("quang ninh", QN), ("Tỉnh Hà Tây", None), ("", None)],
)
def test_normalize_province_2025(name: str, expected: str | None) -> None:
    assert normalize_province_2025(name) == expected


@pytest.mark.parametrize(
    ("place", "province_2025"),
    [
        (Place("Tỉnh Hà Giang"), "Tỉnh Tuyên Quang"),
        (Place(QN, HL, "Phường Cao Xanh"), QN),
        (Place(HCM, "Quận 7"), HCM),
    ],
)
def test_to_2025_province(place: Place, province_2025: str) -> None:
    assert to_2025(place).province == province_2025


def test_to_2025_ward_and_unknown() -> None:
    new = to_2025(Place(QN, HL, "Phường Cao Xanh"))
    assert isinstance(new.ward, str) and new.ward.startswith("Phường ")
    assert to_2025(Place("Tỉnh Không Có")) == Place2025()
    assert to_2025(Place()) == Place2025()
