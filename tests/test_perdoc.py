"""The per-document file format (``newssearch.store.perdoc``): what is written
is read back, and a truncated or changed file is an error or a fallback,
never a wrong value."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newssearch.documents import Article, Listing
from newssearch.errors import IndexDamaged
from newssearch.indexer import IndexStore
from newssearch.store import open_index, open_snapshot
from newssearch.store.perdoc import EXT, MAGIC, DamagedFile, SegmentDocs
from newssearch.store.schema import KEYWORD_COLUMNS, NUMERIC_COLUMNS
from newssearch.vietnamese import tokenize

DOCS: list[Article | Listing] = [
    Article(id="a1", title="Bão số 3 đổ bộ Quảng Ninh", body="Gió mạnh ở Hạ Long, cây đổ nhiều nơi.",
            category="Xã hội", author="Nguyễn Văn An", views=1200),
    Article(id="a2", title="Giá vàng tăng", summary="Vàng miếng lên đỉnh.", body="Thị trường sôi động.",
            category="Kinh tế", views=None),
    Listing(id="l1", title="Bán nhà phố Hạ Long", description="Nhà 3 tầng gần biển, sổ hồng.",
            property_type="Nhà phố", transaction="sale", price_vnd=4.5e9, area_m2=80.0, bedrooms=3,
            province="Quảng Ninh"),
    Listing(id="l2", title="Cho thuê căn hộ", description="", property_type="Căn hộ", transaction="rent",
            price_vnd=1.2e7),
]


def _segment_file(root: Path) -> tuple[bytes, int, Path, int]:
    """The ``.nsd`` bytes of the index's one segment, its document count, and
    where those bytes lie in the segment's compound file."""
    gen = IndexStore(root).current_dir()
    assert gen is not None
    with open_index(gen).reader() as reader:
        ((leaf, _),) = reader.leaf_readers()
        f = leaf._storage.open_file(leaf._segment.make_filename(EXT))
        data, count = bytes(f.read()), int(leaf.doc_count_all())
    (seg,) = gen.glob("*.seg")
    at = seg.read_bytes().find(data)
    assert at >= 0
    return data, count, seg, at


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, int]:
    root = tmp_path_factory.mktemp("perdoc") / "ix"
    IndexStore(root).write(DOCS)
    data, count, _, _ = _segment_file(root)
    return root, data, count


def _everything(docs: SegmentDocs, documents: bool = True) -> dict[str, Any]:
    """All a reader gives, as plain values (NaN as None, to compare)."""
    found: dict[str, Any] = {
        "lengths": {f: docs.lengths(f).tolist() for f in ("title", "title_f", "body_f", "meta")},  # type: ignore[union-attr]
        "totals": {f: docs.total_length(f) for f in ("title", "body_f")},
        "numbers": {c: [None if math.isnan(v) else v for v in docs.numbers(c).tolist()] for c in NUMERIC_COLUMNS},  # type: ignore[union-attr]
        "keywords": {c: [kw[1][k] for k in kw[0].tolist()] for c in KEYWORD_COLUMNS if (kw := docs.keywords(c))},
    }
    if documents:
        found["documents"] = [docs.document(d) for d in range(docs.doc_count)]
    return found


def test_reads_what_was_written(written: tuple[Path, bytes, int]) -> None:
    _, data, count = written
    docs = SegmentDocs(memoryview(data), count)
    got = _everything(docs)
    assert got["documents"] == [json.loads(json.dumps(d.to_dict())) for d in DOCS]
    assert got["keywords"]["type"] == ["article", "article", "listing", "listing"]
    assert got["keywords"]["category"] == ["Xã hội", "Kinh tế", "", ""]
    assert got["keywords"]["transaction"] == ["", "", "sale", "rent"]
    assert got["numbers"]["price_vnd"] == [None, None, 4.5e9, 1.2e7]
    assert got["numbers"]["views"] == [1200.0, None, None, None]
    titles = [len(tokenize(d.title)) for d in DOCS]
    bodies = [len(tokenize(d.body if isinstance(d, Article) else d.description)) for d in DOCS]
    # One-byte length codes (exact up to 10); the totals are exact.
    assert got["lengths"]["title"] == titles and got["lengths"]["body_f"] == bodies
    assert got["totals"] == {"title": sum(titles), "body_f": sum(bodies)}
    with pytest.raises(IndexError):
        docs.document(count)


def test_the_stored_document_is_kept_once(written: tuple[Path, bytes, int]) -> None:
    """Whoosh's own stored fields keep the id only; the document comes back
    through the codec's reader (merges and ``stored_fields`` see it whole)."""
    from whoosh.codec.whoosh3 import W3PerDocReader

    root, _, _ = written
    gen = IndexStore(root).current_dir()
    assert gen is not None
    with open_index(gen).reader() as reader:
        assert W3PerDocReader.stored_fields(reader._perdoc, 0) == {"id": "a1"}
        assert reader.stored_fields(2)["raw"]["title"] == "Bán nhà phố Hạ Long"


@pytest.mark.parametrize("keep", [0, 3, 4, 15, 16, 100, -17, -16, -13, -12, -5, -1])
def test_a_truncated_file_is_damaged(written: tuple[Path, bytes, int], keep: int) -> None:
    _, data, count = written
    with pytest.raises(DamagedFile):
        SegmentDocs(memoryview(data[:keep]), count)


def test_a_file_of_another_segment_is_damaged(written: tuple[Path, bytes, int]) -> None:
    _, data, count = written
    with pytest.raises(DamagedFile, match="documents"):
        SegmentDocs(memoryview(data), count + 1)


def test_every_changed_byte_is_an_error_never_a_wrong_value(written: tuple[Path, bytes, int]) -> None:
    """Each byte of the file flipped in turn: the file is refused when opened,
    or the document holding it is refused when read, or (padding) nothing read changes."""
    _, data, count = written
    expected = _everything(SegmentDocs(memoryview(data), count))
    refused = 0
    for pos in range(len(data)):
        damaged = bytearray(data)
        damaged[pos] ^= 0x41
        try:
            docs = SegmentDocs(memoryview(bytes(damaged)), count)
        except DamagedFile:
            refused += 1
            continue
        assert _everything(docs, documents=False) == {k: v for k, v in expected.items() if k != "documents"}, pos
        for d in range(count):
            try:
                assert docs.document(d) == expected["documents"][d], (pos, d)
            except DamagedFile:
                refused += 1
    assert refused >= len(data) * 0.9


def test_a_damaged_file_on_disk_falls_back_to_whoosh_columns_and_refuses_documents(tmp_path: Path) -> None:
    """A segment whose file fails its checks: lengths and columns are read from
    Whoosh's columns (the same values), its documents are a clear error."""
    root = tmp_path / "ix"
    IndexStore(root).write(DOCS)
    gen = IndexStore(root).current_dir()
    assert gen is not None
    good = open_snapshot(open_index(gen))
    expected = (
        {c: good.columns.codes[c].tolist() for c in KEYWORD_COLUMNS},
        {c: np.nan_to_num(good.columns.numbers[c], nan=-1).tolist() for c in NUMERIC_COLUMNS},
        {f: good.field_lengths(f).tolist() for f in ("title", "body_f", "meta")},
        good.columns.live.tolist(),
    )
    assert good._docs[0] is not None
    good.close()

    data, _, seg, at = _segment_file(root)
    (dir_at,) = struct.unpack("<Q", data[-12:-4])
    blob = bytearray(seg.read_bytes())
    blob[at + dir_at + 2] ^= 0xFF  # a byte of the directory
    seg.write_bytes(bytes(blob))

    snap = open_snapshot(open_index(gen))
    try:
        assert snap._docs == [None]
        got = (
            {c: snap.columns.codes[c].tolist() for c in KEYWORD_COLUMNS},
            {c: np.nan_to_num(snap.columns.numbers[c], nan=-1).tolist() for c in NUMERIC_COLUMNS},
            {f: snap.field_lengths(f).tolist() for f in ("title", "body_f", "meta")},
            snap.columns.live.tolist(),
        )
        assert got == expected
        with pytest.raises(IndexDamaged, match="rebuild"):
            snap.document(0)
    finally:
        snap.close()


def test_magic_is_checked_at_both_ends(written: tuple[Path, bytes, int]) -> None:
    _, data, count = written
    assert data[:4] == data[-4:] == MAGIC
    for pos in (0, len(data) - 1):
        damaged = bytearray(data)
        damaged[pos] ^= 1
        with pytest.raises(DamagedFile, match="not a newssearch"):
            SegmentDocs(memoryview(bytes(damaged)), count)
