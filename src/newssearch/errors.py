"""One error hierarchy for the whole package.

Every error carries an HTTP status and a message written for the person who
sent the input. The web layer turns it into ``{"error": {...}}``; the CLI into
a one-line message and a non-zero exit code.
"""

from __future__ import annotations

from typing import Any


class NewsSearchError(Exception):
    """Base class: something the user or a data feed can fix."""

    status: int = 400

    def __init__(self, message: str, *, param: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, "param": self.param}}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer must carry (``WWW-Authenticate``, ``Retry-After``)."""
        return {}


class BadRequest(NewsSearchError):
    """A bad query or parameter (HTTP 400)."""

    status = 400


class Unauthorized(NewsSearchError):
    """No API key, or a wrong or revoked one (HTTP 401)."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="newssearch"'}


class Forbidden(NewsSearchError):
    """A valid API key whose scope does not allow this (HTTP 403)."""

    status = 403


class UnsupportedMediaType(NewsSearchError):
    """A request body in a format the endpoint does not read (HTTP 415)."""

    status = 415


class NotFound(NewsSearchError):
    """No such document (HTTP 404)."""

    status = 404


class IndexUnavailable(NewsSearchError):
    """No index yet, or it cannot be opened (HTTP 503)."""

    status = 503


class SchemaMismatch(IndexUnavailable):
    """The index was built by another schema version: rebuild it."""


class IndexLocked(NewsSearchError):
    """Another indexer holds the write lock (HTTP 409)."""

    status = 409


class Busy(NewsSearchError):
    """The index is being written by someone else for too long: retry later (HTTP 503)."""

    status = 503

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InvalidRecord(NewsSearchError):
    """A record from a data feed that cannot be indexed (reported and skipped)."""

    status = 422


class StorageError(NewsSearchError):
    """The index could not be written (disk full, permissions); the previous index is intact."""

    status = 507


class IndexDamaged(IndexUnavailable):
    """Files of the index do not match their checksums or cannot be read (HTTP 503)."""


class RebuildRefused(NewsSearchError):
    """A rebuild would publish far fewer documents than the live index (HTTP 409)."""

    status = 409
