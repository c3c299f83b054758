"""The store's read interface (``newssearch.store``) against a plain reference.

Generated documents are written through the store in several commits (so
several segments, and merges), with replacements and deletions, by one and
by two writer processes, with a pool small enough to spill runs to disk. The
reference is computed from the same documents with the pure text functions
(:mod:`newssearch.vietnamese`), knowing nothing of Whoosh: postings, field
lengths, columns, deletions, prefix and fuzzy term look-ups must agree.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newssearch.documents import Article, Listing
from newssearch.indexer import IndexStore
from newssearch.ingest import Deletion
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.store import open_index, open_snapshot, pool
from newssearch.store.perdoc import SegmentDocs
from newssearch.store.postings import EXT, SegmentPostings
from newssearch.store.schema import KEYWORD_COLUMNS, NUMERIC_COLUMNS
from newssearch.vietnamese import fold, tokenize

SYLLABLES = [
    "nhà", "phố", "hạ", "long", "bán", "cho", "thuê", "căn", "hộ", "đất", "nền", "quận", "bảy",
    "người", "yếu", "thế", "được", "dương", "đường", "biển", "chợ", "cầu", "mới", "sông", "núi",
    "hòa", "bình", "xã", "phường", "tỉnh", "thành", "giá", "rẻ", "đẹp", "gần", "trường", "học",
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(SYLLABLES) for _ in range(n))


def _docs(seed: int, count: int) -> list[Article | Listing]:
    rng = random.Random(seed)
    docs: list[Article | Listing] = []
    for i in range(count):
        if i % 3:
            docs.append(
                Article(
                    id=f"a{i}",
                    title=_text(rng, rng.randint(2, 8)).capitalize(),
                    body=_text(rng, rng.randint(0, 60)),
                    summary=_text(rng, rng.randint(0, 10)),
                    category=rng.choice([None, "Xã hội", "Kinh tế"]),
                    views=rng.choice([None, rng.randint(0, 5000)]),
                )
            )
        else:
            docs.append(
                Listing(
                    id=f"l{i}",
                    title=_text(rng, rng.randint(2, 8)).capitalize(),
                    description=_text(rng, rng.randint(0, 40)),
                    property_type=rng.choice(["Nhà phố", "Căn hộ", None]),
                    price_vnd=rng.choice([None, float(rng.randint(5, 90)) * 1e8]),
                    area_m2=rng.choice([None, float(rng.randint(20, 300))]),
                )
            )
    return docs


def _fields(doc: Article | Listing) -> dict[str, str]:
    """The text the store indexes in each exact field (folded fields fold it)."""
    if isinstance(doc, Article):
        return {"title": doc.title, "summary": doc.summary or "", "body": doc.body or ""}
    return {"title": doc.title, "summary": "", "body": doc.description or ""}


def _reference(docs: dict[str, Article | Listing]) -> dict[tuple[str, str], Counter[str]]:
    """(field, term) -> {document id: frequency}, from the pure tokenizer."""
    ref: dict[tuple[str, str], Counter[str]] = {}
    for doc in docs.values():
        for field, text in _fields(doc).items():
            for tok in tokenize(text):
                for name, term in ((field, tok.text), (field + "_f", fold(tok.text))):
                    ref.setdefault((name, term), Counter())[doc.id] += 1
    return ref


def _write(root: Path, procs: int, seed: int) -> dict[str, Article | Listing]:
    """Several commits with replacements and deletions; the live documents by id."""
    docs = _docs(seed, 90)
    store = IndexStore(root)
    live: dict[str, Article | Listing] = {}
    for start in range(0, 90, 30):
        batch = docs[start : start + 30]
        store.write(batch, procs=procs)
        live.update((d.id, d) for d in batch)
    changed = _docs(seed + 1, 12)  # the same ids, other content: replacements
    store.write(changed, procs=procs)
    live.update((d.id, d) for d in changed)
    gone = [docs[k].id for k in (4, 40, 41, 77)]
    store.write([Deletion(i) for i in gone])
    for i in gone:
        live.pop(i)
    return live


@pytest.fixture(params=[1, 2], ids=["one-process", "two-processes"])
def written(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(pool, "POSTING_BYTES", 20_000)  # a run spilled every ~50 postings
    live = _write(tmp_path / "ix", request.param, seed=request.param)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.snapshot().store
        # Every segment (commits, merges, the two-process writer) has the project's files.
        assert all(isinstance(f, SegmentPostings) for f in snap._files)
        assert all(isinstance(f, SegmentDocs) for f in snap._docs)
        yield snap, live
    finally:
        engine.close()


def _ids_of(snap: Any, docnums: Any) -> list[str]:
    return [str(snap.document(int(d))["id"]) for d in docnums]


def test_postings_equal_the_reference_across_segments_replacements_and_deletions(written: Any) -> None:
    snap, live = written
    ref = _reference(live)
    assert len(ref) > 100
    for (field, term), counts in ref.items():
        p = snap.postings(field, term)
        assert list(p.ids) == sorted(p.ids), (field, term)
        got = dict(zip(_ids_of(snap, p.ids), p.tf.tolist(), strict=True))
        assert got == dict(counts), (field, term)
    assert not len(snap.postings("title_f", "khongco").ids)
    assert not len(snap.postings("no_such_field", "nha").ids)


def test_lengths_columns_and_deletions_equal_the_reference(written: Any) -> None:
    snap, live = written
    alive = np.flatnonzero(snap.columns.live)
    assert sorted(_ids_of(snap, alive)) == sorted(live)
    assert snap.doc_count >= len(live)
    for field in ("title_f", "body_f"):
        lengths = snap.field_lengths(field)
        for d in alive:
            doc = live[str(snap.document(int(d))["id"])]
            n = len(tokenize(_fields(doc)[field[:-2]]))
            # Whoosh keeps lengths in one byte (exact up to 10, then coarser).
            assert abs(float(lengths[d]) - n) <= max(1.0, 0.1 * n), (field, doc.id)
    labels = snap.vocab.labels
    for d in alive:
        doc = live[str(snap.document(int(d))["id"])]
        assert labels["type"][snap.columns.codes["type"][d]] == doc.type
        price = snap.columns.numbers["price_vnd"][d]
        expected = getattr(doc, "price_vnd", None)
        assert (np.isnan(price) and expected is None) or price == expected
        assert snap.docnum(doc.id) == d
    assert snap.docnum("a4") is None  # deleted
    assert snap.docnum("\udcff") is None  # a lone surrogate is no id


def test_prefix_and_fuzzy_terms_equal_the_reference(written: Any) -> None:
    snap, live = written
    ref = _reference(live)
    ever = {term for (field, term) in _reference({d.id: d for d in _docs(1, 90) + _docs(2, 90)}) if field == "title_f"}
    ever |= {term for (field, term) in _reference({d.id: d for d in _docs(2, 12) + _docs(3, 12)}) if field == "title_f"}
    live_terms = {term for (field, term) in ref if field == "title_f"}
    for prefix in ("n", "nh", "th", "d", "q"):
        got = snap.terms_with_prefix("title_f", prefix)
        # Live terms are all there; a term of deleted documents only may linger until a merge.
        assert {t for t in live_terms if t.startswith(prefix)} <= set(got) <= ever
        for term in got:
            assert got[term] >= len(ref.get(("title_f", term), ()))
    near = snap.terms_within("title_f", "nhaa", 1)
    assert "nha" in near and all(t.startswith("n") for t in near)
    assert snap.terms_within("no_such_field", "nha", 1) == []


def test_document_frequencies_equal_the_reference(written: Any) -> None:
    snap, live = written
    for (field, term), counts in _reference(live).items():
        # Deleted documents count until a merge drops them (as in Whoosh's term info).
        assert snap.doc_frequency(field, term) >= len(counts), (field, term)
    assert snap.doc_frequency("title_f", "khongco") == 0
    assert snap.doc_frequency("no_such_field", "nha") == 0


def _read_all(snap: Any) -> dict[str, Any]:
    """Everything the interface answers, in plain values."""
    prefixes = ("", "n", "nh", "nha", "th", "đ", "d", "q", "zz", "\uffff")
    return {
        "live": snap.columns.live.tolist(),
        "codes": {c: [snap.vocab.labels[c][k] for k in snap.columns.codes[c].tolist()] for c in KEYWORD_COLUMNS},
        "numbers": {c: np.nan_to_num(snap.columns.numbers[c], nan=-1).tolist() for c in NUMERIC_COLUMNS},
        "lengths": {f: snap.field_lengths(f).tolist() for f in ("title", "title_f", "body_f", "meta", "places")},
        "documents": [snap.document(d) for d in range(snap.doc_count)],
        "prefix": {(f, p, lim): snap.terms_with_prefix(f, p, lim) for f in ("title", "body_f", "places")
                   for p in prefixes for lim in (3, 5000)},
        "df": {(f, t): snap.doc_frequency(f, t) for f in ("title", "body_f") for t in [*SYLLABLES, "nha", "khong"]},
    }


def test_the_projects_files_answer_as_whoosh_does(written: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same snapshot read through the project's files and through Whoosh alone."""
    snap, _ = written
    ours = _read_all(snap)
    from newssearch.store import snapshot

    monkeypatch.setattr(snapshot, "_segment_docs", lambda leaf, i: None)
    monkeypatch.setattr(SegmentPostings, "open", classmethod(lambda cls, leaf: None))
    gen = Path(snap._ix.storage.folder)
    whoosh_only = open_snapshot(open_index(gen))
    try:
        assert whoosh_only._docs == [None] * len(snap._docs)
        theirs = _read_all(whoosh_only)
    finally:
        whoosh_only.close()
    assert ours == theirs
    assert sum(len(v) for v in ours["prefix"].values()) > 100


def test_the_hot_path_reads_take_no_lock(sample_index: Path) -> None:
    """Postings, lengths, term look-ups and documents are read from the
    project's files while the snapshot's Whoosh lock is held elsewhere."""
    engine = Engine(sample_index)
    try:
        snap = engine.snapshot().store
        reads: dict[str, Callable[[], Any]] = {
            "postings": lambda: len(snap.postings("body_f", "nha").ids),
            "lengths": lambda: float(snap.field_lengths("title_f").sum()),
            "df": lambda: snap.doc_frequency("title_f", "ha"),
            "prefix": lambda: len(snap.terms_with_prefix("title_f", "nh")),
            "document": lambda: snap.document(0)["id"],
        }
        got: dict[str, Any] = {}
        with snap._lock:
            worker = threading.Thread(target=lambda: got.update({k: f() for k, f in reads.items()}))
            worker.start()
            worker.join(10)
            assert not worker.is_alive()  # it would wait for the lock forever
        assert set(got) == set(reads) and all(got.values())
    finally:
        engine.close()


def test_phrases_follow_positions(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    store.write(
        [
            Article(id="p1", title="Tin", body="bán nhà phố hạ long"),
            Article(id="p2", title="Tin", body="phố bán nhà long hạ"),
            Article(id="p3", title="Nhà phố", body="không"),
        ]
    )
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.snapshot().store
        docs, reached = snap.phrase_docs(["body_f"], ["nha", "pho"])
        assert _ids_of(snap, docs) == ["p1"] and reached == snap.doc_count
        docs, _ = snap.phrase_docs(["title_f", "body_f"], ["nha", "pho"])
        assert sorted(_ids_of(snap, docs)) == ["p1", "p3"]
        assert _ids_of(snap, snap.phrase_docs(["body_f"], ["ha", "long", "xyz"])[0]) == []
        # Stopped at the first match: that one is found, the rest not examined.
        docs, reached = snap.phrase_docs(["title_f", "body_f"], ["nha", "pho"], stop=lambda: True)
        assert len(docs) == 1 and reached == int(docs[0]) + 1
    finally:
        engine.close()


def test_postings_file_lives_and_dies_with_its_segment(tmp_path: Path) -> None:
    """Packed into the compound segment file; every segment the store writes has one."""
    store = IndexStore(tmp_path / "ix")
    for i in range(12):
        store.write([Article(id=f"a{i}", title=f"Tin số {i} về Hạ Long", body="Nội dung.")])
    gen = store.current_dir()
    assert gen is not None
    assert not list(gen.glob(f"*{EXT}"))  # inside the .seg files
    engine = Engine(store.root)
    try:
        files = engine.snapshot().store._files
        assert files and all(isinstance(f, SegmentPostings) for f in files)
    finally:
        engine.close()


def _nsp_of_first_segment(root: Path) -> tuple[bytes, int]:
    engine = Engine(root)
    try:
        snap = engine.snapshot().store
        leaf = snap._leaves[0][0]
        f = leaf._storage.open_file(leaf._segment.make_filename(EXT))
        return bytes(f.read()), int(leaf.doc_count_all())
    finally:
        engine.close()


def test_a_damaged_postings_file_falls_back_to_whoosh_postings(tmp_path: Path) -> None:
    import json
    import struct

    IndexStore(tmp_path / "ix").write(_docs(5, 40))
    data, count = _nsp_of_first_segment(tmp_path / "ix")
    (at,) = struct.unpack("<Q", data[-12:-4])
    entry = json.loads(data[at:-12])["body_f"]
    damaged = bytearray(data)
    for i in range(entry["n"]):
        pos = entry["offsets"] + i * 8
        damaged[pos : pos + 8] = struct.pack("<Q", len(data) * 4)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.snapshot().store
        expected = snap.postings("body_f", "nha")
        assert len(expected.ids)
        snap._files[0] = SegmentPostings(memoryview(bytes(damaged)), doc_count=count)
        got = snap.postings("body_f", "nha")
        assert snap._files[0] is None  # Whoosh's own postings from now on
        assert np.array_equal(got.ids, expected.ids) and np.allclose(got.tf, expected.tf)
    finally:
        engine.close()


def test_segments_without_a_postings_file_are_read_through_whoosh(tmp_path: Path) -> None:
    """An index written by a plain Whoosh writer (no postings files) searches the same."""
    docs = _docs(9, 60)
    IndexStore(tmp_path / "ours").write(docs)
    plain = IndexStore(tmp_path / "plain")
    plain.write(docs[:1])
    gen = plain.current_dir()
    assert gen is not None
    from newssearch.store import open_index, to_fields

    ix = open_index(gen)
    writer = ix.writer()  # Whoosh's own writer and codec
    for doc in docs[1:]:
        writer.add_document(**to_fields(doc), chash=b"x")
    writer.commit()
    results = {}
    for name in ("ours", "plain"):
        engine = Engine(tmp_path / name)
        try:
            snap = engine.snapshot()
            files = snap.store._files
            assert (None in files) == (name == "plain")
            # What the scorer reads, by document id: the same from either source.
            results[name] = {
                (field, term): sorted(
                    (snap.store.document(int(d))["id"], round(float(s), 4))
                    for d, s in zip(*snap.text.bm25(field, term), strict=True)
                )
                for field in ("title_f", "body_f", "title")
                for term in ("nha", "pho", "hoa", "binh", "hòa", "can", "ho")
            }
        finally:
            engine.close()
    assert results["ours"] == results["plain"]
    assert sum(len(v) for v in results["ours"].values()) > 50


def test_engine_close_releases_the_projects_files(sample_index: Path) -> None:
    engine = Engine(sample_index)
    assert engine.search(SearchRequest(q="ha long")).total
    files = [f for f in engine.snapshot().store._files if f is not None]
    assert files
    docs = [d for d in engine.snapshot().store._docs if d is not None]
    assert docs
    engine.close()
    assert all(f._keep is None and not f._tables for f in files)
    assert all(d._keep is None and d.doc_count == 0 for d in docs)


def test_importing_and_using_newssearch_patches_nothing_in_whoosh(tmp_path: Path) -> None:
    """Every Whoosh attribute stays as Whoosh defines it, even after writing and searching."""
    script = textwrap.dedent(
        """
        import sys
        import whoosh.codec.whoosh3, whoosh.filedb.compound, whoosh.filedb.structfile
        import whoosh.formats, whoosh.multiproc, whoosh.writing

        def attributes():
            out = {}
            for mod in (whoosh.codec.whoosh3, whoosh.filedb.compound, whoosh.filedb.structfile,
                        whoosh.formats, whoosh.multiproc, whoosh.writing):
                for name, value in vars(mod).items():
                    out[(mod.__name__, name)] = value
                    if isinstance(value, type):
                        for attr, member in vars(value).items():
                            out[(mod.__name__, name, attr)] = member
            return out

        before = attributes()
        from newssearch.documents import Article
        from newssearch.indexer import IndexStore
        from newssearch.models import SearchRequest
        from newssearch.search import Engine
        IndexStore(sys.argv[1]).write([Article(id="a", title="Nhà phố Hạ Long", body="Bán nhà")], procs=2)
        engine = Engine(sys.argv[1])
        assert engine.search(SearchRequest(q="nha pho")).total == 1
        engine.close()
        after = attributes()
        changed = sorted(str(k) for k in before if after.get(k) is not before[k])
        print(changed)
        sys.exit(1 if changed else 0)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "ix")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "[]"


def test_searches_in_threads_run_concurrently(sample_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No lock around a whole search: a second thread's search finishes while
    the first one is held in the middle of its scoring."""
    from newssearch.search import engine as search

    engine = Engine(sample_index)
    engine.search(SearchRequest(q="ha long"))
    inside, release = threading.Event(), threading.Event()
    original = search.score_terms

    def held(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "held":
            inside.set()
            assert release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(search, "score_terms", held)
    first = threading.Thread(target=lambda: engine.search(SearchRequest(q="nha pho")), name="held")
    first.start()
    try:
        assert inside.wait(10)
        assert engine.search(SearchRequest(q="quang ninh")).total  # would wait forever behind a lock
    finally:
        release.set()
        first.join(10)
        engine.close()
    assert not first.is_alive()
