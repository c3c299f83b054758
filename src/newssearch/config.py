"""Settings: one object with defaults and help, overridable from NEWSSEARCH_* variables.

The CLI and the web app's ``test_config`` override the environment, which
overrides the defaults below.
"""

from __future__ import annotations

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
    #: A synonyms table (see :mod:`newssearch.synonyms`); default ``<index_dir>/synonyms.txt``.
    synonyms_file: Path | None = field(default=None, metadata={"help": "synonyms table file"})

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
                if f.name in ("index_dir", "synonyms_file"):
                    values[f.name] = Path(raw)
                elif f.name == "cors_origins":
                    values[f.name] = tuple(o.strip() for o in raw.split(",") if o.strip())
                elif f.name == "lock_timeout":
                    values[f.name] = float(raw)
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
