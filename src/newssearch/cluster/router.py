"""The ingress's engine: every read sent to the index shards' deployments, answers merged.

:class:`ClusterEngine` has the methods of :class:`~newssearch.search.Engine`
that the web app calls, so the Flask app runs unchanged on top of it. Each
read goes to every shard at once (:meth:`ClusterEngine._ask`), within
``ray_shard_timeout`` seconds for all of them:

* a replica that dies while it holds the read (its process killed, its node
  lost) fails the call; the read is sent again, to another replica of the
  same shard, up to ``ray_retries`` times (reads change nothing, so sending
  one twice is safe);
* a shard that does not answer in time is left out: a search answers with
  what the other shards found and says ``"partial": true`` with the shards
  left out; a read that needs every shard (statistics), or the one that
  holds a document, answers 503 instead of a wrong answer.

The shards are a list of deployment handles; :mod:`.merge` makes one answer
of theirs (with one shard, the answer itself).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from ray.exceptions import NodeDiedError, RayActorError, RayTaskError, WorkerCrashedError
from ray.serve.exceptions import DeploymentUnavailableError, ReplicaUnavailableError

from ..autocomplete import combine
from ..budget import Deadline
from ..config import Settings
from ..errors import NewsSearchError
from ..ids import normalize_id
from ..models import Hit, SearchRequest, SearchResult
from ..store import shard_of
from . import ClusterUnavailable
from .merge import merge_related, search_shards

log = logging.getLogger(__name__)

#: Failures that mean the replica (or its node) went away, not that the read is wrong.
REPLICA_LOST = (RayActorError, WorkerCrashedError, NodeDiedError, ReplicaUnavailableError, DeploymentUnavailableError)
#: Seconds the index version is reused for ETags before a shard is asked again.
VERSION_SECONDS = 1.0
#: Seconds before a read is sent again after its replica died.
RETRY_PAUSE = 0.05
#: Documents per message of an export.
EXPORT_BATCH = 500


class ClusterEngine:
    """Reads of the web app, answered by index shard deployments (thread-safe)."""

    def __init__(self, shards: Sequence[Any], settings: Settings) -> None:
        if not shards:
            raise ValueError("a cluster engine needs at least one shard")
        self.shards = list(shards)
        self.settings = settings
        self._lock = threading.Lock()
        self._version: tuple[float, str] | None = None
        self._versions: dict[int, str] = {}

    def _ask(self, method: str, *args: Any, to: Sequence[int] | None = None) -> list[Any]:
        """``method(*args)`` of every shard (or of the shards ``to``); ``None`` for
        a shard that did not answer in time.

        The user's errors (a document that is not there, no index yet) are
        raised as the shard raised them.
        """
        asked = range(len(self.shards)) if to is None else to
        deadline = time.monotonic() + self.settings.ray_shard_timeout
        calls = [getattr(self.shards[n], method).remote(*args) for n in asked]
        answers: list[Any] = []
        for n, call in zip(asked, calls, strict=True):
            retries = self.settings.ray_retries
            while True:
                try:
                    answers.append(call.result(timeout_s=max(deadline - time.monotonic(), 0.0)))
                    break
                except TimeoutError:
                    call.cancel()
                    answers.append(None)
                    break
                except RayTaskError as exc:
                    if isinstance(exc.cause, NewsSearchError):
                        raise exc.cause from None
                    raise
                except REPLICA_LOST as exc:
                    if retries <= 0 or time.monotonic() >= deadline:
                        log.warning("shard %d: %s failed, no retry left: %s", n, method, type(exc).__name__)
                        answers.append(None)
                        break
                    retries -= 1
                    log.warning("shard %d: the replica was lost during %s (%s); asking another",
                                n, method, type(exc).__name__)
                    # Give Serve a moment to learn that the replica is gone.
                    time.sleep(RETRY_PAUSE)
                    call = getattr(self.shards[n], method).remote(*args)
        return answers

    def _ask_all(self, method: str, *args: Any, to: Sequence[int] | None = None) -> list[Any]:
        """Like :meth:`_ask`, but every shard asked must answer (503 otherwise)."""
        answers = self._ask(method, *args, to=to)
        asked = range(len(self.shards)) if to is None else to
        missing = [n for n, a in zip(asked, answers, strict=True) if a is None]
        if missing:
            raise ClusterUnavailable(
                f"index shard {', '.join(map(str, missing))} did not answer within "
                f"{self.settings.ray_shard_timeout:g} s; try again"
            )
        return answers

    def search(self, req: SearchRequest) -> SearchResult:
        """One search over every shard (``"partial": true`` when some did not
        answer), in as many rounds as the shards need to agree (:func:`.merge.search_shards`)."""
        return search_shards(req, len(self.shards), lambda sreq, plan, to: self._ask("search_shard", sreq, plan, to=to))

    def suggest(self, prefix: str, limit: int = 8, deadline: Deadline | None = None) -> list[dict[str, Any]]:
        """Autocomplete from every shard; ``deadline.timed_out`` when one ran out of time or did not answer."""
        answers = self._ask("completions", prefix, limit)
        if deadline is not None and any(a is None or a[1] for a in answers):
            deadline.timed_out = True
        return combine([a[0] for a in answers if a is not None], limit)

    def get(self, doc_id: str) -> dict[str, Any]:
        """The stored document, from the shard that holds it."""
        document: dict[str, Any] = self._owner("get", doc_id)
        return document

    def related(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents similar to ``doc_id``: the shard that holds it reads what to
        look for, every shard answers it, the lists are merged (a shard that
        does not answer in time is left out of this side list)."""
        query = self._owner("related_query", doc_id)
        return merge_related([a for a in self._ask("related_to", query, limit) if a is not None], limit)

    def _owner(self, method: str, doc_id: str, *args: Any) -> Any:
        """``method`` of the shard that holds ``doc_id`` (NotFound when it does not):
        the shard its id is placed in (:func:`newssearch.store.shard_of`)."""
        owner = shard_of(normalize_id(doc_id), len(self.shards))
        return self._ask_all(method, doc_id, *args, to=[owner])[0]

    def version(self) -> str:
        """The index version for ETags: the shards' versions, asked at most once a second.

        A shard that does not answer keeps the version it last had, so that a
        search can still answer, partially, rather than fail on its ETag.
        """
        now = time.monotonic()
        with self._lock:
            if self._version is not None and now - self._version[0] < VERSION_SECONDS:
                return self._version[1]
        answers = self._ask("version")
        with self._lock:
            for n, answer in enumerate(answers):
                if answer is not None:
                    self._versions[n] = answer
            # Each shard knows the whole index's version; replicas between two
            # generations show both.
            version = "+".join(dict.fromkeys(self._versions.get(n, "unknown") for n in range(len(self.shards))))
            self._version = (now, version)
        return version

    def stats(self) -> dict[str, Any]:
        """Statistics of the index (every shard must answer; each knows the whole index's)."""
        stats: dict[str, Any] = self._ask_all("stats")[0]
        return stats

    def iter_documents(self, req: SearchRequest, batch: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
        """Every match of ``req`` in order, streamed from the shard (exports, one shard only)."""
        if len(self.shards) != 1:
            raise ClusterUnavailable("exports read one index shard; this cluster serves several", param="format")
        stream = self.shards[0].options(stream=True).documents.remote(req, batch)
        chunks = iter(stream)
        try:
            first: list[dict[str, Any]] = next(chunks, [])  # the matching runs now: the user's errors surface here
        except RayTaskError as exc:
            if isinstance(exc.cause, NewsSearchError):
                raise exc.cause from None
            raise
        return _flatten(first, chunks)


def _flatten(first: list[dict[str, Any]], rest: Iterator[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    yield from first
    for chunk in rest:
        yield from chunk
