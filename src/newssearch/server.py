"""Run the web service: gunicorn with several workers, or Flask's reloader for development.

``serve`` is what ``newssearch serve`` and ``newssearch demo`` call. Gunicorn
runs programmatically (its ``BaseApplication``) with ``preload_app=False``, so
each worker process builds its own app and opens the index itself; workers
only read the index, they never build one. ``deploy/gunicorn.conf.py`` runs
the same options under the ``gunicorn`` command.

Before the workers start, :func:`prepare_metrics_dir` gives them an empty
``PROMETHEUS_MULTIPROC_DIR`` (the one set in the environment, emptied, or a
new temporary folder), so ``/metrics`` adds up the counts of every worker and
starts from zero at each start.

Workers are gevent workers: every connection is a greenlet, so clients that
send their request slowly, or keep a connection open and send nothing, wait
in the event loop and hold no thread (with gunicorn's threaded worker, eight
such clients took every thread of two workers and the service stopped
answering). A request's head must arrive within ``keepalive`` seconds or the
connection is closed. A request runs once it has fully arrived; a search is CPU work
that holds its worker's loop, which is why every search and suggestion has a
time budget (``Settings.search_budget``). On the internet, put a buffering
reverse proxy in front as well (``deploy/nginx.conf``; see the README).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .config import Settings
from .logs import logging_config

#: prometheus-client's multi-process folder variable (read when the first metric is made).
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

#: Gunicorn's largest request line; the app answers 413 itself below this.
REQUEST_LINE_LIMIT = 8190
#: Open connections one worker holds at most (idle and slow ones included).
WORKER_CONNECTIONS = 1000


def default_workers() -> int:
    """One worker per CPU, at least 2 and at most 8."""
    return max(2, min(os.cpu_count() or 1, 8))


def app_config(settings: Settings) -> dict[str, Any]:
    """``settings`` as the ``test_config`` mapping ``create_app`` takes (every field)."""
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


def make_app(settings: Settings) -> Flask:
    """The Flask app for ``settings``."""
    from .web import create_app

    return create_app(app_config(settings))


def bind_address(host: str, port: int) -> str:
    """``host:port`` for gunicorn, bracketing IPv6 addresses."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class NewsSearchApplication(BaseApplication):  # type: ignore[misc]
    """Gunicorn running :func:`make_app` in every worker."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Copy our options into gunicorn's config (unknown keys are a programming error)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Called in each worker (``preload_app=False``): build the app there, warm it up."""
        app = make_app(self.settings)
        warm_up(app)
        return app


def warm_up(app: Flask) -> None:
    """Open the index and run one search so a worker's first visitor does not wait.

    The first search of a process loads column arrays and place data (about a
    second on the sample). No index yet is fine: the service answers 503 until
    one is built.
    """
    from .errors import NewsSearchError
    from .models import SearchRequest

    with app.app_context():
        engine = app.extensions["newssearch"]
        try:
            engine.search(SearchRequest(q="hà nội"))
            engine.suggest("ha")
        except NewsSearchError as exc:
            app.logger.warning("not warmed up: %s", exc.message)


def prepare_metrics_dir() -> Path:
    """An empty multi-process metrics folder, named in the environment the workers inherit.

    The folder in ``$PROMETHEUS_MULTIPROC_DIR`` is emptied (counts left by a
    previous run would be added to the new ones); without it a temporary
    folder is made, and removed again by :func:`remove_metrics_dir`.
    """
    given = os.environ.get(MULTIPROC_VARIABLE)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="newssearch-metrics-"))
        os.environ[MULTIPROC_VARIABLE] = str(path)
        os.environ["NEWSSEARCH_METRICS_TMP"] = str(path)
    return path


def remove_metrics_dir() -> None:
    """Remove the temporary metrics folder :func:`prepare_metrics_dir` made (not a configured one)."""
    made = os.environ.pop("NEWSSEARCH_METRICS_TMP", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)


def on_starting(server: Any) -> None:
    """Gunicorn hook, in the master before any worker: an empty metrics folder."""
    prepare_metrics_dir()


def on_exit(server: Any) -> None:
    """Gunicorn hook, in the master at shutdown: remove a temporary metrics folder."""
    remove_metrics_dir()


def child_exit(server: Any, worker: Any) -> None:
    """Gunicorn hook: a worker ended; drop its live gauges from the metrics folder."""
    from prometheus_client import multiprocess

    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook for ``deploy/gunicorn.conf.py``: warm up the app a worker has just loaded."""
    if isinstance(worker.wsgi, Flask):
        warm_up(worker.wsgi)


def gunicorn_options(host: str, port: int, workers: int | None, log_format: str = "json") -> dict[str, Any]:
    """Gunicorn settings for the service (also read by ``deploy/gunicorn.conf.py``)."""
    return {
        "bind": bind_address(host, port),
        "workers": workers if workers and workers > 0 else default_workers(),
        "worker_class": "gevent",
        "worker_connections": WORKER_CONNECTIONS,
        "preload_app": False,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": REQUEST_LINE_LIMIT,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        # The app writes one access line per request itself (no client addresses, see logs.py).
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": logging_config(log_format),
        "on_starting": on_starting,
        "on_exit": on_exit,
        "child_exit": child_exit,
        "proc_name": "newssearch",
        # Gunicorn 27 opens a control socket in ~/.gunicorn by default; two services would share it.
        "control_socket_disable": True,
    }


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    dev: bool = False,
) -> None:
    """Serve the search page and API on ``host:port`` until interrupted.

    ``dev`` runs Flask's development server with the reloader and debugger
    (never expose that beyond your machine); otherwise gunicorn with
    ``workers`` processes (default: one per CPU, 2 to 8).
    """
    if dev:
        make_app(settings).run(host=host, port=port, debug=True, use_reloader=True)
        return
    NewsSearchApplication(settings, gunicorn_options(host, port, workers, settings.log_format)).run()
