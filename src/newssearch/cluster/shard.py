"""One index shard as a Ray Serve deployment: each replica holds an Engine over the shard.

A replica reads its shard's documents and the whole index's statistics
(:class:`~newssearch.store.ShardView`), so its scores and decisions are
the whole index's. The methods are the reads the web app makes
(:class:`~newssearch.search.Engine`'s), with answers a router in another
process can merge: :meth:`IndexShard.search_shard` returns what the search
decided alone beside the result, :meth:`IndexShard.suggest` whether its
time budget ran out beside the suggestions. Errors for
the user (:class:`~newssearch.errors.NewsSearchError`) travel back as the
cause of Ray's task error, and the router raises them again unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..autocomplete import Completions
from ..budget import Deadline
from ..config import Settings
from ..errors import IndexUnavailable, NewsSearchError
from ..models import Hit, SearchRequest, SearchResult
from ..search import Engine
from ..search.readings import Plan, Trace
from ..search.related import RelatedQuery

log = logging.getLogger(__name__)


class IndexShard:
    """The searcher of one index shard (the class of a Serve deployment; one Engine per replica).

    ``shard`` of ``shards``: this replica's shard of a sharded index (None:
    an index of one shard, searched whole)."""

    def __init__(self, index_dir: str, settings: Settings, shard: int | None = None, shards: int = 1) -> None:
        self.engine = Engine(Path(index_dir), settings, shard=shard)
        self.shards = shards
        self._checked: Path | None = None  # the last generation whose layout was checked
        self._warm_up()

    def _warm_up(self) -> None:
        """Open the index and run one search before the replica takes requests
        (the first search of a process loads column arrays and place data)."""
        try:
            self.engine.search(SearchRequest(q="hà nội"))
            self.engine.suggest("ha")
        except NewsSearchError as exc:
            log.warning("not warmed up: %s", exc.message)

    def search_shard(self, req: SearchRequest, plan: Plan) -> tuple[SearchResult, Trace]:
        """One search of this shard, deciding with the readings of ``plan`` where it has them."""
        self._check_layout()
        return self.engine.search_shard(req, plan)

    def _check_layout(self) -> None:
        """Refuse to answer for an index rebuilt with another number of shards:
        the deployments serve as many shards as the index had when they started.
        (Read once per generation: the ``current`` link is cheap, the layout file is not.)"""
        live = self.engine.store.current_dir()
        if live is not None and live == self._checked:
            return
        found = self.engine.store.shard_count()
        if found != self.shards:
            raise IndexUnavailable(
                f"the index now has {found} shard{'s' if found > 1 else ''}, this service was started "
                f"for {self.shards}: restart `newssearch serve --ray`"
            )
        self._checked = live

    def completions(self, prefix: str, limit: int) -> tuple[Completions, bool]:
        """This shard's autocomplete within the search budget, and whether the budget ran out."""
        deadline = Deadline(self.engine.settings.search_budget)
        parts = self.engine.completions(prefix, limit, deadline)
        return parts, deadline.timed_out

    def get(self, doc_id: str) -> dict[str, Any]:
        """A stored document (NotFound when this shard does not hold it)."""
        return self.engine.get(doc_id)

    def related_query(self, doc_id: str) -> RelatedQuery:
        """What documents related to ``doc_id`` (held by this shard) are looked for with."""
        return self.engine.related_query(doc_id)

    def related_to(self, query: RelatedQuery, limit: int) -> list[Hit]:
        """This shard's documents most related to ``query``'s."""
        return self.engine.related_to(query, limit)

    def version(self) -> str:
        """The version of the index this replica serves (changes with every update)."""
        return self.engine.version()

    def stats(self) -> dict[str, Any]:
        """Statistics of the generation this replica serves."""
        return self.engine.stats()

    def documents(self, req: SearchRequest, batch: int) -> Iterator[list[dict[str, Any]]]:
        """Every match of ``req`` in order, ``batch`` documents per message (exports)."""
        chunk: list[dict[str, Any]] = []
        for doc in self.engine.iter_documents(req, batch):
            chunk.append(doc)
            if len(chunk) == batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
