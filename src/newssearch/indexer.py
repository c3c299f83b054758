"""Build, update and keep the on-disk index safe.

Layout of an index folder (``index/`` by default)::

    index/
      current -> gen-20261129T101500-1234   symlink to the live generation
      gen-20261129T101500-1234/             a Whoosh index + newssearch.json
      .indexer.lock                         held by the one running indexer

  A sharded generation (``shards=N``) holds N Whoosh indexes and a manifest
  instead (:mod:`newssearch.store.shards`); documents go to the shard that
  owns their id, and an incremental write builds the next generation from
  hard links and publishes it whole, so readers switch every shard at once.

* Incremental runs add, replace (by id) and delete inside the live
  generation; Whoosh commits are atomic (new segments, then a new TOC), so a
  crash leaves the last commit intact.
* ``rebuild`` writes a fresh generation beside the live one and swaps the
  ``current`` symlink with an atomic rename: readers never see a half-built
  index, and readers opened before the swap keep their files.
* One indexer at a time: an ``flock`` on ``.indexer.lock`` (released by the
  kernel when a process dies; writer processes die with their indexer, see
  :mod:`newssearch.writelock`).
* Nothing good is ever replaced by less: a rebuild with no documents, or far
  fewer than the live index, is not published (``allow_shrink`` overrides);
  the last :data:`~newssearch.generations.KEEP_GENERATIONS` generations stay
  on disk for ``rollback``; a missing ``current`` link or a damaged live
  generation stops incremental writes with the command that fixes it.
  Every published generation carries checksums (:mod:`newssearch.generations`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .documents import Article, Listing
from .errors import (
    BadRequest,
    IndexDamaged,
    IndexUnavailable,
    NewsSearchError,
    NotFound,
    RebuildRefused,
    SchemaMismatch,
    StorageError,
)
from .ids import normalize_id
from .ingest import Deletion, IngestSummary, Problem
from .langmodel import NgramCounter, count_document, write_model
from .store import SCHEMA_VERSION, create_index, open_index, open_writer
from .store import generations as gens
from .store.generations import CURRENT, META_FILE, GenerationInfo
from .store.lookup import document_count, index_stats, live_segment_ids, open_lookup, write_document
from .store.shards import (
    MANIFEST_FILE,
    OtherShards,
    copy_generation,
    is_sharded,
    shard_count,
    write_manifest,
)
from .writelock import LOCK_FILE, write_lock

__all__ = [
    "CURRENT", "LOCK_FILE", "META_FILE", "IndexStore", "ShardBuild", "WriteReport", "build_shard", "content_hash",
    "progress_bar",
]

Item = Article | Listing | Deletion | Problem
#: What a write did with one document or deletion (see ``IndexStore.write(on_outcome=...)``).
Outcome = Literal["added", "replaced", "unchanged", "deleted", "missing"]
OutcomeCallback = Callable[[Article | Listing | Deletion, Outcome], None]
_log = logging.getLogger(__name__)


@dataclass
class WriteReport:
    """What one indexing run did (``read`` counts what the readers produced)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    deleted: int = 0
    articles: int = 0
    listings: int = 0
    read: IngestSummary = field(default_factory=lambda: IngestSummary(max_problems=100_000))
    seconds: float = 0.0
    rebuilt: bool = False

    @property
    def skipped(self) -> int:
        """Records (or files) that could not be read and were skipped."""
        return self.read.skipped

    @property
    def warnings(self) -> int:
        """Records indexed with a caveat (e.g. a body cut at 1 MB)."""
        return self.read.warnings

    @property
    def problems(self) -> list[Problem]:
        return self.read.problems

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        more = f" — first problem: {self.problems[0]}" if self.problems else ""
        return (
            f"indexed {self.articles} articles, {self.listings} listings "
            f"({self.added} new, {self.replaced} replaced, {self.unchanged} unchanged), "
            f"deleted {self.deleted}, skipped {self.skipped}"
            + (f", {self.warnings} warnings" if self.warnings else "")
            + f"{more} [{self.seconds:.1f}s]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "articles": self.articles,
            "listings": self.listings,
            "problems": [str(p) for p in self.problems[:100]],
            "seconds": round(self.seconds, 3),
            "rebuilt": self.rebuilt,
        }


@dataclass
class ShardBuild:
    """What :func:`build_shard` wrote: for :meth:`IndexStore.build` to publish."""

    shard: int
    #: The whole input's report (the same from every shard of one input).
    report: WriteReport
    #: Language-model counts of this shard's documents.
    counter: NgramCounter
    #: The write order number after the input's last document.
    next_seq: int


def build_shard(
    gen: Path, shard: int, items: Iterable[Item], *, procs: int = 1, limitmb: int = 128
) -> ShardBuild:
    """Write shard ``shard`` of the unpublished sharded generation ``gen`` (made
    by :meth:`IndexStore.build`) from the whole input ``items``.

    Every shard reads the same input: documents of other shards are skipped
    (not analysed) but keep their place in the write order, so the shards
    written apart -- one task per shard, on any machine that can write
    ``gen`` -- equal those of one process. Nothing is published.
    """
    store = IndexStore(gen.parent)
    report = WriteReport(rebuilt=True)
    started = time.monotonic()
    counter = NgramCounter()
    next_seq = store._write_into(gen, items, report, procs, limitmb, None, None, None, counter, 0, only=shard)
    report.seconds = time.monotonic() - started
    return ShardBuild(shard, report, counter, next_seq)


def content_hash(doc: Article | Listing) -> str:
    """A stable fingerprint of a document; unchanged documents are not rewritten."""
    payload = json.dumps(doc.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=12)
    prefix = "s:" if isinstance(doc, Article) and doc.stub else "f:"
    return prefix + digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class IndexStore:
    """An index folder: generations, the live symlink, the writer lock."""

    def __init__(self, root: Path | str, keep_generations: int = gens.KEEP_GENERATIONS) -> None:
        self.root = Path(root)
        self.keep_generations = max(1, keep_generations)

    # -- locations ---------------------------------------------------------
    @property
    def current_link(self) -> Path:
        return self.root / CURRENT

    def current_dir(self) -> Path | None:
        """The live generation folder, or None when no index was built yet."""
        try:
            target = os.readlink(self.current_link)
        except OSError:
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def exists(self) -> bool:
        return self.current_dir() is not None

    def read_meta(self, gen: Path | None = None) -> dict[str, Any]:
        gen = gen or self.current_dir()
        if gen is None:
            return {}
        try:
            meta: dict[str, Any] = json.loads((gen / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return meta

    def _write_meta(self, gen: Path, **updates: Any) -> None:
        meta = self.read_meta(gen)
        meta.update(updates)
        tmp = gen / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, gen / META_FILE)

    # -- opening -----------------------------------------------------------
    def open(self, gen: Path | None = None) -> Any:
        """Open the live Whoosh index (or generation ``gen``) for reading; checks the schema version."""
        gen = gen or self.current_dir()
        if gen is None:
            raise self.unavailable()
        self.check_version(gen)
        try:
            return open_index(gen)
        except Exception as exc:  # whoosh raises several unrelated types here
            raise IndexDamaged(
                f"cannot open the index at {gen}: {exc}; check it with `newssearch verify "
                f"--index-dir {self.root}`"
            ) from exc

    def unavailable(self) -> IndexUnavailable:
        """Why there is no live generation, and the command that fixes it."""
        state = gens.link_state(self.root)
        if state == "none":
            return IndexUnavailable(
                f"no index at {self.root}: build one with `newssearch index PATH` "
                "(or `newssearch demo` for the sample data)",
                status=503,
            )
        what = "is missing" if state == "missing" else "does not point to a generation"
        good = gens.newest_good(self.root)
        fix = (
            f"relink the newest complete generation ({good.name}) with "
            f"`newssearch rollback --index-dir {self.root}`"
            if good is not None
            else f"no generation verifies; rebuild with `newssearch index PATH... --rebuild --index-dir {self.root}`"
        )
        return IndexUnavailable(f"the `{CURRENT}` link of {self.root} {what}; nothing was changed: {fix}")

    def check_version(self, gen: Path) -> None:
        version = self.read_meta(gen).get("schema_version")
        if version != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the index at {self.root} was built with schema version {version}, "
                f"this newssearch uses version {SCHEMA_VERSION}: rebuild it with "
                f"`newssearch index PATH... --rebuild --index-dir {self.root}`",
                status=503,
            )

    # -- locking -----------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the indexer lock; wait up to ``timeout`` seconds for another indexer."""
        with write_lock(self.root, timeout):
            yield

    # -- writing -----------------------------------------------------------
    def _new_generation(self, shards: int = 1, copy_of: Path | None = None) -> Path:
        """A new generation folder: empty (one index, or ``shards``), or a copy
        of the sharded generation ``copy_of`` to write the next state into."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        gen = self.root / f"gen-{stamp}-{os.getpid()}"
        if copy_of is not None:
            copy_generation(copy_of, gen)
            # Not published until its own checksums are written at publish.
            for name in (gens.CHECKSUMS_FILE, MANIFEST_FILE):
                with contextlib.suppress(FileNotFoundError):
                    (gen / name).unlink()
            self._write_meta(gen, updated=_now())
            return gen
        gen.mkdir(parents=True)
        create_index(gen, shards)
        layout = {"shards": shards} if shards > 1 else {}
        self._write_meta(gen, schema_version=SCHEMA_VERSION, created=_now(), updated=_now(), **layout)
        return gen

    def _swap(self, gen: Path) -> None:
        gens.swap_current(self.root, gen)

    def _cleanup(self, keep: set[Path]) -> None:
        """Remove old generations: keep ``keep`` (the live and the previous one) and
        the newest published ones up to ``keep_generations`` in all; unpublished
        ones (interrupted rebuilds) go, since the lock says no rebuild is running."""
        published = [g for g in gens.generation_dirs(self.root) if gens.is_published(g)]
        keep = keep | set(published[: self.keep_generations])
        for child in gens.generation_dirs(self.root):
            if child not in keep:
                shutil.rmtree(child, ignore_errors=True)

    def _publish(self, gen: Path, next_seq: int, copied_from: Path | None = None) -> int:
        """Record the document count, the next write order number, the shard
        manifest (of a sharded ``gen``) and the checksums; its document count."""
        ix = open_index(gen, check=False)
        documents = document_count(ix)
        self._write_meta(gen, updated=_now(), documents=documents, published=_now(), next_seq=next_seq)
        if is_sharded(gen):
            write_manifest(gen)
        gens.write_checksums(gen, previous=copied_from)
        return documents

    def _check_shrink(self, gen: Path, reference: Path | None) -> None:
        """Refuse to publish a rebuild with no documents or far fewer than ``reference``."""
        if reference is None:
            return
        live = gens.document_count(reference)
        if not live:
            return  # nothing (readable) to lose
        documents = gens.document_count(gen) or 0
        if documents < live * gens.MIN_REBUILD_RATIO:
            share = f"{gens.MIN_REBUILD_RATIO:.0%}"
            raise RebuildRefused(
                f"refused to publish the rebuild: it has {documents:,} documents and the live index "
                f"({reference.name}) has {live:,} (less than {share}); the live index is unchanged. "
                "Check the input (every skipped record is reported), or pass --allow-shrink to publish it anyway"
            )

    def write(
        self,
        items: Iterable[Item],
        *,
        rebuild: bool = False,
        procs: int = 1,
        limitmb: int = 128,  # per writer process: the term pool spills a run past this estimate
        batch_size: int | None = 50_000,
        lock_timeout: float = 30.0,
        progress: Callable[[int], None] | None = None,
        on_outcome: OutcomeCallback | None = None,
        allow_shrink: bool = False,
        shards: int | None = None,
    ) -> WriteReport:
        """Add or replace documents by id, apply deletions, skip and report problems.

        Re-running the same input changes nothing (unchanged documents are
        detected by content hash). With ``rebuild`` a new generation is
        built and swapped in atomically when complete -- unless it has no
        documents or fewer than :data:`~newssearch.generations.MIN_REBUILD_RATIO`
        of the live one (:class:`RebuildRefused`; ``allow_shrink`` publishes it
        anyway). An incremental run refuses a missing ``current`` link and a
        damaged live generation (:class:`IndexUnavailable`, naming the fix).
        ``on_outcome`` is told what happened to each document and deletion
        (for per-record reports); when this returns, the changes are committed
        and on disk. ``shards``: how many shards a new or rebuilt index has (by
        default those of the live index; 1 is a single index); an incremental
        run keeps the live index's.
        """
        report = WriteReport(rebuilt=rebuild)
        started = time.monotonic()
        with self.lock(lock_timeout):
            previous = self.current_dir()
            reference = previous
            if previous is None and gens.link_state(self.root) != "none":
                if not rebuild:
                    raise self.unavailable()
                reference = gens.newest_good(self.root)
            if previous is not None and not rebuild:
                self.check_version(previous)
                damage = gens.verify(previous)
                if damage:
                    raise IndexDamaged(
                        f"the index at {self.root} is damaged ({'; '.join(damage[:3])}); nothing was "
                        f"written. Run `newssearch rollback --index-dir {self.root}` to go back to the "
                        "previous good generation, or rebuild with --rebuild"
                    )
            fresh = rebuild or previous is None
            layout = shard_count(previous) if previous is not None else 1
            if shards is not None and not fresh and shards != layout:
                raise BadRequest(
                    f"the index at {self.root} has {layout} shard{'s' if layout > 1 else ''}; "
                    f"to change it to {shards}, rebuild with --rebuild --shards {shards}",
                    param="shards",
                )
            copied_from = previous if not fresh and layout > 1 else None
            gen: Path | None = None
            try:
                if fresh:
                    gen = self._new_generation(shards or layout)
                elif copied_from is not None:
                    gen = self._new_generation(copy_of=copied_from)
                else:
                    assert previous is not None  # not fresh
                    gen = previous
                # A rebuild commits once: its generation is thrown away if the run
                # fails, and every intermediate commit of a multiprocessing writer
                # left ~300 MB in the parent (measured: 0.08 → 1.1 GB over 6 commits).
                batch = None if fresh else batch_size
                counter = NgramCounter()
                seq = 0 if fresh else int(self.read_meta(gen).get("next_seq") or 0)
                seq = self._write_into(gen, items, report, procs, limitmb, batch, progress, on_outcome, counter, seq)
                if copied_from is not None and not (report.added or report.replaced or report.deleted):
                    # Nothing changed: the live generation stays, no copy is published.
                    shutil.rmtree(gen, ignore_errors=True)
                    gen = copied_from
                else:
                    write_model(gen, counter, fresh=fresh)
                    self._publish(gen, seq, copied_from)
                    _fsync_changed(gen, since=started)
                if gen != previous:
                    if fresh and not allow_shrink:
                        self._check_shrink(gen, reference)
                    self._swap(gen)
            except BaseException as exc:
                if gen is not None and gen != previous and self.current_dir() != gen:
                    shutil.rmtree(gen, ignore_errors=True)
                elif gen is not None:
                    _remove_orphans(gen)
                if isinstance(exc, OSError):
                    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
                    kept = "the previous index is intact" if previous is not None else "no index was created"
                    raise StorageError(
                        f"could not write the index at {self.root}: {reason}; {kept} "
                        "(everything up to the last commit is searchable)"
                    ) from exc
                raise
            if gen != previous:
                keep = {gen} | ({previous} if previous is not None else set())
                self._cleanup(keep)
        report.seconds = time.monotonic() - started
        return report

    def build(
        self,
        shards: int,
        write_shards: Callable[[Path], Iterable[ShardBuild]],
        *,
        lock_timeout: float = 30.0,
        allow_shrink: bool = False,
    ) -> WriteReport:
        """Rebuild the index as ``shards`` shards written by ``write_shards(gen)``
        -- e.g. one task per shard, each calling :func:`build_shard` -- and
        publish them as one generation (manifest, language model over every
        shard, checksums, ``current``) once every shard is written. A build
        that fails anywhere, or misses a shard, publishes nothing."""
        if shards < 2:
            raise BadRequest("a build split into shards needs at least 2 shards", param="shards")
        started = time.monotonic()
        with self.lock(lock_timeout):
            reference = self.current_dir() or gens.newest_good(self.root)
            gen = self._new_generation(shards)
            try:
                builds = sorted(write_shards(gen), key=lambda b: b.shard)
                if [b.shard for b in builds] != list(range(shards)):
                    raise IndexUnavailable(
                        f"the build wrote shards {[b.shard for b in builds]} of {shards}; nothing was published"
                    )
                counter = NgramCounter()
                for b in builds:
                    counter.update(b.counter)
                write_model(gen, counter, fresh=True)
                self._publish(gen, builds[0].next_seq)
                _fsync_changed(gen, since=started)
                if not allow_shrink:
                    self._check_shrink(gen, reference)
                self._swap(gen)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            self._cleanup({gen} | ({reference} if reference is not None else set()))
        report = builds[0].report
        report.seconds = time.monotonic() - started
        return report

    def _write_into(
        self,
        gen: Path,
        items: Iterable[Item],
        report: WriteReport,
        procs: int,
        limitmb: int,
        batch_size: int | None,
        progress: Callable[[int], None] | None,
        on_outcome: OutcomeCallback | None,
        counter: NgramCounter,
        seq: int,
        only: int | None = None,
    ) -> int:
        """Write ``items`` into ``gen``; documents are numbered in write order
        from ``seq`` (the generation's tie-break); returns the next number.
        ``only``: write (and count for the language model) the documents of
        that shard alone; the others keep their place in the write order."""
        ix = open_index(gen, check=False)
        tell: OutcomeCallback = on_outcome or (lambda _item, _outcome: None)
        others = OtherShards(only) if only is not None else None
        existing = open_lookup(ix, others)

        def owned(doc_id: str) -> bool:
            return only is None or ix.owner(doc_id) == only

        touched: dict[str, str] = {}  # id -> hash written in this run
        stubs: dict[str, Article] = {}
        writer: Any = None
        pending = 0
        seen = 0


        def commit() -> None:
            nonlocal writer, pending
            if writer is not None:
                if pending:
                    writer.commit()
                else:
                    writer.cancel()
                writer = None
                pending = 0
                existing.refresh(ix)

        try:
            for item in items:
                seen += 1
                if progress is not None and seen % 500 == 0:
                    progress(500)
                report.read.add(item)
                if isinstance(item, Problem):
                    continue
                if isinstance(item, Deletion):
                    if item.id in touched:
                        commit()
                        touched.pop(item.id, None)
                    stubs.pop(item.id, None)
                    if existing.has(item.id):
                        if writer is None:
                            writer = open_writer(ix, procs, limitmb, others)
                        writer.delete_by_term("id", item.id)
                        pending += 1
                        report.deleted += 1
                        tell(item, "deleted")
                    else:
                        tell(item, "missing")
                    continue
                if isinstance(item, Article) and item.stub:
                    if item.id not in touched:
                        stubs[item.id] = item  # written at the end unless a full version comes
                    continue
                stubs.pop(item.id, None)
                change = self._change(item, existing, touched, report)
                tell(item, "unchanged" if change is None else "replaced" if change[1] else "added")
                if change is not None:
                    h, replace = change
                    if item.id in touched:
                        commit()  # a second version of an id in one run: last one wins
                    if writer is None:
                        writer = open_writer(ix, procs, limitmb, others)
                    write_document(writer, item, h, replace, seq)
                    seq += 1
                    if owned(item.id):
                        count_document(counter, item)
                    touched[item.id] = h
                    pending += 1
                    if batch_size is not None and pending >= batch_size:
                        commit()
            for stub in stubs.values():
                if stub.id in touched or existing.is_full(stub.id):
                    report.unchanged += 1
                    tell(stub, "unchanged")
                    continue
                change = self._change(stub, existing, touched, report)
                tell(stub, "unchanged" if change is None else "replaced" if change[1] else "added")
                if change is not None:
                    h, replace = change
                    if writer is None:
                        writer = open_writer(ix, procs, limitmb, others)
                    write_document(writer, stub, h, replace, seq)
                    seq += 1
                    if owned(stub.id):
                        count_document(counter, stub)
                    touched[stub.id] = h
                    pending += 1
            commit()
        except BaseException:
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.cancel()
            raise
        finally:
            existing.close()
            if progress is not None:
                progress(seen % 500)
        return seq

    @staticmethod
    def _change(
        doc: Article | Listing,
        existing: Any,
        touched: dict[str, str],
        report: WriteReport,
    ) -> tuple[str, bool] | None:
        """Count the document as new, replaced or unchanged. When it must be
        written: its content hash, and whether it replaces a document."""
        new_hash = content_hash(doc)
        old = touched.get(doc.id) or existing.hash_of(doc.id)
        if old == new_hash:
            report.unchanged += 1
            return None
        if old is not None:
            report.replaced += 1
        else:
            report.added += 1
        if isinstance(doc, Article):
            report.articles += 1
        else:
            report.listings += 1
        return new_hash, old is not None

    def delete(self, ids: Iterable[str], *, lock_timeout: float = 30.0) -> int:
        """Delete documents by id (normalised as at indexing); returns how many existed."""
        report = self.write((Deletion(normalize_id(i)) for i in ids), lock_timeout=lock_timeout)
        return report.deleted

    # -- generations -------------------------------------------------------
    def generations(self, *, read: bool = False) -> list[GenerationInfo]:
        """Every generation on disk, newest first, verified (``read``: every document decoded)."""
        current = self.current_dir()
        return [gens.describe(g, current, read=read) for g in gens.generation_dirs(self.root)]

    def verify(self) -> list[GenerationInfo]:
        """Read every file of every generation; the live one first."""
        found = self.generations(read=True)
        return sorted(found, key=lambda g: not g.current)

    def rollback(self, name: str | None = None, *, lock_timeout: float = 30.0) -> tuple[Path | None, Path]:
        """Make an earlier generation live: ``name``, else the newest good one older
        than the live one (or, with the ``current`` link missing or broken, the
        newest good one). Returns (previous live generation, new live generation).
        Nothing is deleted."""
        with self.lock(lock_timeout):
            current = self.current_dir()
            if name is not None:
                target = self.root / name
                if not name.startswith("gen-") or "/" in name or not target.is_dir():
                    raise NotFound(f"no generation {name!r} in {self.root}; list them with `newssearch generations`")
                damage = gens.verify(target)
                if damage:
                    raise IndexDamaged(f"generation {name} is damaged ({'; '.join(damage[:3])}); choose another")
                if not gens.is_published(target):
                    raise IndexUnavailable(f"generation {name} was never published completely; choose another")
            else:
                found = gens.newest_good(self.root, exclude={current} if current else frozenset(),
                                         older_than=current)
                if found is None:
                    raise IndexUnavailable(
                        f"no earlier generation of {self.root} verifies; list them with `newssearch generations`"
                    )
                target = found
            self.check_version(target)
            self._swap(target)
        return current, target

    # -- stats -------------------------------------------------------------
    def shard_count(self) -> int:
        """How many shards the live generation has (1: one index, or none yet)."""
        gen = self.current_dir()
        return shard_count(gen) if gen is not None else 1

    def stats(self, gen: Path | None = None, *, check: bool = True) -> dict[str, Any]:
        """Document counts by type, fields, size on disk, last update, schema version
        (of the live generation, or of ``gen``). With ``check``, the files are
        compared with their checksums first (a server checks when it opens)."""
        gen = gen or self.current_dir()
        if gen is None:
            raise self.unavailable()
        try:
            damage = gens.verify(gen) if check else []
            if not damage:
                return self._stats(gen)
        except NewsSearchError:
            raise
        except Exception as exc:  # a damaged file: say which, and how to recover
            damage = gens.verify(gen) or [f"{type(exc).__name__}: {exc}"]
        raise IndexDamaged(
            f"the index at {self.root} ({gen.name}) is damaged: {'; '.join(damage[:3])}. "
            f"Run `newssearch verify --index-dir {self.root}`, then `newssearch rollback` "
            "to serve the previous good generation, or rebuild"
        ) from None

    def _stats(self, gen: Path) -> dict[str, Any]:
        ix = self.open(gen)
        meta = self.read_meta(gen)
        found = index_stats(ix)
        counts = found["by_type"]
        size = sum(p.stat().st_size for p in gen.rglob("*") if p.is_file())
        return {
            "index_dir": str(self.root),
            "generation": gen.name,
            "documents": found["documents"],
            "by_type": {"article": counts.get("article", 0), "listing": counts.get("listing", 0)},
            "segments": found["segments"],
            "size_bytes": size,
            "schema_version": meta.get("schema_version"),
            "created": meta.get("created"),
            "updated": meta.get("updated"),
            "fields": found["fields"],
            **({"shards": found["shards"]} if "shards" in found else {}),
        }


def open_servable(store: IndexStore) -> tuple[Path, Any, str | None]:
    """Open the live generation when it verifies, else the newest good earlier one.

    Returns (generation opened, Whoosh index, why an earlier one is served or
    None). A server keeps answering from the last good data instead of failing
    to start or crashing on a damaged file; with nothing good to serve it
    raises :class:`IndexDamaged` (HTTP 503) naming the damage and the fix.
    """
    live = store.current_dir()
    if live is None:
        raise store.unavailable()
    damage = gens.verify(live)
    if not damage:
        try:
            return live, store.open(live), None
        except IndexDamaged as exc:
            damage = [exc.message]
    fallback = gens.newest_good(store.root, exclude={live}, older_than=live) or gens.newest_good(
        store.root, exclude={live}
    )
    found = "; ".join(damage[:3])
    if fallback is None:
        raise IndexDamaged(
            f"the index at {store.root} is damaged ({live.name}: {found}) and no earlier generation "
            f"verifies; rebuild it with `newssearch index PATH... --rebuild --index-dir {store.root}`"
        )
    reason = (
        f"the live generation {live.name} is damaged ({found}); serving {fallback.name}. "
        f"Run `newssearch rollback --index-dir {store.root}` or rebuild"
    )
    _log.warning("%s", reason)
    return fallback, store.open(fallback), reason


def _remove_orphans(gen: Path) -> None:
    """Delete segment files the live TOC does not reference (left by a failed write,
    e.g. on a full disk), and Whoosh's temporary pool folder (in every shard)."""
    for folder in gens.index_dirs(gen):
        _remove_folder_orphans(folder)


def _remove_folder_orphans(gen: Path) -> None:
    live = live_segment_ids(gen)
    if live is None:
        return  # cannot tell what is live: delete nothing
    for path in gen.iterdir():
        name = path.name
        if path.is_dir() and name.endswith(".tmp"):
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith("MAIN_") and name != "MAIN_WRITELOCK" and name.split(".")[0] not in live:
            with contextlib.suppress(OSError):
                path.unlink()


def _fsync_changed(gen: Path, since: float) -> None:
    """Flush the files a write created or changed, and the folder, to the disk.

    Whoosh does not fsync: without this a commit (and a swapped-in
    generation) could be lost or half-written in a power cut after the
    writer has reported success. ``since`` is a ``time.monotonic()`` stamp.
    """
    cutoff = time.time() - (time.monotonic() - since) - 1.0  # a little slack for coarse mtimes
    folders = [gen, *(d for d in gens.index_dirs(gen) if d != gen)]
    for folder in folders:
        for path in folder.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime >= cutoff:
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            except FileNotFoundError:  # a segment merged away meanwhile
                continue
        _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def progress_bar(total: int | None = None) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A tqdm progress callback on a terminal, a no-op elsewhere."""
    if not sys.stderr.isatty():
        return (lambda _n: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, unit="doc", file=sys.stderr, smoothing=0.1)
    return bar.update, bar.close
