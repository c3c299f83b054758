"""Tables of written values -> parsed values for newssearch.parsing."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest

from newssearch.errors import InvalidRecord
from newssearch.parsing import (
    ParseError,
    Price,
    parse_area,
    parse_date,
    parse_int,
    parse_number,
    parse_price,
    parse_price_range,
)

# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        ("1,2", 1.2),
        ("5.2", 5.2),
        ("4,85", 4.85),
        ("1.200", 1200.0),
        ("1,200", 1200.0),
        ("1.200.000.000", 1.2e9),
        ("1,200,000,000", 1.2e9),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1,23,4", "1.234.5,6.7"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_number(text)


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17/06/2022", datetime(2022, 6, 17)),
        ("7/6/2022", datetime(2022, 6, 7)),
        ("17-06-2022", datetime(2022, 6, 17)),
        ("17.06.2022", datetime(2022, 6, 17)),
        ("17/06/22", datetime(2022, 6, 17)),
        ("2022-06-17", datetime(2022, 6, 17)),
        ("2022-06-17T10:30:00+07:00", datetime(2022, 6, 17, 10, 30)),
        ("2022-06-17 10:30", datetime(2022, 6, 17, 10, 30)),
        ("2026-08-17T23:15:19.939274+07:00", datetime(2026, 8, 17, 23, 15, 19, 939274)),
        # Aware values are converted to Vietnam time (UTC+7), then made naive.
        ("2022-06-17T03:30:00Z", datetime(2022, 6, 17, 10, 30)),
        ("2022-06-17T20:00:00+00:00", datetime(2022, 6, 18, 3, 0)),
        ("17/06/2022 10:30", datetime(2022, 6, 17, 10, 30)),
        ("10:30 17/06/2022", datetime(2022, 6, 17, 10, 30)),
        ("17/06/2022 10h30", datetime(2022, 6, 17, 10, 30)),
        ("Cập nhật: 17/06/2022 -", datetime(2022, 6, 17)),
        ("Ngày đăng: 10/06/2022 - Lượt xem: 262", datetime(2022, 6, 10)),
        ("Thứ sáu, 17/06/2022, 10:30 (GMT+7)", datetime(2022, 6, 17, 10, 30)),
        ("  2022-06-17  ", datetime(2022, 6, 17)),
        (unicodedata.normalize("NFD", "Cập nhật: 01/02/2023"), datetime(2023, 2, 1)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (date(2022, 6, 17), datetime(2022, 6, 17)),
        (datetime(2022, 6, 17, 3, 30, tzinfo=UTC), datetime(2022, 6, 17, 10, 30)),
        (datetime(2022, 6, 17, 10, 30), datetime(2022, 6, 17, 10, 30)),
        (0, datetime(1970, 1, 1, 7, 0)),
        (1655424000, datetime(2022, 6, 17, 7, 0)),
        (1655424000000, datetime(2022, 6, 17, 7, 0)),
    ],
)
def test_parse_date_values(value: object, expected: datetime | None) -> None:
    assert parse_date(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("32/13/2020", "invalid date '32/13/2020': month must be in 1..12"),
        ("30/02/2023", "invalid date '30/02/2023': day is out of range for month"),
        ("2022-13-01", "invalid date '2022-13-01': month must be in 1..12"),
        ("hôm qua", "invalid date 'hôm qua': expected dd/mm/yyyy or yyyy-mm-dd"),
    ],
)
def test_parse_date_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text)
    assert info.value.message == message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InvalidRecord)


# --------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("1,2 tỷ", None, Price(vnd=1.2e9)),
        ("5.2 tỷ", None, Price(vnd=5.2e9)),
        ("4.8 tỷ", None, Price(vnd=4.8e9)),
        ("4,85 tỷ", None, Price(vnd=4.85e9)),
        ("850 triệu", None, Price(vnd=8.5e8)),
        ("950 tr", None, Price(vnd=9.5e8)),
        ("980tr", None, Price(vnd=9.8e8)),
        ("2.5 ty", None, Price(vnd=2.5e9)),
        ("3,6ty", None, Price(vnd=3.6e9)),
        ("1 tỷ 200 triệu", None, Price(vnd=1.2e9)),
        ("1 tỷ 2", None, Price(vnd=1.2e9)),
        ("3 Tỷ 1", None, Price(vnd=3.1e9)),
        ("1 tỷ 25", None, Price(vnd=1.25e9)),
        ("1 tỷ 250", None, Price(vnd=1.25e9)),
        ("1.200.000.000", None, Price(vnd=1.2e9)),
        ("1,200,000,000 đ", None, Price(vnd=1.2e9)),
        ("1.200.000.000 VNĐ", None, Price(vnd=1.2e9)),
        ("Giá: 3,2 tỷ", None, Price(vnd=3.2e9)),
        ("500 nghìn", None, Price(vnd=5e5)),
        ("Thỏa thuận", None, Price(negotiable=True)),
        ("Thoả thuận", None, Price(negotiable=True)),
        ("thoa thuan", None, Price(negotiable=True)),
        ("TL", None, Price(negotiable=True)),
        ("thương lượng", None, Price(negotiable=True)),
        ("Liên hệ", None, Price(negotiable=True)),
        ("6.5 tỷ TL", None, Price(vnd=6.5e9, negotiable=True)),
        ("35 triệu/m²", None, Price(per_m2=3.5e7)),
        ("35 triệu/m²", 100.0, Price(vnd=3.5e9, per_m2=3.5e7)),
        ("35 tr/m2", 80.0, Price(vnd=2.8e9, per_m2=3.5e7)),
        ("~91,9 triệu /m2", None, Price(per_m2=9.19e7)),
        ("~Thương lượng/m2", None, Price(negotiable=True)),
        ("12 triệu/tháng", None, Price(vnd=1.2e7, period="month")),
        ("6,5 triệu/tháng", 25.0, Price(vnd=6.5e6, period="month")),
        ("500k/tháng", None, Price(vnd=5e5, period="month")),
        ("100 triệu/năm", None, Price(vnd=1e8, period="year")),
        ("2,5 tỷ/căn", None, Price(vnd=2.5e9)),
        # No usable single amount: ranges, menus, unknown units, bare small numbers.
        ("2 - 3 tỷ", None, Price()),
        ("Từ 1 - 2 tỷ", None, Price()),
        ("Dưới 500 triệu", None, Price()),
        ("Giá bán\nDưới 500 triệu\nTừ 500 - 800 triệu", None, Price()),
        ("950TR/SÀO", None, Price()),
        ("~4,181/m2", None, Price()),
        ("", None, Price()),
        (None, None, Price()),
        ("đẹp lắm", None, Price()),
        (4800000000, None, Price(vnd=4.8e9)),
        (4.5e9, None, Price(vnd=4.5e9)),
    ],
)
def test_parse_price(text: str | None, area: float | None, expected: Price) -> None:
    got = parse_price(text, area)
    assert got.negotiable == expected.negotiable
    assert got.period == expected.period
    assert got.vnd == pytest.approx(expected.vnd)
    assert got.per_m2 == pytest.approx(expected.per_m2)


@pytest.mark.parametrize("text", ["-5 tỷ", "- 5 tỷ", "Giá: -850 triệu", -1, float("nan")])
def test_parse_price_negative(text: str | float) -> None:
    with pytest.raises(ParseError):
        parse_price(text)


# --------------------------------------------------------------------------
# Areas and counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100m2", 100.0),
        ("100 m²", 100.0),
        ("100 m2", 100.0),
        ("100 M2", 100.0),
        ("5x20m", 100.0),
        ("5 x 20", 100.0),
        ("5m x 20m", 100.0),
        ("4,5 x 18m", 81.0),
        ("4x11m", 44.0),
        ("ngang 4m dài 15m", 60.0),
        ("85,5 m²", 85.5),
        ("1.200 m2", 1200.0),
        ("Diện tích: 100 m", 100.0),
        ("DT 52 m²", 52.0),
        ("80", 80.0),
        ("2 ha", 20000.0),
        ("3 tầng, 50m2", 50.0),
        ("", None),
        (None, None),
        ("rộng rãi", None),
        (65, 65.0),
        (0, None),
    ],
)
def test_parse_area(text: str | int | None, expected: float | None) -> None:
    assert parse_area(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["-50 m2", -3.0])
def test_parse_area_negative(text: str | float) -> None:
    with pytest.raises(ParseError):
        parse_area(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 PN", 3),
        ("3PN", 3),
        ("Lượt xem: 1.234", 1234),
        ("Lượt xem:211", 211),
        ("1,234 views", 1234),
        ("2.5", 2),
        ("12", 12),
        (4, 4),
        (3.0, 3),
        ("", None),
        (None, None),
        ("nhiều", None),
    ],
)
def test_parse_int(text: str | int | float | None, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["-3", -1])
def test_parse_int_negative(text: str | int) -> None:
    with pytest.raises(ParseError):
        parse_int(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,5 tỷ - 2 tỷ", (1.5e9, 2e9)),
        ("1,5 - 2 tỷ", (1.5e9, 2e9)),
        ("900 triệu - 1,2 tỷ", (9e8, 1.2e9)),
        ("Từ 2 đến 3 tỷ", (2e9, 3e9)),
        ("5 - 7 triệu/tháng", (5e6, 7e6)),
        ("3 tỷ", None),
        ("35 - 40 triệu/m²", None),  # per m²: not a total
        ("3 - 2 tỷ", None),  # reversed
        ("-5 tỷ", None),
        ("abc - def", None),
        ("", None),
    ],
)
def test_parse_price_range(text: str, expected: tuple[float, float] | None) -> None:
    assert parse_price_range(text) == expected


def test_a_price_range_is_not_a_negative_amount() -> None:
    assert parse_price("1,5 tỷ - 2 tỷ") == Price()


@pytest.mark.parametrize(
    "text", ["Ngày 17 tháng 06 năm 2024", "ngày 17 tháng 6 năm 2024", "17 tháng 6, 2024", "Ngay 17 thang 06 nam 2024"]
)
def test_long_form_dates(text: str) -> None:
    assert parse_date(text) == datetime(2024, 6, 17)
