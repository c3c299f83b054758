"""newssearch: Vietnamese full-text search for news articles and property listings.

The library API, which the CLI and the web layer are built on::

    from newssearch import Engine, IndexStore, SearchRequest, read_paths

    IndexStore("index").write(read_paths(["articles.jsonl"]))
    result = Engine("index").search(SearchRequest(q="nha pho ha long"))
    print(result.to_dict())
"""

from __future__ import annotations

from .config import Settings
from .indexer import IndexStore
from .ingest import read_paths
from .models import SearchRequest, SearchResult
from .search import Engine

__version__ = "0.1.0"

__all__ = ["Engine", "IndexStore", "SearchRequest", "SearchResult", "Settings", "__version__", "read_paths"]
