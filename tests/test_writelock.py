"""The write lock: writer processes die with their indexer, stale locks are taken over."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newssearch.cli import main
from newssearch.documents import Article
from newssearch.errors import StorageError
from newssearch.indexer import IndexStore
from newssearch.writelock import LOCK_FILE

SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime
    from newssearch.documents import Article
    from newssearch.indexer import IndexStore

    def docs():
        for i in range(100_000):
            if i % 20 == 0:
                time.sleep(0.05)  # a slow feed: the writers wait on their pipe
            yield Article(id=f"w{i}", title=f"Bài {i} về Hạ Long", body="Nội dung " * 30,
                          published=datetime(2022, 1, 1))

    IndexStore(sys.argv[1]).write(docs(), procs=2)
    """
)


def art(i: int) -> Article:
    return Article(id=f"a{i}", title=f"Bài viết số {i}", published=datetime(2022, 1, 1))


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PR_SET_PDEATHSIG")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_writer_processes_die_with_their_indexer(tmp_path: Path, sig: int) -> None:
    IndexStore(tmp_path).write([art(1)])
    parent = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(tmp_path)])
    try:
        assert wait_until(lambda: len(children(parent.pid)) >= 2, 30), "the writer processes never started"
        writers = children(parent.pid)
    finally:
        os.kill(parent.pid, sig)
        parent.wait()
    assert wait_until(lambda: not any(alive(p) for p in writers), 5), "writer processes outlived their indexer"
    report = IndexStore(tmp_path).write([art(2)], lock_timeout=2)
    assert report.added == 1


ORPHAN = textwrap.dedent(
    """
    import fcntl, json, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"pid": int(sys.argv[2]), "start": None}).encode())
    print("locked", flush=True)
    time.sleep(120)
    """
)


def test_stale_lock_of_a_dead_indexer_is_taken_over(tmp_path: Path) -> None:
    """A leftover process (a writer of an indexer that was killed) holds the lock."""
    IndexStore(tmp_path).write([art(1)])
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = subprocess.Popen(
        [sys.executable, "-c", ORPHAN, str(tmp_path / LOCK_FILE), str(dead.pid)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert orphan.stdout is not None and orphan.stdout.readline() == "locked\n"
        report = IndexStore(tmp_path).write([art(2)], lock_timeout=3)
        assert report.added == 1
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        holder = json.loads((tmp_path / LOCK_FILE).read_text())
        assert holder["pid"] == os.getpid()
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_read_only_index_folder_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    idx = tmp_path / "idx"
    IndexStore(idx).write([art(1)])
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(str(idx)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(StorageError, match=r"cannot write to the index folder .*: Read-only file system"):
        IndexStore(idx).write([art(2)])
    for args in (["delete", "a1"], ["rollback"]):
        result = CliRunner().invoke(main, [*args, "--index-dir", str(idx)])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"error: cannot write to the index folder {idx}: Read-only file system")
