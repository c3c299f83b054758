"""Index writing: incremental add/replace/delete, atomic rebuild, locking, versions, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from newssearch.documents import Article, Listing
from newssearch.errors import IndexLocked, IndexUnavailable, SchemaMismatch
from newssearch.indexer import META_FILE, IndexStore
from newssearch.ingest import Deletion, Problem
from newssearch.models import SearchRequest
from newssearch.search import Engine


def art(i: int, title: str | None = None, body: str = "Nội dung bài viết về Quảng Ninh.") -> Article:
    return Article(
        id=f"a{i}",
        title=title or f"Bài viết số {i} về Hạ Long",
        body=body,
        published=datetime(2022, 1, 1 + i % 28),
        views=i,
        category="Xã hội",
    )


def ids(engine: Engine, q: str = "", **params: object) -> list[str]:
    req = SearchRequest.from_params({"q": q, "per_page": "100", **params})
    return [h.id for h in engine.search(req).hits]


def test_incremental_add_replace_delete(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    r1 = store.write([art(1), art(2)])
    assert (r1.added, r1.replaced, r1.unchanged, r1.articles) == (2, 0, 0, 2)
    engine = Engine(tmp_path)
    assert sorted(ids(engine)) == ["a1", "a2"]

    r2 = store.write([art(2, title="Tiêu đề mới về cầu Bãi Cháy"), art(3)])
    assert (r2.added, r2.replaced, r2.unchanged) == (1, 1, 0)
    assert ids(engine, "cau bai chay") == ["a2"]
    assert engine.stats()["documents"] == 3

    r3 = store.write([Deletion("a1"), Deletion("missing")])
    assert r3.deleted == 1
    assert sorted(ids(engine)) == ["a2", "a3"]
    assert store.delete(["a3"]) == 1
    assert ids(engine) == ["a2"]


def test_rerun_of_same_input_changes_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    docs = [art(1), art(2), Listing(id="l1", title="Bán nhà phố", price_vnd=1.2e9, area_m2=60.0)]
    store.write(docs)
    gen = store.current_dir()
    assert gen is not None
    before = sorted(p.name for p in gen.iterdir() if not p.name.startswith(META_FILE))
    again = store.write(docs)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 3)
    after = sorted(p.name for p in gen.iterdir() if not p.name.startswith(META_FILE))
    assert after == before  # no new segment, no new TOC


def test_problems_are_reported_and_skipped(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    report = store.write([art(1), Problem("feed.jsonl", 2, "invalid JSON"), art(2)])
    assert report.skipped == 1 and report.added == 2
    assert "skipped 1" in report.line()


def test_duplicate_id_in_one_run_last_wins(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1, title="Bản đầu tiên"), art(1, title="Bản sửa lại cuối cùng")])
    engine = Engine(tmp_path)
    assert engine.stats()["documents"] == 1
    assert engine.get("a1")["title"] == "Bản sửa lại cuối cùng"


def test_stub_does_not_replace_full_article_and_full_replaces_stub(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    stub = Article(id="s1", title="Hỗ trợ sinh kế", summary="Tóm tắt", stub=True)
    full = Article(id="s1", title="Hỗ trợ sinh kế", body="Toàn văn bài viết về sinh kế.", views=5)
    store.write([stub])
    engine = Engine(tmp_path)
    assert engine.get("s1")["stub"] is True
    store.write([full])
    assert engine.get("s1")["stub"] is False
    store.write([stub])  # seen again on another page: the full article stays
    assert engine.get("s1")["body"] == "Toàn văn bài viết về sinh kế."
    # Same run: stub first, then full -> the full one wins; one document.
    store2 = IndexStore(tmp_path / "other")
    store2.write([stub, full, stub])
    assert Engine(tmp_path / "other").get("s1")["stub"] is False


def test_atomic_rebuild_old_reader_keeps_working(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1), art(2)])
    old_gen = store.current_dir()
    ix = store.open()
    old_searcher = ix.searcher()
    store.write([art(7, title="Chỉ có bài mới sau khi xây lại")], rebuild=True)
    assert store.current_dir() != old_gen
    # A reader opened before the swap still answers from the old generation.
    assert old_searcher.doc_count() == 2
    assert old_searcher.document(id="a1") is not None
    old_searcher.close()
    # A reader opened after sees only the new index.
    engine = Engine(tmp_path)
    assert ids(engine) == ["a7"]
    # Only the live and the previous generation are kept on disk.
    assert len(list(tmp_path.glob("gen-*"))) == 2


def test_engine_follows_rebuild_and_updates(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1)])
    engine = Engine(tmp_path)
    v1 = engine.version()
    assert ids(engine) == ["a1"]
    store.write([art(2)])
    assert sorted(ids(engine)) == ["a1", "a2"]
    v2 = engine.version()
    store.write([art(3)], rebuild=True)
    assert ids(engine) == ["a3"]
    assert len({v1, v2, engine.version()}) == 3


def test_lock_contention_waits_then_fails_clearly(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1)])
    with store.lock(), pytest.raises(IndexLocked, match="another indexer"):
        IndexStore(tmp_path).write([art(2)], lock_timeout=0.3)
    # A waiting indexer proceeds once the first one finishes.
    release = threading.Event()

    def hold() -> None:
        with store.lock():
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.1)
    threading.Timer(0.3, release.set).start()
    report = IndexStore(tmp_path).write([art(2)], lock_timeout=5)
    t.join()
    assert report.added == 1


def test_search_while_writing_sees_data_after_commit(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1)])
    engine = Engine(tmp_path)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searching() -> None:
        while not stop.is_set():
            try:
                engine.search(SearchRequest(q="ha long"))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    t = threading.Thread(target=searching)
    t.start()
    for i in range(2, 6):
        store.write([art(i)])
    store.write([art(9)], rebuild=True, allow_shrink=True)
    stop.set()
    t.join()
    assert errors == []
    assert ids(engine) == ["a9"]


def test_version_mismatch_says_rebuild(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1)])
    gen = store.current_dir()
    assert gen is not None
    meta = json.loads((gen / META_FILE).read_text())
    meta["schema_version"] = 0
    (gen / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(SchemaMismatch, match="rebuild") as info:
        Engine(tmp_path).search(SearchRequest(q="x"))
    assert "--rebuild" in info.value.message
    with pytest.raises(SchemaMismatch):
        store.write([art(2)])
    # --rebuild fixes it.
    store.write([art(2)], rebuild=True)
    assert ids(Engine(tmp_path)) == ["a2"]


def test_no_index_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match="newssearch index"):
        Engine(tmp_path / "nothing").search(SearchRequest(q="x"))


def test_stats(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1), Listing(id="l1", title="Bán đất nền", price_vnd=9e8)])
    stats = store.stats()
    assert stats["documents"] == 2
    assert stats["by_type"] == {"article": 1, "listing": 1}
    assert stats["schema_version"] >= 1
    assert stats["size_bytes"] > 0
    assert "title_f" in stats["fields"] and stats["updated"]


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from newssearch.documents import Article
    from newssearch.indexer import IndexStore
    body = "Người dân Quảng Ninh được hỗ trợ. " * 40
    def docs():
        for i in range(10**6):
            yield Article(id=f"k{i}", title=f"Tin số {i} tại Hạ Long", body=body,
                          published=datetime(2023, 1, 1))
    IndexStore(sys.argv[1]).write(docs(), batch_size=150)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.8, 1.6, 2.7])
def test_kill_9_during_write_leaves_index_usable(tmp_path: Path, delay: float) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1)])
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine = Engine(tmp_path)
    n = engine.stats()["documents"]
    assert n >= 1
    assert "a1" in ids(engine, "bai viet so 1")
    # The next write completes (no stale lock) and sees everything committed.
    report = IndexStore(tmp_path).write([art(2)], lock_timeout=5)
    assert report.added == 1
    assert engine.stats()["documents"] == n + 1


def test_fast_field_length_reader_matches_whoosh(tmp_path: Path) -> None:
    """The codec's commit-time length lookup returns what Whoosh's own does."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3PerDocReader

    from newssearch.store.codec import FastLengthsReader

    store = IndexStore(tmp_path / "ix")
    docs = [art(i, body="Bài " + "rất dài " * i) for i in range(40)]
    docs[3] = art(3, body="")  # an empty body: no length byte
    store.write(docs)
    gen = store.current_dir()
    assert gen is not None
    ix = whoosh_index.open_dir(str(gen))
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            perdoc = leaf._perdoc
            n = leaf.doc_count_all()
            for field in ("title_f", "body_f", "body", "meta", "no_such_field"):
                assert isinstance(perdoc, FastLengthsReader)
                fast = perdoc.doc_field_length_reader(field)
                slow = W3PerDocReader.doc_field_length_reader(perdoc, field)
                assert [fast(d) for d in range(n + 2)] == [slow(d) for d in range(n + 2)]
                assert any(fast(d) for d in range(n)) == (field != "no_such_field")
    ix.close()


def test_rebuild_commits_once_and_new_ids_skip_the_delete_lookup(tmp_path: Path) -> None:
    """A rebuild ignores batch_size (one commit); an incremental
    run commits every batch_size documents; both give the same search results."""
    from whoosh import index as whoosh_index

    docs = [art(i) for i in range(30)]
    rebuilt = IndexStore(tmp_path / "a")
    rebuilt.write(docs, rebuild=True, batch_size=7)
    batched = IndexStore(tmp_path / "b")
    batched.write(docs[:1])
    batched.write(docs, batch_size=7)

    def commits(store: IndexStore) -> int:
        gen = store.current_dir()
        assert gen is not None
        return int(whoosh_index.open_dir(str(gen)).latest_generation())  # one TOC per commit

    assert commits(rebuilt) == 1  # generation 0 is the empty index; one commit
    assert commits(batched) == 1 + 5  # the first run, then 29 new documents in batches of 7
    for store in (rebuilt, batched):
        engine = Engine(store.root)
        try:
            assert sorted(ids(engine, per_page=50)) == sorted(d.id for d in docs)
        finally:
            engine.close()


def test_memoryview_file_reads_like_bytesio() -> None:
    """Compound segment files are read from the mapped memory, not copied (the codec)."""
    import io
    import pickle

    from newssearch.store.codec import MappedFile, MemoryViewFile
    data = b"line one\nline two\n" + pickle.dumps({"a": [1, 2, 3]}) + b"tail"
    view = memoryview(data)
    mine, ref = MemoryViewFile(view), io.BytesIO(data)
    for f in (mine, ref):
        f.seek(0)
    assert mine.readline() == ref.readline() == b"line one\n"
    assert mine.read(4) == ref.read(4) == b"line"
    assert mine.tell() == ref.tell() == 13
    mine.seek(-4, io.SEEK_END)
    ref.seek(-4, io.SEEK_END)
    assert mine.read() == ref.read() == b"tail"
    assert mine.read(10) == ref.read(10) == b""
    buf = bytearray(5)
    mine.seek(0)
    assert mine.readinto(buf) == 5 and bytes(buf) == b"line "
    mine.seek(len(b"line one\nline two\n"))
    assert pickle.load(mine) == {"a": [1, 2, 3]}
    # The codec's buffer file over a memoryview uses it (no copy) and works as Whoosh's.
    bf = MappedFile(view[9:], name="x")
    assert isinstance(bf.file, MemoryViewFile)
    assert bf.read(8) == b"line two" and bf.get(0, 4) == b"line"
    bf.close()


def test_write_reports_each_outcome(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([art(1), art(2)])
    seen: list[tuple[str, str]] = []
    stub = Article(id="a9", title="Tin ngắn số chín", stub=True)
    report = store.write(
        [art(1), art(2, title="Bài viết số 2 đã sửa"), art(3), Deletion("a1"), Deletion("nope"), stub],
        on_outcome=lambda item, outcome: seen.append((item.id, outcome)),
    )
    assert seen == [
        ("a1", "unchanged"), ("a2", "replaced"), ("a3", "added"), ("a1", "deleted"), ("nope", "missing"),
        ("a9", "added"),
    ]
    assert (report.added, report.replaced, report.unchanged, report.deleted) == (2, 1, 1, 1)
