"""Generations: nothing good replaced by less, rollback, a missing link, checksums and damage."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import main
from newssearch.documents import Article
from newssearch.errors import IndexDamaged, IndexUnavailable, RebuildRefused
from newssearch.indexer import IndexStore
from newssearch.ingest import Problem
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.store import generations as gens


def art(i: int) -> Article:
    return Article(
        id=f"a{i}",
        title=f"Bài viết số {i} về vịnh Hạ Long",
        body=f"Nội dung số {i}: du lịch Quảng Ninh mùa hè.",
        published=datetime(2022, 6, 1 + i % 28),
    )


def arts(n: int, start: int = 0) -> list[Article]:
    return [art(i) for i in range(start, start + n)]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def segment(gen: Path) -> Path:
    return max(gen.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)


# -- a rebuild never publishes less than it should ----------------------------------


@pytest.mark.parametrize(
    ("items", "allowed"),
    [
        ([], False),  # an empty folder
        ([Problem("feed.jsonl", 1, "invalid JSON")] * 3, False),  # every line broken
        (arts(4), False),  # 4 of 10: under MIN_REBUILD_RATIO
    ],
)
def test_rebuild_with_far_fewer_documents_is_refused(tmp_path: Path, items: list[object], allowed: bool) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10))
    live = store.current_dir()
    for _ in range(2):  # a retried cron job must not lose the good generation either
        with pytest.raises(RebuildRefused, match=r"has \d+ documents and the live index .* has 10 .*--allow-shrink"):
            store.write(items, rebuild=True)  # type: ignore[arg-type]
    assert store.current_dir() == live
    assert [g.name for g in gens.generation_dirs(tmp_path)] == [live.name]  # type: ignore[union-attr]
    assert Engine(tmp_path).stats()["documents"] == 10


def test_allow_shrink_publishes_and_half_is_enough(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10))
    assert store.write(arts(5), rebuild=True).rebuilt  # 50 %: allowed
    store.write([], rebuild=True, allow_shrink=True)
    assert Engine(tmp_path).stats()["documents"] == 0


def test_cli_refused_rebuild_is_one_line_and_exit_2(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    IndexStore(idx).write(arts(10))
    bad = tmp_path / "allbad.jsonl"
    bad.write_text("{broken\n{also broken\n", "utf-8")
    code, _, err = invoke("index", str(bad), "--rebuild", "--index-dir", str(idx))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: refused to publish the rebuild: it has 0 documents and the live index")
    # Published, as asked; still exit 1, as every run in which every record was skipped.
    code, out, _ = invoke("index", str(bad), "--rebuild", "--allow-shrink", "--index-dir", str(idx))
    assert code == 1 and "skipped 2" in out
    assert IndexStore(idx).stats()["documents"] == 0


def test_last_generations_are_kept_and_listed(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, keep_generations=3)
    for n in (10, 11, 12, 13):
        store.write(arts(n), rebuild=True)
    found = store.generations()
    assert [(g.documents, g.current, g.status) for g in found] == [
        (13, True, "verified"), (12, False, "verified"), (11, False, "verified"),
    ]
    assert all(g.created for g in found)
    code, out, _ = invoke("generations", "--index-dir", str(tmp_path), "--json")
    assert code == 0 and [g["documents"] for g in json.loads(out)] == [13, 12, 11]
    code, out, _ = invoke("generations", "--index-dir", str(tmp_path))
    assert code == 0 and out.splitlines()[0].startswith(f"* {found[0].name}") and "verified" in out


def test_rollback_to_previous_and_to_a_named_generation(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10), rebuild=True)
    store.write(arts(12), rebuild=True)
    newest, older = [g.name for g in store.generations()]
    engine = Engine(tmp_path)
    assert engine.stats()["documents"] == 12
    code, out, _ = invoke("rollback", "--index-dir", str(tmp_path))
    assert code == 0 and out == f"live generation: {older} (was {newest})\n"
    assert engine.stats()["documents"] == 10
    code, _, err = invoke("rollback", "--index-dir", str(tmp_path))
    assert code == 2 and "no earlier generation" in err
    code, out, _ = invoke("rollback", newest, "--index-dir", str(tmp_path))
    assert code == 0 and engine.stats()["documents"] == 12
    code, _, err = invoke("rollback", "gen-nope", "--index-dir", str(tmp_path))
    assert code == 2 and "no generation 'gen-nope'" in err


# -- a missing or broken `current` link -------------------------------------------


@pytest.mark.parametrize("damage", ["missing", "broken"])
def test_missing_or_broken_link_is_an_error_with_the_fix_and_deletes_nothing(tmp_path: Path, damage: str) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(8))
    gen = store.current_dir()
    assert gen is not None
    (tmp_path / "current").unlink()
    if damage == "broken":
        os.symlink("gen-gone", tmp_path / "current")
    fix = f"`newssearch rollback --index-dir {tmp_path}`"
    with pytest.raises(IndexUnavailable, match=f"relink the newest complete generation \\({gen.name}\\) with {fix}"):
        store.write([art(99)])
    with pytest.raises(IndexUnavailable, match="rollback"):
        store.delete(["a1"])
    with pytest.raises(IndexUnavailable, match="rollback"):
        Engine(tmp_path).search(SearchRequest(q="ha long"))
    code, _, err = invoke("delete", "a1", "--index-dir", str(tmp_path))
    assert code == 2 and "newssearch rollback" in err
    assert gens.generation_dirs(tmp_path) == [gen]
    assert store.rollback()[1] == gen
    assert Engine(tmp_path).stats()["documents"] == 8


def test_rebuild_with_a_missing_link_compares_with_the_newest_good_generation(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(8))
    (tmp_path / "current").unlink()
    with pytest.raises(RebuildRefused):
        store.write([], rebuild=True)
    store.write(arts(9), rebuild=True)
    assert Engine(tmp_path).stats()["documents"] == 9


# -- integrity ----------------------------------------------------------------------


def test_checksums_are_written_at_publish_and_follow_incremental_runs(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(3))
    store.write(arts(3, start=3))
    gen = store.current_dir()
    assert gen is not None
    recorded = json.loads((gen / gens.CHECKSUMS_FILE).read_text())["files"]
    on_disk = {p.name for p in gen.iterdir() if p.name not in gens.UNCHECKED_FILES}
    assert set(recorded) == on_disk
    assert gens.verify(gen, read=True) == []
    assert store.read_meta()["documents"] == 6


@pytest.mark.parametrize("how", ["truncate", "flip"])
def test_damage_is_found_and_stops_incremental_runs(tmp_path: Path, how: str) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(20))
    gen = store.current_dir()
    assert gen is not None
    seg = segment(gen)
    data = bytearray(seg.read_bytes())
    if how == "truncate":
        seg.write_bytes(data[: len(data) // 2])
    else:
        data[len(data) // 2] ^= 0xFF
        seg.write_bytes(bytes(data))
    expected = "truncated" if how == "truncate" else "does not match its checksum"
    assert any(expected in p for p in gens.verify(gen))
    with pytest.raises(IndexDamaged, match=r"damaged .*nothing was written.*rollback"):
        store.write([art(50)])
    code, out, err = invoke("verify", "--index-dir", str(tmp_path))
    assert code == 1 and f"* {gen.name}: damaged" in out and expected in out and "rollback" in err
    code, _, err = invoke("stats", "--index-dir", str(tmp_path))
    assert code == 2 and err.startswith("error: the index at") and "damaged" in err and "Aborted" not in err


def test_engine_serves_the_previous_good_generation_when_the_live_one_is_damaged(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10), rebuild=True)
    store.write(arts(11), rebuild=True)
    live = store.current_dir()
    assert live is not None
    seg = segment(live)
    seg.write_bytes(seg.read_bytes()[:100])
    engine = Engine(tmp_path)
    assert engine.search(SearchRequest(q="ha long", per_page=50)).total == 10
    stats = engine.stats()
    assert stats["documents"] == 10 and "is damaged" in stats["degraded"] and "rollback" in stats["degraded"]


def test_damage_while_serving_switches_to_the_previous_good_generation(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10), rebuild=True)
    store.write(arts(11), rebuild=True)
    engine = Engine(tmp_path)
    assert engine.get("a10")["id"] == "a10"
    live = store.current_dir()
    assert live is not None
    seg = segment(live)
    data = bytearray(seg.read_bytes())
    for i in range(len(data) // 4, len(data) - 200):
        data[i] = 0  # zeroed stored documents: reading them fails
    seg.write_bytes(bytes(data))
    engine.close()  # drop cached readers, as a restarted worker would
    assert engine.get("a3")["id"] == "a3"
    assert engine.snapshot().gen != live


def test_damage_the_store_reports_while_serving_switches_to_the_previous_good_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checksum error raised by the store during a read (IndexDamaged) is
    served around like any damage, once the generation fails to verify."""
    store = IndexStore(tmp_path)
    store.write(arts(10), rebuild=True)
    store.write(arts(11), rebuild=True)
    engine = Engine(tmp_path)
    live = engine.snapshot()
    seg = segment(live.gen)
    with seg.open("r+b") as f:  # in place, past what this test reads: verify sees it
        f.seek(seg.stat().st_size - 1)
        last = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([last[0] ^ 0xFF]))

    def damaged(docnum: int) -> dict[str, object]:
        raise IndexDamaged("stored document fails its checksum")

    monkeypatch.setattr(live.store, "document", damaged)
    assert engine.get("a3")["id"] == "a3"
    assert engine.snapshot().gen != live.gen


def test_damage_the_store_reports_on_an_intact_generation_is_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10), rebuild=True)
    store.write(arts(11), rebuild=True)
    engine = Engine(tmp_path)
    live = engine.snapshot()

    def damaged(docnum: int) -> dict[str, object]:
        raise IndexDamaged("stored document fails its checksum")

    monkeypatch.setattr(live.store, "document", damaged)
    with pytest.raises(IndexDamaged):
        engine.get("a3")
    assert engine.snapshot() is live


def test_damaged_index_without_a_good_generation_is_503_with_the_reason(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write(arts(10))
    gen = store.current_dir()
    assert gen is not None
    segment(gen).write_bytes(b"")
    with pytest.raises(IndexDamaged, match=r"damaged .*no earlier generation verifies; rebuild") as info:
        Engine(tmp_path).search(SearchRequest(q="ha long"))
    assert info.value.status == 503
