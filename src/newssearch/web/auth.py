"""API keys over HTTP: ``Authorization: Bearer <key>``, checked against the index's keys.

Writes always need a key with the ``write`` scope; searching needs one (any
scope) only when ``Settings.require_search_key`` is set. The key that was
accepted is left in ``g.api_key`` for the layers after this one (a rate
limiter can count writes per key with it).
"""

from __future__ import annotations

from typing import cast

from flask import Response, current_app, g, request

from ..errors import Forbidden, NotFound, Unauthorized
from ..keys import ApiKey, KeyStore, Scope
from . import get_settings

__all__ = [
    "OPEN_ENDPOINTS", "check_search_access", "get_keys", "private_when_keyed", "require", "require_writes_enabled",
]

#: Endpoints that answer without a key even when searching needs one.
OPEN_ENDPOINTS = frozenset({"health.healthz", "api.openapi", "static"})


def get_keys() -> KeyStore:
    """The current app's key store (the index folder's ``api-keys.json``)."""
    return cast(KeyStore, current_app.extensions["newssearch.keys"])


def bearer_token() -> str | None:
    """The key sent as ``Authorization: Bearer <key>``, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require(scope: Scope) -> ApiKey:
    """The request's key when it allows ``scope``; 401 without a valid key, 403 for a weaker one."""
    token = bearer_token()
    if token is None:
        raise Unauthorized(
            f"this needs an API key with the {scope!r} scope: send 'Authorization: Bearer <key>' "
            f"(the site's administrator creates one with `newssearch keys create --scope {scope}`)"
        )
    key = get_keys().authenticate(token)
    if not key.allows(scope):
        raise Forbidden(f"the API key {key.id} has the {key.scope!r} scope; this needs {scope!r}")
    g.api_key = key
    return key


def require_writes_enabled() -> None:
    """404 while no active key may write: the write endpoints do not exist until one does."""
    if not get_keys().enabled("write"):
        raise NotFound(
            f"no such endpoint: {request.path} (writing is off on this server: "
            "no API key with the write scope exists; create one with `newssearch keys create --scope write`)"
        )


def check_search_access() -> None:
    """Before every request: a key is needed when the settings say searching needs one."""
    if not get_settings().require_search_key or request.method == "OPTIONS":
        return  # a CORS preflight never carries credentials
    if request.endpoint in OPEN_ENDPOINTS or request.blueprint == "write":
        return  # the write endpoints check their own, stronger scope
    require("search")


def private_when_keyed(response: Response) -> Response:
    """When searching needs a key, answers are for their key holder: no shared caches."""
    if get_settings().require_search_key and response.cache_control.public:
        response.cache_control.public = False
        response.cache_control.private = True
        response.vary.add("Authorization")
    return response
