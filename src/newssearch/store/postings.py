"""Project-owned postings: the document numbers and term frequencies of every
term, written beside each Whoosh segment and read as NumPy arrays.

Why: Whoosh stores a term's postings as pickled (often zlib-compressed)
blocks of ids, weights *and* positions. Scoring needs only ids and
frequencies, yet reading a common syllable meant unpickling every block with
its positions: 60% of a search's time on the 243k-document index. This file
holds the same ids and frequencies as plain arrays, so reading a term is a
binary search over the field's term table and two ``np.frombuffer`` calls.

How: :class:`PostingsFileWriter` is the Whoosh segment field writer plus one
extra file, ``<segment id>.nsp``; :class:`newssearch.store.codec.NewsCodec`
hands it to every writer the store opens. Every way Whoosh writes a segment (a
commit, a merge, the multiprocessing writer's final merge) goes through the
field writer, so every segment gets its file, and Whoosh's own segment
bookkeeping packs it into the compound segment file and deletes it with the
segment. A segment without the file (written by other code) is read through
Whoosh as before (:meth:`newssearch.store.snapshot.WhooshSnapshot.postings`).

Layout (little-endian)::

    b"NSP1"
    per term: ids as delta codes (u1/u2/u4), then frequencies (u1/u2/f4)
    per field: term ends (u8), term bytes, postings offsets (u8), counts (u4),
               codes (u1)
    directory (JSON: per field, n and the offsets of its arrays)
    u8 offset of the directory, b"NSP1"

A term's code byte is ``delta_type | tf_type << 4`` (indexes into
:data:`DELTA_TYPES` and :data:`TF_TYPES`). Terms are stored in byte order
(the order Whoosh writes them; the writer sorts a field that arrives out of
order).

The term tables are also the term dictionary of the read side: a term's
document frequency is its count (deleted documents included, as in Whoosh's
term info), and the terms beginning with a prefix are the range between two
binary searches. A look-up first bisects every :data:`SAMPLE_EVERY`-th term
(kept as Python bytes once a field is first looked up), then one block.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import mmap
import struct
import sys
from array import array
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec import whoosh3

EXT = ".nsp"
MAGIC = b"NSP1"
DELTA_TYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
TF_TYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<f4"))
_FLUSH_BYTES = 1 << 20
#: Every this-many-th term of a table is kept as a Python bytes object once
#: looked up, so a look-up bisects those in C and then searches one block.
SAMPLE_EVERY = 32
_BIG_ENDIAN = sys.byteorder == "big"
#: array typecodes of 1-, 2- and 4-byte unsigned ints on this platform.
_UINT_CODES = "B" + "H" + next(c for c in "IL" if array(c).itemsize == 4)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class _FieldDirectory:
    """The term table of one field while it is written."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("Q")
        self.offsets = array("Q")
        self.counts = array("I")
        self.codes = array("B")
        self.last: bytes | None = None
        self.ordered = True

    def add(self, term: bytes, offset: int, count: int, code: int) -> None:
        if self.last is not None and term <= self.last:
            self.ordered = False
        self.last = term
        self.blob += term
        self.ends.append(len(self.blob))
        self.offsets.append(offset)
        self.counts.append(count)
        self.codes.append(code)

    def arrays(self) -> tuple[bytes, array[int], array[int], array[int], array[int]]:
        """The table in byte order of the terms."""
        if self.ordered:
            return bytes(self.blob), self.ends, self.offsets, self.counts, self.codes
        starts = [0, *self.ends[:-1]]
        terms = [bytes(self.blob[a:b]) for a, b in zip(starts, self.ends, strict=True)]
        order = sorted(range(len(terms)), key=terms.__getitem__)
        blob = b"".join(terms[i] for i in order)
        ends = array("Q")
        total = 0
        for i in order:
            total += len(terms[i])
            ends.append(total)
        return (
            blob,
            ends,
            array("Q", (self.offsets[i] for i in order)),
            array("I", (self.counts[i] for i in order)),
            array("B", (self.codes[i] for i in order)),
        )


def _width(top: int) -> int:
    """0, 1 or 2: the index of the smallest unsigned type (1, 2, 4 bytes) holding ``top``."""
    return 0 if top < 1 << 8 else 1 if top < 1 << 16 else 2


def encode(ids: list[int], tfs: list[float]) -> tuple[bytes, int]:
    """A term's postings as bytes, and their code byte (type 2 of the
    frequencies is float32: used when they are not whole numbers)."""
    if len(ids) == 1:
        d, t = ids[0], tfs[0]
        dt = _width(d)
        ti = round(t)
        tt = _width(ti) if abs(ti - t) < 1e-4 else 2
        return struct.pack("<" + "BHI"[dt] + ("BHf"[tt]), d, ti if tt < 2 else t), dt | tt << 4
    if len(ids) < 16:
        deltas = [ids[0], *(b - a for a, b in itertools.pairwise(ids))]
        dt = _width(max(deltas))
        ints = [round(t) for t in tfs]
        whole = all(abs(a - b) < 1e-4 for a, b in zip(ints, tfs, strict=True))
        tt = _width(max(ints)) if whole else 2
        d_arr = array(_UINT_CODES[dt], deltas)
        t_arr = array("f", tfs) if tt == 2 else array("BH"[tt], ints)
        if _BIG_ENDIAN:
            d_arr.byteswap()
            t_arr.byteswap()
        d_bytes, t_bytes = d_arr.tobytes(), t_arr.tobytes()
        return d_bytes + t_bytes, dt | tt << 4
    id_arr = np.asarray(ids, dtype=np.int64)
    deltas_arr = np.diff(id_arr, prepend=0)
    dt = _width(int(deltas_arr.max()))
    tf_arr = np.asarray(tfs, dtype=np.float64)
    rounded = np.rint(tf_arr)
    tt = _width(int(rounded.max())) if np.all(np.abs(rounded - tf_arr) < 1e-4) else 2
    tf_out = tf_arr if tt == 2 else rounded
    data = deltas_arr.astype(DELTA_TYPES[dt]).tobytes() + tf_out.astype(TF_TYPES[tt]).tobytes()
    return data, dt | tt << 4


def decode(buf: Any, offset: int, count: int, code: int) -> tuple[IntArray, FloatArray]:
    """The ids and frequencies :func:`encode` wrote at ``offset``."""
    dtype, ttype = DELTA_TYPES[code & 0xF], TF_TYPES[code >> 4]
    deltas = np.frombuffer(buf, dtype=dtype, count=count, offset=offset)
    tf = np.frombuffer(buf, dtype=ttype, count=count, offset=offset + count * dtype.itemsize)
    return np.cumsum(deltas, dtype=np.int64), tf.astype(np.float32)


class PostingsFileWriter(whoosh3.W3FieldWriter):  # type: ignore[misc]
    """Whoosh's segment field writer, also writing the segment's ``.nsp`` file."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._nsp = segment.create_file(storage, EXT)
        self._nsp_buf = bytearray(MAGIC)
        self._nsp_pos = 0
        self._nsp_fields: dict[str, _FieldDirectory] = {}
        self._nsp_dir: _FieldDirectory | None = None
        self._nsp_ids: list[int] = []
        self._nsp_tfs: list[float] = []

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._nsp_dir = self._nsp_fields.setdefault(fieldname, _FieldDirectory())

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        self._nsp_ids = []
        self._nsp_tfs = []

    def add(self, docnum: int, weight: float, vbytes: Any, length: Any) -> None:
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        self._nsp_ids.append(docnum)
        self._nsp_tfs.append(weight)

    def finish_term(self) -> None:
        super().finish_term()
        ids = self._nsp_ids
        if not ids or self._nsp_dir is None:
            return
        # Weights are frequencies: the schema bakes no field boosts into postings.
        data, code = encode(ids, self._nsp_tfs)
        offset = self._nsp_pos + len(self._nsp_buf)
        self._nsp_buf += data
        self._nsp_dir.add(bytes(self._btext), offset, len(ids), code)
        if len(self._nsp_buf) >= _FLUSH_BYTES:
            self._flush()

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Write sorted postings; a :class:`newssearch.store.pool.TermStream`
        is written a term at a time, anything else as Whoosh does."""
        groups = getattr(items, "groups", None)
        if groups is None:
            super().add_postings(schema, lengths, items)
            return
        get_reader = getattr(lengths, "doc_field_length_reader", None) if lengths else None
        last_field: str | None = None
        length_of: Any = None
        for fieldname, btext, ids, weights, values in groups():
            if fieldname != last_field:
                if last_field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                last_field = fieldname
                length_of = get_reader(fieldname) if get_reader is not None else None
            if ids and ids[0] < 0:  # Whoosh's spelling-word hack (docnum -1): not postings
                keep = [i for i, d in enumerate(ids) if d >= 0]
                ids, weights, values = (
                    [ids[i] for i in keep],
                    [weights[i] for i in keep],
                    [values[i] for i in keep],
                )
            if ids:
                self._add_term(btext, ids, weights, values, length_of)
        if last_field is not None:
            self.finish_field()

    def _add_term(
        self, btext: bytes, ids: list[int], weights: list[float], values: list[Any], length_of: Any
    ) -> None:
        """One term's postings, block by block: what ``add`` does a posting at a time."""
        self.start_term(btext)
        pw = self._postwriter
        limit = pw._blocklimit
        lens = [length_of(d) for d in ids] if length_of is not None else None
        n, i = len(ids), 0
        while i < n:
            if len(pw._ids) >= limit:
                pw._write_block()
            j = min(n, i + limit - len(pw._ids))
            pw._ids.extend(ids[i:j])
            w = weights[i:j]
            pw._weights.extend(w)
            top = max(w)
            if top > pw._maxweight:
                pw._maxweight = top
            vs = [v for v in values[i:j] if v]
            if vs:
                pw._values.extend(vs)
            if lens is not None:
                ls = [x for x in lens[i:j] if x]
                if ls:
                    low = min(ls)
                    if pw._minlength is None or low < pw._minlength:
                        pw._minlength = low
                    high = max(ls)
                    if high > pw._maxlength:
                        pw._maxlength = high
            i = j
        self._nsp_ids = ids
        self._nsp_tfs = weights
        self.finish_term()

    def _flush(self) -> None:
        self._nsp.write(bytes(self._nsp_buf))
        self._nsp_pos += len(self._nsp_buf)
        self._nsp_buf = bytearray()

    def _put(self, data: bytes) -> int:
        """Append 8-byte-aligned ``data``; its offset."""
        pad = -(self._nsp_pos + len(self._nsp_buf)) % 8
        self._nsp_buf += b"\0" * pad
        offset = self._nsp_pos + len(self._nsp_buf)
        self._nsp_buf += data
        return offset

    def close(self) -> None:
        directory: dict[str, dict[str, int]] = {}
        for name, table in self._nsp_fields.items():
            blob, ends, offsets, counts, codes = table.arrays()
            directory[name] = {
                "n": len(ends),
                "ends": self._put(np.asarray(ends, dtype="<u8").tobytes()),
                "blob": self._put(blob),
                "offsets": self._put(np.asarray(offsets, dtype="<u8").tobytes()),
                "counts": self._put(np.asarray(counts, dtype="<u4").tobytes()),
                "codes": self._put(np.asarray(codes, dtype="<u1").tobytes()),
            }
        at = self._put(json.dumps(directory).encode())
        self._nsp_buf += struct.pack("<Q", at) + MAGIC
        self._flush()
        self._nsp.close()
        self._nsp_fields = {}
        super().close()


_DELTA_SIZES = np.array([t.itemsize for t in DELTA_TYPES], dtype=np.int64)
_TF_SIZES = np.array([t.itemsize for t in TF_TYPES], dtype=np.int64)


class _FieldTable:
    """One field's term table; checked against the file's size when it is opened
    (a damaged file raises ValueError here, never an out-of-bounds read later)."""

    def __init__(self, buf: memoryview, entry: dict[str, int]) -> None:
        limit = len(buf) - 12
        n = int(entry["n"])
        if n < 0:
            raise ValueError("negative term count")
        for name, size in (("ends", 8), ("offsets", 8), ("counts", 4), ("codes", 1), ("blob", 0)):
            at = int(entry[name])
            if at < 0 or at + n * size > limit:
                raise ValueError(f"the {name} array runs past the end of the file")
        self.n = n
        self._sampled: list[bytes] | None = None
        self.ends = np.frombuffer(buf, dtype="<u8", count=n, offset=int(entry["ends"]))
        # Term look-ups index the ends one at a time: a memoryview gives Python
        # ints about twenty times faster than NumPy scalars (same byte order only).
        self._ends: Any = self.ends if _BIG_ENDIAN else self.ends.data.cast("B").cast("Q")
        self.blob = buf[int(entry["blob"]) : limit]
        self.offsets = np.frombuffer(buf, dtype="<u8", count=n, offset=int(entry["offsets"]))
        self.counts = np.frombuffer(buf, dtype="<u4", count=n, offset=int(entry["counts"]))
        self.codes = np.frombuffer(buf, dtype="<u1", count=n, offset=int(entry["codes"]))
        if n:
            delta_codes, tf_codes = self.codes & 0xF, self.codes >> 4
            if int(delta_codes.max()) >= len(DELTA_TYPES) or int(tf_codes.max()) >= len(TF_TYPES):
                raise ValueError("unknown postings encoding")
            sizes = _DELTA_SIZES[delta_codes] + _TF_SIZES[tf_codes]
            if (
                int((self.offsets.astype(np.int64) + self.counts * sizes).max()) > limit
                or int(self.ends[-1]) > len(self.blob)
                or bool((np.diff(self.ends.astype(np.int64)) < 0).any())
            ):
                raise ValueError("a term or its postings lie outside the file")

    def term(self, i: int) -> bytes:
        """The ``i``-th term of the table."""
        ends = self._ends
        return bytes(self.blob[int(ends[i - 1]) if i else 0 : int(ends[i])])

    def _samples(self) -> list[bytes]:
        """Every :data:`SAMPLE_EVERY`-th term, built at the first look-up."""
        samples = self._sampled
        if samples is None:
            samples = self._sampled = [self.term(i) for i in range(0, self.n, SAMPLE_EVERY)]
        return samples

    def _bound(self, key: bytes, size: int | None, right: bool) -> int:
        """The first index whose term (its first ``size`` bytes, if given)
        sorts after ``key`` (``right``) or not before it: a bisection of the
        samples in C, then a binary search of one block of the table."""

        def cut(term: bytes) -> bytes:
            return term if size is None else term[:size]

        find = bisect.bisect_right if right else bisect.bisect_left
        j = find(self._samples(), key) if size is None else find(self._samples(), key, key=cut)
        # Sample j - 1 is on the near side of the bound and sample j on the far side.
        lo, hi = max(0, (j - 1) * SAMPLE_EVERY), min(self.n, j * SAMPLE_EVERY)
        while lo < hi:
            mid = (lo + hi) // 2
            term = cut(self.term(mid))
            if term <= key if right else term < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def find(self, key: bytes) -> int:
        """The index of ``key`` in the table, or -1."""
        i = self._bound(key, None, right=False)
        return i if i < self.n and self.term(i) == key else -1

    def prefix_range(self, prefix: bytes) -> range:
        """The indexes of the terms beginning with ``prefix``."""
        return range(self._bound(prefix, None, right=False), self._bound(prefix, len(prefix), right=True))


class SegmentPostings:
    """The ``.nsp`` file of one segment."""

    def __init__(self, buf: memoryview, keep: Any = None, doc_count: int | None = None) -> None:
        if len(buf) < 16 or bytes(buf[:4]) != MAGIC or bytes(buf[-4:]) != MAGIC:
            raise ValueError("not a newssearch postings file")
        (at,) = struct.unpack("<Q", bytes(buf[-12:-4]))
        if not 4 <= at <= len(buf) - 12:
            raise ValueError("damaged directory offset")
        self._buf = buf
        self._keep = keep  # the open file or mapping behind ``buf``
        #: Documents in the segment: a damaged file naming others raises ValueError.
        self.doc_count = doc_count
        directory = json.loads(bytes(buf[at:-12]))
        if not isinstance(directory, dict) or not all(isinstance(v, dict) for v in directory.values()):
            raise ValueError("damaged directory")
        self._directory: dict[str, dict[str, int]] = directory
        self._tables: dict[str, _FieldTable] = {}

    @classmethod
    def open(cls, leaf: Any) -> SegmentPostings | None:
        """The postings file of a Whoosh segment reader, or None if it has none."""
        storage = getattr(leaf, "_storage", None)
        segment = getattr(leaf, "_segment", None)
        if storage is None or segment is None:
            return None
        name = segment.make_filename(EXT)
        try:
            count = int(leaf.doc_count_all())
            if not storage.file_exists(name):
                return None
            f = storage.open_file(name)
        except Exception:
            return None
        inner = getattr(f, "_buf", None)
        keep: Any = inner
        try:
            if inner is not None:
                buf = memoryview(inner)
            else:
                try:
                    keep = mmap.mmap(f.file.fileno(), 0, access=mmap.ACCESS_READ)
                    buf = memoryview(keep)
                except Exception:  # not a real file: read it
                    f.seek(0)
                    keep, buf = None, memoryview(f.read())
                f.close()
            return cls(buf, keep=keep, doc_count=count)
        except Exception:  # damaged beyond reading its directory: use Whoosh's postings
            return None

    def close(self) -> None:
        """Let go of the file's memory (the segment's mapping can then be closed)."""
        self._tables.clear()
        with contextlib.suppress(BufferError, ValueError):
            self._buf.release()
        if isinstance(self._keep, mmap.mmap):
            with contextlib.suppress(BufferError, ValueError):
                self._keep.close()
        self._keep = None

    def fields(self) -> list[str]:
        return list(self._directory)

    def _table(self, field: str) -> _FieldTable | None:
        table = self._tables.get(field)
        if table is None:
            entry = self._directory.get(field)
            if entry is None:
                return None
            try:
                table = _FieldTable(self._buf, entry)
            except ValueError:
                raise
            except Exception as exc:  # a malformed entry (missing, wrong type, out of range)
                raise ValueError(f"damaged directory entry for {field!r}") from exc
            self._tables[field] = table
        return table

    def get(self, field: str, term: str | bytes) -> tuple[IntArray, FloatArray] | None:
        """Document numbers (ascending) and frequencies of ``term``, or None.

        Raises ValueError when the file is damaged (the caller reads Whoosh's
        own postings instead)."""
        table = self._table(field)
        if table is None:
            return None
        key = term.encode("utf-8") if isinstance(term, str) else term
        i = table.find(key)
        if i < 0:
            return None
        ids, tf = decode(self._buf, int(table.offsets[i]), int(table.counts[i]), int(table.codes[i]))
        if self.doc_count is not None and len(ids) and int(ids[-1]) >= self.doc_count:
            raise ValueError(f"postings of {field}:{key!r} name documents outside the segment")
        return ids, tf

    def doc_frequency(self, field: str, term: str | bytes) -> int:
        """How many documents of the segment (deleted ones included, as in
        Whoosh's term info) contain ``term``; ValueError if the file is damaged."""
        table = self._table(field)
        if table is None:
            return 0
        i = table.find(term.encode("utf-8") if isinstance(term, str) else term)
        return int(table.counts[i]) if i >= 0 else 0

    def with_prefix(self, field: str, prefix: str | bytes, limit: int) -> list[tuple[bytes, int]]:
        """The first ``limit`` terms of ``field`` beginning with ``prefix``, in
        byte order, with their document frequencies; ValueError if the file is damaged."""
        table = self._table(field)
        if table is None:
            return []
        found = table.prefix_range(prefix.encode("utf-8") if isinstance(prefix, str) else prefix)
        found = found[: max(0, limit)]
        counts = table.counts[found.start : found.stop].tolist()
        return [(table.term(i), c) for i, c in zip(found, counts, strict=True)]

    def terms(self, field: str) -> list[bytes]:
        """Every term of ``field`` in byte order (for tests and tools)."""
        table = self._table(field)
        if table is None:
            return []
        ends = table.ends.tolist()
        starts = [0, *ends[:-1]]
        return [bytes(table.blob[a:b]) for a, b in zip(starts, ends, strict=True)]
