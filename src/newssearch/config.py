"""Settings: one object with defaults and help, read from a TOML file and NEWSSEARCH_* variables.

Every field is a key of the configuration file (``newssearch.toml``, given
with ``--config`` or ``NEWSSEARCH_CONFIG``) and has a ``NEWSSEARCH_<FIELD>``
variable. Later sources win: defaults, then the file, then the environment,
then the CLI's options or the web app's ``test_config``. The README's
configuration table is :func:`settings_table` (``python -m newssearch.config``
prints it).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from .errors import BadRequest

#: The variable naming the configuration file (not itself a setting).
CONFIG_VARIABLE = "NEWSSEARCH_CONFIG"


def _default_index_dir() -> Path:
    return Path("index")


@dataclass(frozen=True)
class Settings:
    #: Where the index lives (a folder; the live index is ``<dir>/current``).
    index_dir: Path = field(default_factory=_default_index_dir, metadata={"help": "index folder (the query log is kept there too)"})
    #: Longest accepted query, in characters.
    max_query_length: int = field(default=500, metadata={"help": "longest query (characters)"})
    #: Largest page size.
    max_per_page: int = field(default=100, metadata={"help": "largest `per_page`"})
    #: Deepest result reachable by paging (page * per_page).
    max_result_window: int = field(default=10_000, metadata={"help": "deepest reachable result (`page × per_page`)"})
    #: Browser origins allowed to call the API (comma-separated in the environment).
    cors_origins: tuple[str, ...] = field(default=(), metadata={"help": "browser origins allowed to call the API (comma-separated)"})
    #: Seconds an indexer waits for another one to finish before giving up.
    lock_timeout: float = field(default=30.0, metadata={"help": "seconds an indexer waits for another one"})
    #: Per-client limit on /api/search, e.g. "60/minute"; empty: no limit.
    rate_limit_search: str = field(default="", metadata={"help": "per-client limit on `/api/search`, e.g. `60/minute` (empty: none)"})
    #: Per-client limit on /api/suggest (one call per keystroke, so higher).
    rate_limit_suggest: str = field(default="", metadata={"help": "per-client limit on `/api/suggest`, e.g. `600/minute` (empty: none)"})
    #: Where rate-limit counters live: memory (per worker process) or a shared store.
    rate_limit_storage: str = field(default="memory://", metadata={"help": "rate-limit counters: `memory://` (each worker counts alone) or e.g. `redis://host:6379`"})
    #: Reverse proxies in front of the service whose X-Forwarded-* headers are trusted.
    proxy_count: int = field(default=0, metadata={"help": "trusted reverse proxies in front (their `X-Forwarded-For` names the client)"})
    #: Write each search to ``<index_dir>/queries.jsonl``.
    query_log: bool = field(default=True, metadata={"help": "log searches (query, filters, total, time; no client data) beside the index"})
    #: Size at which the query log is rotated.
    query_log_max_bytes: int = field(default=10_000_000, metadata={"help": "size at which the query log is rotated (bytes)"})
    #: Rotated query log files kept.
    query_log_backups: int = field(default=5, metadata={"help": "rotated query log files kept"})
    #: Serve Prometheus metrics on /metrics.
    metrics: bool = field(default=True, metadata={"help": "serve Prometheus metrics on `/metrics`"})
    #: ``json`` (one object a line, with the request id) or ``text``.
    log_format: str = field(default="json", metadata={"help": "server log lines: `json` or `text`"})
    #: Seconds a write request waits for the indexer lock before answering 503 (Retry-After).
    write_lock_timeout: float = field(default=10.0, metadata={"help": "seconds a write request waits for the indexer lock (then 503)"})
    #: Largest body ``POST /api/documents`` accepts, in bytes (larger loads: ``newssearch index``).
    max_write_bytes: int = field(default=10 * 1024 * 1024, metadata={"help": "largest `POST /api/documents` body (bytes)"})
    #: Search answers only requests with an API key (any scope) when true.
    require_search_key: bool = field(default=False, metadata={"help": "searching needs an API key (any scope)"})
    #: Index generations kept on disk after a rebuild, the live one included (for rollback).
    keep_generations: int = field(default=3, metadata={"help": "index generations kept on disk for `rollback` (the live one included)"})
    #: Seconds of CPU work one search or suggestion may take before it answers
    #: with what it has (``"timed_out": true``); 0 turns the limit off.
    search_budget: float = field(default=0.3, metadata={"help": "seconds of work per search or suggestion before it answers with what it has (0: no limit)"})
    #: Freshness in relevance order: a news score is multiplied by
    #: ``1 + recency_weight * 2 ** (-age_days / half_life)``; 0 turns it off.
    recency_weight: float = field(default=0.2, metadata={"help": "largest freshness boost in relevance order (0: off)"})
    #: Half-life of the freshness boost for news, in days.
    news_half_life_days: float = field(default=365.0, metadata={"help": "half-life of the freshness boost for news (days)"})
    #: Half-life for listings, in days; 0 (the default) leaves listings unboosted.
    listing_half_life_days: float = field(default=0.0, metadata={"help": "half-life of the freshness boost for listings (days; 0: off)"})
    #: A synonyms table (see :mod:`newssearch.synonyms`); empty: ``<index_dir>/synonyms.txt``.
    synonyms_file: str = field(default="", metadata={"help": "synonyms table, read again when it changes (empty: `synonyms.txt` in the index folder)"})
    #: Replicas of each deployment under ``serve --ray`` (the ingress and every index
    #: shard's searcher; the number at start when autoscaling).
    ray_replicas: int = field(default=2, metadata={"help": "`serve --ray`: replicas of the ingress and of each index shard's searcher (at start, when autoscaling)"})
    #: Autoscaling bounds of those replicas; ``ray_max_replicas`` 0 turns autoscaling off.
    ray_min_replicas: int = field(default=1, metadata={"help": "`serve --ray`: fewest replicas of a deployment when autoscaling"})
    ray_max_replicas: int = field(default=0, metadata={"help": "`serve --ray`: most replicas of a deployment when autoscaling (0: no autoscaling, always `ray_replicas`)"})
    #: CPUs Ray reserves for each search replica (fractions share a CPU).
    ray_replica_cpus: float = field(default=1.0, metadata={"help": "`serve --ray`: CPUs reserved for each search replica"})
    #: Seconds a shard has to answer a search; a late shard makes the answer ``"partial": true``.
    ray_shard_timeout: float = field(default=2.0, metadata={"help": "`serve --ray`: seconds a shard has to answer (then the answer says `partial`)"})
    #: Times a read is sent again when the replica serving it dies.
    ray_retries: int = field(default=2, metadata={"help": "`serve --ray`: times a read is retried on another replica when its replica dies"})

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config_file: str | Path | None = None,
        **overrides: Any,
    ) -> Settings:
        """Defaults, then the TOML file, then ``NEWSSEARCH_<FIELD>`` variables, then ``overrides``.

        The file is ``config_file`` or ``$NEWSSEARCH_CONFIG``; without either,
        there is none. Bad values are a :class:`BadRequest` naming the key.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        path = config_file or env.get(CONFIG_VARIABLE) or None
        if path:
            values.update(read_config_file(Path(path)))
        for f in fields(cls):
            name = env_name(f.name)
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _from_text(f, raw, name)
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "index_dir" in clean:
            clean["index_dir"] = Path(clean["index_dir"])
        return replace(replace(cls(), **values), **clean)

    def check(self) -> None:
        """Refuse values that cannot work (a bad rate limit, an unknown log format)."""
        from limits import parse_many

        for name in ("rate_limit_search", "rate_limit_suggest"):
            value = getattr(self, name)
            if value:
                try:
                    parse_many(value)
                except ValueError:
                    raise BadRequest(
                        f"{name} = {value!r} is not a rate limit; write e.g. '60/minute' or '10/second;500/hour'",
                        param=name,
                    ) from None
        if self.log_format not in ("json", "text"):
            raise BadRequest(f"log_format must be 'json' or 'text', not {self.log_format!r}", param="log_format")
        if self.ray_replicas < 1:
            raise BadRequest(f"ray_replicas must be 1 or more, not {self.ray_replicas}", param="ray_replicas")
        if self.ray_max_replicas and not 1 <= self.ray_min_replicas <= self.ray_replicas <= self.ray_max_replicas:
            raise BadRequest(
                "autoscaling needs 1 <= ray_min_replicas <= ray_replicas <= ray_max_replicas, not "
                f"{self.ray_min_replicas}, {self.ray_replicas}, {self.ray_max_replicas}",
                param="ray_max_replicas",
            )


def env_name(name: str) -> str:
    """The environment variable of setting ``name``."""
    return "NEWSSEARCH_" + name.upper()


def _default(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    return cast(Callable[[], Any], f.default_factory)()


def _from_text(f: Field[Any], raw: str, name: str) -> Any:
    """An environment variable's text as the field's type."""
    kind = type(_default(f))
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise BadRequest(f"{name}={raw!r} is not valid: expected true or false", param=name)
    if kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if issubclass(kind, Path):
        return Path(raw)
    if kind is str:
        return raw
    try:
        value = kind(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r} is not valid: expected a number", param=name) from None
    if kind is float and (not math.isfinite(value) or value < 0):
        raise BadRequest(f"{name}={raw!r} is not valid: expected a number of 0 or more", param=name)
    return value


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a TOML file, checked against the fields' types.

    Relative paths in the file are relative to the file's folder, so a
    configuration can sit beside its index.
    """
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise BadRequest(f"cannot read the configuration file {path}: {exc.strerror or exc}", param="config") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadRequest(f"the configuration file {path} is not valid TOML: {exc}", param="config") from None
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        f = known.get(key)
        if f is None:
            raise BadRequest(
                f"unknown key {key!r} in {path}; the keys are: {', '.join(known)}", param=key
            )
        values[key] = _from_toml(f, value, path)
    return values


def _from_toml(f: Field[Any], value: Any, path: Path) -> Any:
    kind = type(_default(f))
    wrong = BadRequest(f"{f.name} in {path} must be {_kind_name(kind)}, not {value!r}", param=f.name)
    if kind is bool or isinstance(value, bool):
        if kind is not bool or not isinstance(value, bool):
            raise wrong
        return value
    if kind is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong
        return tuple(value)
    if issubclass(kind, Path):
        if not isinstance(value, str):
            raise wrong
        return path.parent / value
    if kind is float and isinstance(value, int | float):
        return float(value)
    if not isinstance(value, kind):
        raise wrong
    return value


def _kind_name(kind: type) -> str:
    if issubclass(kind, Path):
        return "a path (text)"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text",
            tuple: "a list of text"}.get(kind, kind.__name__)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return f'"{value}"'
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def settings_table() -> str:
    """The README's configuration table: every setting, its variable, default and meaning."""
    lines = ["| key (TOML) | variable | default | meaning |", "|---|---|---|---|"]
    for f in fields(Settings):
        lines.append(
            f"| `{f.name}` | `{env_name(f.name)}` | `{_toml_value(_default(f))}` | {f.metadata['help']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance helper for the README
    print(settings_table(), end="")
