"""The project's postings file and term-grouped posting pool (sidecar.py, postingpool.py).

Both replace Whoosh internals on the write path, so the main check is that an
index written with them holds exactly the postings stock Whoosh writes, and
that the scorer reads from the postings file what Whoosh's own reader gives.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import formats, writing
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import RamStorage

from newssearch import postingpool, sidecar, whoosh_fixes
from newssearch.cli import sample_paths
from newssearch.documents import Article
from newssearch.indexer import IndexStore
from newssearch.ingest import Deletion, read_paths
from newssearch.models import SearchRequest
from newssearch.scorer import TextIndex, _leaf_postings
from newssearch.search import Engine

whoosh_fixes.install()
STOCK_FIELD_WRITER = sidecar.ORIGINAL_FIELD_WRITER
STOCK_POOL = postingpool.ORIGINAL_POOL


def stock_whoosh(m: pytest.MonkeyPatch) -> None:
    """Write with Whoosh's own field writer, posting pool and analysis path."""
    m.setattr(whoosh3.W3Codec, "field_writer", STOCK_FIELD_WRITER)
    m.setattr(writing, "PostingPool", STOCK_POOL)
    m.setattr(formats.Frequency, "word_values", whoosh_fixes.ORIGINAL_FREQUENCY_WORD_VALUES)
    m.setattr(formats.Positions, "word_values", whoosh_fixes.ORIGINAL_POSITIONS_WORD_VALUES)


def _docs() -> list[Any]:
    return list(read_paths(sample_paths()))


def _dump(root: Path) -> dict[tuple[str, bytes], dict[str, Any]]:
    """Every term's postings and statistics, keyed by document id (not number)."""
    store = IndexStore(root)
    gen = store.current_dir()
    assert gen is not None
    ix = whoosh_index.open_dir(str(gen))
    out: dict[tuple[str, bytes], dict[str, Any]] = {}
    with ix.searcher() as s:
        r = s.reader()
        idof = {d: s.stored_fields(d)["id"] for d in r.all_doc_ids()}
        for field, term in r.all_terms():
            if field == "id":
                continue
            info = r.term_info(field, term)
            m = r.postings(field, term)
            posts = []
            while m.is_active():
                posts.append((idof[m.id()], round(m.weight(), 4), m.value()))
                m.next()
            out[(field, term)] = {
                "posts": sorted(posts),
                "df": info.doc_frequency(),
                "weight": round(info.weight(), 4),
                "max_weight": round(info.max_weight(), 4),
                "min_length": info.min_length(),
                "max_length": info.max_length(),
            }
    ix.close()
    return out


@pytest.mark.parametrize("procs", [1, 2])
def test_index_written_through_the_project_pool_equals_stock_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int
) -> None:
    docs = _docs()
    IndexStore(tmp_path / "ours").write(docs, rebuild=True, procs=procs)
    with monkeypatch.context() as m:
        stock_whoosh(m)
        IndexStore(tmp_path / "stock").write(docs, rebuild=True, procs=procs)
    for ti in _text_index(tmp_path / "ours"):
        assert ti._sides and all(side is not None for side in ti._sides)
    ours, stock = _dump(tmp_path / "ours"), _dump(tmp_path / "stock")
    assert len(stock) > 5000
    assert ours.keys() == stock.keys()
    assert ours == stock


def test_spilled_runs_and_incremental_merges_equal_stock_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny pool limit forces many runs; several commits force segment merges."""
    monkeypatch.setattr(postingpool, "POSTING_BYTES", 20_000)  # a run every ~50 postings
    docs = _docs()

    def write(root: Path) -> None:
        store = IndexStore(root)
        for i in range(0, len(docs), 7):
            store.write(docs[i : i + 7])
        store.write([Deletion(docs[2].id), Deletion(docs[30].id)])

    write(tmp_path / "ours")
    with monkeypatch.context() as m:
        stock_whoosh(m)
        write(tmp_path / "stock")
    ours, stock = _dump(tmp_path / "ours"), _dump(tmp_path / "stock")
    assert ours == stock


def _text_index(root: Path) -> Iterator[TextIndex]:
    engine = Engine(root)
    try:
        yield engine.snapshot().text
    finally:
        engine.close()


def test_sidecar_postings_equal_whoosh_postings_across_segments_and_deletions(
    tmp_path: Path,
) -> None:
    docs = _docs()
    store = IndexStore(tmp_path / "ix")
    store.write(docs[:40])
    store.write(docs[40:])
    store.write([Deletion(docs[5].id), Deletion(docs[45].id)])
    for ti in _text_index(tmp_path / "ix"):
        assert len(ti._leaves) >= 1 and all(side is not None for side in ti._sides)
        assert any(d is not None for d in ti._deleted)
        checked = 0
        for (leaf, offset), side in zip(ti._leaves, ti._sides, strict=True):
            assert side is not None
            for field, term in leaf.all_terms():
                if field == "id":
                    continue
                text = term.decode("utf-8")
                whoosh = _leaf_postings(leaf, field, text, offset)  # live documents only
                got = ti.postings(field, text)
                if whoosh is None:
                    assert not len(got.ids) or field not in side.fields()
                    continue
                in_leaf = (got.ids >= offset) & (got.ids < offset + leaf.doc_count_all())
                assert np.array_equal(got.ids[in_leaf], whoosh.ids)
                assert np.allclose(got.tf[in_leaf], whoosh.tf)
                checked += 1
        assert checked > 5000


def test_segments_without_a_postings_file_are_read_through_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _docs()
    IndexStore(tmp_path / "ours").write(docs)
    with monkeypatch.context() as m:
        m.setattr(whoosh3.W3Codec, "field_writer", STOCK_FIELD_WRITER)
        IndexStore(tmp_path / "stock").write(docs)
    results = {}
    for name in ("ours", "stock"):
        engine = Engine(tmp_path / name)
        try:
            sides = engine.snapshot().text._sides
            assert all(s is None for s in sides) == (name == "stock")
            results[name] = [
                [
                    (h.id, round(h.score, 3))
                    for h in engine.search(SearchRequest(q=q, facets=False)).hits
                ]
                for q in ("nha pho ha long", "nhà mặt tiền", "quang ninh", "can ho")
            ]
        finally:
            engine.close()
    assert results["ours"] == results["stock"]
    assert all(results["ours"])


def test_postings_file_lives_and_dies_with_its_segment(tmp_path: Path) -> None:
    """Packed into the compound segment file; gone when merges retire the segment."""
    store = IndexStore(tmp_path / "ix")
    for i in range(12):
        store.write([Article(id=f"a{i}", title=f"Tin số {i} về Hạ Long", body="Nội dung.")])
    gen = store.current_dir()
    assert gen is not None
    assert not list(gen.glob("*.nsp"))  # inside the .seg files
    ix = whoosh_index.open_dir(str(gen))
    with ix.reader() as r:
        for leaf, _ in r.leaf_readers():
            assert leaf._storage.file_exists(leaf._segment.make_filename(sidecar.EXT))
    ix.close()


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
        data, code = sidecar.encode(ids, tfs)
        got_ids, got_tf = sidecar.decode(b"xx" + data, 2, n, code)
        assert got_ids.tolist() == ids
        assert np.allclose(got_tf, np.asarray(tfs, dtype=np.float32))


def test_field_directory_sorts_terms_that_arrive_out_of_order() -> None:
    d = sidecar._FieldDirectory()
    for i, term in enumerate([b"b", b"c", b"a"]):
        d.add(term, i * 10, i + 1, 0)
    blob, ends, offsets, counts, _codes = d.arrays()
    assert blob == b"abc" and list(ends) == [1, 2, 3]
    assert list(offsets) == [20, 0, 10] and list(counts) == [3, 1, 2]


def test_term_pool_gives_postings_sorted_like_whoosh() -> None:
    """Many runs, a disordered docnum (Whoosh's spelling postings), reduce_to and _read_run."""
    rng = random.Random(7)
    storage = RamStorage()
    pool = postingpool.TermPool(storage, None, limitmb=1)
    pool.limit = 3000  # spill every ~30 postings
    items = []
    for doc in range(200):
        for term in rng.sample([b"a", b"b", b"c", b"d", b"e\xc3\xa1"], 3):
            field = rng.choice(["body", "title"])
            items.append((field, term, doc, 1.0 + doc % 3, bytes([doc % 256])))
    items.append(("body", b"a", 0, 1.0, None))  # out of document order
    for item in items:
        pool.add(item)
    assert len(pool.runs) > 5
    assert list(pool.iter_postings()) == sorted(items, key=lambda t: (t[0], t[1], t[2]))
    again = postingpool.TermPool(storage, None)
    again.limit = 3000
    for item in items[:-1]:
        again.add(item)
    again.save()
    again.reduce_to(1, 3)
    assert len(again.runs) == 1
    assert list(again._read_run(again.runs[0])) == sorted(
        items[:-1], key=lambda t: (t[0], t[1], t[2])
    )


def _nsp_bytes(root: Path) -> tuple[bytes, int]:
    """The postings file of the index's first segment, and that segment's size."""
    store = IndexStore(root)
    gen = store.current_dir()
    assert gen is not None
    ix = whoosh_index.open_dir(str(gen))
    with ix.reader() as r:
        leaf = next(iter(r.leaf_readers()))[0]
        f = leaf._storage.open_file(leaf._segment.make_filename(sidecar.EXT))
        data = bytes(f.read())
        count = int(leaf.doc_count_all())
    ix.close()
    return data, count


def _damage(data: bytes, field: str, array: str, value: int) -> bytes:
    """``data`` with every entry of one array of ``field``'s term table set to ``value``."""
    import json
    import struct

    (at,) = struct.unpack("<Q", data[-12:-4])
    entry = json.loads(data[at:-12])[field]
    size = {"offsets": 8, "ends": 8}[array]
    out = bytearray(data)
    for i in range(entry["n"]):
        pos = entry[array] + i * size
        out[pos : pos + size] = struct.pack("<Q", value)
    return bytes(out)


def test_damaged_postings_files_raise_value_error_never_read_out_of_bounds(tmp_path: Path) -> None:
    IndexStore(tmp_path / "ix").write(_docs())
    data, count = _nsp_bytes(tmp_path / "ix")
    good = sidecar.SegmentPostings(memoryview(data), doc_count=count)
    assert good.get("title_f", "ha") is not None
    for bad in (b"", b"NSP1", data[:-1], data[: len(data) // 2], b"NSP1" + b"\0" * 40 + data[-12:]):
        with pytest.raises(ValueError):
            sidecar.SegmentPostings(memoryview(bad), doc_count=count)
    beyond = sidecar.SegmentPostings(memoryview(_damage(data, "title_f", "offsets", len(data) * 4)), doc_count=count)
    with pytest.raises(ValueError):
        beyond.get("title_f", "ha")
    assert beyond.get("no_such_field", "ha") is None
    wrong_docs = sidecar.SegmentPostings(memoryview(data), doc_count=1)
    with pytest.raises(ValueError):
        wrong_docs.get("title_f", "ha")


def test_a_damaged_postings_file_falls_back_to_whoosh_postings(tmp_path: Path) -> None:
    IndexStore(tmp_path / "ix").write(_docs())
    data, count = _nsp_bytes(tmp_path / "ix")
    for ti in _text_index(tmp_path / "ix"):
        expected = ti.postings("body_f", "ha")
        assert len(expected.ids)
        ti._cache = type(ti._cache)(0, lambda p: 1)  # forget what was read
        ti._sides[0] = sidecar.SegmentPostings(
            memoryview(_damage(data, "body_f", "offsets", len(data) * 4)), doc_count=count
        )
        got = ti.postings("body_f", "ha")
        assert ti._sides[0] is None  # Whoosh's postings from now on
        assert np.array_equal(got.ids, expected.ids) and np.allclose(got.tf, expected.tf)


def test_malformed_tables_and_directories_are_unusable_not_errors(tmp_path: Path) -> None:
    """Half-invalid encoding bytes, non-numeric or infinite counts, absurd nesting."""
    import json
    import struct

    IndexStore(tmp_path / "ix").write(_docs())
    data, count = _nsp_bytes(tmp_path / "ix")
    (at,) = struct.unpack("<Q", data[-12:-4])
    directory = json.loads(data[at:-12])
    entry = directory["title_f"]
    for code in (0x30, 0x03, 0xFF):
        bad = bytearray(data)
        bad[entry["codes"] : entry["codes"] + entry["n"]] = bytes([code]) * entry["n"]
        with pytest.raises(ValueError):
            sidecar.SegmentPostings(memoryview(bytes(bad)), doc_count=count).get("title_f", "ha")
    for broken in ({**entry, "n": "many"}, {**entry, "n": 1e308}, {"n": 3}):
        tail = json.dumps({**directory, "title_f": broken}).encode()
        rebuilt = data[:at] + tail + struct.pack("<Q", at) + sidecar.MAGIC
        with pytest.raises(ValueError):
            sidecar.SegmentPostings(memoryview(rebuilt), doc_count=count).get("title_f", "ha")
    nested = data[:at] + b"[" * 100_000 + struct.pack("<Q", at) + sidecar.MAGIC
    with pytest.raises(RecursionError):
        sidecar.SegmentPostings(memoryview(nested), doc_count=count)


def test_engine_close_releases_the_postings_files(tmp_path: Path) -> None:
    IndexStore(tmp_path / "ix").write(_docs())
    engine = Engine(tmp_path / "ix")
    assert engine.search(SearchRequest(q="ha long")).total
    sides = [s for s in engine.snapshot().text._sides if s is not None]
    assert sides
    engine.close()
    assert all(s._keep is None and not s._tables for s in sides)


def test_term_pool_merges_at_most_max_open_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postingpool, "MAX_OPEN_RUNS", 4)
    pool = postingpool.TermPool(RamStorage(), None)
    pool.limit = 1
    items = [("body", bytes([97 + d % 3]), d, 1.0, None) for d in range(30)]
    for item in items:
        pool.add(item)
    assert len(pool.runs) >= 29
    fan_in: list[int] = []
    original = postingpool.merge_groups

    def counting(sources: list[Any]) -> Iterator[Any]:
        fan_in.append(len(sources))
        return original(sources)

    monkeypatch.setattr(postingpool, "merge_groups", counting)
    assert list(pool.iter_postings()) == sorted(items, key=lambda t: (t[0], t[1], t[2]))
    assert len(pool.runs) == 0 and fan_in and max(fan_in) <= 4
