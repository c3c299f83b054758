"""CSV reader: Vietnamese or English headers, UTF-8 with or without BOM.

Rows are listings unless a ``type`` column or the caller says otherwise. The
delimiter (``,``, ``;`` or tab) is taken from the header line. Column names
are matched loosely: case, diacritics, spaces and punctuation are ignored, so
"Quận/Huyện", "quan huyen" and "District" all name ``district``.

A quoted field may hold line breaks, so one unterminated quote would turn
the following lines into part of one field. Rows are read strictly: a quoted
field that runs to the end of the file, or whose closing quote is not
followed by a delimiter (it closed on another field's opening quote), is that
mistake. The row is reported with the line of the quote and skipped, and the
lines it swallowed are read again as rows. A file with a header and no rows
is reported too.
"""

from __future__ import annotations

import csv
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

from newssearch.documents import DocType
from newssearch.ingest.base import IngestItem, LineSource, Problem, items_from_record
from newssearch.vietnamese import compact

__all__ = ["HEADER_ALIASES", "header_field", "read_csv"]

# Descriptions of several MB are real; the csv module's default cap is 128 KB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: Record field -> accepted column names (compared after :func:`compact`).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "ma", "ma tin", "mã tin", "ma bai"),
    "type": ("type", "loai tin", "kieu"),
    "title": ("title", "tiêu đề", "tieu de", "tên", "ten", "headline", "tựa đề"),
    "description": ("description", "mô tả", "mo ta", "nội dung", "noi dung", "chi tiết", "content"),
    "body": ("body", "text", "bài viết"),
    "summary": ("summary", "tóm tắt", "sapo"),
    "price": ("price", "giá", "gia", "giá bán", "gia ban", "giá thuê", "giá (vnđ)", "giá (vnd)",
              "mức giá", "price vnd", "price_vnd"),
    "price_text": ("price_text", "price text"),
    "price_per_m2_vnd": ("price_per_m2_vnd", "price per m2", "giá/m2", "giá/m²", "đơn giá", "gia m2"),
    "area": ("area", "area_m2", "area m2", "diện tích", "dien tich", "diện tích (m2)",
             "diện tích (m²)", "dt", "size"),
    "bedrooms": ("bedrooms", "phòng ngủ", "phong ngu", "số phòng ngủ", "so phong ngu", "pn", "beds"),
    "bathrooms": ("bathrooms", "phòng tắm", "số phòng tắm", "wc", "toilet", "nhà vệ sinh", "baths"),
    "floors": ("floors", "số tầng", "so tang", "tầng", "tang"),
    "property_type": ("property_type", "property type", "loại bđs", "loai bds", "loại nhà đất",
                      "loại hình", "loại", "loai", "loại bất động sản"),
    "transaction": ("transaction", "giao dịch", "hình thức", "nhu cầu"),
    "district": ("district", "quận/huyện", "quan huyen", "quận", "huyện", "quan", "huyen"),
    "ward": ("ward", "phường/xã", "phuong xa", "phường", "xã", "phuong", "xa"),
    "province": ("province", "tỉnh/thành phố", "tinh thanh pho", "tỉnh/thành", "tỉnh thành",
                 "tỉnh", "thành phố", "tinh", "city"),
    "address": ("address", "địa chỉ", "dia chi", "vị trí", "location"),
    "street": ("street", "đường", "duong", "tên đường"),
    "project": ("project", "dự án", "du an"),
    "direction": ("direction", "hướng", "huong", "hướng nhà"),
    "legal_status": ("legal_status", "legal status", "pháp lý", "phap ly", "giấy tờ"),
    "posted": ("posted", "ngày đăng", "ngay dang", "date", "ngày", "posted date"),
    "published": ("published", "ngày xuất bản", "xuất bản"),
    "url": ("url", "link", "đường dẫn", "duong dan"),
    "source": ("source", "nguồn", "nguon", "site", "website"),
    "author": ("author", "tác giả", "tac gia"),
    "category": ("category", "chuyên mục", "chuyen muc", "danh mục"),
    "tags": ("tags", "từ khóa", "tu khoa", "keywords"),
    "views": ("views", "lượt xem", "luot xem"),
    "deleted": ("deleted", "đã xóa", "xoa"),
}
_LOOKUP: dict[str, str] = {compact(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def header_field(column: str) -> str | None:
    """The record field a column header names, or ``None`` if unknown."""
    key = compact(column.strip().strip('"'))
    return _LOOKUP.get(key) if key else None


def _delimiter(header_line: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv" or path.name.lower().endswith(".tsv.gz"):
        return "\t"
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """One record per row (listings by default); a row that fails is a Problem with its line."""
    src = LineSource(path)
    name = str(path)
    lines = src.lines()
    first = next(lines, None)
    yield from src.take_problems()
    if first is None:
        return
    delimiter = _delimiter(first[1], path)

    # The physical lines of the row being read, and lines to read again.
    consumed: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []

    def physical() -> Iterator[str]:
        while True:
            item = pending.pop(0) if pending else next(lines, None)
            if item is None:
                return
            consumed.append(item)
            yield item[1]

    reader = csv.reader(itertools.chain([first[1]], physical()), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        yield Problem(name, 1, f"cannot read the CSV header: {exc}")
        return
    fields = [header_field(h) for h in header]
    if not any(fields):
        yield Problem(
            name, 1,
            "no known column in the header (found: " + ", ".join(repr(h) for h in header[:12]) + "); "
            "expected columns such as Tiêu đề/title, Giá/price, Diện tích/area, Địa chỉ/address",
        )
        return
    unknown = [h for h, f in zip(header, fields, strict=True) if f is None and h.strip()]
    if unknown:
        yield Problem(name, 1, "ignored unknown columns: " + ", ".join(repr(h) for h in unknown), "warning")
    default: DocType = doc_type or "listing"
    rows = 0
    while True:
        consumed.clear()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from src.take_problems()
            if len(consumed) > 1 or "end of data" in str(exc):
                start, last = consumed[0][0], consumed[-1][0]
                again = f"lines {start + 1}-{last} read again as rows" if last > start else "nothing after it"
                yield Problem(
                    name, start,
                    f"unterminated quote: the quoted field starting on this line is not closed ({exc}); "
                    f"row skipped, {again}",
                )
                pending[:0] = consumed[1:]
                reader = csv.reader(physical(), delimiter=delimiter, strict=True)
            else:
                yield Problem(name, consumed[0][0] if consumed else None, f"malformed CSV row: {exc}")
            continue
        yield from src.take_problems()
        lineno = consumed[0][0] if consumed else reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            yield Problem(name, lineno, f"row has {len(row)} cells but the header has {len(header)}; "
                          "extra cells ignored", "warning")
        rec: dict[str, str] = {}
        for field_name, cell in zip(fields, row, strict=False):
            value = cell.strip()
            if field_name is not None and value and field_name not in rec:
                rec[field_name] = value
        yield from items_from_record(rec, name, lineno, default)
    yield from src.take_problems()
    if rows == 0:
        yield Problem(name, None, "the file has a header but no rows", "warning")
