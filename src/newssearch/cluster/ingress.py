"""The HTTP side on Ray Serve: the Flask app of ``newssearch serve``, engine swapped.

Serve's proxy speaks ASGI; the Flask app is WSGI, so a2wsgi runs it in a
thread pool of the ingress replica. Those threads wait on the shards'
answers (:class:`~.router.ClusterEngine`), which is why a replica takes
many requests at once although a search's CPU work happens in the shards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from a2wsgi import WSGIMiddleware
from ray import serve

from ..config import Settings
from ..server import make_app
from .router import ClusterEngine

#: Requests one ingress replica handles at once (threads mostly waiting on shards).
INGRESS_CONCURRENCY = 32


@serve.ingress()
class Ingress:
    """The web app (API, page, write API, metrics) over the index shards' deployments."""

    def __init__(self, shards: Sequence[Any], settings: Settings) -> None:
        self.flask = make_app(settings)
        # The app's one long-lived object is its engine: reads go to the shards instead.
        self.flask.extensions["newssearch"] = ClusterEngine(shards, settings)

    def __serve_build_asgi_app__(self) -> Any:
        """Serve's hook, called once the replica is built: the ASGI app it serves."""
        return WSGIMiddleware(self.flask, workers=INGRESS_CONCURRENCY)
