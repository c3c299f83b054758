"""Sharded indexes: layout, placement, equal answers, updates, damage."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from newssearch.cli import main, sample_paths
from newssearch.documents import Article, Listing
from newssearch.errors import BadRequest, IndexDamaged, IndexUnavailable, SchemaMismatch
from newssearch.indexer import IndexStore, ShardBuild, build_shard, open_servable
from newssearch.ingest import Deletion, read_paths
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.store import (
    ColumnCache,
    ShardedSnapshot,
    ShardSet,
    ShardView,
    WhooshSnapshot,
    open_index,
    open_shard,
    open_snapshot,
    shard_of,
)
from newssearch.store import generations as gens
from newssearch.store.shards import MANIFEST_FILE, read_manifest, shard_dir

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.shard_equivalence import (  # noqa: E402
    FannedOut,
    answer,
    differences,
    exact_engine,
    exact_fanned_out,
    request_set,
)

_PLACES = [
    ("Tỉnh Quảng Ninh", "Thành phố Hạ Long"),
    ("Thành phố Hà Nội", "Quận Cầu Giấy"),
    ("Thành phố Hồ Chí Minh", "Quận 7"),
    ("Thành phố Đà Nẵng", "Quận Hải Châu"),
]
_TOPICS = [
    "Du lịch biển đón khách", "Giá nhà đất tăng mạnh", "Đường cao tốc thông xe", "Mưa lớn gây ngập úng",
    "Trường học khai giảng năm mới", "Bệnh viện tiếp nhận bệnh nhân", "Cảng cá nâng cấp bến", "Lễ hội văn hóa truyền thống",
]
_CATEGORIES = ["Xã hội", "Kinh tế", "Du lịch", "Giáo dục"]
_KINDS = [("Căn hộ", "Bán căn hộ chung cư"), ("Nhà phố", "Bán nhà phố mặt tiền"), ("Đất nền", "Bán đất nền"),
          ("Căn hộ", "Cho thuê căn hộ")]


def generated_documents(n: int = 240, seed: int = 7) -> list[Article | Listing]:
    """Articles and listings written for these tests: few words, many equal
    titles, dates and prices, so ties between documents are common."""
    rng = random.Random(seed)
    docs: list[Article | Listing] = []
    start = datetime(2023, 1, 1)
    for i in range(n):
        province, district = rng.choice(_PLACES)
        when = start + timedelta(days=rng.randrange(0, 900, 30))  # coarse dates: equal ones
        if i % 3:
            topic = rng.choice(_TOPICS)
            place = district.split()[-1] if rng.random() < 0.5 else province.split()[-1]
            docs.append(Article(
                id=f"gen-a{i:04d}", title=f"{topic} tại {place}",
                summary=f"{topic} được người dân quan tâm." if rng.random() < 0.5 else "",
                body=f"{topic}. Chính quyền {district} cho biết {rng.choice(_TOPICS).lower()} trong tháng này.",
                category=rng.choice(_CATEGORIES), province=province, district=district, published=when,
                views=rng.choice((None, 100, 250, 1000)),
            ))
        else:
            kind, title = rng.choice(_KINDS)
            rent = title.startswith("Cho thuê")
            price = rng.choice((8e6, 15e6)) if rent else rng.choice((1.5e9, 2.8e9, 4.5e9))
            area = rng.choice((45.0, 60.0, 85.0, 120.0))
            docs.append(Listing(
                id=f"gen-l{i:04d}", title=f"{title} {district} {int(area)}m2",
                description=f"{kind} {int(area)}m2, sổ đỏ chính chủ, gần chợ và trường học.",
                property_type=kind, transaction="rent" if rent else "sale", price_vnd=price, area_m2=area,
                price_per_m2_vnd=None if rent else price / area, bedrooms=rng.choice((1, 2, 3, None)),
                province=province, district=district, posted=when,
            ))
    return docs


def _all_documents() -> list[Any]:
    return [*read_paths(sample_paths()), *generated_documents()]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """The sample and the generated documents as one index and as three shards."""
    root = tmp_path_factory.mktemp("layouts")
    IndexStore(root / "single").write(_all_documents())
    IndexStore(root / "sharded").write(_all_documents(), shards=3)
    single, sharded = exact_engine(root / "single"), exact_engine(root / "sharded")
    yield single, sharded
    single.close()
    sharded.close()


@pytest.fixture(scope="module")
def fanned_out(layouts: tuple[Engine, Engine]) -> Iterator[FannedOut]:
    """The three shards searched apart, one engine each, merged as the Ray router merges."""
    root = layouts[1].store.root
    fanned = exact_fanned_out(root)
    yield fanned
    fanned.close()


# -- layout and placement ------------------------------------------------------------

def test_placement_is_a_stable_hash_of_the_id() -> None:
    # Fixed values: placement must never change between runs, machines or versions.
    table = {i: shard_of(i, 3) for i in ("bds-0001", "gen-a0001", "bài/2022 số 1")}
    assert table == {"bds-0001": 2, "gen-a0001": 1, "bài/2022 số 1": 1}
    for doc_id in ("bds-0001", "bài/2022 số 1", "\udcff"):
        digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        assert shard_of(doc_id, 5) == int.from_bytes(digest, "big") % 5
    assert shard_of("anything", 1) == 0
    spread = np.bincount([shard_of(f"doc-{i}", 4) for i in range(4000)], minlength=4)
    assert spread.min() > 900  # about a quarter each


def test_sharded_generation_layout(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    store.write(generated_documents(30), shards=3)
    gen = store.current_dir()
    assert gen is not None
    assert sorted(p.name for p in gen.iterdir()) == [
        "checksums.json", "langmodel.npz", "newssearch.json", "shards", MANIFEST_FILE,
    ]
    manifest = read_manifest(gen)
    assert {k: v for k, v in manifest.items() if k != "shard_states"} == {
        "format": 1, "generation": gen.name, "shards": 3, "placement": "blake2b-64(id, utf-8) mod shards",
        "schema_version": manifest["schema_version"], "documents": 30,
    }
    assert [s["documents"] for s in manifest["shard_states"]] == [
        sum(shard_of(d.id, 3) == i for d in generated_documents(30)) for i in range(3)
    ]
    # Every document is in the shard that owns its id, and nowhere else.
    for i in range(3):
        shard = WhooshSnapshot(open_shard(gen, i), ColumnCache())
        ids = {shard.document(d)["id"] for d in range(shard.doc_count)}
        assert ids == {d.id for d in generated_documents(30) if shard_of(d.id, 3) == i}
        shard.close()
    assert store.stats()["shards"] == 3 and store.stats()["documents"] == 30
    assert gens.verify(gen, read=True) == []


def test_one_shard_is_todays_single_index(tmp_path: Path) -> None:
    for shards in (None, 1):
        store = IndexStore(tmp_path / f"ix-{shards}")
        store.write(generated_documents(10), shards=shards)
        gen = store.current_dir()
        assert gen is not None
        assert not (gen / "shards").exists() and not (gen / MANIFEST_FILE).exists()
        assert "shards" not in store.read_meta()
        assert (gen / "_MAIN_1.toc").is_file()


def test_empty_shards_are_searched_like_any_other(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    doc = generated_documents(1)[0]
    store.write([doc], shards=3)
    manifest = read_manifest(store.current_dir() or tmp_path)
    assert sorted(s["documents"] for s in manifest["shard_states"]) == [0, 0, 1]
    engine = Engine(tmp_path / "ix")
    assert [h.id for h in engine.search(SearchRequest(q=doc.title)).hits] == [doc.id]
    assert engine.get(doc.id)["title"] == doc.title
    store.delete([doc.id])
    assert engine.search(SearchRequest(q="")).total == 0
    engine.close()


# -- reading several snapshots as one --------------------------------------------------

def test_sharded_snapshot_concatenates_and_sums(tmp_path: Path) -> None:
    docs = generated_documents(60)
    IndexStore(tmp_path / "one").write(docs)
    IndexStore(tmp_path / "three").write(docs, shards=3)
    one = open_snapshot(IndexStore(tmp_path / "one").open())
    gen = IndexStore(tmp_path / "three").current_dir()
    assert gen is not None
    parts = [WhooshSnapshot(open_shard(gen, i), ColumnCache()) for i in range(3)]
    three = ShardedSnapshot(parts)  # no placement given: ids are asked of every shard
    assert three.doc_count == one.doc_count == 60
    assert list(three.offsets) == [0, *np.cumsum([p.doc_count for p in parts])]
    # Postings: the same documents (by id), ids ascending, shifted by the shard's offset.
    p = three.postings("title_f", "du")
    assert list(p.ids) == sorted(p.ids) and len(p.ids) == len(one.postings("title_f", "du").ids)
    assert {three.document(int(d))["id"] for d in p.ids} == {
        one.document(int(d))["id"] for d in one.postings("title_f", "du").ids
    }
    for field, term in (("title_f", "du"), ("body_f", "quan"), ("title", "Hạ"), ("title_f", "nothing")):
        assert three.doc_frequency(field, term) == one.doc_frequency(field, term)
    for field in ("title_f", "body_f", "summary_f"):
        assert three.avg_field_length(field) == one.avg_field_length(field)
        assert three.field_length(field) == one.field_length(field)
    assert three.terms_with_prefix("title_f", "d") == one.terms_with_prefix("title_f", "d")
    assert three.terms_with_prefix("title_f", "", 5) == one.terms_with_prefix("title_f", "", 5)
    assert three.terms_within("title_f", "bam", 1) == one.terms_within("title_f", "bam", 1)
    for doc_id in ("gen-a0001", "gen-l0003", "missing"):
        n1, n3 = one.docnum(doc_id), three.docnum(doc_id)
        assert (n1 is None) == (n3 is None)
        if n3 is not None and n1 is not None:
            assert three.document(n3) == one.document(n1)
    # Keyword codes: each shard has its own, the sharded snapshot one dictionary.
    for name in ("province", "category", "type"):
        by_id_one = {one.document(d)["id"]: one.vocab.labels[name][one.columns.codes[name][d]] for d in range(60)}
        by_id_three = {
            three.document(d)["id"]: three.vocab.labels[name][three.columns.codes[name][d]] for d in range(60)
        }
        assert by_id_three == by_id_one
    assert [p.vocab.labels["province"] for p in parts] != [parts[0].vocab.labels["province"]] * 3
    phrase, reached = three.phrase_docs(["title_f"], ["du", "lich"])
    assert reached == 60
    assert {three.document(int(d))["id"] for d in phrase} == {
        one.document(int(d))["id"] for d in one.phrase_docs(["title_f"], ["du", "lich"])[0]
    }
    with pytest.raises(IndexError):
        three.document(60)
    one.close()
    three.close()


# -- equal answers -------------------------------------------------------------------

def test_sharded_index_answers_exactly_as_the_single_index(layouts: tuple[Engine, Engine]) -> None:
    single, sharded = layouts
    probes = request_set(single, 320)
    kinds = {p.kind for p in probes}
    assert kinds == {"search", "suggest", "related"}
    assert {p.request.sort for p in probes if p.request is not None} >= {"relevance", "newest", "price_asc"}
    assert differences(single, sharded, probes) == []
    # Not a vacuous comparison: most searches find something.
    found = [answer(single, p)["total"] for p in probes if p.request is not None]
    assert sum(1 for t in found if t) > len(found) * 0.6


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q="du lịch", sort="relevance", per_page=5, page=4),
        SearchRequest(q="du lich ha long"),
        SearchRequest(q="bán căn hộ quận 7", sort="price_asc", facets=True),
        SearchRequest(q="", sort="newest", per_page=20, page=7),
        SearchRequest(q="giá nhà đất", filters={"province": ["Hà Nội"]}),
        SearchRequest(q='"đón khách" -mưa', sort="oldest"),
        SearchRequest(q="nha dat tang manh", sort="views", page=2),
        SearchRequest(q="truong hoc khai giảng", filters={"category": ["Giáo dục", "Xã hội"]}),
        SearchRequest(q="căn hộ 2 phòng ngủ dưới 3 tỷ"),
        SearchRequest(q="benh vien", sort="price_per_m2_desc"),
    ],
)
def test_each_kind_of_request_is_identical(
    layouts: tuple[Engine, Engine], fanned_out: FannedOut, request_: SearchRequest
) -> None:
    single, sharded = layouts
    one, other, apart = (e.search(request_).to_dict() for e in (single, sharded, fanned_out))
    for answer_ in (one, other, apart):
        answer_.pop("took_ms")
    assert other == one
    assert apart == one


def test_shards_searched_apart_answer_exactly_as_the_single_index(
    layouts: tuple[Engine, Engine], fanned_out: FannedOut
) -> None:
    """Each shard scored and decided with the whole index's statistics, the
    answers merged (what ``serve --ray`` does): the same ids, order, scores,
    totals, facets, corrections, autocomplete and related documents."""
    single, _sharded = layouts
    probes = request_set(single, 320, seed=23)
    assert differences(single, fanned_out, probes) == []
    assert {p.kind for p in probes} == {"search", "suggest", "related"}


def test_equal_scores_keep_the_write_order(layouts: tuple[Engine, Engine]) -> None:
    # Many generated documents share a title: equal scores come in the order written.
    single, sharded = layouts
    req = SearchRequest(q="đất nền", per_page=50, facets=False)
    ids = [h.id for h in single.search(req).hits]
    assert [h.id for h in sharded.search(req).hits] == ids
    groups: dict[float | None, list[str]] = {}
    for hit in single.search(req).hits:
        if hit.id.startswith("gen-"):
            groups.setdefault(hit.score, []).append(hit.id)
    tied = [g for g in groups.values() if len(g) > 1]
    assert tied and all(g == sorted(g) for g in tied)  # generated ids grow with the write order


# -- updates and deletes ----------------------------------------------------------------

def test_updates_and_deletes_go_to_the_owning_shard_and_publish_together(tmp_path: Path) -> None:
    docs = generated_documents(90)
    single, sharded = IndexStore(tmp_path / "single"), IndexStore(tmp_path / "sharded")
    single.write(docs)
    sharded.write(docs, shards=3)
    engine, engine1 = exact_engine(tmp_path / "sharded"), exact_engine(tmp_path / "single")
    before_gen = sharded.current_dir()
    before = engine.search(SearchRequest(q="sổ đỏ", per_page=50))
    assert before_gen is not None
    old = engine.snapshot()

    changed = docs[1]
    assert isinstance(changed, Article)
    batch: list[Any] = [
        Article(id=changed.id, title="Cầu Bãi Cháy sơn lại", body="Cầu được sơn lại sau mười năm.",
                province="Tỉnh Quảng Ninh", published=datetime(2024, 5, 1)),
        *[Deletion(d.id) for d in docs[10:40:3]],
        Article(id="gen-new-1", title="Cầu Bãi Cháy đón khách du lịch", body="Cầu Bãi Cháy.",
                province="Tỉnh Quảng Ninh", published=datetime(2024, 5, 2)),
    ]
    touched = {shard_of(x.id, 3) for x in batch}
    assert touched == {0, 1, 2}  # the batch touches every shard
    for store in (single, sharded):
        report = store.write(batch)
        assert (report.added, report.replaced, report.deleted) == (1, 1, 10)

    after_gen = sharded.current_dir()
    assert after_gen is not None and after_gen != before_gen  # one new generation, published whole
    manifest = read_manifest(after_gen)
    assert manifest["documents"] == 90 + 1 - 10
    for i, state in enumerate(manifest["shard_states"]):
        expected = {d.id for d in docs if shard_of(d.id, 3) == i} - {x.id for x in batch if isinstance(x, Deletion)}
        expected |= {x.id for x in batch if isinstance(x, Article) and shard_of(x.id, 3) == i}
        shard = WhooshSnapshot(open_shard(after_gen, i), ColumnCache())
        ids = {shard.document(d)["id"] for d in range(shard.doc_count) if shard.columns.live[d]}
        assert ids == expected and state["documents"] == len(expected)
        shard.close()
    # A reader of the old generation still sees all of it, untouched.
    assert engine.search(SearchRequest(q="sổ đỏ", per_page=50)).total == before.total
    assert old.store.document(0)["id"] == docs[0].id or old.store.docnum(docs[0].id) is not None
    # The engine follows to the new generation as a whole, and answers as the single index.
    assert engine.get("gen-new-1")["title"] == "Cầu Bãi Cháy đón khách du lịch"
    with pytest.raises(Exception, match="no document"):
        engine.get(docs[10].id)
    for q in ("cầu bãi cháy", "sổ đỏ", "du lich", ""):
        a = engine1.search(SearchRequest(q=q, per_page=50)).to_dict()
        b = engine.search(SearchRequest(q=q, per_page=50)).to_dict()
        assert [h["id"] for h in b["hits"]] == [h["id"] for h in a["hits"]]
        assert b["total"] == a["total"] and b["facets"] == a["facets"]
    # A re-run changes nothing and publishes no new generation.
    assert sharded.write(batch).unchanged == 2
    assert gens.verify(sharded.current_dir() or after_gen, read=True) == []
    engine.close()
    engine1.close()


def test_the_write_api_writes_into_the_owning_shards(tmp_path: Path) -> None:
    from newssearch.keys import KeyStore
    from newssearch.web import create_app

    root = tmp_path / "ix"
    IndexStore(root).write(generated_documents(30), shards=3)
    token = KeyStore(root).create("write", "cms")[1]
    client = create_app({"index_dir": root, "TESTING": True}).test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    records = [
        {"id": f"cms-{i}", "title": f"Cầu Bãi Cháy số {i}", "body": "Cầu nối hai bờ vịnh.", "published": "2026-12-01"}
        for i in range(6)
    ]
    assert {shard_of(r["id"], 3) for r in records} == {0, 1, 2}
    r = client.post("/api/documents", data=json.dumps(records), headers=headers)
    assert r.status_code == 200 and r.get_json()["counts"] == {"created": 6}
    found = client.get("/api/search?q=cau+bai+chay&per_page=20").get_json()
    assert sorted(h["id"] for h in found["hits"]) == [f"cms-{i}" for i in range(6)]
    r = client.delete("/api/documents/cms-2", headers=headers)
    assert r.get_json()["records"] == [{"index": 0, "status": "deleted", "id": "cms-2"}]
    assert client.get("/api/search?q=cau+bai+chay&per_page=20").get_json()["total"] == 5
    gen = IndexStore(root).current_dir()
    assert gen is not None and read_manifest(gen)["documents"] == 35


def test_a_failed_write_publishes_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    store.write(generated_documents(30), shards=3)
    live = store.current_dir()

    def broken() -> Iterator[Any]:
        yield from generated_documents(40)[30:]
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception, match="disk is full"):
        store.write(broken())
    assert store.current_dir() == live
    assert [g.name for g in gens.generation_dirs(tmp_path / "ix")] == [live.name if live else ""]
    assert store.stats()["documents"] == 30


def test_the_shard_count_changes_only_with_a_rebuild(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    store.write(generated_documents(20), shards=3)
    with pytest.raises(BadRequest, match="--rebuild --shards 2"):
        store.write(generated_documents(21), shards=2)
    store.write(generated_documents(20), rebuild=True)  # keeps the live layout
    assert read_manifest(store.current_dir() or tmp_path)["shards"] == 3
    store.write(generated_documents(20), rebuild=True, shards=1)
    gen = store.current_dir()
    assert gen is not None and not (gen / "shards").exists()
    assert Engine(tmp_path / "ix").search(SearchRequest(q="")).total == 20


# -- a build split into one task per shard ----------------------------------------------

def test_shards_built_apart_answer_as_one_process(tmp_path: Path, layouts: tuple[Engine, Engine]) -> None:
    single, _sharded = layouts
    store = IndexStore(tmp_path / "ix")
    # Each "task" reads the whole input, as a task on another machine would.
    report = store.build(3, lambda gen: [build_shard(gen, i, _all_documents()) for i in range(3)])
    assert (report.added, report.skipped) == (len(_all_documents()), 0)
    gen = store.current_dir()
    assert gen is not None and read_manifest(gen)["documents"] == len(_all_documents())
    assert gens.verify(gen, read=True) == []
    apart = exact_engine(tmp_path / "ix")
    assert differences(single, apart, request_set(single, 80, seed=5)) == []
    apart.close()


def test_shards_built_apart_decide_every_record_as_one_process(tmp_path: Path) -> None:
    # Second versions, deletions and re-additions of ids of every shard in one input.
    docs = generated_documents(40)
    again = [Article(id=d.id, title=f"Bản sửa {d.title}", body="Nội dung mới.") for d in docs[:6]]
    items: list[Any] = [*docs, *again, *[Deletion(d.id) for d in docs[6:12]], *docs[8:10], docs[0]]
    one, apart = IndexStore(tmp_path / "one"), IndexStore(tmp_path / "apart")
    expected = one.write(items, shards=3, rebuild=True)
    report = apart.build(3, lambda gen: [build_shard(gen, i, items) for i in range(3)])
    assert report.to_dict() | {"seconds": 0} == expected.to_dict() | {"seconds": 0}

    def written(store: IndexStore) -> dict[str, tuple[float, str]]:
        snap = open_snapshot(store.open())
        seq = snap.columns.numbers["seq"]
        return {
            snap.document(d)["id"]: (float(seq[d]), snap.document(d)["title"])
            for d in range(snap.doc_count) if snap.columns.live[d]
        }

    assert written(apart) == written(one)
    assert len(written(one)) == 40 - 6 + 2


def test_a_build_that_fails_on_one_shard_publishes_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    store.write(generated_documents(20), shards=3)
    live = store.current_dir()

    def one_task_dies(gen: Path) -> list[ShardBuild]:
        done = [build_shard(gen, i, generated_documents(30)) for i in (0, 1)]
        raise RuntimeError("the node of shard 2 went away")
        return done

    with pytest.raises(RuntimeError, match="went away"):
        store.build(3, one_task_dies)
    with pytest.raises(IndexUnavailable, match=r"wrote shards \[0, 2\] of 3"):
        store.build(3, lambda gen: [build_shard(gen, i, generated_documents(30)) for i in (0, 2)])
    assert store.current_dir() == live
    assert [g.name for g in gens.generation_dirs(tmp_path / "ix")] == [live.name if live else ""]
    assert store.stats()["documents"] == 20


# -- faults -----------------------------------------------------------------------------

def _sharded(tmp_path: Path, name: str = "ix") -> tuple[IndexStore, Path]:
    store = IndexStore(tmp_path / name)
    store.write(generated_documents(40), shards=3)
    gen = store.current_dir()
    assert gen is not None
    return store, gen


def _remove_shard(gen: Path) -> None:
    shutil.rmtree(shard_dir(gen, 1))


def _damage_shard(gen: Path) -> None:
    seg = next(shard_dir(gen, 2).glob("*.seg"))
    seg.write_bytes(b"\0" * seg.stat().st_size)


def _damage_new_segment(gen: Path) -> None:
    """Damage a segment file written by the last incremental run (its own file:
    unchanged segments are shared with the previous generation)."""
    new = [p for p in gen.glob("shards/*/*.seg") if p.stat().st_nlink == 1]
    assert new
    new[0].write_bytes(b"\0" * new[0].stat().st_size)


def _shard_of_another_build(gen: Path) -> None:
    other = IndexStore(gen.parent.parent / "other")
    other.write(generated_documents(41), shards=3)
    source = other.current_dir()
    assert source is not None
    shutil.rmtree(shard_dir(gen, 0))
    shutil.copytree(shard_dir(source, 0), shard_dir(gen, 0))


def _manifest_of_other_count(gen: Path) -> None:
    manifest = json.loads((gen / MANIFEST_FILE).read_text("utf-8"))
    manifest["shards"] = 2
    manifest["shard_states"] = manifest["shard_states"][:2]
    (gen / MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")


def _manifest_missing(gen: Path) -> None:
    (gen / MANIFEST_FILE).unlink()


def _extra_shard(gen: Path) -> None:
    shutil.copytree(shard_dir(gen, 0), shard_dir(gen, 3))


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (_remove_shard, "shard 1 of gen-.* is missing|has shard folders"),
        (_damage_shard, "shard 2 of gen-.* cannot be opened"),
        (_shard_of_another_build, "shard 0 of gen-.* is not the one its manifest publishes"),
        (_manifest_of_other_count, "has shard folders .* its manifest lists 2 shards"),
        (_manifest_missing, "no readable manifest"),
        (_extra_shard, "has shard folders"),
    ],
)
def test_a_bad_shard_is_a_clear_error_at_open(tmp_path: Path, fault: Any, message: str) -> None:
    store, gen = _sharded(tmp_path)
    fault(gen)
    with pytest.raises(IndexDamaged, match=message):
        store.open()
    with pytest.raises(IndexDamaged, match=message):
        ShardSet.open(gen)
    # The server has nothing older to fall back to: a clear 503, never a partial answer.
    with pytest.raises(IndexDamaged) as info:
        Engine(tmp_path / "ix").search(SearchRequest(q="du lịch"))
    assert info.value.status == 503


def test_a_schema_of_another_version_is_refused(tmp_path: Path) -> None:
    store, gen = _sharded(tmp_path)
    manifest = json.loads((gen / MANIFEST_FILE).read_text("utf-8"))
    manifest["schema_version"] = 1
    (gen / MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(SchemaMismatch, match="schema version 1"):
        read_manifest(gen)
    with pytest.raises(IndexDamaged):
        store.open()


def test_a_damaged_sharded_generation_falls_back_to_the_previous_one(tmp_path: Path) -> None:
    store, first = _sharded(tmp_path)
    store.write(generated_documents(45)[40:])  # the next generation (copy-on-write)
    live = store.current_dir()
    assert live is not None and live != first
    _damage_new_segment(live)
    assert gens.verify(live)  # the checksums see it
    served, ix, reason = open_servable(store)
    assert served == first and isinstance(ix, ShardSet)
    assert reason is not None and live.name in reason
    engine = Engine(tmp_path / "ix")
    assert engine.search(SearchRequest(q="")).total == 40
    assert engine.stats()["degraded"] == reason
    engine.close()
    # Opening one shard by itself checks the manifest too.
    with pytest.raises(IndexDamaged, match="there is no shard 7"):
        open_shard(first, 7)
    assert open_index(first).doc_count() == 40


# -- command line ----------------------------------------------------------------------

def test_index_command_builds_shards(tmp_path: Path) -> None:
    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(d.to_dict(), ensure_ascii=False, default=str) + "\n"
                            for d in generated_documents(25)), "utf-8")
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    result = runner.invoke(main, ["index", str(data), "--index-dir", ix, "--shards", "3"])
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
    gen = IndexStore(ix).current_dir()
    assert gen is not None and read_manifest(gen)["shards"] == 3
    result = runner.invoke(main, ["index", str(data), "--index-dir", ix, "--shards", "2"])
    assert result.exit_code != 0 and "--rebuild --shards 2" in result.output
    result = runner.invoke(main, ["search", "du lịch", "--index-dir", ix, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] > 0


# -- the real corpus ---------------------------------------------------------------------

@pytest.mark.corpus
def test_corpus_slice_answers_exactly(shared_corpus: Path, tmp_path: Path) -> None:
    """A slice of the corpus (200 records of each file), 1 vs 3 shards. The
    20,000-document check is ``benchmarks/shard_equivalence.py``."""
    from benchmarks.shard_equivalence import corpus_slice

    paths = corpus_slice(shared_corpus, tmp_path, 200)
    IndexStore(tmp_path / "one").write(read_paths(paths))
    IndexStore(tmp_path / "three").write(read_paths(paths), shards=3)
    single, sharded = exact_engine(tmp_path / "one"), exact_engine(tmp_path / "three")
    fanned = exact_fanned_out(tmp_path / "three")
    probes = request_set(single, 120)
    assert differences(single, sharded, probes) == []
    assert differences(single, fanned, probes) == []
    for engine in (single, sharded, fanned):
        engine.close()


def test_a_shard_view_reads_other_shards_for_statistics_only(layouts: tuple[Engine, Engine]) -> None:
    """One shard's server holds its own documents' columns, not every shard's."""
    root = layouts[1].store.root
    engine = Engine(root, shard=1)
    engine.search(SearchRequest(q="nhà phố", sort="price_asc"))
    view = engine.snapshot().store
    assert isinstance(view, ShardView) and view.mine == 1
    assert ["columns" in vars(s) for s in view.shards] == [False, True, False]
    assert view.corpus_docs == layouts[1].snapshot().store.doc_count > view.doc_count
    whole = layouts[1].snapshot().store  # the shards laid end to end, as a view numbers them
    assert len(whole.postings("title_bi", "nha_pho").ids) > len(view.postings("title_bi", "nha_pho").ids) > 0
    for field, term in (("title_bi", "nha_pho"), ("title_f", "ha"), ("body_f", "khong-co-tu-nay")):
        assert view.corpus_postings(field, term).ids.tolist() == whole.postings(field, term).ids.tolist()
        assert engine.snapshot().text.corpus_postings(field, term).ids.tolist() == whole.postings(field, term).ids.tolist()
    engine.close()
