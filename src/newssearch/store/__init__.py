"""The index store: the one package that imports Whoosh and knows its internals.

Outside this package newssearch reads an index through
:class:`~newssearch.store.interface.IndexSnapshot` and writes one through
:func:`open_writer`. Inside it:

* ``schema``: the Whoosh schema, :data:`SCHEMA_VERSION`, documents to fields;
* ``analysis``: Whoosh analyzers over :mod:`newssearch.vietnamese` (pickled
  into the index, so their import paths are part of the format);
* ``codec``: the project's codec (postings file, mapped segments, fast formats);
* ``postings``: the postings file written beside each segment;
* ``perdoc``: the per-document file (lengths, columns, stored documents) beside it;
* ``pool``: the term-grouped indexing pool;
* ``writer``: segment writers with that pool and codec;
* ``columns``: columns read in bulk into NumPy arrays;
* ``snapshot``: :class:`WhooshSnapshot`, the read side;
* ``shards``: a generation split into shards (placement, manifest, writing);
* ``sharded``: :class:`ShardedSnapshot`, several snapshots read as one.

Nothing here patches Whoosh: the codec and the writers are subclasses that
the store passes in explicitly (see ``codec``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from ..errors import IndexDamaged
from .columns import ColumnCache, Columns, Vocabulary
from .interface import EMPTY_POSTINGS, IndexSnapshot, Postings
from .schema import (
    KEYWORD_COLUMNS,
    NUMERIC_COLUMNS,
    ORDER_COLUMN,
    SCHEMA_VERSION,
    TEXT_FIELDS,
    build_schema,
    to_fields,
)
from .sharded import ShardedSnapshot, ShardView
from .shards import (
    OtherShards,
    ShardedWriter,
    ShardSet,
    create_shards,
    is_sharded,
    open_shard,
    shard_of,
)
from .snapshot import WhooshSnapshot
from .writer import open_writer as _open_one_writer

__all__ = [
    "EMPTY_POSTINGS",
    "KEYWORD_COLUMNS",
    "NUMERIC_COLUMNS",
    "ORDER_COLUMN",
    "SCHEMA_VERSION",
    "TEXT_FIELDS",
    "ColumnCache",
    "Columns",
    "IndexSnapshot",
    "Postings",
    "ShardSet",
    "ShardView",
    "ShardedSnapshot",
    "Vocabulary",
    "WhooshSnapshot",
    "build_schema",
    "create_index",
    "open_index",
    "open_shard",
    "open_snapshot",
    "open_writer",
    "shard_of",
    "to_fields",
]


def create_index(folder: Path, shards: int = 1) -> Any:
    """A new, empty index in ``folder`` (which exists): one Whoosh index, or
    ``shards`` of them in ``folder/shards`` (see :mod:`.shards`)."""
    if shards > 1:
        create_shards(folder, shards)
        return ShardSet.open(folder, check=False)
    return whoosh_index.create_in(str(folder), build_schema())


def open_index(folder: Path, *, check: bool = True) -> Any:
    """The index in ``folder``, for writing or for :func:`open_snapshot`: a
    Whoosh index, or the :class:`ShardSet` of a sharded generation (``check``:
    each shard must be the commit its manifest publishes)."""
    if is_sharded(folder):
        return ShardSet.open(folder, check=check)
    return whoosh_index.open_dir(str(folder))


def open_writer(ix: Any, procs: int = 1, limitmb: int = 128, others: OtherShards | None = None) -> Any:
    """A writer over ``ix``: ``procs`` processes each with a ``limitmb`` pool
    (per shard of a :class:`ShardSet`; with ``others``, shard ``others.mine`` alone)."""
    if isinstance(ix, ShardSet):
        return ShardedWriter(ix, lambda one: _open_one_writer(one, procs, limitmb), others)
    return _open_one_writer(ix, procs, limitmb)


def open_snapshot(
    ix: Any, columns: ColumnCache | None = None, shard: int | None = None
) -> WhooshSnapshot | ShardedSnapshot | ShardView:
    """The latest commit of ``ix`` (of every shard of a :class:`ShardSet`);
    ``columns`` carries column arrays over from an earlier snapshot of the
    same index (for shards: its dictionary is the one keyword codes use).
    ``shard``: of a sharded index, that shard alone with the whole index's
    statistics (:class:`ShardView`, what one shard's server reads)."""
    columns = columns or ColumnCache()
    if isinstance(ix, ShardSet):
        if shard is not None:
            return _shard_view(ix, shard, columns)
        return _sharded_snapshot(ix, columns)
    if shard not in (None, 0):
        raise IndexDamaged(f"this index is not sharded: there is no shard {shard}")
    return WhooshSnapshot(ix, columns)


def _sharded_snapshot(shards: ShardSet, columns: ColumnCache) -> ShardedSnapshot:
    """Every shard's latest commit read as one; reopening checks the manifest again."""
    return ShardedSnapshot(
        [WhooshSnapshot(one, ColumnCache()) for one in shards.indexes],
        columns.vocab,
        owner=shards.owner,
        reopen=lambda: _sharded_snapshot(ShardSet.open(shards.gen), columns),
    )


def _shard_view(shards: ShardSet, shard: int, columns: ColumnCache) -> ShardView:
    """Shard ``shard`` with every shard's statistics; reopening checks the manifest again."""
    if not 0 <= shard < len(shards.indexes):
        raise IndexDamaged(f"{shards.gen.name} has {len(shards.indexes)} shards, there is no shard {shard}")
    return ShardView(
        [WhooshSnapshot(one, columns if i == shard else ColumnCache()) for i, one in enumerate(shards.indexes)],
        shard,
        reopen=lambda: _shard_view(ShardSet.open(shards.gen), shard, columns),
    )
