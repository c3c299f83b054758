"""What readers yield, and the byte-level plumbing they share.

* :class:`Problem` -- a record or file that was skipped (``level="error"``) or
  read with a caveat (``level="warning"``: cut text, non-UTF-8 bytes).
* :class:`LineSource` -- lines of a file, gzip or not, decoded as UTF-8 with a
  Windows-1258 / Latin-1 fallback, with damage (truncated gzip, unreadable
  file) turned into problems instead of exceptions.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

from newssearch.documents import Article, DocType, Listing
from newssearch.errors import InvalidRecord
from newssearch.ingest.records import Deletion, from_record

__all__ = [
    "MAX_LINE_BYTES",
    "IngestItem",
    "LineSource",
    "Problem",
    "is_gzip",
    "items_from_record",
    "open_binary",
]

#: A line (one JSON record, one CSV physical line) longer than this is skipped.
MAX_LINE_BYTES = 64 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input, reported with its location.

    ``level="error"``: the record (or file) was skipped. ``level="warning"``:
    it was read, with a caveat worth telling the user.
    """

    path: str
    line: int | None
    reason: str
    level: Literal["error", "warning"] = "error"

    @property
    def skipped(self) -> bool:
        """True when the record or file was not read."""
        return self.level == "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        prefix = "warning: " if self.level == "warning" else ""
        return f"{where}: {prefix}{self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form for reports."""
        return {"path": self.path, "line": self.line, "reason": self.reason, "level": self.level}


IngestItem = Article | Listing | Deletion | Problem


def items_from_record(
    rec: Any, path: str, line: int | None, doc_type: DocType | None
) -> Iterator[IngestItem]:
    """The document (plus warnings) for one raw record, or a Problem. Never raises."""
    if not isinstance(rec, Mapping):
        yield Problem(path, line, f"expected a JSON object, got {type(rec).__name__}")
        return
    warnings: list[str] = []
    rec, scrubbed = _scrub_surrogates(rec)
    if scrubbed:
        # Legal JSON ("\ud800") but not encodable text: keep the record, mark the damage.
        warnings.append("lone surrogate characters (broken \\uXXXX escapes) replaced with U+FFFD")
    try:
        item = from_record(rec, doc_type, warnings)
    except InvalidRecord as exc:
        yield Problem(path, line, exc.message)
        return
    except Exception as exc:  # bad input must never stop a run; report the record instead
        yield Problem(path, line, f"could not read the record ({type(exc).__name__}: {exc})")
        return
    yield item
    for w in warnings:
        yield Problem(path, line, w, "warning")


def _scrub(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        if value.isascii():
            return value, False
        try:
            value.encode("utf-8")
            return value, False
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace"), True
    if isinstance(value, list):
        items = [_scrub(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, Mapping):
        pairs = [(_scrub(k), _scrub(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, any(ck or cv for (_, ck), (_, cv) in pairs)
    return value, False


def _scrub_surrogates(rec: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """Replace lone UTF-16 surrogates (which cannot be stored as UTF-8) with U+FFFD."""
    scrubbed, changed = _scrub(rec)
    return (scrubbed if changed else rec), changed


def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name)."""
    with path.open("rb") as f:
        return f.read(2) == _GZIP_MAGIC


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open for reading bytes, decompressing gzip transparently."""
    if is_gzip(path):
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


@dataclass
class LineSource:
    """Decoded lines of one file, with problems collected on the side.

    Iterate :meth:`lines`; after each line (and at the end) drain
    :attr:`problems` with :meth:`take_problems`. Lines keep their line ending.
    With ``stream`` (standard input, a request body) the bytes come from it
    and ``path`` only names the source in problem reports.
    """

    path: Path
    problems: list[Problem] = field(default_factory=list)
    fallback_lines: int = 0
    stream: IO[bytes] | None = None

    @property
    def name(self) -> str:
        """The path as given, for problem reports."""
        return str(self.path)

    def take_problems(self) -> list[Problem]:
        """Problems found since the last call."""
        out, self.problems = self.problems, []
        return out

    def _decode(self, raw: bytes, lineno: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        self.fallback_lines += 1
        try:
            text, encoding = raw.decode("cp1258"), "Windows-1258 (cp1258)"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "Latin-1"
        if self.fallback_lines == 1:
            self.problems.append(
                Problem(
                    self.name, lineno,
                    f"not valid UTF-8; decoded as {encoding} (further such lines are not reported); "
                    "save the file as UTF-8 to be sure of the text",
                    "warning",
                )
            )
        return text

    def lines(self) -> Iterator[tuple[int, str]]:
        """``(line number, text)`` for each line; damage becomes a Problem, never an exception."""
        lineno = 0
        try:
            with self._open() as stream:
                peek = getattr(stream, "peek", None)
                head: bytes = peek(4)[:4] if peek is not None else b""
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    yield from self._utf16_lines(stream)
                    return
                skipping = False
                while True:
                    raw = stream.readline(MAX_LINE_BYTES)
                    if not raw:
                        break
                    if skipping:  # the rest of an over-long line
                        skipping = not raw.endswith(b"\n")
                        continue
                    lineno += 1
                    if len(raw) >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
                        self.problems.append(
                            Problem(self.name, lineno, f"line longer than {MAX_LINE_BYTES // 2**20} MB; skipped")
                        )
                        skipping = True
                        continue
                    if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                        raw = raw[len(codecs.BOM_UTF8):]
                    yield lineno, self._decode(raw, lineno)
        except _GZIP_ERRORS as exc:
            self.problems.append(
                Problem(self.name, lineno + 1 if lineno else None,
                        f"truncated or damaged gzip after line {lineno} ({exc}); the lines before were read")
            )
        except OSError as exc:
            self.problems.append(Problem(self.name, None, f"cannot read the file: {exc.strerror or exc}"))

    def _open(self) -> io.BufferedIOBase:
        if self.stream is None:
            return open_binary(self.path)
        # A BufferedReader gives the peek() the BOM check uses; the caller keeps the stream open.
        return io.BufferedReader(cast(Any, _Unclosed(self.stream)))

    def _utf16_lines(self, stream: io.BufferedIOBase) -> Iterator[tuple[int, str]]:
        text = io.TextIOWrapper(cast(Any, stream), encoding="utf-16", errors="replace", newline="")
        yield from enumerate(text, 1)

    def read_text(self, limit: int) -> str | None:
        """The whole file as text (for page formats), or ``None`` with a Problem
        when it is larger than ``limit`` bytes or unreadable."""
        parts: list[str] = []
        size = 0
        for _, line in self.lines():
            size += len(line)
            if size > limit:
                self.problems.append(
                    Problem(self.name, None, f"file is larger than {limit // 2**20} MB; a page cannot be that big")
                )
                return None
            parts.append(line)
        return "".join(parts)


class _Unclosed(io.RawIOBase):
    """A read-only view of a stream that leaves it open when closed (stdin belongs to the caller)."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = getattr(self._stream, "read1", self._stream.read)  # what has arrived, not a full buffer
        data = read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
