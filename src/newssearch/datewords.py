"""Date words in a query: "năm 2022", "tháng 6/2022", "từ 2021 đến 2023" (pure).

Editors look for coverage in a period and say so in words. Each phrase found
becomes an inclusive date range; a phrase that names no real date ("tháng
13/2022", "năm 99999") is reported with a note and left in the query as plain
text. The words may be typed without accents where they cannot be mistaken
for something else ("thang 6/2022", "tu 2021 den 2023"); "năm" needs its
accent, as "nam" is also a word ("Việt Nam 2022", "Hà Nam").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

#: Years a date word may name.
MIN_YEAR, MAX_YEAR = 1900, 2100

# One point in time: 17/6/2022, 6/2022, tháng 6/2022, tháng 6 năm 2022, năm 2022, 2022.
_POINT = (
    r"(?:(?:ng[aà]y\s+)?\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:th[aá]ng\s+)?\d{1,2}(?:/|\s+n[aă]m\s+)\d{4}"
    r"|(?:n[aă]m\s+)?\d{4})"
)
_RANGE_RE = re.compile(
    rf"(?<!\w)(?:từ|tu)\s+(?P<a>{_POINT})\s+(?:đến|den|tới|toi|-)\s+(?P<b>{_POINT})(?!\w)", re.IGNORECASE
)
_MONTH_RE = re.compile(r"(?<!\w)th[aá]ng\s+(?P<m>\d{1,2})(?:/|\s+n[aă]m\s+)(?P<y>\d{4})(?!\w)", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\w)năm\s+(?P<y>\d{4})(?!\w)", re.IGNORECASE)
_NUMBERS_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class DateWords:
    """A date phrase at ``[start, end)`` of the query: its range, or a note."""

    start: int
    end: int
    start_date: date | None
    end_date: date | None
    note: str | None = None


def _span(numbers: list[int]) -> tuple[date, date] | None:
    """The first and last day named by [day, month, year], [month, year] or [year]."""
    try:
        if len(numbers) == 3:
            d = date(numbers[2], numbers[1], numbers[0])
            first, last = d, d
        elif len(numbers) == 2:
            month, year = numbers
            first = date(year, month, 1)
            last = date(year, month, calendar.monthrange(year, month)[1])
        else:
            first, last = date(numbers[0], 1, 1), date(numbers[0], 12, 31)
    except ValueError:
        return None
    if not MIN_YEAR <= first.year <= MAX_YEAR:
        return None
    return first, last


def _point(text: str) -> tuple[date, date] | None:
    return _span([int(n) for n in _NUMBERS_RE.findall(text)])


def _note(text: str) -> str:
    return f"Không hiểu thời gian “{text}”; đã tìm như từ khóa."


def find_dates(text: str) -> list[DateWords]:
    """Every date phrase in ``text``, in order, never overlapping."""
    found: list[DateWords] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in _RANGE_RE.finditer(text):
        a, b = _point(m.group("a")), _point(m.group("b"))
        if a is None or b is None or a[0] > b[1]:
            found.append(DateWords(m.start(), m.end(), None, None, _note(m.group(0))))
        else:
            found.append(DateWords(m.start(), m.end(), a[0], b[1]))
        taken.append((m.start(), m.end()))
    for regex in (_MONTH_RE, _YEAR_RE):
        for m in regex.finditer(text):
            if not free(m):
                continue
            numbers = [int(m.group("m")), int(m.group("y"))] if "m" in regex.groupindex else [int(m.group("y"))]
            span = _span(numbers)
            if span is None:
                found.append(DateWords(m.start(), m.end(), None, None, _note(m.group(0))))
            else:
                found.append(DateWords(m.start(), m.end(), *span))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)
