"""The postings file format (``newssearch.store.postings``): encoding, term
tables, and damage that is detected instead of read out of bounds."""

from __future__ import annotations

import json
import random
import struct

import numpy as np
import pytest

from newssearch.store.postings import MAGIC, SegmentPostings, _FieldDirectory, decode, encode


@pytest.mark.parametrize("seed", range(5))
def test_encode_decode_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    for n in (1, 2, 15, 16, 300):
        gap = rng.choice([1, 200, 70_000, 5_000_000])
        ids = sorted(rng.sample(range(n * gap + 1), n))
        kind = rng.choice(["small", "big", "float"])
        if kind == "small":
            tfs = [float(rng.randint(1, 255)) for _ in ids]
        elif kind == "big":
            tfs = [float(rng.randint(1, 70_000)) for _ in ids]
        else:
            tfs = [rng.random() * 10 for _ in ids]
        data, code = encode(ids, tfs)
        got_ids, got_tf = decode(b"xx" + data, 2, n, code)
        assert got_ids.tolist() == ids
        assert np.allclose(got_tf, np.asarray(tfs, dtype=np.float32))


def test_field_directory_sorts_terms_that_arrive_out_of_order() -> None:
    d = _FieldDirectory()
    for i, term in enumerate([b"b", b"c", b"a"]):
        d.add(term, i * 10, i + 1, 0)
    blob, ends, offsets, counts, _codes = d.arrays()
    assert blob == b"abc" and list(ends) == [1, 2, 3]
    assert list(offsets) == [20, 0, 10] and list(counts) == [3, 1, 2]


def _file(terms: dict[str, dict[bytes, tuple[list[int], list[float]]]]) -> bytes:
    """A postings file built the way the field writer lays one out."""
    out = bytearray(MAGIC)
    directory: dict[str, dict[str, int]] = {}

    def put(data: bytes) -> int:
        out.extend(b"\0" * (-len(out) % 8))
        at = len(out)
        out.extend(data)
        return at

    for field, postings in terms.items():
        table = _FieldDirectory()
        for term, (ids, tfs) in sorted(postings.items()):
            data, code = encode(ids, tfs)
            table.add(term, len(out), len(ids), code)
            out.extend(data)
        blob, ends, offsets, counts, codes = table.arrays()
        directory[field] = {
            "n": len(ends),
            "ends": put(np.asarray(ends, dtype="<u8").tobytes()),
            "blob": put(blob),
            "offsets": put(np.asarray(offsets, dtype="<u8").tobytes()),
            "counts": put(np.asarray(counts, dtype="<u4").tobytes()),
            "codes": put(np.asarray(codes, dtype="<u1").tobytes()),
        }
    at = put(json.dumps(directory).encode())
    out.extend(struct.pack("<Q", at) + MAGIC)
    return bytes(out)


TERMS = {
    "title_f": {b"ha": ([0, 3, 7], [1.0, 2.0, 1.0]), b"long": ([3], [1.0]), b"nha": ([1, 2], [3.0, 1.0])},
    "body_f": {b"ha": ([1, 5, 9], [1.0, 1.0, 4.0])},
}


def test_reads_what_was_written() -> None:
    f = SegmentPostings(memoryview(_file(TERMS)), doc_count=10)
    for field, postings in TERMS.items():
        for term, (ids, tfs) in postings.items():
            got = f.get(field, term.decode())
            assert got is not None
            assert got[0].tolist() == ids and got[1].tolist() == tfs
        assert f.terms(field) == sorted(postings)
    assert f.get("title_f", "khong") is None
    assert f.get("no_such_field", "ha") is None


@pytest.mark.parametrize("count", [0, 1, 31, 32, 33, 64, 65, 300])
def test_term_look_ups_equal_a_sorted_list(count: int) -> None:
    """Document frequencies and prefix ranges, across the table's sample blocks."""
    rng = random.Random(count)
    letters = [b"a", b"b", b"n", "á".encode(), "đ".encode()]
    terms: dict[bytes, tuple[list[int], list[float]]] = {}
    while len(terms) < count:
        term = b"".join(rng.choice(letters) for _ in range(rng.randint(1, 4)))
        docs = sorted(rng.sample(range(50), rng.randint(1, 5)))
        terms[term] = (docs, [1.0] * len(docs))
    f = SegmentPostings(memoryview(_file({"title_f": terms})), doc_count=50)
    ordered = sorted(terms)
    probes = {b"", *ordered, *(t[:k] for t in ordered for k in (1, 2)), b"zz", b"\xff", b"ab\xff"}
    for probe in sorted(probes):
        expected = [(t, len(terms[t][0])) for t in ordered if t.startswith(probe)]
        assert f.with_prefix("title_f", probe, 10**6) == expected, probe
        assert f.with_prefix("title_f", probe, 2) == expected[:2], probe
        assert f.doc_frequency("title_f", probe) == (len(terms[probe][0]) if probe in terms else 0), probe
    assert f.with_prefix("no_such_field", b"a", 10) == [] and f.doc_frequency("no_such_field", b"a") == 0


def _damage(data: bytes, field: str, array: str, value: int) -> bytes:
    """``data`` with every entry of one array of ``field``'s term table set to ``value``."""
    (at,) = struct.unpack("<Q", data[-12:-4])
    entry = json.loads(data[at:-12])[field]
    out = bytearray(data)
    for i in range(entry["n"]):
        pos = entry[array] + i * 8
        out[pos : pos + 8] = struct.pack("<Q", value)
    return bytes(out)


def test_damaged_files_raise_value_error_never_read_out_of_bounds() -> None:
    data = _file(TERMS)
    for bad in (b"", MAGIC, data[:-1], data[: len(data) // 2], MAGIC + b"\0" * 40 + data[-12:]):
        with pytest.raises(ValueError):
            SegmentPostings(memoryview(bad), doc_count=10)
    beyond = SegmentPostings(memoryview(_damage(data, "title_f", "offsets", len(data) * 4)), doc_count=10)
    with pytest.raises(ValueError):
        beyond.get("title_f", "ha")
    assert beyond.get("no_such_field", "ha") is None
    wrong_docs = SegmentPostings(memoryview(data), doc_count=2)  # names documents 3 and 7
    with pytest.raises(ValueError):
        wrong_docs.get("title_f", "ha")


def test_malformed_tables_and_directories_are_unusable_not_errors() -> None:
    """Half-invalid encoding bytes, non-numeric or infinite counts, absurd nesting."""
    data = _file(TERMS)
    (at,) = struct.unpack("<Q", data[-12:-4])
    directory = json.loads(data[at:-12])
    entry = directory["title_f"]
    for code in (0x30, 0x03, 0xFF):
        bad = bytearray(data)
        bad[entry["codes"] : entry["codes"] + entry["n"]] = bytes([code]) * entry["n"]
        with pytest.raises(ValueError):
            SegmentPostings(memoryview(bytes(bad)), doc_count=10).get("title_f", "ha")
    for broken in ({**entry, "n": "many"}, {**entry, "n": 1e308}, {"n": 3}):
        tail = json.dumps({**directory, "title_f": broken}).encode()
        rebuilt = data[:at] + tail + struct.pack("<Q", at) + MAGIC
        with pytest.raises(ValueError):
            SegmentPostings(memoryview(rebuilt), doc_count=10).get("title_f", "ha")
    nested = data[:at] + b"[" * 100_000 + struct.pack("<Q", at) + MAGIC
    with pytest.raises(RecursionError):
        SegmentPostings(memoryview(nested), doc_count=10)
