"""One index shard as a Ray Serve deployment: each replica holds an Engine over the shard.

The methods are the reads the web app makes (:class:`~newssearch.search.Engine`'s),
with answers a caller in another process can use: :meth:`IndexShard.suggest`
returns whether its time budget ran out beside the suggestions. Errors for
the user (:class:`~newssearch.errors.NewsSearchError`) travel back as the
cause of Ray's task error, and the router raises them again unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..budget import Deadline
from ..config import Settings
from ..errors import NewsSearchError
from ..models import Hit, SearchRequest, SearchResult
from ..search import Engine

log = logging.getLogger(__name__)


class IndexShard:
    """The searcher of one index shard (the class of a Serve deployment; one Engine per replica)."""

    def __init__(self, index_dir: str, settings: Settings) -> None:
        self.engine = Engine(Path(index_dir), settings)
        self._warm_up()

    def _warm_up(self) -> None:
        """Open the index and run one search before the replica takes requests
        (the first search of a process loads column arrays and place data)."""
        try:
            self.engine.search(SearchRequest(q="hà nội"))
            self.engine.suggest("ha")
        except NewsSearchError as exc:
            log.warning("not warmed up: %s", exc.message)

    def search(self, req: SearchRequest) -> SearchResult:
        """One search of this shard."""
        return self.engine.search(req)

    def suggest(self, prefix: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Autocomplete within the search budget, and whether the budget ran out."""
        deadline = Deadline(self.engine.settings.search_budget)
        items = self.engine.suggest(prefix, limit, deadline)
        return items, deadline.timed_out

    def get(self, doc_id: str) -> dict[str, Any]:
        """A stored document (NotFound when this shard does not hold it)."""
        return self.engine.get(doc_id)

    def related(self, doc_id: str, limit: int) -> list[Hit]:
        """Documents similar to ``doc_id``."""
        return self.engine.related(doc_id, limit)

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
