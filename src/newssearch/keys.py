"""API keys: created, listed and revoked from the CLI, checked by the web service.

A key is ``nsk_<id>_<secret>``: ``id`` (8 hex digits) names it in listings
and logs, ``secret`` is 32 random bytes (URL-safe base64). Only the SHA-256
of the whole key is stored -- with that much entropy a slow password hash
adds nothing -- and it is compared in constant time. The key itself is shown
once, when it is created.

Keys live in ``<index folder>/api-keys.json`` (mode 0600), beside the
``current`` link and outside the generations, so a rebuild keeps them. Each
key has a scope; ``admin`` implies ``write``, which implies ``search``. A
revoked key stays listed (with the time it was revoked) and is refused.

The service re-reads the file when it changes (checked on each request with
one ``stat``), so keys created or revoked while it runs take effect at once in
every worker.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .errors import BadRequest, NewsSearchError, NotFound, Unauthorized

__all__ = ["KEYS_FILE", "SCOPES", "ApiKey", "KeyStore", "KeysUnreadable", "Scope"]

Scope = Literal["search", "write", "admin"]
#: Scopes from least to most powerful: a key allows its own scope and every one before it.
SCOPES: tuple[Scope, ...] = ("search", "write", "admin")
KEYS_FILE = "api-keys.json"
PREFIX = "nsk"
_FORMAT_VERSION = 1


class KeysUnreadable(NewsSearchError):
    """The keys file exists but cannot be read: nothing is let in until it is fixed (HTTP 503)."""

    status = 503


@dataclass(frozen=True)
class ApiKey:
    """One stored key: its id, scope, hash and history (never the key itself)."""

    id: str
    scope: Scope
    hash: str
    created: str
    name: str | None = None
    revoked: str | None = None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked is None

    def allows(self, scope: Scope) -> bool:
        """True when this key may do what ``scope`` needs (admin > write > search)."""
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    def to_dict(self) -> dict[str, Any]:
        """Public form for listings: everything but the hash."""
        return {k: v for k, v in asdict(self).items() if k != "hash"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_scope(scope: str) -> Scope:
    """``scope`` as a :data:`Scope`, or a BadRequest naming the choices."""
    for s in SCOPES:
        if scope == s:
            return s
    raise BadRequest(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}", param="scope")


class KeyStore:
    """The API keys of one index folder."""

    def __init__(self, index_dir: Path | str) -> None:
        self.root = Path(index_dir)
        self.path = self.root / KEYS_FILE
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int, int] | None, list[ApiKey]] = (None, [])

    # -- reading -------------------------------------------------------------
    def all_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first (re-read when the file changed)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise KeysUnreadable(f"cannot read the API keys at {self.path}: {exc.strerror or exc}") from exc
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._cached[0] == stamp:
                return self._cached[1]
            keys = self._read()
            self._cached = (stamp, keys)
            return keys

    def _read(self) -> list[ApiKey]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return [ApiKey(**{**k, "scope": check_scope(k["scope"])}) for k in data["keys"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, BadRequest) as exc:
            raise KeysUnreadable(
                f"the API keys file {self.path} is unreadable or damaged ({type(exc).__name__}: {exc}); "
                "restore it from a backup, or delete it and create new keys with `newssearch keys create`"
            ) from exc

    def enabled(self, scope: Scope) -> bool:
        """True when some active key allows ``scope`` (write endpoints are off otherwise)."""
        return any(k.active and k.allows(scope) for k in self.all_keys())

    def authenticate(self, token: str) -> ApiKey:
        """The active key ``token`` is, or :class:`Unauthorized`."""
        parts = token.split("_", 2)
        key_id = parts[1] if len(parts) == 3 and parts[0] == PREFIX else ""
        digest = _digest(token)
        found = next((k for k in self.all_keys() if k.id == key_id), None)
        # Compare even when the id is unknown, so both failures take the same time.
        matches = hmac.compare_digest(digest, found.hash if found is not None else "0" * len(digest))
        if found is None or not matches:
            raise Unauthorized("the API key is not valid; check it, or create one with `newssearch keys create`")
        if not found.active:
            raise Unauthorized(f"the API key {found.id} was revoked on {found.revoked}")
        return found

    # -- changing ------------------------------------------------------------
    def create(self, scope: str, name: str | None = None) -> tuple[ApiKey, str]:
        """A new key of ``scope``: its record, and the key itself (shown once, never stored)."""
        checked = check_scope(scope)
        with self._locked() as keys:
            existing = {k.id for k in keys}
            key_id = secrets.token_hex(4)
            while key_id in existing:
                key_id = secrets.token_hex(4)
            token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
            key = ApiKey(id=key_id, scope=checked, hash=_digest(token), created=_now(), name=name or None)
            keys.append(key)
        return key, token

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id (it stays listed as revoked); NotFound for an unknown id."""
        with self._locked() as keys:
            for i, key in enumerate(keys):
                if key.id == key_id:
                    if key.active:
                        keys[i] = replace(key, revoked=_now())
                    return keys[i]
        raise NotFound(f"no API key with id {key_id!r}; `newssearch keys list` shows them", param="key_id")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[ApiKey]]:
        """The keys, for changing in place; written back atomically (mode 0600) on success."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".api-keys.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            keys = list(self._read())
            yield keys
            self._write(keys)
        finally:
            os.close(fd)

    def _write(self, keys: list[ApiKey]) -> None:
        payload = {"version": _FORMAT_VERSION, "keys": [asdict(k) for k in keys]}
        tmp = self.path.with_name(f".{KEYS_FILE}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

