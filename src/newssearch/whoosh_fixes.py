"""Whoosh access the project needs beyond its public API, kept in one place.

1. Bulk column reads. Whoosh reads a column one document at a time through
   Python (about 4 µs a value: 10 s for 14 columns of 240k documents at every
   index reopen). :func:`numeric_column` and :func:`bytes_column` read the
   column's bytes once and decode them with NumPy / slicing, falling back to
   per-document reads for column types they do not know.

2. Top-N collection. Whoosh's default top-N collector "replaces" matchers and skips blocks using
estimated maximum scores. With boosted optional clauses (``AndMaybe``/``Or``
with boosts, as our ranking and ``more_like`` use) the estimates are wrong and
the best documents are dropped: the same query returned different first hits
with ``limit=3`` and ``limit=8`` (whoosh3 3.54.0). Every scored search in
newssearch goes through :func:`top_docs`, which scores every match exactly.

3. Field lengths at commit. Writing a segment looks up the length of the
   document's field for every posting (one column read, ~4 µs, per posting:
   2.4M postings for 8,000 documents). :func:`install` replaces that lookup
   with a list read once per field (same values, same ``None`` for absent).

4. Opening a segment. whoosh3 opens each file inside a compound segment as
   ``BytesIO(memoryview(mmap)[...])``, and ``BytesIO`` copies a memoryview:
   every searcher (and every indexing run, to look ids up) copied the postings
   and term files into memory, 1.9 GB for the 243k-document index.
   :func:`install` gives those files a reader over the mapped memory instead.

5. Postings for scoring. :func:`install` also installs
   :mod:`newssearch.sidecar`: each segment written gets a file of its terms'
   ids and frequencies as plain arrays, which the scorer reads instead of
   unpickling Whoosh's blocks.

6. The posting pool. :func:`install` replaces Whoosh's per-posting sorting
   pool with :class:`newssearch.postingpool.TermPool`, which groups postings
   by term (see there).

7. Analysis at index time. For the exact and folded analyzers (tokenizer,
   tokenizer + fold), the ``Frequency`` and ``Positions`` formats take the
   terms and positions straight from :func:`newssearch.analysis.index_terms`
   instead of a chain of Whoosh token generators; the output is the same.

"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import collectors, columns, formats
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb import structfile
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

from . import postingpool, sidecar
from .analysis import index_terms

_LENGTH_TABLE = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float32)


def _raw_reader(leaf: Any, fieldname: str, column: Any) -> Any:
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or not perdoc.has_column(fieldname):
        return None
    return perdoc.column_reader(fieldname, column)


def numeric_column(leaf: Any, fieldname: str, column: Any, size: int) -> npt.NDArray[np.float64]:
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
    return _LENGTH_TABLE[np.clip(codes, 0, 255)]


_LENGTH_OR_NONE: list[int | None] = [byte_to_length(b) if b else None for b in range(256)]
_original_dfl_reader = whoosh3.W3PerDocReader.doc_field_length_reader


def _doc_field_length_reader(self: Any, fieldname: str, default: int = 0) -> Any:
    reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if not isinstance(reader, columns.NumericColumn.Reader) or reader._typecode != "B":
        return _original_dfl_reader(self, fieldname, default)
    data = bytes(reader._dbfile.get(reader._basepos, reader._count)) if reader._count else b""
    table = _LENGTH_OR_NONE
    lengths = [table[b] for b in data]
    count = len(lengths)

    def get(docnum: int) -> int | None:
        return lengths[docnum] if docnum < count else None

    return get


class MemoryViewFile(io.RawIOBase):
    """A read-only, seekable file over a memoryview, without copying it."""

    def __init__(self, buf: memoryview) -> None:
        super().__init__()
        self._buf = buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), self._pos + size)
        pos = self._pos
        while pos < end:
            chunk = bytes(self._buf[pos : min(end, pos + 256)])
            i = chunk.find(b"\n")
            if i >= 0:
                return self.read(pos + i + 1 - self._pos)
            pos += len(chunk)
        return self.read(end - self._pos)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


_original_buffer_file_init = structfile.BufferFile.__init__


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    _original_buffer_file_init(self, b"" if isinstance(buf, memoryview) else buf, name, onclose)
    if isinstance(buf, memoryview):
        self._buf = buf
        self.file = MemoryViewFile(buf)


ORIGINAL_FREQUENCY_WORD_VALUES = formats.Frequency.word_values
ORIGINAL_POSITIONS_WORD_VALUES = formats.Positions.word_values


def _fast_terms(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> list[tuple[str, int]] | None:
    if not isinstance(value, str) or kwargs.get("start_pos") or kwargs.get("start_char"):
        return None
    return index_terms(analyzer, value)


def _frequency_word_values(self: Any, value: Any, analyzer: Any, **kwargs: Any) -> Any:
    terms = _fast_terms(value, analyzer, kwargs)
    if terms is None:
        return ORIGINAL_FREQUENCY_WORD_VALUES(self, value, analyzer, **kwargs)
    fb = self.field_boost
    freqs = Counter(term for term, _ in terms)  # first-seen order, as Whoosh's dict
    return ((w, freq, float(freq) * fb, pack_uint(freq)) for w, freq in freqs.items())


def _positions_word_values(self: Any, value: Any, analyzer: Any, **kwargs: Any) -> Any:
    terms = _fast_terms(value, analyzer, kwargs)
    if terms is None:
        yield from ORIGINAL_POSITIONS_WORD_VALUES(self, value, analyzer, **kwargs)
        return
    fb = self.field_boost
    poses: dict[str, list[int]] = {}
    for term, pos in terms:
        found = poses.get(term)
        if found is None:
            poses[term] = [pos]
        else:
            found.append(pos)
    for w, poslist in poses.items():
        yield (w, len(poslist), float(len(poslist)) * fb, self.encode(poslist))


def install() -> None:
    """Patch the Whoosh hot spots described above (idempotent)."""
    whoosh3.W3PerDocReader.doc_field_length_reader = _doc_field_length_reader
    structfile.BufferFile.__init__ = _buffer_file_init
    sidecar.install()
    postingpool.install()
    formats.Frequency.word_values = _frequency_word_values
    formats.Positions.word_values = _positions_word_values


def prefix_frequencies(reader: Any, field: str, prefix: str, budget: int = 5000) -> dict[str, int]:
    """Document frequency of every term of ``field`` beginning with ``prefix``
    (the first ``budget`` terms of each segment).

    Reads each segment's term table once: the multi-segment reader's own
    prefix walk looks every term up again in every segment.
    """
    found: dict[str, int] = {}
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    for leaf, _offset in leaves:
        try:
            items = leaf.iter_prefix(field, prefix)
            for i, (raw, info) in enumerate(items):
                if i >= budget:
                    break
                term = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
                found[term] = found.get(term, 0) + int(info.doc_frequency())
        except Exception:  # a field this segment never saw
            continue
    return found


def top_docs(
    searcher: Any,
    q: Any,
    limit: int,
    *,
    allow: set[int] | None = None,
    exclude: set[int] | None = None,
) -> list[tuple[int, float]]:
    """(docnum, score) of the best ``limit`` documents, best first."""
    collector: Any = collectors.TopCollector(limit, usequality=False)
    collector.replace = 0
    if allow is not None or exclude is not None:
        collector = collectors.FilterCollector(collector, allow, exclude)
    searcher.search_with_collector(q, collector)
    results = collector.results()
    return [(int(results.docnum(i)), float(results.score(i))) for i in range(len(results.top_n))]

