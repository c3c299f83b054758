"""Search: :class:`Engine` answers searches, documents, related documents and
autocomplete over one index folder.

* ``engine``: the engine, how a search runs (query read, matching ladder,
  ranking, paging);
* ``snapshot``: one commit of the index with the caches built on it;
* ``matching``: places, phrases and terms as masks;
* ``filters``: filter masks and column sorts;
* ``facet_values``: facet counts with their display labels;
* ``hits``: stored documents as highlighted hits;
* ``related``: "Tin liên quan".
"""

from __future__ import annotations

from .engine import Engine
from .hits import hit_from_raw
from .matching import listing_query
from .snapshot import Snapshot

__all__ = ["Engine", "Snapshot", "hit_from_raw", "listing_query"]
