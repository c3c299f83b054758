"""Generations of an index folder: checksums, verification, listing, relinking.

Each generation is a complete Whoosh index in its own ``gen-*`` folder; the
``current`` symlink names the live one. This module knows what makes a
generation *complete* and *intact*:

* At publish the indexer writes :data:`CHECKSUMS_FILE`: the size and BLAKE2b
  digest of every file of the generation. Whoosh never rewrites a file (a
  commit adds segment files and a new TOC, a merge deletes old ones), so an
  entry whose file still exists must still match, and a missing file is
  damage only when the live TOC still lists it.
* A generation without the file was never published (a rebuild that was
  interrupted) or was built by an older newssearch: it is listed but never
  chosen automatically.
* :func:`verify` compares every byte with the checksums and can also decode
  every stored document; :func:`newest_good` is what ``rollback`` and a
  server facing a damaged generation fall back to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from whoosh import index as whoosh_index

META_FILE = "newssearch.json"
CURRENT = "current"
#: Sizes and digests of a generation's files, written when it is published.
CHECKSUMS_FILE = "checksums.json"
#: The folder of a sharded generation that holds its shards (see ``store.shards``).
SHARDS_DIR = "shards"
#: Files of a generation that change in place or carry no index data.
UNCHECKED_FILES = frozenset({META_FILE, CHECKSUMS_FILE, "MAIN_WRITELOCK"})
#: Files of a generation that an incremental run rewrites in place (the
#: language model of query repair; a sharded generation's manifest): hashed again at every publish.
REWRITTEN_FILES = frozenset({"langmodel.npz", "shards.json"})
#: Generation folders kept on disk after a rebuild (the live one included),
#: so ``newssearch rollback`` has somewhere to go. ``NEWSSEARCH_KEEP_GENERATIONS``.
KEEP_GENERATIONS = 3
#: A rebuild with fewer documents than this share of the live index is not
#: published unless the caller allows it (``--allow-shrink``): an input folder
#: that is empty, half-copied or all broken must not replace a good index.
MIN_REBUILD_RATIO = 0.5

LinkState = Literal["ok", "none", "missing", "broken"]
Status = Literal["verified", "damaged", "unverified"]


def now() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def generation_dirs(root: Path) -> list[Path]:
    """Every ``gen-*`` folder of ``root``, newest first (names sort by creation time)."""
    try:
        found = [p for p in root.glob("gen-*") if p.is_dir()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def link_state(root: Path) -> LinkState:
    """``ok``; ``none`` (nothing built yet); ``missing`` (generations but no
    ``current``); ``broken`` (``current`` names no generation folder)."""
    link = root / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return "missing" if generation_dirs(root) else "none"
    except OSError:  # "current" is not a symlink
        return "broken"
    return "ok" if (root / target).is_dir() else "broken"


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; ``{}`` when missing or unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically and durably (temporary file, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def file_digest(path: Path) -> str:
    """BLAKE2b (128-bit) of a file's bytes, read in 1 MB blocks."""
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def index_dirs(gen: Path) -> list[Path]:
    """The Whoosh index folders of ``gen``: its shards, or ``gen`` itself."""
    shards = gen / SHARDS_DIR
    if shards.is_dir():
        return sorted((p for p in shards.iterdir() if p.is_dir()), key=lambda p: p.name)
    return [gen]


def _data_files(gen: Path) -> Iterator[Path]:
    for folder in [gen, *(d for d in index_dirs(gen) if d != gen)]:
        for p in folder.iterdir():
            if p.is_file() and p.name not in UNCHECKED_FILES and not p.name.endswith(".tmp"):
                yield p


def write_checksums(gen: Path, previous: Path | None = None) -> dict[str, list[Any]]:
    """Record the size and digest of every file of ``gen`` (at publish).

    Entries of files already recorded with the same size are kept as they
    were: Whoosh files are immutable, so the old digest is the right one, and
    only files new since the last publish are read (and those of
    :data:`REWRITTEN_FILES`, which change in place). ``previous``: the
    generation ``gen`` was copied from, whose entries are reused the same way.
    Files in shards are named by their path in the generation (``shards/0/...``).
    """
    old = read_json((previous or gen) / CHECKSUMS_FILE).get("files", {})
    files: dict[str, list[Any]] = {}
    for p in sorted(_data_files(gen)):
        name = p.relative_to(gen).as_posix()
        size = p.stat().st_size
        entry = old.get(name)
        same = entry and entry[0] == size and p.name not in REWRITTEN_FILES
        files[name] = entry if same else [size, file_digest(p)]
    write_json(gen / CHECKSUMS_FILE, {"algorithm": "blake2b-128", "written": now(), "files": files})
    return files


def live_files(gen: Path) -> set[str] | None:
    """Names of the files the latest TOC of ``gen`` (of each of its shards) uses,
    as paths in ``gen``; ``None`` when one cannot be read."""
    found: set[str] = set()
    for folder in index_dirs(gen):
        try:
            ix = whoosh_index.open_dir(str(folder))
            ids = {seg.segment_id() for seg in ix._segments()}
            toc = folder / f"_MAIN_{ix.latest_generation()}.toc"
        except Exception:  # Whoosh raises many unrelated types for a damaged TOC
            return None
        found |= {p.relative_to(gen).as_posix() for p in folder.iterdir() if p.name.split(".")[0] in ids}
        found.add(toc.relative_to(gen).as_posix())
    return found


def verify(gen: Path, *, read: bool = False) -> list[str]:
    """What is wrong with generation ``gen`` (an empty list when it is intact).

    Compares every file with the checksums written at publish; with ``read``
    also opens the index and decodes every stored document. A generation
    without checksums is only read.
    """
    problems: list[str] = []
    if not (gen / META_FILE).is_file():
        problems.append(f"{META_FILE} is missing")
    recorded = read_json(gen / CHECKSUMS_FILE).get("files")
    if isinstance(recorded, dict):
        live = live_files(gen)
        if live is None:
            problems.append("the table of contents (_MAIN_*.toc) cannot be read")
        for name, (size, digest) in sorted(recorded.items()):
            path = gen / name
            try:
                st = path.stat()
                actual = st.st_size
            except FileNotFoundError:
                if live is None or name in live or not path.parent.is_dir():  # a whole shard gone
                    problems.append(f"{name} is missing")
                continue
            except OSError as exc:
                problems.append(f"{name} cannot be read: {exc.strerror or exc}")
                continue
            if actual != size:
                problems.append(f"{name} has {actual:,} bytes, {size:,} were written (truncated or overwritten)")
                continue
            try:
                if _verified_digest(path, st) != digest:
                    problems.append(f"{name} does not match its checksum (changed bytes)")
            except OSError as exc:
                problems.append(f"{name} cannot be read: {exc.strerror or exc}")
    if read and not problems:
        problems.extend(_read_everything(gen))
    return problems


#: Digests this process computed, by file identity: the generations of a
#: sharded index share their unchanged files (hard links), and a server
#: opening the next generation need not read those bytes again.
_DIGESTS: dict[tuple[int, int, int, int], str] = {}


def _verified_digest(path: Path, st: os.stat_result) -> str:
    """The digest of ``path``, read once per file identity (device, inode, size, mtime)."""
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = file_digest(path)
        if len(_DIGESTS) > 100_000:
            _DIGESTS.clear()
        _DIGESTS[key] = digest
    return digest


def _read_everything(gen: Path) -> list[str]:
    """Open the index (each shard) and decode every stored document."""
    count = 0
    for folder in index_dirs(gen):
        try:
            ix = whoosh_index.open_dir(str(folder))
            with ix.searcher() as s:
                reader = s.reader()
                for docnum in reader.all_doc_ids():
                    reader.stored_fields(docnum)
                count += s.doc_count()
        except Exception as exc:  # any failure to read is the finding itself
            where = "the index" if folder == gen else f"shard {folder.name}"
            return [f"{where} cannot be read: {type(exc).__name__}: {exc}"]
    expected = read_json(gen / META_FILE).get("documents")
    if isinstance(expected, int) and expected != count and not (gen / CHECKSUMS_FILE).is_file():
        return [f"the index has {count} documents, {expected} were published"]
    return []


def is_published(gen: Path) -> bool:
    """True when ``gen`` was published completely (it has its checksums)."""
    return (gen / CHECKSUMS_FILE).is_file()


def document_count(gen: Path) -> int | None:
    """The number of documents recorded at publish, else counted; ``None`` if unreadable."""
    n = read_json(gen / META_FILE).get("documents")
    if isinstance(n, int):
        return n
    try:
        return sum(int(whoosh_index.open_dir(str(folder)).doc_count()) for folder in index_dirs(gen))
    except Exception:  # unreadable: the caller decides what that means
        return None


@dataclass
class GenerationInfo:
    """One generation as ``newssearch generations`` lists it."""

    name: str
    path: Path
    documents: int | None
    created: str | None
    current: bool
    status: Status
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the server path)."""
        return {
            "name": self.name,
            "documents": self.documents,
            "created": self.created,
            "current": self.current,
            "status": self.status,
            "problems": self.problems,
        }


def describe(gen: Path, current: Path | None, *, read: bool = False) -> GenerationInfo:
    """Verify ``gen`` and describe it."""
    problems = verify(gen, read=read)
    status: Status = "damaged" if problems else "verified" if is_published(gen) else "unverified"
    if not problems and not is_published(gen):
        problems = ["not published: an interrupted rebuild, or built before checksums were written"]
    meta = read_json(gen / META_FILE)
    return GenerationInfo(
        name=gen.name,
        path=gen,
        documents=document_count(gen) if status != "damaged" else meta.get("documents"),
        created=meta.get("created"),
        current=current is not None and gen.name == current.name,
        status=status,
        problems=problems,
    )


def newest_good(root: Path, *, exclude: set[Path] | frozenset[Path] = frozenset(),
                older_than: Path | None = None) -> Path | None:
    """The newest published generation that verifies, skipping ``exclude``
    (and, with ``older_than``, any generation not older than it)."""
    for gen in generation_dirs(root):
        if gen in exclude or (older_than is not None and gen.name >= older_than.name):
            continue
        if is_published(gen) and not verify(gen):
            return gen
    return None


def swap_current(root: Path, gen: Path) -> None:
    """Point ``current`` at ``gen`` with an atomic rename, durably."""
    tmp = root / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(gen.name, tmp)
    os.replace(tmp, root / CURRENT)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
