"""Build, update and keep the on-disk index safe.

Layout of an index folder (``index/`` by default)::

    index/
      current -> gen-20261129T101500-1234   symlink to the live generation
      gen-20261129T101500-1234/             a Whoosh index + newssearch.json
      .indexer.lock                         held by the one running indexer

* Incremental runs add, replace (by id) and delete inside the live
  generation; Whoosh commits are atomic (new segments, then a new TOC), so a
  crash leaves the last commit intact.
* ``rebuild`` writes a fresh generation beside the live one and swaps the
  ``current`` symlink with an atomic rename: readers never see a half-built
  index, and readers opened before the swap keep their files.
* One indexer at a time: an ``flock`` on ``.indexer.lock`` (released by the
  kernel when a process dies, so a killed indexer leaves no stale lock).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import LockError

from .documents import Article, Listing
from .errors import IndexLocked, IndexUnavailable, SchemaMismatch, StorageError
from .ingest import Deletion, IngestSummary, Problem
from .langmodel import NgramCounter, count_document, write_model
from .schema import SCHEMA_VERSION, build_schema, to_fields
from .whoosh_fixes import install as _install_whoosh_fixes

_install_whoosh_fixes()

META_FILE = "newssearch.json"
CURRENT = "current"
LOCK_FILE = ".indexer.lock"

Item = Article | Listing | Deletion | Problem


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

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

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
    def open(self) -> Any:
        """Open the live Whoosh index for reading; checks the schema version."""
        gen = self.current_dir()
        if gen is None:
            raise IndexUnavailable(
                f"no index at {self.root}: build one with `newssearch index PATH` "
                "(or `newssearch demo` for the sample data)",
                status=503,
            )
        self.check_version(gen)
        try:
            return whoosh_index.open_dir(str(gen))
        except Exception as exc:  # whoosh raises several unrelated types here
            raise IndexUnavailable(f"cannot open the index at {gen}: {exc}") from exc

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
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexLocked(
                            f"another indexer is writing to {self.root} "
                            f"(waited {timeout:g}s); try again when it has finished"
                        ) from None
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- writing -----------------------------------------------------------
    def _new_generation(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        gen = self.root / f"gen-{stamp}-{os.getpid()}"
        gen.mkdir(parents=True)
        whoosh_index.create_in(str(gen), build_schema())
        self._write_meta(gen, schema_version=SCHEMA_VERSION, created=_now(), updated=_now())
        return gen

    def _swap(self, gen: Path) -> None:
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.current_link)
        _fsync_dir(self.root)

    def _cleanup(self, keep: set[Path]) -> None:
        """Remove generations other than ``keep`` (the live one and the previous one)."""
        for child in self.root.glob("gen-*"):
            if child.is_dir() and child not in keep:
                shutil.rmtree(child, ignore_errors=True)

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
    ) -> WriteReport:
        """Add or replace documents by id, apply deletions, skip and report problems.

        Re-running the same input changes nothing (unchanged documents are
        detected by content hash). With ``rebuild`` a new generation is
        built and swapped in atomically when complete.
        """
        report = WriteReport(rebuilt=rebuild)
        started = time.monotonic()
        with self.lock(lock_timeout):
            previous = self.current_dir()
            if previous is not None and not rebuild:
                self.check_version(previous)
            gen: Path | None = None
            try:
                gen = self._new_generation() if rebuild or previous is None else previous
                # A rebuild commits once: its generation is thrown away if the run
                # fails, and every intermediate commit of a multiprocessing writer
                # left ~300 MB in the parent (measured: 0.08 → 1.1 GB over 6 commits).
                batch = None if gen != previous else batch_size
                counter = NgramCounter()
                self._write_into(gen, items, report, procs, limitmb, batch, progress, counter)
                self._write_meta(gen, updated=_now())
                write_model(gen, counter, fresh=gen != previous)
                if gen != previous:
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

    def _write_into(
        self,
        gen: Path,
        items: Iterable[Item],
        report: WriteReport,
        procs: int,
        limitmb: int,
        batch_size: int | None,
        progress: Callable[[int], None] | None,
        counter: NgramCounter,
    ) -> None:
        ix = whoosh_index.open_dir(str(gen))
        existing = _ExistingIds(ix)
        touched: dict[str, str] = {}  # id -> hash written in this run
        stubs: dict[str, Article] = {}
        writer: Any = None
        pending = 0
        seen = 0

        def open_writer() -> Any:
            try:
                if procs > 1:
                    return ix.writer(procs=procs, limitmb=limitmb, multisegment=True)
                return ix.writer(limitmb=limitmb)
            except LockError as exc:  # pragma: no cover - our flock makes this rare
                raise IndexLocked(f"the index at {gen} is locked by another writer") from exc

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
                            writer = open_writer()
                        writer.delete_by_term("id", item.id)
                        pending += 1
                        report.deleted += 1
                    continue
                if isinstance(item, Article) and item.stub:
                    if item.id not in touched:
                        stubs[item.id] = item  # written at the end unless a full version comes
                    continue
                stubs.pop(item.id, None)
                change = self._change(item, existing, touched, report)
                if change is not None:
                    h, replace = change
                    if item.id in touched:
                        commit()  # a second version of an id in one run: last one wins
                    if writer is None:
                        writer = open_writer()
                    _put(writer, item, h, replace)
                    count_document(counter, item)
                    touched[item.id] = h
                    pending += 1
                    if batch_size is not None and pending >= batch_size:
                        commit()
            for stub in stubs.values():
                if stub.id in touched or existing.is_full(stub.id):
                    report.unchanged += 1
                    continue
                change = self._change(stub, existing, touched, report)
                if change is not None:
                    h, replace = change
                    if writer is None:
                        writer = open_writer()
                    _put(writer, stub, h, replace)
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

    @staticmethod
    def _change(
        doc: Article | Listing,
        existing: _ExistingIds,
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
        """Delete documents by id; returns how many existed."""
        report = self.write((Deletion(i) for i in ids), lock_timeout=lock_timeout)
        return report.deleted

    # -- stats -------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Document counts by type, fields, size on disk, last update, schema version."""
        ix = self.open()
        gen = self.current_dir()
        assert gen is not None
        meta = self.read_meta(gen)
        with ix.searcher() as s:
            counts: dict[str, int] = {}
            if s.doc_count_all():  # an empty index has no columns
                col = s.reader().column_reader("type")
                for docnum in s.reader().all_doc_ids():
                    t = col[docnum]
                    key = t.decode() if isinstance(t, bytes) else str(t)
                    counts[key] = counts.get(key, 0) + 1
            total = s.doc_count()
            segments = len(s.reader().leaf_readers())
        size = sum(p.stat().st_size for p in gen.iterdir() if p.is_file())
        return {
            "index_dir": str(self.root),
            "generation": gen.name,
            "documents": total,
            "by_type": {"article": counts.get("article", 0), "listing": counts.get("listing", 0)},
            "segments": segments,
            "size_bytes": size,
            "schema_version": meta.get("schema_version"),
            "created": meta.get("created"),
            "updated": meta.get("updated"),
            "fields": sorted(ix.schema.names()),
        }


class _ExistingIds:
    """Looks up whether an id is in the committed index and its content hash."""

    def __init__(self, ix: Any) -> None:
        self._searcher = ix.searcher()
        self._hashes = _hash_column(self._searcher)

    def refresh(self, ix: Any) -> None:
        self._searcher.close()
        self._searcher = ix.searcher()
        self._hashes = _hash_column(self._searcher)

    def close(self) -> None:
        self._searcher.close()

    def _docnum(self, doc_id: str) -> int | None:
        try:
            n: int | None = self._searcher.document_number(id=doc_id)
        except UnicodeEncodeError:  # a lone surrogate cannot be an indexed id
            return None
        return n

    def has(self, doc_id: str) -> bool:
        return self._docnum(doc_id) is not None

    def hash_of(self, doc_id: str) -> str | None:
        n = self._docnum(doc_id)
        if n is None:
            return None
        return self._hashes(n)

    def is_full(self, doc_id: str) -> bool:
        h = self.hash_of(doc_id)
        return h is not None and not h.startswith("s:")


def _put(writer: Any, doc: Article | Listing, h: str, replace: bool) -> None:
    """Write one document: a plain add for a new id (no delete-by-term lookup),
    an update for an id the index has (committed, or written earlier in this run
    and committed before this version)."""
    if replace:
        writer.update_document(**to_fields(doc), chash=h.encode())
    else:
        writer.add_document(**to_fields(doc), chash=h.encode())


def _hash_column(searcher: Any) -> Callable[[int], str | None]:
    if searcher.doc_count_all() == 0:
        return lambda _docnum: None
    column = searcher.reader().column_reader("chash")

    def lookup(docnum: int) -> str | None:
        value = column[docnum]
        text = value.decode() if isinstance(value, bytes) else str(value)
        return text or None

    return lookup


def _remove_orphans(gen: Path) -> None:
    """Delete segment files the live TOC does not reference (left by a failed write,
    e.g. on a full disk), and Whoosh's temporary pool folder."""
    try:
        ix = whoosh_index.open_dir(str(gen))
        live = {seg.segment_id() for seg in ix._segments()}
    except Exception:
        return  # cannot tell what is live: delete nothing
    for path in gen.iterdir():
        name = path.name
        if path.is_dir() and name.endswith(".tmp"):
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith("MAIN_") and name != "MAIN_WRITELOCK" and name.split(".")[0] not in live:
            with contextlib.suppress(OSError):
                path.unlink()


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
