"""Exports: the row of a document, CSV for Excel, JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from newssearch.export import EXPORT_FIELDS, export_row, iter_export, with_offset

ARTICLE: dict[str, Any] = {
    "id": "qn-1", "type": "article", "title": 'Lũ "lớn", nhiều nơi\nngập', "url": None,
    "published": "2022-06-17T09:30:00", "author": "Hoàng Giang", "category": "Xã hội",
    "province": "Tỉnh Quảng Ninh", "district": "Thành phố Hạ Long", "ward": None, "views": 1200,
}
LISTING: dict[str, Any] = {
    "id": "bds-1", "type": "listing", "title": "Bán nhà phố", "url": "https://example.vn/1", "posted": "2023-01-02",
    "province": "Thành phố Hồ Chí Minh", "district": "Quận 7",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-06-17T09:30:00", "2022-06-17T09:30:00+07:00"),
        ("2022-06-17", "2022-06-17T00:00:00+07:00"),
        ("2022-06-17T09:30:00+00:00", "2022-06-17T09:30:00+00:00"),
        ("2022-06-17T09:30:00Z", "2022-06-17T09:30:00Z"),
        (None, None),
    ],
)
def test_dates_carry_the_site_offset(value: str | None, expected: str | None) -> None:
    assert with_offset(value) == expected


def test_rows() -> None:
    assert export_row(ARTICLE) == {
        "id": "qn-1", "type": "article", "title": 'Lũ "lớn", nhiều nơi\nngập', "url": None,
        "published": "2022-06-17T09:30:00+07:00", "author": "Hoàng Giang", "category": "Xã hội",
        "places": "Thành phố Hạ Long, Tỉnh Quảng Ninh", "views": 1200,
    }
    assert export_row(LISTING) == {
        "id": "bds-1", "type": "listing", "title": "Bán nhà phố", "url": "https://example.vn/1",
        "published": "2023-01-02T00:00:00+07:00", "author": None, "category": None,
        "places": "Quận 7, Thành phố Hồ Chí Minh", "views": None,
    }


def test_csv_opens_in_excel_and_parses_back() -> None:
    data = "".join(iter_export(iter([ARTICLE, LISTING] * 150), "csv")).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbfid,type,title,")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(EXPORT_FIELDS)
    assert len(rows) == 301
    assert rows[1] == [
        "qn-1", "article", 'Lũ "lớn", nhiều nơi\nngập', "", "2022-06-17T09:30:00+07:00", "Hoàng Giang", "Xã hội",
        "Thành phố Hạ Long, Tỉnh Quảng Ninh", "1200",
    ]
    assert b"\r\n" in data


def test_empty_exports_are_valid() -> None:
    assert "".join(iter_export(iter([]), "csv")) == "\ufeff" + ",".join(EXPORT_FIELDS) + "\r\n"
    assert "".join(iter_export(iter([]), "jsonl")) == ""


def test_jsonl() -> None:
    lines = "".join(iter_export(iter([ARTICLE, LISTING]), "jsonl")).splitlines()
    assert [json.loads(line) for line in lines] == [export_row(ARTICLE), export_row(LISTING)]
