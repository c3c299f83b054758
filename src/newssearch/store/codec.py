"""The project's Whoosh codec: stock whoosh3 segments plus what the project needs.

Nothing here patches Whoosh. Every customisation is a subclass that an index
uses because the store hands it over explicitly: the writer is created with
:class:`NewsCodec`, and Whoosh pickles the codec into each segment it writes,
so reading that segment goes through the same classes. An index written by
other code keeps Whoosh's own classes and is read as Whoosh reads it.

What the subclasses change, and why:

1. Postings file (:class:`newssearch.store.postings.PostingsFileWriter`): each
   segment also gets ``<segment>.nsp``, its terms' document numbers and
   frequencies as plain arrays, read by the scorer instead of unpickling
   Whoosh's blocks (60% of search time before).
2. Per-document file (:class:`newssearch.store.perdoc.PerDocFileWriter`): each
   segment also gets ``<segment>.nsd``, its field lengths, filter and facet
   columns and stored documents as plain arrays and compressed JSON (the
   stored document is kept there only; :class:`NewsPerDocReader` hands it
   back to Whoosh, for merges and ``stored_fields``).
3. Field lengths at commit (:class:`FastLengthsReader`): writing a segment
   looks up a document's field length for every posting, one column read
   (~4 µs) each; this reads each field's lengths once.
4. Compound segments over the mapping (:class:`MappedSegment`): whoosh3 opens
   each file of a compound segment as ``BytesIO(memoryview(mmap))``, and
   ``BytesIO`` copies it: 1.9 GB per searcher on the 243k-document index.
   These files read the mapped memory instead.
5. Analysis at index time (:class:`FastFrequency`, :class:`FastPositions`):
   for the exact and folded analyzers the formats take terms and positions
   straight from :func:`newssearch.store.analysis.index_terms` instead of a
   chain of Whoosh token generators; the output is the same.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from whoosh import columns, formats
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

# The module, not its names: it imports schema, which imports this module.
from . import perdoc
from .analysis import index_terms
from .postings import PostingsFileWriter


class NewsCodec(whoosh3.W3Codec):  # type: ignore[misc]
    """whoosh3's codec, writing a postings file per segment (see the module doc)."""

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return PostingsFileWriter(self, storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        return perdoc.PerDocFileWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return NewsPerDocReader(storage, segment)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        return MappedSegment(self, indexname)


_LENGTH_OR_NONE: list[int | None] = [byte_to_length(b) if b else None for b in range(256)]


class FastLengthsReader(whoosh3.W3PerDocReader):  # type: ignore[misc]
    """Per-document reader whose field-length lookup reads the column once."""

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Any:
        reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if not isinstance(reader, columns.NumericColumn.Reader) or reader._typecode != "B":
            return super().doc_field_length_reader(fieldname, default)
        data = bytes(reader._dbfile.get(reader._basepos, reader._count)) if reader._count else b""
        table = _LENGTH_OR_NONE
        lengths = [table[b] for b in data]
        count = len(lengths)

        def get(docnum: int) -> int | None:
            return lengths[docnum] if docnum < count else None

        return get


class NewsPerDocReader(FastLengthsReader):
    """The per-document reader of the project's segments: Whoosh's stored
    fields plus the stored document from the segment's ``.nsd`` file.

    Whoosh reads stored fields through here when it merges segments, so a
    merged segment's file gets every document again. A segment whose file is
    damaged cannot give its documents back: that is an error, never an empty
    document (a merge would otherwise write the loss into a new segment)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._docs: perdoc.SegmentDocs | None = None

    def stored_fields(self, docnum: int) -> Any:
        fields = dict(super().stored_fields(docnum))
        if self._docs is None:
            docs = perdoc.SegmentDocs.open(self._storage, self._segment)
            if docs is None:  # a segment written before the file existed: Whoosh stored it all
                return fields
            self._docs = docs
        fields[perdoc.STORED_FIELD] = self._docs.document(docnum)
        return fields

    def close(self) -> None:
        if self._docs is not None:
            self._docs.close()
            self._docs = None
        super().close()


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


class MappedFile(BufferFile):  # type: ignore[misc]
    """Whoosh's in-memory file, reading a memoryview in place instead of copying it."""

    def __init__(self, buf: memoryview, name: str | None = None) -> None:
        super().__init__(b"", name)
        self._buf = buf
        self.file = MemoryViewFile(buf)


class MappedCompoundStorage(CompoundStorage):  # type: ignore[misc]
    """A compound segment file whose inner files read the mapping in place."""

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.is_closed:
            raise StorageError("Storage was closed")
        if self._source is None:
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


class MappedSegment(whoosh3.W3Segment):  # type: ignore[misc]
    """A whoosh3 segment whose compound file is read through :class:`MappedCompoundStorage`."""

    def open_compound_file(self, storage: Any) -> Any:
        dbfile = storage.open_file(self.make_filename(self.COMPOUND_EXT))
        return MappedCompoundStorage(dbfile, use_mmap=storage.supports_mmap)


def _fast_terms(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> list[tuple[str, int]] | None:
    if not isinstance(value, str) or kwargs.get("start_pos") or kwargs.get("start_char"):
        return None
    return index_terms(analyzer, value)


class FastFrequency(formats.Frequency):  # type: ignore[misc]
    """Term frequencies, with the terms taken straight from the tokenizer."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        terms = _fast_terms(value, analyzer, kwargs)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        fb = self.field_boost
        freqs = Counter(term for term, _ in terms)  # first-seen order, as Whoosh's dict
        return ((w, freq, float(freq) * fb, pack_uint(freq)) for w, freq in freqs.items())


class FastPositions(formats.Positions):  # type: ignore[misc]
    """Positions, with the terms taken straight from the tokenizer."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        terms = _fast_terms(value, analyzer, kwargs)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        return self._fast_values(terms)

    def _fast_values(self, terms: list[tuple[str, int]]) -> Any:
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


def fast_format(fmt: Any) -> Any:
    """The fast twin of a Frequency or Positions format (same boost); others unchanged."""
    if type(fmt) is formats.Positions:
        return FastPositions(field_boost=fmt.field_boost, **fmt.options)
    if type(fmt) is formats.Frequency:
        return FastFrequency(field_boost=fmt.field_boost, **fmt.options)
    return fmt
