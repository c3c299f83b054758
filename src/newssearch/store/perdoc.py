"""Project-owned per-document data: field lengths, filter and facet columns and
the stored documents of a segment, in one memory-mapped file beside it.

Why: a search reads every document's field lengths (BM25), the keyword and
numeric columns (filters, facets, sorts) and the stored text of its best
candidates (the adjacency rescore, snippets, hits). Through Whoosh, columns
are read a value at a time (about 4 µs each), and every stored document is
unpickled under a lock, because Whoosh's readers share file positions. This
file holds the same data as plain little-endian arrays and compressed JSON,
so a snapshot opens with a few ``np.frombuffer`` calls and any number of
threads read documents at once.

How: :class:`PerDocFileWriter` is Whoosh's per-document writer plus one file,
``<segment id>.nsd``; :class:`newssearch.store.codec.NewsCodec` hands it to
every writer the store opens. Whoosh writes a segment's per-document data
through that writer in every path (``add_document``, the merge of segments,
the multiprocessing writer's merge), so every segment the store writes has
the file. The stored document (the ``raw`` field) is kept *only* here:
Whoosh's stored fields keep the id, and the codec's per-document reader
(:class:`newssearch.store.codec.NewsPerDocReader`) adds ``raw`` back from this
file, so merges, ``verify --read`` and Whoosh's own ``stored_fields`` see the
whole document. Lengths and columns are also in Whoosh's columns, which a
segment whose file fails its checks is read from. Deletions are not here:
Whoosh keeps them in the table of contents and they are read through its
public reader API when a snapshot opens.

Layout (little-endian, arrays 8-byte aligned)::

    b"NSD1"
    stored documents: zlib(JSON of the document), one after the other
    arrays: stored offsets (u8, doc_count + 1), per field its lengths (u1,
            Whoosh's one-byte length code), per numeric column its values
            (f8, NaN: none), per keyword column its codes (u1/u2/u4, 0: none)
    directory (JSON, below)
    u4 CRC-32 of the directory, u8 offset of the directory, b"NSD1"

The directory::

    {"version": 1, "docs": N,
     "stored": {"at": offset, "crc": crc},
     "lengths": {field: {"at": offset, "crc": crc, "total": sum of lengths}},
     "numbers": {column: {"at": offset, "crc": crc}},
     "keywords": {column: {"at": offset, "crc": crc, "width": 1|2|4,
                           "values": ["", "value 1", ...]}}}

Every array's CRC-32 is checked when the file is opened, so a truncated or
changed byte is found then (:class:`DamagedFile`), not read as a wrong value;
each stored document is checked by zlib's own checksum when it is read.
"""

from __future__ import annotations

import contextlib
import json
import math
import mmap
import struct
import zlib
from array import array
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec import whoosh3
from whoosh.util.numeric import length_to_byte

# The module, not its names: schema imports the codec, which imports this module.
from . import schema

EXT = ".nsd"
MAGIC = b"NSD1"
VERSION = 1
#: The stored field kept in this file instead of Whoosh's stored fields.
STORED_FIELD = "raw"
_TRAILER = struct.Struct("<IQ4s")
_FLUSH_BYTES = 1 << 20

NumberArray = npt.NDArray[np.float64]


class DamagedFile(ValueError):
    """A per-document file that fails its checks (truncated, changed bytes, wrong segment)."""


def _crc(data: Any) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def _width(top: int) -> int:
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


class PerDocFileWriter(whoosh3.W3PerDocWriter):  # type: ignore[misc]
    """Whoosh's per-document writer, also writing the segment's ``.nsd`` file."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._nsd = segment.create_file(storage, EXT)
        self._nsd_buf = bytearray(MAGIC)
        self._nsd_pos = 0
        self._nsd_offsets = array("Q", [len(MAGIC)])
        self._nsd_lengths: dict[str, bytearray] = {}
        self._nsd_totals: dict[str, int] = {}
        self._nsd_numbers = {name: array("d") for name in schema.NUMERIC_COLUMNS}
        self._nsd_codes = {name: array("I") for name in schema.KEYWORD_COLUMNS}
        self._nsd_values: dict[str, dict[bytes, int]] = {name: {b"": 0} for name in schema.KEYWORD_COLUMNS}
        #: The document being written: its stored value, lengths and column values.
        self._nsd_doc: dict[str, Any] | None = None
        self._nsd_count = 0

    def start_doc(self, docnum: int) -> None:
        super().start_doc(docnum)
        self._nsd_doc = {}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: Any) -> None:
        doc = self._nsd_doc
        if fieldname == STORED_FIELD and doc is not None:
            doc[fieldname] = value
            value = None  # kept in this file only
        elif length and doc is not None:
            doc[fieldname] = int(length)
        super().add_field(fieldname, fieldobj, value, length)

    def add_column_value(self, fieldname: str, column: Any, value: Any) -> None:
        doc = self._nsd_doc
        if doc is not None and (fieldname in self._nsd_codes or fieldname in self._nsd_numbers):
            doc[fieldname] = value
        super().add_column_value(fieldname, column, value)

    def cancel_doc(self) -> None:
        super().cancel_doc()
        self._nsd_doc = None

    def finish_doc(self) -> None:
        super().finish_doc()
        doc = self._nsd_doc
        if doc is None:  # Whoosh calls finish_doc again at close
            return
        self._nsd_doc = None
        n = self._nsd_count
        raw = doc.pop(STORED_FIELD, None)
        if raw is not None:
            self._nsd_buf += zlib.compress(json.dumps(raw, ensure_ascii=False).encode("utf-8"), 6)
        self._nsd_offsets.append(self._nsd_pos + len(self._nsd_buf))
        for name in self._nsd_numbers:
            v = doc.pop(name, None)
            self._nsd_numbers[name].append(math.nan if v is None else float(v))
        for name in self._nsd_codes:
            v = doc.pop(name, None)
            key = bytes(v) if v else b""
            values = self._nsd_values[name]
            code = values.get(key)
            if code is None:
                code = values[key] = len(values)
            self._nsd_codes[name].append(code)
        for field, length in doc.items():  # what is left: field lengths
            col = self._nsd_lengths.get(field)
            if col is None:
                col = self._nsd_lengths[field] = bytearray(n)
            col.extend(bytes(n - len(col)))
            col.append(length_to_byte(length))
            self._nsd_totals[field] = self._nsd_totals.get(field, 0) + length
        self._nsd_count = n + 1
        if len(self._nsd_buf) >= _FLUSH_BYTES:
            self._nsd_flush()

    def _nsd_flush(self) -> None:
        self._nsd.write(bytes(self._nsd_buf))
        self._nsd_pos += len(self._nsd_buf)
        self._nsd_buf = bytearray()

    def _nsd_put(self, data: bytes) -> dict[str, int]:
        """Append 8-byte-aligned ``data``; its offset and CRC."""
        pad = -(self._nsd_pos + len(self._nsd_buf)) % 8
        self._nsd_buf += b"\0" * pad
        at = self._nsd_pos + len(self._nsd_buf)
        self._nsd_buf += data
        return {"at": at, "crc": _crc(data)}

    def close(self) -> None:
        super().close()  # finishes a document still open
        n = self._nsd_count
        directory: dict[str, Any] = {"version": VERSION, "docs": n}
        directory["stored"] = self._nsd_put(np.asarray(self._nsd_offsets, dtype="<u8").tobytes())
        lengths: dict[str, Any] = {}
        for field, col in sorted(self._nsd_lengths.items()):
            col.extend(bytes(n - len(col)))
            lengths[field] = {**self._nsd_put(bytes(col)), "total": self._nsd_totals[field]}
        directory["lengths"] = lengths
        directory["numbers"] = {
            name: self._nsd_put(np.asarray(nums, dtype="<f8").tobytes()) for name, nums in self._nsd_numbers.items()
        }
        keywords: dict[str, Any] = {}
        for name, codes in self._nsd_codes.items():
            values = self._nsd_values[name]
            width = _width(len(values) - 1)
            keywords[name] = {
                **self._nsd_put(np.asarray(codes, dtype=f"<u{width}").tobytes()),
                "width": width,
                "values": [v.decode("utf-8", "replace") for v in values],
            }
        directory["keywords"] = keywords
        data = json.dumps(directory, ensure_ascii=False).encode("utf-8")
        at = self._nsd_put(data)["at"]
        self._nsd_buf += _TRAILER.pack(_crc(data), at, MAGIC)
        self._nsd_flush()
        self._nsd.close()


class SegmentDocs:
    """The ``.nsd`` file of one segment, checked when opened (see the module doc)."""

    def __init__(self, buf: memoryview, doc_count: int, keep: Any = None) -> None:
        try:
            self._open(buf, doc_count)
        except DamagedFile:
            raise
        except Exception as exc:  # a malformed directory: wrong types, missing keys
            raise DamagedFile(f"damaged directory ({type(exc).__name__}: {exc})") from exc
        self._buf = buf
        self._keep = keep  # the open file or mapping behind ``buf``

    def _open(self, buf: memoryview, doc_count: int) -> None:
        size = len(buf)
        if size < len(MAGIC) + _TRAILER.size or bytes(buf[:4]) != MAGIC or bytes(buf[-4:]) != MAGIC:
            raise DamagedFile("not a newssearch per-document file (truncated?)")
        crc, at, _ = _TRAILER.unpack(bytes(buf[-_TRAILER.size :]))
        end = size - _TRAILER.size
        if not len(MAGIC) <= at <= end:
            raise DamagedFile("damaged directory offset")
        raw_dir = bytes(buf[at:end])
        if _crc(raw_dir) != crc:
            raise DamagedFile("the directory does not match its checksum")
        d = json.loads(raw_dir)
        if d["version"] != VERSION:
            raise DamagedFile(f"per-document file version {d['version']}, this newssearch reads {VERSION}")
        if d["docs"] != doc_count:
            raise DamagedFile(f"the file has {d['docs']} documents, its segment {doc_count}")
        self.doc_count = n = int(doc_count)

        def array_at(entry: dict[str, Any], dtype: str, count: int) -> npt.NDArray[Any]:
            start, nbytes = int(entry["at"]), count * np.dtype(dtype).itemsize
            if start < len(MAGIC) or start + nbytes > at:
                raise DamagedFile("an array runs past its place in the file")
            view = buf[start : start + nbytes]
            if _crc(view) != int(entry["crc"]):
                raise DamagedFile("an array does not match its checksum (changed bytes)")
            return np.frombuffer(buf, dtype=dtype, count=count, offset=start)

        self._offsets = array_at(d["stored"], "<u8", n + 1)
        if n and (
            int(self._offsets[0]) != len(MAGIC)
            or int(self._offsets[-1]) > int(d["stored"]["at"])
            or bool((np.diff(self._offsets.astype(np.int64)) < 0).any())
        ):
            raise DamagedFile("stored documents lie outside the file")
        self._lengths = {f: array_at(e, "<u1", n) for f, e in d["lengths"].items()}
        self._totals = {f: int(e["total"]) for f, e in d["lengths"].items()}
        self._numbers = {c: array_at(e, "<f8", n) for c, e in d["numbers"].items()}
        self._keywords: dict[str, tuple[npt.NDArray[Any], list[str]]] = {}
        for c, e in d["keywords"].items():
            if e["width"] not in (1, 2, 4):
                raise DamagedFile(f"unknown code width of {c!r}")
            codes, values = array_at(e, f"<u{e['width']}", n), list(e["values"])
            if not all(isinstance(v, str) for v in values) or (n and int(codes.max()) >= len(values)):
                raise DamagedFile(f"codes of {c!r} name values the file does not have")
            self._keywords[c] = (codes, values)

    @classmethod
    def open(cls, storage: Any, segment: Any) -> SegmentDocs | None:
        """The file of ``segment`` in ``storage``, memory-mapped; None when the
        segment has none (written by other code). Raises :class:`DamagedFile`."""
        name = segment.make_filename(EXT)
        try:
            if not storage.file_exists(name):
                return None
            f = storage.open_file(name)
        except Exception:  # a storage that cannot list or open: the segment has no usable file
            return None
        count = int(segment.doc_count_all())
        inner = getattr(f, "_buf", None)  # a file of a compound segment, over its mapping
        if inner is not None:
            return cls(memoryview(inner), count, keep=inner)
        try:
            keep: Any = mmap.mmap(f.file.fileno(), 0, access=mmap.ACCESS_READ)
            buf = memoryview(keep)
        except Exception:  # not a real file (memory storage, empty file): read it
            f.seek(0)
            keep, buf = None, memoryview(f.read())
        finally:
            f.close()
        return cls(buf, count, keep=keep)

    def close(self) -> None:
        """Let go of the file's memory (the segment's mapping can then be closed)."""
        # The arrays are views of the buffer: dropped first, so it can be released.
        self._offsets = np.zeros(1, dtype="<u8")
        self._lengths, self._numbers, self._keywords = {}, {}, {}
        self.doc_count = 0
        with contextlib.suppress(BufferError, ValueError):
            self._buf.release()
        if isinstance(self._keep, mmap.mmap):
            with contextlib.suppress(BufferError, ValueError):
                self._keep.close()
        self._keep = None

    def lengths(self, field: str) -> npt.NDArray[np.uint8] | None:
        """Every document's one-byte length code of ``field``; None if no document has the field."""
        return self._lengths.get(field)

    def total_length(self, field: str) -> int:
        """The sum of ``field``'s lengths over the segment's documents."""
        return self._totals.get(field, 0)

    def numbers(self, column: str) -> NumberArray | None:
        """A numeric column (NaN: no value); None if the file has no such column."""
        return self._numbers.get(column)

    def keywords(self, column: str) -> tuple[npt.NDArray[Any], list[str]] | None:
        """A keyword column: codes per document and the values they name (0: "")."""
        return self._keywords.get(column)

    def document(self, docnum: int) -> dict[str, Any]:
        """The stored document ``docnum`` of the segment ({} when none was stored)."""
        if not 0 <= docnum < self.doc_count:
            raise IndexError(f"no document {docnum} in a segment of {self.doc_count}")
        start, end = int(self._offsets[docnum]), int(self._offsets[docnum + 1])
        if start == end:
            return {}
        try:
            doc = json.loads(zlib.decompress(self._buf[start:end]))
        except (zlib.error, ValueError) as exc:
            raise DamagedFile(f"stored document {docnum} cannot be read ({exc})") from exc
        if not isinstance(doc, dict):
            raise DamagedFile(f"stored document {docnum} is not an object")
        return doc
