"""Settings: one object with defaults and help, overridable from NEWSSEARCH_* variables.

The CLI and the web app's ``test_config`` override the environment, which
overrides the defaults below.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import BadRequest


def _default_index_dir() -> Path:
    return Path("index")


@dataclass(frozen=True)
class Settings:
    #: Where the index lives (a folder; the live index is ``<dir>/current``).
    index_dir: Path = field(default_factory=_default_index_dir, metadata={"help": "index folder"})
    #: Longest accepted query, in characters.
    max_query_length: int = field(default=500, metadata={"help": "longest query (characters)"})
    #: Largest page size.
    max_per_page: int = field(default=100, metadata={"help": "largest per_page"})
    #: Deepest result reachable by paging (page * per_page).
    max_result_window: int = field(default=10_000, metadata={"help": "deepest result reachable"})
    #: Browser origins allowed to call the API (comma-separated in the environment).
    cors_origins: tuple[str, ...] = field(default=(), metadata={"help": "CORS allow-list"})
    #: Seconds an indexer waits for another one to finish before giving up.
    lock_timeout: float = field(default=30.0, metadata={"help": "indexer lock wait (s)"})
    #: Freshness in relevance order: a score is multiplied by
    #: ``1 + recency_weight * 2 ** (-age_days / half_life)``; 0 turns it off.
    recency_weight: float = field(default=0.2, metadata={"help": "largest freshness boost (0 = off)"})
    #: Half-life of the freshness boost for news, in days.
    news_half_life_days: float = field(default=365.0, metadata={"help": "news freshness half-life (days)"})
    #: Half-life for listings, in days; 0 (the default) leaves listings unboosted.
    listing_half_life_days: float = field(default=0.0, metadata={"help": "listing freshness half-life (days, 0 = off)"})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``NEWSSEARCH_<FIELD>`` variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("NEWSSEARCH_" + f.name.upper())
            if raw is None or raw == "":
                continue
            try:
                if f.name == "index_dir":
                    values[f.name] = Path(raw)
                elif f.name == "cors_origins":
                    values[f.name] = tuple(o.strip() for o in raw.split(",") if o.strip())
                elif isinstance(f.default, float):
                    values[f.name] = float(raw)
                    if not math.isfinite(values[f.name]) or values[f.name] < 0:
                        raise ValueError(raw)
                else:
                    values[f.name] = int(raw)
            except ValueError:
                raise BadRequest(
                    f"NEWSSEARCH_{f.name.upper()}={raw!r} is not valid: expected a number",
                    param="NEWSSEARCH_" + f.name.upper(),
                ) from None
        settings = replace(cls(), **values)
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "index_dir" in clean:
            clean["index_dir"] = Path(clean["index_dir"])
        return replace(settings, **clean)
