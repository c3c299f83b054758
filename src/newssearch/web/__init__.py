"""The HTTP service: JSON API, search page, OpenAPI description.

``create_app(test_config)`` is a Flask application factory (as in Flask's
tutorial). Settings come from :meth:`Settings.from_env`, overridden by the
lower-case keys of ``test_config`` (Settings fields); upper-case keys go to
``app.config`` as usual. The one long-lived object, the search
:class:`~newssearch.search.Engine`, lives in ``app.extensions["newssearch"]``;
it opens the index lazily and follows rebuilds, so the app never restarts for
a new index.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, cast

from flask import Flask, Response, current_app, request
from werkzeug.routing import PathConverter

from .. import __version__
from ..config import Settings
from ..keys import KeyStore
from ..search import Engine

__all__ = ["MAX_CONTENT_LENGTH", "MAX_URL_BYTES", "create_app", "get_engine", "get_settings"]

#: Largest request body accepted, except by the write API (``Settings.max_write_bytes``).
MAX_CONTENT_LENGTH = 16 * 1024
#: Longest path + query string accepted, in bytes (gunicorn's request line limit is 8190).
MAX_URL_BYTES = 8000
#: Request headers a cross-origin page may send (preflight answer).
ALLOWED_HEADERS = "Accept, Accept-Language, Authorization, Content-Language, Content-Type, If-None-Match"
#: Seconds browsers and proxies may reuse a response before revalidating with its ETag.
CACHE_SECONDS = 60

_SETTINGS_FIELDS = {f.name for f in fields(Settings)}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings, engine, blueprints, error handlers, CORS and size limits."""
    config = dict(test_config or {})
    overrides = {k: v for k, v in config.items() if k in _SETTINGS_FIELDS}
    flask_config = {k: v for k, v in config.items() if k not in _SETTINGS_FIELDS}
    unknown = [k for k in flask_config if not k.isupper()]
    if unknown:
        raise ValueError(
            f"unknown setting {unknown[0]!r}; settings are: {', '.join(sorted(_SETTINGS_FIELDS))}"
        )
    settings = Settings.from_env(**overrides)
    settings.check()

    app = Flask(__name__)
    app.url_map.converters["doc_id"] = DocIdConverter
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        MAX_URL_BYTES=MAX_URL_BYTES,
        CACHE_SECONDS=CACHE_SECONDS,
        JSON_AS_ASCII=False,
    )
    app.config.update(flask_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["newssearch"] = Engine(settings.index_dir, settings)
    app.extensions["newssearch.settings"] = settings
    app.extensions["newssearch.stats"] = _StatsCache()
    app.extensions["newssearch.keys"] = KeyStore(settings.index_dir)

    from . import api, auth, errors, observe, pages, protection, write

    app.register_blueprint(api.bp)
    app.register_blueprint(api.health_bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(write.bp)
    errors.register(app)
    app.before_request(_check_size)
    app.before_request(auth.check_search_access)
    app.after_request(auth.private_when_keyed)
    app.after_request(_cors)
    protection.install(app, settings)
    protection.limit(app, settings.rate_limit_search, "api.search")
    protection.limit(app, settings.rate_limit_suggest, "api.suggest")
    observe.install(app, settings)
    return app


class DocIdConverter(PathConverter):
    """A document id in a URL: any characters, ``/`` included, but not ending in ``/related``
    (that is the related-documents endpoint of the id before it)."""

    regex = r"(?!.*/related$)[^/].*?"


def get_engine() -> Engine:
    """The current app's search engine."""
    return cast(Engine, current_app.extensions["newssearch"])


def get_settings() -> Settings:
    """The current app's settings."""
    return cast(Settings, current_app.extensions["newssearch.settings"])


class _StatsCache:
    """``Engine.stats()`` counts every document: compute it once per index version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._stats: dict[str, Any] = {}

    def get(self, engine: Engine) -> dict[str, Any]:
        version = engine.version()
        with self._lock:
            if version != self._version:
                self._stats = engine.stats()
                self._version = version
            return dict(self._stats)


def stats_cached() -> dict[str, Any]:
    """Index statistics, recomputed only when the index changed."""
    cache = cast(_StatsCache, current_app.extensions["newssearch.stats"])
    return cache.get(get_engine())


def etag() -> str:
    """A weak-comparison tag for this URL over the current index version."""
    seed = f"{__version__}|{get_engine().version()}|{request.full_path}"
    return hashlib.blake2b(seed.encode("utf-8"), digest_size=12).hexdigest()


def _check_size() -> None:
    """413 for bodies over MAX_CONTENT_LENGTH and URLs over MAX_URL_BYTES, before routing errors."""
    from werkzeug.exceptions import RequestEntityTooLarge

    from ..errors import NewsSearchError

    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    if request.blueprint == "write":
        limit = get_settings().max_write_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
    url_limit = int(current_app.config["MAX_URL_BYTES"])
    size = len(request.query_string) + len(request.path.encode("utf-8"))
    if size > url_limit:
        longest = max(
            request.args.items(multi=True), key=lambda kv: len(kv[1]), default=(None, "")
        )[0]
        raise NewsSearchError(
            f"the request URL is {size} bytes long; the limit is {url_limit} "
            f"(a query may be at most {get_settings().max_query_length} characters)",
            param=longest,
            status=413,
        )


def _cors(response: Response) -> Response:
    """CORS for the API: allow-listed origins only, preflight answered, ``Vary: Origin``."""
    if not request.path.startswith("/api/"):
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    allowed = get_settings().cors_origins
    if origin is None or not (origin in allowed or "*" in allowed):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response
