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
* ``snapshot``: :class:`WhooshSnapshot`, the read side.

Nothing here patches Whoosh: the codec and the writers are subclasses that
the store passes in explicitly (see ``codec``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from .columns import ColumnCache, Columns, Vocabulary
from .interface import EMPTY_POSTINGS, IndexSnapshot, Postings
from .schema import (
    KEYWORD_COLUMNS,
    NUMERIC_COLUMNS,
    SCHEMA_VERSION,
    TEXT_FIELDS,
    build_schema,
    to_fields,
)
from .snapshot import WhooshSnapshot
from .writer import open_writer

__all__ = [
    "EMPTY_POSTINGS",
    "KEYWORD_COLUMNS",
    "NUMERIC_COLUMNS",
    "SCHEMA_VERSION",
    "TEXT_FIELDS",
    "ColumnCache",
    "Columns",
    "IndexSnapshot",
    "Postings",
    "Vocabulary",
    "WhooshSnapshot",
    "build_schema",
    "create_index",
    "open_index",
    "open_snapshot",
    "open_writer",
    "to_fields",
]


def create_index(folder: Path) -> Any:
    """A new, empty index in ``folder`` (which exists)."""
    return whoosh_index.create_in(str(folder), build_schema())


def open_index(folder: Path) -> Any:
    """The index in ``folder``, for writing or for :func:`open_snapshot`."""
    return whoosh_index.open_dir(str(folder))


def open_snapshot(ix: Any, columns: ColumnCache | None = None) -> WhooshSnapshot:
    """The latest commit of ``ix``; ``columns`` carries column arrays over
    from an earlier snapshot of the same index."""
    return WhooshSnapshot(ix, columns or ColumnCache())
