"""Parsing of the values people write in news pages and listings.

Pure functions, no I/O: dates (``17/06/2022``, ISO 8601), prices (``1,2 tỷ``,
``850 triệu``, ``35 triệu/m²``, ``Thỏa thuận``), areas (``5x20m``, ``85,5 m²``)
and small integers (``3 PN``, ``Lượt xem: 1.234``).

Conventions
-----------
* Empty input (``None``, ``""``, blanks) means "not given" and returns ``None``
  (or an empty :class:`Price`); it is never an error.
* Malformed input that clearly tries to be a value (``32/13/2020``, ``-5 tỷ``)
  raises :class:`ParseError`, an :class:`~newssearch.errors.InvalidRecord` that is
  also a ``ValueError``, so a reader can report it with the record's location.
* Datetimes are returned **naive, in Vietnam local time (UTC+7)**. Aware input
  (``2022-06-17T10:30:00Z``) is converted to UTC+7 first, so every date in the
  index compares and sorts on one clock, and a date-only value never shifts to
  the previous day.
* Numbers: ``,`` and ``.`` are both seen as the decimal separator in listings
  ("1,2 tỷ", "5.2 tỷ"). A separator followed by exactly three digits, or used
  more than once, groups thousands ("1.200 m2", "1.200.000.000"); when both
  appear the last one is the decimal point ("1,234.5").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from newssearch.errors import InvalidRecord
from newssearch.vietnamese import fold, normalize

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "VIETNAM_TZ",
    "ParseError",
    "Price",
    "parse_area",
    "parse_date",
    "parse_int",
    "parse_number",
    "parse_price",
    "parse_price_range",
]

#: Vietnam has used UTC+7 without daylight saving since 1975.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
#: Dates outside [EARLIEST_DATE, LATEST_DATE) are mistakes (``0001-01-01`` is a
#: common "no date" placeholder) and raise :class:`ParseError`; every date
#: inside converts to a Unix timestamp on any platform.
EARLIEST_DATE = datetime(1900, 1, 1)
LATEST_DATE = datetime(2100, 1, 1)


class ParseError(InvalidRecord, ValueError):
    """A value that tries to be a date, price, area or number but is malformed."""


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def parse_number(text: str) -> float:
    """Parse one written number with Vietnamese or English separators.

    ``"1,2"`` -> 1.2, ``"5.2"`` -> 5.2, ``"1.200"`` -> 1200, ``"1.200.000"`` ->
    1200000, ``"1,234.5"`` -> 1234.5. Raises :class:`ParseError` when ``text`` is
    not a number.
    """
    s = text.strip()
    if not _NUMBER_RE.fullmatch(s):
        raise ParseError(f"not a number: {text!r}")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        grp = "," if dec == "." else "."
        if s.count(dec) > 1:
            raise ParseError(f"not a number: {text!r}")
        return float(s.replace(grp, "").replace(dec, "."))
    sep = "." if dots else "," if commas else ""
    if not sep:
        return float(s)
    parts = s.split(sep)
    if len(parts) > 2:
        if any(len(p) != 3 for p in parts[1:]):
            raise ParseError(f"not a number: {text!r}")
        return float("".join(parts))
    if len(parts[1]) == 3:
        return float(parts[0] + parts[1])
    return float(parts[0] + "." + parts[1])


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

# A leading label such as "Cập nhật:", "Ngày đăng:", "Posted:" (one to four words).
_LABEL_RE = re.compile(r"^\s*[^\W\d_]+(?:\s+[^\W\d_]+){0,3}\s*:\s*")
_ISO_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")
# "Ngày 17 tháng 06 năm 2024", "17 tháng 6, 2024" (matched on folded text)
_LONG_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:,|nam)?\s*(\d{4})(?!\d)")
_TIME_RE = re.compile(r"(?<!\d)(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?!\d)")
_GMT_RE = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def _local(dt: datetime) -> datetime:
    """Aware -> naive Vietnam time; naive is assumed to be Vietnam time already."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def _offset(spec: str) -> timezone:
    if spec == "Z":
        return UTC
    sign = -1 if spec[0] == "-" else 1
    digits = spec[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))


def _build(text: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0, sec: int = 0,
           micro: int = 0, tz: timezone | None = None) -> datetime:
    try:
        return _local(datetime(y, mo, d, h, mi, sec, micro, tzinfo=tz))
    except (ValueError, OverflowError) as exc:
        raise ParseError(f"invalid date {text!r}: {exc}") from None


def parse_date(value: str | date | int | float | None) -> datetime | None:
    """:func:`_parse_date`, rejecting dates outside :data:`EARLIEST_DATE`..:data:`LATEST_DATE`."""
    when = _parse_date(value)
    if when is not None and not EARLIEST_DATE <= when < LATEST_DATE:
        raise ParseError(
            f"date {value!r} is out of range: expected a year from {EARLIEST_DATE.year} "
            f"to {LATEST_DATE.year - 1}"
        )
    return when


def _parse_date(value: str | date | int | float | None) -> datetime | None:
    """Parse a date or datetime as written in feeds and pages.

    Accepts ``17/06/2022``, ``7/6/2022``, ``17-06-2022``, ``17.06.2022``,
    ``2022-06-17``, ISO 8601 with time, fraction and offset
    (``2026-08-17T23:15:19.939274+07:00``), ``17/06/2022 10:30``,
    ``10:30 17/06/2022``, the long form ``Ngày 17 tháng 06 năm 2024``, a leading label (``Cập nhật: 17/06/2022 -``) and a
    trailing ``(GMT+7)``. ``datetime``/``date`` objects and Unix timestamps are
    accepted too. Returns a naive datetime in Vietnam time, ``None`` for empty
    input, and raises :class:`ParseError` for anything else.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParseError(f"invalid date {value!r}")
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ParseError(f"invalid date {value!r}")
        if abs(value) > 1e11:  # milliseconds since the epoch (JavaScript)
            value = value / 1000
        try:
            return _local(datetime.fromtimestamp(value, tz=UTC))
        except (OverflowError, OSError, ValueError):
            raise ParseError(f"invalid date {value!r}: timestamp out of range") from None
    text = normalize(value)
    if not text:
        return None
    body = _LABEL_RE.sub("", text, count=1)

    m = _ISO_RE.search(body)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        h, mi, sec = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
        micro = int((m[7] or "0")[:6].ljust(6, "0"))
        tz = _offset(m[8]) if m[8] else None
        if tz is None:
            g = _GMT_RE.search(body, m.end())
            tz = _gmt(g)
        return _build(value, y, mo, d, h, mi, sec, micro, tz)

    m = _DMY_RE.search(body) or _LONG_DMY_RE.search(fold(body))
    if not m:
        raise ParseError(f"invalid date {value!r}: expected dd/mm/yyyy or yyyy-mm-dd")
    d, mo, y = int(m[1]), int(m[2]), int(m[3])
    if len(m[3]) == 2:
        y += 2000
    rest = body[: m.start()] + " " + body[m.end():]
    t = _TIME_RE.search(rest)
    h = mi = sec = 0
    if t:
        h, mi, sec = int(t[1]), int(t[2]), int(t[3] or 0)
    return _build(value, y, mo, d, h, mi, sec, 0, _gmt(_GMT_RE.search(rest)))


def _gmt(m: re.Match[str] | None) -> timezone | None:
    if m is None:
        return None
    sign = -1 if m[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(m[2]), minutes=int(m[3] or 0)))


# --------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------

Period = Literal["month", "year"]


@dataclass(frozen=True, slots=True)
class Price:
    """A parsed price.

    ``vnd`` is the total price in VND (for a rent: per ``period``); ``per_m2``
    the price per square metre when the text gives one (then ``vnd`` is
    ``per_m2 * area`` if the area is known). ``negotiable`` is set by
    "Thỏa thuận", "thương lượng", "TL", "liên hệ"; it may come with a number.
    """

    vnd: float | None = None
    per_m2: float | None = None
    negotiable: bool = False
    period: Period | None = None


# Units on folded text, longest alternatives first.
_UNITS: dict[str, float] = {
    "ty": 1e9, "ti": 1e9, "trieu": 1e6, "tr": 1e6, "nghin": 1e3, "ngan": 1e3,
    "ngin": 1e3, "k": 1e3,
}
_CURRENCY = ("vnd", "dong", "d")
_AMOUNT_RE = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*)\s*(ty|ti|trieu|tr|nghin|ngan|ngin|k|vnd|dong|d)?(?![a-z0-9])"
)
_NEGOTIABLE_RE = re.compile(r"thoa\s*thuan|thuong\s*luong|\btl\b|lien\s*he|\bdeal\b")
_RANGE_RE = re.compile(
    r"\d\s*(?:(?:ty|ti|trieu|tr|k)\s*)?(?:-|–|—|den|toi|~)\s*\d|\b(?:duoi|tren|tu)\s+\d"
)
_NEGATIVE_RE = re.compile(r"(?:^|[\s:~(=])[-−]\s*\d")
_PER_RE = re.compile(r"/\s*([a-z][a-z0-9²]*)")
_PER_M2 = {"m2", "m", "met", "metvuong"}
_PER_MONTH = {"thang", "th", "month", "mo"}
_PER_YEAR = {"nam", "year", "yr"}
_PER_ITEM = {"can", "lo", "nen", "unit", "cai"}  # "2,5 tỷ/căn": the price of one unit


def _amount(s: str) -> float | None:
    """Sum the first group of "<number> <unit>" pieces: "1 tỷ 200 triệu", "1 tỷ 2"."""
    total = 0.0
    last_unit: str | None = None
    last_end = -1
    found = False
    for m in _AMOUNT_RE.finditer(s):
        if found and s[last_end:m.start()].strip():
            break  # not adjacent: a different number ("3 tỷ, 45m2")
        num, unit = m[1], m[2]
        if unit in _UNITS:
            total += parse_number(num) * _UNITS[unit]
            last_unit = unit
        elif unit in _CURRENCY or unit is None:
            if last_unit is not None and unit is None and num.isdigit() and len(num) <= 3:
                # "1 tỷ 2" = 1.2 tỷ, "1 tỷ 25" = 1.25 tỷ, "1 tỷ 250" = 1 tỷ 250 triệu:
                # the trailing digits are the leading digits of the next unit down.
                total += int(num) / 10 ** len(num) * _UNITS[last_unit]
                last_unit = None
            elif last_unit is None and not found:
                value = parse_number(num)
                if value < 1e5 and unit is None:
                    return None  # a bare small number: unit unknown ("~4,181/m2")
                total = value
            else:
                break
        found = True
        last_end = m.end()
    return total if found else None


def parse_price(text: str | float | int | None, area_m2: float | None = None) -> Price:
    """Parse a written price into VND.

    ``"1,2 tỷ"``, ``"5.2 tỷ"``, ``"850 triệu"``, ``"950 tr"``, ``"1 tỷ 200 triệu"``,
    ``"1 tỷ 2"`` (= 1.2 tỷ), ``"2.5 ty"``, ``"1.200.000.000"``,
    ``"1,200,000,000 đ"``; ``"35 triệu/m²"`` (per m², times ``area_m2`` for the
    total); ``"12 triệu/tháng"`` (``period="month"``); ``"Thỏa thuận"``
    (negotiable, no number). Ranges ("2 - 3 tỷ", "Dưới 500 triệu") and text
    without a recognisable amount give an empty :class:`Price`. A negative
    amount raises :class:`ParseError`. A number is taken as VND.
    """
    if text is None:
        return Price()
    if isinstance(text, bool):
        raise ParseError(f"invalid price {text!r}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ParseError(f"invalid price {text!r}: must be a positive number")
        return Price(vnd=float(text))
    s = fold(normalize(text))
    if not s:
        return Price()
    negotiable = bool(_NEGOTIABLE_RE.search(s))
    if "\n" in text.strip() or _RANGE_RE.search(s):
        return Price(negotiable=negotiable)
    if _NEGATIVE_RE.search(s):
        raise ParseError(f"invalid price {text!r}: negative amount")
    per = _PER_RE.search(s)
    period: Period | None = None
    per_m2 = False
    if per:
        unit = per[1].replace("²", "2")
        if unit in _PER_M2:
            per_m2 = True
        elif unit in _PER_MONTH:
            period = "month"
        elif unit in _PER_YEAR:
            period = "year"
        elif unit in _PER_ITEM:
            pass
        else:  # per "sào", per "lô"...: not a total we can use
            return Price(negotiable=negotiable)
        s = s[: per.start()]
    elif re.search(r"\bmoi\s+thang\b|\b1\s+thang\b", s):
        period = "month"
    amount = _amount(s)
    if amount is None or amount == 0:
        return Price(negotiable=negotiable, period=period if amount else None)
    if per_m2:
        total = amount * area_m2 if area_m2 else None
        return Price(vnd=total, per_m2=amount, negotiable=negotiable, period=period)
    return Price(vnd=amount, negotiable=negotiable, period=period)


_RANGE_SPLIT_RE = re.compile(r"\s*(?:-|–|—|~|\bden\b|\btoi\b)\s*")
_UNIT_AT_END_RE = re.compile(r"(ty|ti|trieu|tr|nghin|ngan|k)\s*$")


def parse_price_range(text: str | None) -> tuple[float, float] | None:
    """The two ends of a price written as a range, in VND, or None.

    ``"1,5 tỷ - 2 tỷ"``, ``"1,5 - 2 tỷ"`` (the unit of the second end applies
    to the first), ``"900 triệu - 1,2 tỷ"``, ``"Từ 2 đến 3 tỷ"``, ``"5 - 7
    triệu/tháng"``. Not a range (one amount, a per-m² price, reversed or
    unreadable ends): None.
    """
    if not isinstance(text, str):
        return None
    s = fold(normalize(text))
    s = re.sub(r"^\s*tu\s+", "", s)
    s = re.sub(r"\s*/\s*(thang|th|month)\b.*$", "", s)
    if "/" in s:
        return None  # "/m²", "/sào": not a total
    parts = [p for p in _RANGE_SPLIT_RE.split(s.strip()) if p]
    if len(parts) != 2 or not all(re.search(r"\d", p) for p in parts):
        return None
    hi = _amount(parts[1])
    unit = _UNIT_AT_END_RE.search(parts[1])
    first = parts[0] if _UNIT_AT_END_RE.search(parts[0]) or unit is None else f"{parts[0]} {unit[1]}"
    lo = _amount(first)
    if lo is None or hi is None or not 0 < lo <= hi:
        return None
    return lo, hi


# --------------------------------------------------------------------------
# Areas and small integers
# --------------------------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)*"
_DIMS_RE = re.compile(rf"({_NUM})\s*m?\s*[x×*]\s*({_NUM})")
_AREA_RE = re.compile(rf"({_NUM})\s*(m2|met vuong|ha|hecta|km2)(?![a-z0-9])")
_BARE_AREA_RE = re.compile(rf"({_NUM})\s*m?")
_LEADING_WORDS_RE = re.compile(r"^[^\d]*?[:\s]\s*(?=\d)")
_SIDES_RE = re.compile(rf"ngang\s*:?\s*({_NUM})\s*m?\b.*?\bdai\s*:?\s*({_NUM})")


def parse_area(text: str | float | int | None) -> float | None:
    """Parse an area in square metres.

    ``"100m2"``, ``"100 m²"``, ``"85,5 m²"``, ``"1.200 m2"``, ``"5x20m"`` (=100),
    ``"4,5 x 18m"`` (=81), ``"2 ha"``. ``None`` when empty or without a number;
    :class:`ParseError` when negative.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ParseError(f"invalid area {text!r}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ParseError(f"invalid area {text!r}: must be a positive number")
        return float(text) if text else None
    s = fold(normalize(text))
    if not s:
        return None
    if _NEGATIVE_RE.search(" " + s):
        raise ParseError(f"invalid area {text!r}: negative")
    m = _DIMS_RE.search(s) or _SIDES_RE.search(s)
    if m:
        return parse_number(m[1]) * parse_number(m[2]) or None
    m = _AREA_RE.search(s)
    if not m:
        m = _BARE_AREA_RE.fullmatch(_LEADING_WORDS_RE.sub("", s).rstrip(" ."))
        if not m:
            return None
        return parse_number(m[1]) or None
    value = parse_number(m[1])
    if m[2] in ("ha", "hecta"):
        value *= 10_000
    elif m[2] == "km2":
        value *= 1_000_000
    return value or None


_INT_RE = re.compile(r"[-−]?\s*\d+(?:[.,]\d{3})*(?![.,]?\d)|[-−]?\s*\d+")


def parse_int(text: str | float | int | None) -> int | None:
    """Parse a small count: ``"3 PN"``, ``"3PN"``, ``"Lượt xem: 1.234"`` (=1234).

    The first number in the text is taken; thousand separators are allowed.
    ``None`` when empty or without a number; :class:`ParseError` when negative.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ParseError(f"invalid number {text!r}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ParseError(f"invalid number {text!r}: must not be negative")
        return int(text)
    s = normalize(text)
    m = _INT_RE.search(s)
    if not m:
        return None
    raw = m.group().replace(" ", "")
    if raw[0] in "-−":
        raise ParseError(f"invalid number {text!r}: must not be negative")
    return int(raw.replace(".", "").replace(",", ""))
