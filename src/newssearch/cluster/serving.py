"""``newssearch serve --ray``: deploy the service on a Ray cluster and serve until stopped.

:func:`application` is the Serve application (one :class:`~.shard.IndexShard`
deployment per shard of the index, one :class:`~.ingress.Ingress`);
:func:`serve_on_ray` starts or joins Ray, runs it behind Serve's HTTP proxy
and takes it down again on SIGINT or SIGTERM.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import signal
import threading
from typing import Any

import ray
from ray import serve

from ..config import Settings
from ..indexer import IndexStore
from . import ClusterUnavailable
from .ingress import INGRESS_CONCURRENCY, Ingress
from .shard import IndexShard

log = logging.getLogger(__name__)

#: The Serve application's name (``serve status`` shows it).
APP_NAME = "newssearch"
#: Requests a search replica takes at once (the engine is thread-safe; searches are CPU work).
SHARD_CONCURRENCY = 8
#: Replicas the autoscaler aims at per ongoing request.
TARGET_ONGOING_REQUESTS = 2


def replica_options(settings: Settings) -> dict[str, Any]:
    """Serve's replica count (fixed, or autoscaling bounds) from the settings."""
    if settings.ray_max_replicas:
        return {
            "autoscaling_config": {
                "min_replicas": settings.ray_min_replicas,
                "initial_replicas": settings.ray_replicas,
                "max_replicas": settings.ray_max_replicas,
                "target_ongoing_requests": TARGET_ONGOING_REQUESTS,
            }
        }
    return {"num_replicas": settings.ray_replicas}


def application(settings: Settings) -> Any:
    """The Serve application: a deployment per shard of the index (one for an
    index of one shard) and the ingress.

    The index folder is made absolute: replicas run in other processes, maybe
    on other nodes, which must all see it at the same path.
    """
    settings = dataclasses.replace(settings, index_dir=settings.index_dir.resolve())
    count = IndexStore(settings.index_dir).shard_count()
    replicas = replica_options(settings)
    shards = [
        serve.deployment(
            IndexShard,
            name=f"shard{i}",
            max_ongoing_requests=SHARD_CONCURRENCY,
            ray_actor_options={"num_cpus": settings.ray_replica_cpus},
            **replicas,
        ).bind(str(settings.index_dir), settings, i if count > 1 else None, count)
        for i in range(count)
    ]
    ingress = serve.deployment(
        Ingress,
        name="ingress",
        max_ongoing_requests=INGRESS_CONCURRENCY,
        # Its threads wait on the shards; the CPU work is theirs.
        ray_actor_options={"num_cpus": 0},
        **replicas,
    )
    return ingress.bind(shards, settings)


def needed_cpus(settings: Settings, shards: int) -> float:
    """The CPUs the search replicas reserve at start: every shard's initial replicas."""
    return shards * settings.ray_replicas * settings.ray_replica_cpus


def connect(address: str | None, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or start a local Ray instance on 127.0.0.1.

    The local instance has no dashboard and ``num_cpus`` CPUs (default: all). Call
    :func:`newssearch.cluster.use_loopback` before Ray is first imported, or
    Ray advertises the machine's interface address instead of 127.0.0.1.
    """
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        ray.init(
            _node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False,
            logging_level=logging.WARNING, num_cpus=num_cpus,
        )


def start(settings: Settings, host: str, port: int) -> None:
    """Deploy the application on the connected cluster, behind an HTTP proxy on the head node.

    A cluster without the CPUs every search replica reserves is refused at
    once: Serve would wait for ever for the replicas it cannot place."""
    shards = IndexStore(settings.index_dir).shard_count()
    needed = needed_cpus(settings, shards)
    available = float(ray.cluster_resources().get("CPU", 0.0))
    if needed > available:
        raise ClusterUnavailable(
            f"{shards} shard{'s' if shards > 1 else ''} × {settings.ray_replicas} replicas × "
            f"{settings.ray_replica_cpus:g} CPU need {needed:g} CPUs, the cluster has {available:g}: "
            "add nodes, or lower ray_replicas or ray_replica_cpus (NEWSSEARCH_RAY_REPLICA_CPUS=0.5 shares a CPU)"
        )
    serve.start(proxy_location="HeadOnly", http_options={"host": host, "port": port})
    serve.run(application(settings), name=APP_NAME, route_prefix="/", blocking=False)


def serve_on_ray(settings: Settings, address: str | None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and page on Ray until SIGINT or SIGTERM, then take the deployment down.

    With ``address``, the application joins that cluster and is deleted from
    it at the end (the cluster and Serve's proxies stay); without, the local
    Ray instance started here is stopped with it.
    """
    # A local instance gets the CPUs the replicas reserve, at least the machine's
    # (Ray's CPUs are a scheduling count: a small machine still runs every shard).
    shards = IndexStore(settings.index_dir).shard_count()
    connect(address, None if address else max(os.cpu_count() or 1, math.ceil(needed_cpus(settings, shards))))
    # After ray.init, which sets handlers of its own for the driver.
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        start(settings, host, port)
        log.info("serving on Ray at http://%s:%d/", host, port)
        print(f"newssearch on Ray: http://{host}:{port}/ (Ctrl+C stops)", flush=True)
        stop.wait()
    finally:
        if address:
            serve.delete(APP_NAME)
        else:
            serve.shutdown()
        ray.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
