"""Which reader a file needs: by its extension, else by peeking at its bytes.

A ``.gz`` suffix (or gzip magic bytes) is looked through: ``x.jsonl.gz`` is
JSON Lines. Files without a known extension are recognised from their first
bytes: ``[`` JSON array, ``{`` JSON Lines, ``<`` HTML, a header line with
known column names CSV.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path
from typing import Literal

from newssearch.vietnamese import compact

__all__ = ["EXTENSIONS", "Format", "detect_format", "format_from_name", "sniff"]

Format = Literal["jsonl", "json", "csv", "html", "txt"]

#: Extension (lower case, without ``.gz``) -> format.
EXTENSIONS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "txt",
    ".text": "txt",
}
PEEK_BYTES = 8192
_HTML_RE = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<!--|<div|<article)", re.IGNORECASE)


def format_from_name(path: Path) -> Format | None:
    """The format an extension names (``.gz`` looked through), or ``None``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes.pop()
    return EXTENSIONS.get(suffixes[-1]) if suffixes else None


def _peek(path: Path) -> bytes:
    with path.open("rb") as f:
        head = f.read(PEEK_BYTES)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as g:
                return g.read(PEEK_BYTES)
        except (EOFError, OSError, zlib.error):
            return b""
    return head


def sniff(head: bytes) -> Format | None:
    """Guess a format from the first bytes of the (decompressed) content."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        return None
    if b"\x00" in text[:1024]:
        return None  # binary (or UTF-16, which only the .csv/.txt readers decode)
    if text[:1] == b"[":
        return "json"
    if text[:1] == b"{":
        return "jsonl"
    if _HTML_RE.match(text):
        return "html"
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    from newssearch.ingest.csv import header_field  # local: csv imports this module's users

    cells = re.split(r"[,;\t]", first)
    if len(cells) >= 2 and sum(header_field(c) is not None for c in cells) >= 2:
        return "csv"
    return None


def detect_format(path: Path) -> Format | None:
    """The reader for ``path``: by extension, else by content; ``None`` if unknown.

    Raises ``OSError`` when the file cannot be read.
    """
    by_name = format_from_name(path)
    if by_name is not None:
        return by_name
    return sniff(_peek(path))


def describe_unknown(path: Path) -> str:
    """The message for a file no reader accepts."""
    known = ", ".join(sorted(EXTENSIONS))
    suffix = "".join(path.suffixes) or "(no extension)"
    return (
        f"unknown file type {suffix}: not JSON, CSV or HTML by its content either; "
        f"use one of {known} (optionally gzipped as .gz)"
    )


def is_hidden(path: Path) -> bool:
    """Dot-files and editor leftovers are not data."""
    name = path.name
    return name.startswith((".", "~")) or name.endswith(("~", ".swp", ".tmp")) or compact(name) == ""
