"""newssearch: Vietnamese full-text search for news articles and property listings."""

from __future__ import annotations

__version__ = "0.1.0"
