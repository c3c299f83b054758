"""A generation split into shards: placement, the manifest, opening and writing.

A sharded generation holds N complete Whoosh indexes and one manifest::

    gen-20261205T101500-1234/
      newssearch.json     meta of the whole generation ("shards": N)
      langmodel.npz       the language model, over every document
      shards.json         the manifest (written last, atomically)
      checksums.json      every file, shard files included ("shards/0/...")
      shards/0 ... N-1    one Whoosh index each

A document lives in shard :func:`shard_of` (BLAKE2b of its id, mod N: the
same on every machine and every run, unlike Python's salted ``hash``). The
manifest records each shard's commit (its TOC generation and segment ids);
a reader opens a generation only when every shard is the one the manifest
names, so it never combines shards of two builds or two commits. A
published sharded generation is never written again: an incremental write
copies it (hard links: Whoosh files never change) into a new generation and
publishes that through ``current``, so readers switch all shards together.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from ..errors import IndexDamaged, SchemaMismatch
from .generations import META_FILE, SHARDS_DIR, read_json, write_json
from .schema import SCHEMA_VERSION, build_schema

#: The manifest of a sharded generation.
MANIFEST_FILE = "shards.json"
#: Version of the manifest's format.
MANIFEST_FORMAT = 1
#: How documents are placed, as the manifest states it.
PLACEMENT = "blake2b-64(id, utf-8) mod shards"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard that holds ``doc_id`` (as indexed, i.e. normalised) among ``shards``."""
    if shards <= 1:
        return 0
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_dir(gen: Path, shard: int) -> Path:
    """The folder of shard ``shard`` of generation ``gen``."""
    return gen / SHARDS_DIR / str(shard)


def is_sharded(gen: Path) -> bool:
    """True when ``gen`` is a sharded generation (it has a ``shards`` folder)."""
    return (gen / SHARDS_DIR).is_dir()


def shard_count(gen: Path) -> int:
    """How many shards ``gen`` was created with (1 for a single index)."""
    n = read_json(gen / META_FILE).get("shards")
    return n if isinstance(n, int) and n > 1 else 1


def create_shards(gen: Path, shards: int) -> None:
    """Create ``shards`` empty shard indexes in the (existing) generation folder ``gen``."""
    schema = build_schema()
    for i in range(shards):
        folder = shard_dir(gen, i)
        folder.mkdir(parents=True)
        whoosh_index.create_in(str(folder), schema)


def shard_state(ix: Any) -> dict[str, Any]:
    """What the manifest records of one shard's latest commit."""
    return {
        "toc": int(ix.latest_generation()),
        "segments": sorted(seg.segment_id() for seg in ix._segments()),
        "documents": int(ix.doc_count()),
    }


def write_manifest(gen: Path) -> dict[str, Any]:
    """Record every shard's latest commit in the manifest of ``gen`` (atomically,
    after everything else of the generation is written); returns the manifest."""
    shards = ShardSet.open(gen, check=False)
    manifest = {
        "format": MANIFEST_FORMAT,
        "generation": gen.name,
        "shards": len(shards.indexes),
        "placement": PLACEMENT,
        "schema_version": SCHEMA_VERSION,
        "documents": shards.doc_count(),
        "shard_states": [shard_state(ix) for ix in shards.indexes],
    }
    write_json(gen / MANIFEST_FILE, manifest)
    return manifest


def read_manifest(gen: Path) -> dict[str, Any]:
    """The manifest of ``gen``, checked for form; :class:`IndexDamaged` when it
    is missing, unreadable or of another format or schema."""
    path = gen / MANIFEST_FILE
    manifest = read_json(path)
    if not manifest:
        raise IndexDamaged(
            f"the sharded generation {gen.name} has no readable manifest ({MANIFEST_FILE}): "
            "an interrupted build or a damaged generation"
        )
    if manifest.get("format") != MANIFEST_FORMAT:
        raise IndexDamaged(
            f"the manifest of {gen.name} has format {manifest.get('format')!r}, this newssearch reads {MANIFEST_FORMAT}"
        )
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the shards of {gen.name} were built with schema version {manifest.get('schema_version')}, "
            f"this newssearch uses version {SCHEMA_VERSION}: rebuild the index with `newssearch index --rebuild`",
            status=503,
        )
    states = manifest.get("shard_states")
    n = manifest.get("shards")
    if not isinstance(n, int) or n < 2 or not isinstance(states, list) or len(states) != n:
        raise IndexDamaged(f"the manifest of {gen.name} does not list its shards consistently")
    if manifest.get("placement") != PLACEMENT:
        raise IndexDamaged(f"the manifest of {gen.name} places documents by {manifest.get('placement')!r}, "
                           f"this newssearch by {PLACEMENT!r}")
    return manifest


def _open_checked(gen: Path, shard: int, manifest: dict[str, Any]) -> Any:
    """Shard ``shard`` of ``gen``, opened and compared with the manifest."""
    folder = shard_dir(gen, shard)
    if not folder.is_dir():
        raise IndexDamaged(f"shard {shard} of {gen.name} is missing ({SHARDS_DIR}/{shard})")
    try:
        ix = whoosh_index.open_dir(str(folder))
        state = shard_state(ix)
    except Exception as exc:  # Whoosh raises many unrelated types for damaged files
        raise IndexDamaged(f"shard {shard} of {gen.name} cannot be opened: {type(exc).__name__}: {exc}") from exc
    wanted = manifest["shard_states"][shard]
    if state["toc"] != wanted.get("toc") or state["segments"] != wanted.get("segments"):
        raise IndexDamaged(
            f"shard {shard} of {gen.name} is not the one its manifest publishes "
            f"(commit {state['toc']}, the manifest names {wanted.get('toc')}): a shard of another "
            "generation or build"
        )
    return ix


class ShardSet:
    """The Whoosh indexes of a sharded generation, in shard order."""

    def __init__(self, gen: Path, indexes: Sequence[Any]) -> None:
        self.gen = gen
        self.indexes = list(indexes)

    @classmethod
    def open(cls, gen: Path, *, check: bool = True) -> ShardSet:
        """Every shard of ``gen``. With ``check`` (reading) each must be the commit
        the manifest publishes, and as many as it lists: :class:`IndexDamaged`
        otherwise. Without (the indexer writing a generation it has not
        published yet) the shards are opened as they are."""
        if not check:
            return cls(gen, [whoosh_index.open_dir(str(shard_dir(gen, i))) for i in range(shard_count(gen))])
        manifest = read_manifest(gen)
        n = manifest["shards"]
        found = sorted(p.name for p in (gen / SHARDS_DIR).iterdir() if p.is_dir()) if is_sharded(gen) else []
        expected = sorted(str(i) for i in range(n))
        if found != expected:
            raise IndexDamaged(
                f"{gen.name} has shard folders {found or 'none'}, its manifest lists {n} shards (0-{n - 1}): "
                "a shard is missing or belongs to another layout"
            )
        if shard_count(gen) != n:
            raise IndexDamaged(f"{gen.name} was created with {shard_count(gen)} shards, its manifest lists {n}")
        return cls(gen, [_open_checked(gen, i, manifest) for i in range(n)])

    def owner(self, doc_id: str) -> int:
        """The shard that holds ``doc_id``."""
        return shard_of(doc_id, len(self.indexes))

    def doc_count(self) -> int:
        """Live documents over every shard."""
        return sum(int(ix.doc_count()) for ix in self.indexes)


def open_shard(gen: Path, shard: int) -> Any:
    """Shard ``shard`` of the published generation ``gen`` by itself (a Whoosh
    index for :func:`newssearch.store.open_snapshot`), checked against the manifest."""
    manifest = read_manifest(gen)
    if not 0 <= shard < manifest["shards"]:
        raise IndexDamaged(f"{gen.name} has {manifest['shards']} shards, there is no shard {shard}")
    return _open_checked(gen, shard, manifest)


class OtherShards:
    """The shards a build task does not write (it writes shard ``mine``), as the
    task sees them: the content hashes the input wrote there, committed or
    not. The task reads the whole input and decides every document (new,
    replaced, unchanged) as one process writing every shard would, so each
    document gets the same place in the write order; only its own shard's
    documents are analysed and written. The real shards of the others (being
    written by other tasks at the same time) are never read."""

    def __init__(self, mine: int) -> None:
        self.mine = mine
        self._committed: dict[str, str] = {}
        self._pending: dict[str, str | None] = {}

    def wrote(self, doc_id: str, content_hash: str | None) -> None:
        """A write (``None``: a deletion) to another shard, visible at :meth:`commit`."""
        self._pending[doc_id] = content_hash

    def commit(self) -> None:
        for doc_id, h in self._pending.items():
            if h is None:
                self._committed.pop(doc_id, None)
            else:
                self._committed[doc_id] = h
        self._pending.clear()

    def cancel(self) -> None:
        self._pending.clear()

    def hash_of(self, doc_id: str) -> str | None:
        """The committed content hash of ``doc_id`` in another shard, or None."""
        return self._committed.get(doc_id)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class ShardedWriter:
    """One writer per shard, opened when a document of that shard comes, each
    write sent to the shard that owns the id. With ``others`` this writer
    writes shard ``others.mine`` alone (a build split into tasks) and notes
    the writes of the other shards there instead."""

    def __init__(self, shards: ShardSet, open_one: Callable[[Any], Any], others: OtherShards | None = None) -> None:
        self._shards = shards
        self._open_one = open_one
        self._others = others
        self._writers: dict[int, Any] = {}

    def _writer(self, doc_id: str) -> Any:
        i = self._shards.owner(doc_id)
        if self._others is not None and i != self._others.mine:
            return None
        w = self._writers.get(i)
        if w is None:
            w = self._writers[i] = self._open_one(self._shards.indexes[i])
        return w

    def add_document(self, **fields: Any) -> None:
        """Add a document to the shard that owns its id."""
        w = self._writer(fields["id"])
        if w is not None:
            w.add_document(**fields)
        elif self._others is not None:
            self._others.wrote(fields["id"], _text(fields.get("chash", b"")))

    def update_document(self, **fields: Any) -> None:
        """Replace a document in the shard that owns its id."""
        w = self._writer(fields["id"])
        if w is not None:
            w.update_document(**fields)
        elif self._others is not None:
            self._others.wrote(fields["id"], _text(fields.get("chash", b"")))

    def delete_by_term(self, fieldname: str, text: str) -> None:
        """Delete by id in the shard that owns it."""
        w = self._writer(text)
        if w is not None:
            w.delete_by_term(fieldname, text)
        elif self._others is not None:
            self._others.wrote(text, None)

    def commit(self) -> None:
        """Commit every shard written to (the generation is published afterwards, as one)."""
        for w in self._writers.values():
            w.commit()
        self._writers.clear()
        if self._others is not None:
            self._others.commit()

    def cancel(self) -> None:
        """Throw away what was not committed."""
        for w in self._writers.values():
            with contextlib.suppress(Exception):
                w.cancel()
        self._writers.clear()
        if self._others is not None:
            self._others.cancel()


def copy_generation(source: Path, target: Path) -> None:
    """Copy the sharded generation ``source`` into the new folder ``target``:
    Whoosh files as hard links (they never change once written), so an
    incremental write builds the next generation without touching the one
    readers have open. Falls back to copying where links are not possible."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(
        source, target, copy_function=link, dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("MAIN_WRITELOCK", "*.tmp"),
    )
