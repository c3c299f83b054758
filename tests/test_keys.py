"""API keys: creation, hashing, scopes, revocation, the file's safety, the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import main
from newssearch.errors import NotFound, Unauthorized
from newssearch.keys import KEYS_FILE, KeyStore, KeysUnreadable


def test_create_stores_only_a_hash_with_safe_permissions(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "idx")
    key, token = store.create("write", "cms")
    assert token.startswith(f"nsk_{key.id}_") and len(token) > 50
    text = (tmp_path / "idx" / KEYS_FILE).read_text()
    assert token not in text and token.split("_", 2)[2] not in text
    assert stat.S_IMODE((tmp_path / "idx" / KEYS_FILE).stat().st_mode) == 0o600
    assert [k.to_dict() for k in store.all_keys()] == [
        {"id": key.id, "scope": "write", "created": key.created, "name": "cms", "revoked": None}
    ]
    assert store.authenticate(token) == key


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [("search", ["search"]), ("write", ["search", "write"]), ("admin", ["search", "write", "admin"])],
)
def test_scopes_imply_the_weaker_ones(tmp_path: Path, scope: str, allowed: list[str]) -> None:
    key, _ = KeyStore(tmp_path).create(scope)
    assert [s for s in ("search", "write", "admin") if key.allows(s)] == allowed  # type: ignore[arg-type]


def test_wrong_and_revoked_keys_are_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    key, token = store.create("write")
    other, other_token = store.create("search")
    for bad in ("", "nsk", token + "x", token[:-1], f"nsk_{other.id}_" + token.split("_", 2)[2], "Bearer " + token):
        with pytest.raises(Unauthorized, match="not valid"):
            store.authenticate(bad)
    assert store.enabled("write")
    revoked = store.revoke(key.id)
    assert revoked.revoked is not None and not revoked.active
    with pytest.raises(Unauthorized, match=f"{key.id} was revoked"):
        store.authenticate(token)
    assert not store.enabled("write") and store.enabled("search")
    assert store.authenticate(other_token) == other
    assert store.revoke(key.id) == revoked  # revoking twice keeps the first date
    with pytest.raises(NotFound):
        store.revoke("nope")


def test_a_second_store_sees_changes_at_once(tmp_path: Path) -> None:
    """Each web worker has its own store: a key created or revoked elsewhere counts on the next request."""
    server, cli = KeyStore(tmp_path), KeyStore(tmp_path)
    assert not server.enabled("write")
    key, token = cli.create("admin")
    assert server.authenticate(token) == key
    cli.revoke(key.id)
    with pytest.raises(Unauthorized):
        server.authenticate(token)


@pytest.mark.parametrize("content", ["{", '{"keys": [{"id": "x"}]}', '{"keys": [{"id": "x", "scope": "root", '
                                     '"hash": "", "created": ""}]}', "[]"])
def test_a_damaged_keys_file_lets_nobody_in(tmp_path: Path, content: str) -> None:
    (tmp_path / KEYS_FILE).write_text(content)
    with pytest.raises(KeysUnreadable, match="damaged") as info:
        KeyStore(tmp_path).authenticate("nsk_x_y")
    assert info.value.status == 503


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    runner = CliRunner()
    r = runner.invoke(main, ["keys", "list", "--index-dir", idx])
    assert r.exit_code == 0 and "no API keys" in r.stdout
    r = runner.invoke(main, ["keys", "create", "--scope", "write", "--name", "cms", "--index-dir", idx])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip()
    key = KeyStore(idx).authenticate(token)
    assert f"created key {key.id} (scope write)" in r.stderr and "not shown again" in r.stderr
    r = runner.invoke(main, ["keys", "list", "--json", "--index-dir", idx])
    assert json.loads(r.stdout) == [key.to_dict()]
    assert token not in runner.invoke(main, ["keys", "list", "--index-dir", idx]).stdout
    r = runner.invoke(main, ["keys", "revoke", key.id, "--index-dir", idx])
    assert r.exit_code == 0 and f"revoked key {key.id}" in r.stdout
    assert "revoked 20" in runner.invoke(main, ["keys", "list", "--index-dir", idx]).stdout
    r = runner.invoke(main, ["keys", "revoke", "nope", "--index-dir", idx])
    assert r.exit_code == 2 and r.stderr.startswith("error: no API key with id 'nope'")
    r = runner.invoke(main, ["keys", "create", "--scope", "root", "--index-dir", idx])
    assert r.exit_code == 2 and "root" in r.stderr
