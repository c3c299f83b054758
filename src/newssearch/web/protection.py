"""Protection for a public service: per-client rate limits, gzip, security headers, proxies.

Rate limits come from flask-limiter: :func:`install` makes one limiter per
app (counters in ``rate_limit_storage``), and :func:`limit` puts a limit on
named endpoints -- the search API and autocomplete here, and any endpoint an
app adds later. A client over its limit gets 429 in the JSON error shape with
``Retry-After``. Tests turn the limiter off (``TESTING``) unless they set
``RATELIMIT_ENABLED``.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, Response, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Settings

__all__ = ["CONTENT_SECURITY_POLICY", "install", "limit"]

#: No inline script or style, nothing from other origins, no framing, forms only to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Responses compressed with gzip (flask-compress skips bodies under 500 bytes).
COMPRESSED_TYPES = [
    "text/html", "text/css", "application/json", "application/javascript", "text/javascript",
    "image/svg+xml", "text/plain",
]


def install(app: Flask, settings: Settings) -> None:
    """Proxy headers, gzip, security headers and the (still empty) rate limiter on ``app``."""
    if settings.proxy_count > 0:
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])  # static files are streamed
    Compress(app)
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=settings.rate_limit_storage,
        strategy="moving-window",
        app=app,
    )
    app.extensions["newssearch.limiter"] = limiter
    app.after_request(security_headers)


def limit(app: Flask, rate: str, *endpoints: str) -> None:
    """Limit each of ``endpoints`` to ``rate`` per client (``"60/minute"``); empty: no limit.

    Call it after the endpoints are registered. Each endpoint counts on its own.
    """
    if not rate:
        return
    limiter = cast(Limiter, app.extensions["newssearch.limiter"])
    for endpoint in endpoints:
        app.view_functions[endpoint] = cast(Any, limiter.limit(rate)(app.view_functions[endpoint]))


def security_headers(response: Response) -> Response:
    """``nosniff`` and a referrer policy everywhere; the CSP and framing ban on HTML pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/") or request.path in ("/healthz", "/metrics"):
        # Search results are not for crawlers either.
        response.headers.setdefault("X-Robots-Tag", "noindex")
    return response
