"""Facet, filter and sort values of every document as NumPy arrays.

A segment's columns are read from its per-document file
(:mod:`newssearch.store.perdoc`): a few ``np.frombuffer`` calls and, for a
keyword column, one dictionary look-up per distinct value. A segment without
that file (written by other code, or whose file fails its checks) is read
from Whoosh's columns: Whoosh reads a column one document at a time through
Python (about 4 µs a value), so :func:`numeric_column` and
:func:`bytes_column` read a column's bytes once and decode them with NumPy
and slicing, falling back to per-document reads for column types they do not
know. Segments never change once written, so :class:`ColumnCache` keeps each
segment's arrays until the segment is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length

from ..vietnamese import fold
from .perdoc import SegmentDocs
from .schema import KEYWORD_COLUMNS, NUMERIC_COLUMNS

BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int32]
NumberArray = npt.NDArray[np.float64]

#: Whoosh's one-byte length codes decoded (the per-document file keeps the same codes).
LENGTH_TABLE = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float32)


def _raw_reader(leaf: Any, fieldname: str, column: Any) -> Any:
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or not perdoc.has_column(fieldname):
        return None
    return perdoc.column_reader(fieldname, column)


def numeric_column(leaf: Any, fieldname: str, column: Any, size: int) -> NumberArray:
    """A fixed-width numeric column of one segment as float64 (missing -> default)."""
    reader = _raw_reader(leaf, fieldname, column)
    if reader is None:
        return np.full(size, float(column._default), dtype=np.float64)
    if isinstance(reader, columns.NumericColumn.Reader):
        count = min(reader._count, size)
        data = reader._dbfile.get(reader._basepos, count * reader._fixedlen)
        values = np.frombuffer(data, dtype=np.dtype(reader._typecode).newbyteorder(">")).astype(np.float64)
        if count < size:
            values = np.concatenate([values, np.full(size - count, float(reader._default))])
        return values
    return np.fromiter((float(v) for v in reader), dtype=np.float64, count=size)


def bytes_column(leaf: Any, fieldname: str, column: Any, size: int) -> list[bytes]:
    """A variable-width bytes column of one segment as a list of bytes values."""
    reader = _raw_reader(leaf, fieldname, column)
    if reader is None:
        return [b""] * size
    if isinstance(reader, columns.VarBytesColumn.Reader):
        lengths = np.asarray(reader._lengths, dtype=np.int64)
        total = int(lengths.sum())
        blob = bytes(reader._dbfile.get(reader._basepos, total)) if total else b""
        ends = np.cumsum(lengths).tolist()
        starts = [0, *ends[:-1]]
        out = [blob[a:b] for a, b in zip(starts, ends, strict=True)]
        return out + [b""] * (size - len(out))
    return [bytes(v) if v else b"" for v in reader]


def field_lengths(leaf: Any, fieldname: str, size: int) -> npt.NDArray[np.float32]:
    """Per-document lengths of an indexed field in one segment (as Whoosh stores them)."""
    codes = numeric_column(leaf, f"_{fieldname}_len", LENGTHS_COLUMN, size).astype(np.int64)
    return LENGTH_TABLE[np.clip(codes, 0, 255)]


@dataclass
class Columns:
    """Column arrays for every document number of one snapshot."""

    live: BoolArray
    #: Keyword columns as codes into :class:`Vocabulary` (0: no value).
    codes: dict[str, CodeArray]
    #: Numeric columns (NaN: no value).
    numbers: dict[str, NumberArray]


#: Other names a column value may be looked up by: (column, value) -> names.
Aliases = Callable[[str, str], Iterable[str]]


class Vocabulary:
    """String <-> code dictionaries for keyword columns (they only grow, so
    codes stay valid across the snapshots of one generation)."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self.labels: dict[str, list[str]] = {name: [""] for name in KEYWORD_COLUMNS}
        self.index: dict[str, dict[str, int]] = {name: {"": 0} for name in KEYWORD_COLUMNS}
        #: Codes by folded value (and folded alias), so a filter may be typed
        #: without accents or by another name of the value.
        self.folded: dict[str, dict[str, set[int]]] = {name: {} for name in KEYWORD_COLUMNS}
        self._aliases = aliases

    def code(self, name: str, value: str) -> int:
        idx = self.index[name]
        c = idx.get(value)
        if c is None:
            c = len(self.labels[name])
            idx[value] = c
            self.labels[name].append(value)
            folded = self.folded[name]
            folded.setdefault(fold(value).strip(), set()).add(c)
            if self._aliases is not None:
                for alias in self._aliases(name, value):
                    folded.setdefault(fold(alias).strip(), set()).add(c)
        return c


SegmentColumns = tuple[dict[str, CodeArray], dict[str, NumberArray]]


class ColumnCache:
    """Column arrays cached per (immutable) segment, for one generation."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self.vocab = Vocabulary(aliases)
        self._segments: dict[str, SegmentColumns] = {}
        self._lock = threading.Lock()

    def load(self, reader: Any, files: list[SegmentDocs | None]) -> Columns:
        """Every column of a Whoosh reader (``files``: each segment's per-document
        file, or None); only segments not seen before are read."""
        n = reader.doc_count_all()
        live = np.zeros(n, dtype=bool)
        codes = {name: np.zeros(n, dtype=np.int32) for name in KEYWORD_COLUMNS}
        numbers = {name: np.full(n, np.nan) for name in NUMERIC_COLUMNS}
        if n == 0:
            return Columns(live, codes, numbers)
        seen: set[str] = set()
        with self._lock:
            for (leaf, offset), docs in zip(reader.leaf_readers(), files, strict=True):
                size = leaf.doc_count_all()
                seg = leaf.segment()
                key = seg.segment_id() if seg is not None else f"anon-{id(leaf)}"
                seen.add(key)
                cached = self._segments.get(key)
                if cached is None:
                    cached = self._load_segment(leaf, size) if docs is None else self._load_file(docs)
                    self._segments[key] = cached
                seg_codes, seg_numbers = cached
                for name in KEYWORD_COLUMNS:
                    codes[name][offset : offset + size] = seg_codes[name]
                for name in NUMERIC_COLUMNS:
                    numbers[name][offset : offset + size] = seg_numbers[name]
                if leaf.has_deletions():
                    ids = np.fromiter(leaf.all_doc_ids(), dtype=np.int64)
                    live[offset + ids] = True
                else:
                    live[offset : offset + size] = True
            for key in list(self._segments):
                if key not in seen:
                    del self._segments[key]
        return Columns(live, codes, numbers)

    def _load_file(self, docs: SegmentDocs) -> SegmentColumns:
        """A segment's columns from its per-document file."""
        n = docs.doc_count
        seg_codes: dict[str, CodeArray] = {}
        seg_numbers: dict[str, NumberArray] = {}
        for name in KEYWORD_COLUMNS:
            found = docs.keywords(name)
            if found is None:
                seg_codes[name] = np.zeros(n, dtype=np.int32)
                continue
            local, values = found
            # The file's codes are the segment's own: translate them through its values.
            to_vocab = np.fromiter((self.vocab.code(name, v) for v in values), dtype=np.int32, count=len(values))
            seg_codes[name] = to_vocab[local]
        for name in NUMERIC_COLUMNS:
            numbers = docs.numbers(name)
            seg_numbers[name] = np.full(n, np.nan) if numbers is None else numbers.astype(np.float64)
        return seg_codes, seg_numbers

    def _load_segment(self, leaf: Any, size: int) -> SegmentColumns:
        seg_codes: dict[str, CodeArray] = {}
        seg_numbers: dict[str, NumberArray] = {}
        for name in KEYWORD_COLUMNS:
            code = self.vocab.code
            values = bytes_column(leaf, name, leaf.schema[name].column_type, size)
            seg_codes[name] = np.fromiter(
                (code(name, v.decode("utf-8", "replace")) for v in values), dtype=np.int32, count=size
            )
        for name in NUMERIC_COLUMNS:
            seg_numbers[name] = numeric_column(leaf, name, leaf.schema[name].column_type, size)
        return seg_codes, seg_numbers
