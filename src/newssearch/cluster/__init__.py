"""Past one machine: the search service on a Ray cluster, and builds as Ray tasks (the ``cluster`` extra).

``newssearch index PATHS... --ray [ADDRESS] --shards N`` (:mod:`.build`) writes
the shards of a rebuild as one Ray task each and publishes them on the driver.
``newssearch serve --ray [ADDRESS]`` deploys one Ray Serve application:

* **Index shards** (:mod:`.shard`): one deployment per shard of the index
  (``newssearch index --shards N``), each with ``ray_replicas`` replicas (or
  autoscaled between ``ray_min_replicas`` and ``ray_max_replicas``). Every
  replica holds an :class:`~newssearch.search.Engine` over its shard, read
  with the whole index's statistics, so the index folder must be readable
  at the same path on every node (a shared path).
* **Ingress** (:mod:`.ingress`): the same Flask app as ``newssearch serve``
  (API, page, write API, metrics) behind Serve's HTTP proxy. Its engine is a
  :class:`~.router.ClusterEngine`, which sends each search to every shard
  (again to those that decided on readings of their own), sends a read again
  when the replica serving it dies, and merges the answers (:mod:`.merge`);
  a shard that does not answer in time makes a search answer ``"partial": true``.

Only this package imports Ray; without the extra it raises
:class:`ClusterUnavailable`, which names the extra to install.
"""

from __future__ import annotations

import importlib.util
import os

from ..errors import NewsSearchError

__all__ = ["EXTRA_HINT", "ClusterUnavailable", "require_ray", "use_loopback"]

#: How to get what this package needs.
EXTRA_HINT = "pip install 'newssearch[cluster]'"
#: Ray reads this when it is imported: "0" keeps a local instance on 127.0.0.1.
LOOPBACK_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class ClusterUnavailable(NewsSearchError):
    """Ray is not installed, or the cluster cannot be reached (HTTP 503)."""

    status = 503


def require_ray(purpose: str = "serving on Ray") -> None:
    """Raise :class:`ClusterUnavailable` naming the extra unless Ray Serve can be imported
    (``purpose``: what needs it, for the message)."""
    # Top-level names only: looking up a submodule would import Ray (see use_loopback).
    for module in ("ray", "starlette", "a2wsgi"):  # starlette comes with ray[serve]
        if importlib.util.find_spec(module) is None:
            raise ClusterUnavailable(f"{purpose} needs the cluster extra ({module} is missing): {EXTRA_HINT}")


def use_loopback() -> None:
    """Make the local Ray instance this process starts use 127.0.0.1, not the machine's address.

    Without it Ray replaces 127.0.0.1 by the machine's interface address (a
    multi-node habit). Ray reads the variable when it is first imported, so
    this must run before that; a process that joins a cluster must not call it.
    """
    os.environ[LOOPBACK_VARIABLE] = "0"
