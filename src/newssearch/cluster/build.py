"""``newssearch index --ray``: write the shards of a rebuild as Ray tasks, publish on the driver.

One task per shard runs :func:`~newssearch.indexer.build_shard` wherever the
cluster places it: it reads the whole input from the same paths (documents of
other shards are skipped but keep their place in the write order) and writes
its shard into the unpublished generation. So the input files and the index
folder must be readable -- the folder writable -- at the same path on every
node (NFS or another shared file system). The driver waits for every shard,
then :meth:`~newssearch.indexer.IndexStore.build` merges the language-model
counts and publishes the generation; a task that fails, or whose worker or
node is lost, fails the whole build and nothing is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError, RayTaskError

from ..config import Settings
from ..errors import BadRequest, NewsSearchError
from ..indexer import IndexStore, ShardBuild, WriteReport, build_shard
from ..ingest import read_paths
from . import ClusterUnavailable
from .serving import connect

__all__ = ["TASK_NAME", "BuildFailed", "build_on_ray"]

#: Each task's name (and its worker's process title, ``ray::newssearch-build-shard1``).
TASK_NAME = "newssearch-build-shard{shard}"
#: Seconds the driver waits for the other tasks to stop after one failed.
_STOP_WAIT = 30.0


class BuildFailed(NewsSearchError):
    """A shard task of a build on Ray failed; nothing was published (HTTP 503)."""

    status = 503


def _write_shard(gen: str, shard: int, paths: list[str], doc_type: str | None, procs: int, limitmb: int) -> ShardBuild:
    """Write shard ``shard`` of ``gen`` from the input read here, on the node that runs the task."""
    return build_shard(Path(gen), shard, read_paths(paths, doc_type=doc_type), procs=procs, limitmb=limitmb)


# No retries: a retried task would write over the shard its lost attempt left half-written.
_write_shard_task = ray.remote(max_retries=0)(_write_shard)


def _cause(error: RayError) -> str:
    """The one-line reason of a task's failure (the task's own exception, or what Ray lost)."""
    inner = getattr(error, "cause", None) if isinstance(error, RayTaskError) else None
    if isinstance(inner, NewsSearchError):
        return inner.message
    if inner is not None:
        return f"{type(inner).__name__}: {inner}"
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _run_tasks(gen: Path, shards: int, paths: list[str], doc_type: str | None, procs: int, limitmb: int) -> list[ShardBuild]:
    """Run one task per shard and wait for all; on the first failure stop the others and raise.

    The others are stopped (and waited for) before raising, so none of them
    writes into the generation the caller is about to remove.
    """
    pending: dict[Any, int] = {
        _write_shard_task.options(name=TASK_NAME.format(shard=i), num_cpus=procs).remote(
            str(gen), i, paths, doc_type, procs, limitmb
        ): i
        for i in range(shards)
    }
    done: list[ShardBuild] = []
    shard = -1
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            shard = pending.pop(ready[0])
            done.append(ray.get(ready[0]))
    except BaseException as exc:  # a task failed, or the driver was interrupted (Ctrl+C)
        if pending:
            for ref in pending:
                ray.cancel(ref, force=True)
            ray.wait(list(pending), num_returns=len(pending), timeout=_STOP_WAIT)
        if isinstance(exc, RayError):
            raise BuildFailed(
                f"building shard {shard} of {shards} on Ray failed ({_cause(exc)}); nothing was published, "
                "the live index is unchanged"
            ) from None
        raise
    return done


def build_on_ray(
    settings: Settings,
    paths: Sequence[str | Path],
    shards: int | None,
    address: str | None,
    *,
    doc_type: str | None = None,
    procs: int = 1,
    limitmb: int = 128,
    allow_shrink: bool = False,
    num_cpus: int | None = None,
) -> WriteReport:
    """Rebuild ``settings.index_dir`` as ``shards`` shards written by Ray tasks, and publish it.

    ``address``: the cluster to join; None starts a local Ray instance on
    127.0.0.1 (``num_cpus`` CPUs, default all; call
    :func:`newssearch.cluster.use_loopback` first) and stops it at the end.
    Each task reserves ``procs`` CPUs. Paths are made absolute, since tasks
    run in other processes, maybe on other nodes.
    """
    if not shards or shards < 2:
        raise BadRequest("a build on Ray writes one task per shard: give --shards N (2 or more)", param="shards")
    if any(str(p) == "-" for p in paths):
        raise BadRequest("a build on Ray reads its input in every task: give files, not standard input", param="paths")
    inputs = [str(Path(p).resolve()) for p in paths]
    read_paths(inputs, doc_type=doc_type)  # checks doc_type here, not in every task
    store = IndexStore(settings.index_dir.resolve(), settings.keep_generations)
    try:
        connect(address, num_cpus=num_cpus)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterUnavailable(f"cannot join the Ray cluster at {address or 'a new local instance'}: {exc}") from None
    try:
        return store.build(
            shards,
            lambda gen: _run_tasks(gen, shards, inputs, doc_type, procs, limitmb),
            lock_timeout=settings.lock_timeout,
            allow_shrink=allow_shrink,
        )
    finally:
        ray.shutdown()
