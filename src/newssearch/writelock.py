"""The indexer's write lock: one writer per index folder, none outliving its indexer.

The lock is an ``flock`` on ``.indexer.lock``; the kernel releases it when
every descriptor of it is closed, so a killed indexer leaves no stale lock --
unless a process it forked still holds a copy. Whoosh's multiprocessing
writer (``--procs N``) forks such processes, so while the lock is held:

* every forked child closes its copy of the lock descriptor at once, and on
  Linux asks the kernel to kill it when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``): a ``kill -9`` or ``kill`` of the indexer
  ends its writers instead of leaving them blocked forever on a pipe;
* the lock file records the holder (pid, start time); an indexer that finds
  the lock taken by a holder that no longer exists kills the leftover
  processes still holding the file (forks of that holder, from before this
  safeguard or where ``prctl`` is unavailable) and takes the lock over.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import IndexLocked, StorageError

LOCK_FILE = ".indexer.lock"
#: Seconds to wait for leftover writers of a dead indexer to exit after SIGKILL.
TAKEOVER_WAIT_S = 5.0
_PR_SET_PDEATHSIG = 1

log = logging.getLogger(__name__)

#: Lock descriptors this process holds (closed in forked children).
_held: set[int] = set()
_forking_pid = 0


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


def _after_fork_in_child() -> None:
    """In a child forked while the lock is held: drop the lock, die with the parent."""
    if not _held:
        return
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != _forking_pid:  # the parent died before prctl took effect
            os._exit(1)


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def _start_time(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start is None or _start_time(pid) in (None, start)


def _holder(path: Path) -> dict[str, Any]:
    """Who wrote the lock file last: ``{"pid", "start"}`` (older files hold only a pid)."""
    try:
        text = path.read_text("utf-8").strip()
    except OSError:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if isinstance(data, int):
        return {"pid": data, "start": None}
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else {}


def _processes_holding(path: Path) -> list[int]:
    """Other processes holding the flock of ``path``: an open descriptor of it whose
    ``/proc/PID/fdinfo`` shows the lock (an indexer waiting for the lock has the
    file open too, without it). Linux only; empty elsewhere."""
    try:
        st = path.stat()
    except OSError:
        return []
    found: list[int] = []
    for proc in Path("/proc").glob("[0-9]*"):
        pid = int(proc.name)
        if pid == os.getpid():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = fd.stat()
                    if (target.st_dev, target.st_ino) != (st.st_dev, st.st_ino):
                        continue
                    info = (proc / "fdinfo" / fd.name).read_text()
                    if "FLOCK" in info and f":{st.st_ino} " in info:
                        found.append(pid)
                        break
        except OSError:  # gone, or not ours to inspect
            continue
    return found


def _take_over(path: Path, holder: dict[str, Any]) -> list[int]:
    """Kill what still holds the lock of a dead indexer; the pids killed."""
    killed: list[int] = []
    for pid in _processes_holding(path):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    deadline = time.monotonic() + TAKEOVER_WAIT_S
    while killed and time.monotonic() < deadline and any(_alive(p, None) for p in killed):
        time.sleep(0.05)
    if killed:
        log.warning(
            "took over the index lock of indexer %s, which no longer runs: stopped %d leftover writer "
            "process(es) %s", holder.get("pid"), len(killed), killed,
        )
    return killed


@contextlib.contextmanager
def write_lock(root: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the write lock of ``root``; wait up to ``timeout`` seconds for another indexer.

    Raises :class:`IndexLocked` when a live indexer keeps it, and
    :class:`StorageError` when the folder cannot be written at all.
    """
    path = root / LOCK_FILE
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StorageError(
            f"cannot write to the index folder {root}: {exc.strerror or exc}; "
            "index into a folder you can write to (--index-dir)"
        ) from None
    try:
        deadline = time.monotonic() + timeout
        took_over = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            holder = _holder(path)
            if not took_over and holder and not _alive(holder["pid"], holder.get("start")):
                # A new holder writes its record just after locking: look twice.
                time.sleep(0.3)
                if _holder(path) == holder:
                    took_over = True
                    if _take_over(path, holder):
                        continue
            if time.monotonic() >= deadline:
                who = f" (process {holder['pid']})" if holder else ""
                raise IndexLocked(
                    f"another indexer{who} is writing to {root} "
                    f"(waited {timeout:g}s); try again when it has finished"
                ) from None
            time.sleep(0.1)
        record = json.dumps({"pid": os.getpid(), "start": _start_time(os.getpid())})
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{record}\n".encode(), 0)
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
