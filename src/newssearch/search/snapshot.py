"""A snapshot of the index as the engine serves it: the store's read view of
one commit with the scoring caches, suggester and query repair built on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..places import DISTRICT_SEP, short_name
from ..repair import QueryRepair
from ..scorer import TextIndex
from ..store import Columns, ShardedSnapshot, ShardView, WhooshSnapshot
from ..suggest import Suggester
from .doctexts import DocCache

#: Place columns: a value is also found by its name without type word ("tan my").
PLACE_COLUMNS = frozenset({"province", "district", "ward", "ward_2025", "province_2025"})

def place_aliases(column: str, value: str) -> list[str]:
    """Other names a place column's value is found by: each of several districts
    it lists, with and without its type word."""
    if column not in PLACE_COLUMNS:
        return []
    parts = value.split(DISTRICT_SEP)
    return [*parts, *(short_name(part) for part in parts)]


@dataclass
class Snapshot:
    """An index snapshot with its scoring caches and suggester. Shared by the
    threads that search it: the store's reads are thread-safe, and the
    caches hold their own locks."""

    gen: Path
    #: What the store serves of this commit (read through ``IndexSnapshot``).
    store: WhooshSnapshot | ShardedSnapshot | ShardView
    version: str
    #: The generation ``current`` named when this snapshot was opened; differs
    #: from ``gen`` when that one was damaged and an earlier one is served.
    live: Path | None = None
    #: Why an earlier generation is served (None when the live one is).
    degraded: str | None = None
    suggester: Suggester = field(init=False)
    text: TextIndex = field(init=False)
    repair: QueryRepair = field(init=False)
    #: Stored documents with their folded texts, as the rescore and hits read them.
    docs: DocCache = field(init=False)

    def __post_init__(self) -> None:
        self.text = TextIndex(self.store)
        self.suggester = Suggester(self.store, self.text)
        self.repair = QueryRepair(self.gen, self.suggester)
        self.repair.warm()
        self.docs = DocCache(self.store)

    @property
    def columns(self) -> Columns:
        """Facet, filter and sort values of every document."""
        return self.store.columns
