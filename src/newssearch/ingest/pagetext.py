"""Scraped page text -> article records (the main article and "Các tin khác" stubs).

A page of the regional news sites we target, saved as text, looks like::

    Hotline: 098...            <- site chrome (menus, hotline, chat links)
    Tìm kiếm nhà đất
    <title>
    Cập nhật: 17/06/2022 -     <- the date line follows the title
    Lượt xem:211
    <paragraphs, photo captions ending in "Ảnh: <name>">
    <author>
    Cập nhật: 17/06/2022 -     <- the same footer again
    Lượt xem:211
    Các tin khác
    <title> (often twice)
    Ngày đăng: 10/06/2022 - Lượt xem: 262
    <excerpt>
    ...

:func:`page_records` returns plain records for
:func:`newssearch.ingest.records.from_record`; they have no URL, so ids come
from title + date, and a stub and the later full article share one id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newssearch.documents import DocType
from newssearch.ingest.base import IngestItem, LineSource, Problem, items_from_record
from newssearch.parsing import ParseError, parse_date, parse_int
from newssearch.vietnamese import fold, normalize

__all__ = ["MAX_PAGE_BYTES", "is_caption", "is_chrome", "other_news", "page_records", "read_page_text"]

# Lines are matched on their folded form (lowercase, no diacritics).
_DATE_LINE_RE = re.compile(
    r"^(?:cap nhat|ngay dang|dang ngay|ngay cap nhat|dang luc|cap nhat luc|ngay xuat ban|xuat ban"
    r"|thoi gian dang|posted|published|updated)\b[^0-9]{0,20}\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
)
_BARE_DATE_RE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2})?\s*-?\s*(?:luot xem\b.*)?$")
_VIEWS_RE = re.compile(r"luot xem\s*:?\s*(\d[\d.,]*)")
_OTHERS_RE = re.compile(
    r"^(?:cac tin khac|tin khac|tin lien quan|bai viet lien quan|tin cung chuyen muc|"
    r"xem them|doc them|cac bai khac|bai viet khac|tin moi hon|tin cu hon)\s*:?$"
)
_END_RE = re.compile(
    r"^(?:ban quyen|copyright|©|\(c\)|dia chi\s*:|tru so\s*:|giay phep|chiu trach nhiem|"
    r"binh luan|y kien ban doc|chia se|tags?\s*:|tu khoa\s*:)"
)
_CHROME_RE = re.compile(
    r"^(?:hotline|chat\b|goi ngay|goi dien|tim kiem|dang nhap|dang ky|trang chu|lien he\s*$|"
    r"menu|email\s*:|e-mail\s*:|zalo|facebook|dien thoai\s*:|tel\s*:|sdt\s*:|fax\s*:|"
    r"tai ung dung|theo doi chung toi|quay lai|in bai|gui bai|chia se|share|tweet|like)\b"
)
_PHONE_RE = re.compile(r"(?:\+?84|0)\d{1,3}(?:[.\s-]?\d{2,4}){2,3}")
# Matched on folded text: "... Ảnh: Mạnh Trường", "(Ảnh: TTXVN)", "Ảnh minh họa".
_CAPTION_RE = re.compile(
    r"(?:^|[\s.(])(?:anh|nguon anh|photo|anh minh hoa)\s*:\s*\S[^.!?:]{0,80}\)?\s*\.?$"
    r"|^anh minh hoa\b|\(anh minh hoa\)\s*\.?$"
)


def is_chrome(line: str) -> bool:
    """Site chrome: hotline, chat and search links, bare phone numbers, menu words."""
    f = fold(line).strip()
    if not f:
        return True
    if _CHROME_RE.match(f):
        return True
    if _PHONE_RE.search(line):
        rest = _PHONE_RE.sub("", line)
        if len(re.sub(r"[\W_]+", "", rest)) <= 20 or len(line) < 60:
            return True
    return False


def is_caption(paragraph: str) -> bool:
    """A photo caption: ends with a credit ("... Ảnh: Mạnh Trường") or says "Ảnh minh họa"."""
    return bool(_CAPTION_RE.search(fold(paragraph)))


def _is_date_line(f: str) -> bool:
    return bool(_DATE_LINE_RE.match(f) or _BARE_DATE_RE.match(f))


def _date(line: str) -> Any:
    try:
        return parse_date(line)
    except ParseError:
        return None


def _views(folded: str) -> int | None:
    m = _VIEWS_RE.search(folded)
    if not m:
        return None
    try:
        return parse_int(m[1])
    except ParseError:
        return None


def _looks_like_author(line: str) -> bool:
    """A short by-line: "Hoàng Giang", "Minh Anh (TTXVN)", "Nhóm PV"."""
    if len(line) > 60 or line[-1:] in ".!?:;,…" or re.search(r"\d", line):
        return False
    words = line.split()
    return 1 <= len(words) <= 7 and all(w[0].isupper() or w[0] in "(-–" for w in words)


def _dedupe_consecutive(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not out or fold(out[-1]) != fold(line):
            out.append(line)
    return out


def other_news(lines: list[str]) -> list[dict[str, Any]]:
    """Parse the items of a "Các tin khác" list into stub records.

    Each item is a title (possibly repeated), a "Ngày đăng: dd/mm/yyyy -
    Lượt xem: N" line, then an optional excerpt. The lines between two date
    lines are [excerpt of the previous item..., title of the next].
    """
    items: list[dict[str, Any]] = []
    pending: list[str] = []
    for raw in lines:
        line = normalize(raw)
        if not line:
            continue
        f = fold(line)
        if _END_RE.match(f):
            break
        if _is_date_line(f):
            block = _dedupe_consecutive(pending)
            pending = []
            if not block:
                continue
            if items and len(block) > 1:
                items[-1]["summary"] = " ".join(block[:-1])
            items.append(
                {"type": "article", "stub": True, "title": block[-1], "published": _date(line), "views": _views(f)}
            )
            continue
        if is_chrome(line) or _OTHERS_RE.match(f):
            if items and pending:
                break  # the list is over: footer chrome
            continue
        pending.append(line)
    if items and pending:
        items[-1]["summary"] = " ".join(_dedupe_consecutive(pending)[:2])
    return items


def page_records(text: str) -> list[dict[str, Any]]:
    """Records for the article on a scraped page and each "Các tin khác" stub.

    The article record has ``title``, ``published``, ``views``, ``body``
    (paragraphs joined by ``\\n``), ``captions`` and ``author``; stubs have
    ``stub=True``, ``title``, ``published``, ``views`` and ``summary`` when an
    excerpt is shown. An empty list when the text has no title at all.
    """
    lines = [normalize(line) for line in text.splitlines()]
    folded = [fold(line) for line in lines]
    others = next((i for i, f in enumerate(folded) if _OTHERS_RE.match(f)), len(lines))
    records: list[dict[str, Any]] = []
    main = _main_article(lines[:others], folded[:others])
    if main is not None:
        records.append(main)
    if others < len(lines):
        records.extend(other_news(lines[others + 1 :]))
    return records


def _main_article(lines: list[str], folded: list[str]) -> dict[str, Any] | None:
    meta = next((i for i, f in enumerate(folded) if _DATE_LINE_RE.match(f)), None)
    published = None
    views = None
    if meta is not None:
        title_idx = next((i for i in range(meta - 1, -1, -1) if lines[i] and not is_chrome(lines[i])), None)
        if title_idx is None:
            return None
        published = _date(lines[meta])
        views = _views(folded[meta])
        start = meta + 1
        # "Lượt xem: N" (and blank lines) right after the date line belong to the header.
        while start < len(lines) and (not lines[start] or folded[start].startswith("luot xem")):
            if views is None:
                views = _views(folded[start])
            start += 1
    else:
        title_idx = next((i for i, line in enumerate(lines) if line and not is_chrome(line)), None)
        if title_idx is None:
            return None
        start = title_idx + 1
    end = next(
        (i for i in range(start, len(lines)) if _DATE_LINE_RE.match(folded[i]) or _END_RE.match(folded[i])),
        len(lines),
    )
    paragraphs = [line for line in lines[start:end] if line and not is_chrome(line)]
    author = None
    if paragraphs and _looks_like_author(paragraphs[-1]):
        author = paragraphs.pop()
    captions = [p for p in paragraphs if is_caption(p)]
    body = [p for p in paragraphs if not is_caption(p)]
    if views is None and end < len(lines):
        views = next((v for f in folded[end : end + 3] if (v := _views(f)) is not None), None)
    return {
        "type": "article",
        "title": lines[title_idx],
        "published": published,
        "views": views,
        "body": "\n".join(body),
        "captions": captions,
        "author": author,
    }


#: Larger text files are not scraped pages.
MAX_PAGE_BYTES = 20 * 1024 * 1024


def read_page_text(path: Path, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """Read one scraped page saved as text: its article, then its stubs."""
    name = str(path)
    src = LineSource(path)
    text = src.read_text(MAX_PAGE_BYTES)
    yield from src.take_problems()
    if text is None:
        return
    records = page_records(text)
    if not records:
        yield Problem(name, None, "no article found in the page text (no title line)")
        return
    for rec in records:
        yield from items_from_record(rec, name, None, doc_type or "article")
