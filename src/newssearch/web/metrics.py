"""Prometheus metrics: requests, latency, errors, searches, and the index's size and age.

The counters are module-level objects of prometheus-client. Under gunicorn
each worker process counts on its own; when ``PROMETHEUS_MULTIPROC_DIR`` is
set (``newssearch serve`` sets it, see :mod:`newssearch.server`), every
worker writes its values into files there and ``/metrics`` adds them all up,
whichever worker answers the scrape. The index figures (documents, age of the
live generation) are read at scrape time, so they need no bookkeeping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ..errors import NewsSearchError

__all__ = ["CONTENT_TYPE_LATEST", "exposition", "observe_request", "observe_search"]

#: The variable prometheus-client reads (before the first metric is made) for multi-process mode.
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: Latency buckets in seconds: a search takes milliseconds; anything past a second is an incident.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "newssearch_http_requests", "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "newssearch_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
    ["endpoint"], buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "newssearch_http_errors", "Answers with an error status (4xx, 5xx), by endpoint and status.",
    ["endpoint", "status"],
)
SEARCHES = Counter("newssearch_searches", "Searches run, by where they came from (api or page).", ["source"])
ZERO_RESULTS = Counter(
    "newssearch_zero_result_searches", "Searches that found nothing, by where they came from.", ["source"]
)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if status >= 400:
        ERRORS.labels(endpoint, str(status)).inc()


def observe_search(source: str, total: int) -> None:
    """Count one search (and whether it found nothing)."""
    SEARCHES.labels(source).inc()
    if total == 0:
        ZERO_RESULTS.labels(source).inc()


class IndexCollector(Collector):
    """The index's document counts and the age of its live generation, read at scrape time."""

    def __init__(self, stats: Any) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        """Gauges from the current index statistics; nothing when there is no index."""
        try:
            data = self._stats()
        except NewsSearchError:
            return
        docs = GaugeMetricFamily("newssearch_index_documents", "Documents in the live index, by type.",
                                 labels=["type"])
        for kind, count in data.get("by_type", {}).items():
            docs.add_metric([kind], count)
        yield docs
        updated = _parse_time(data.get("updated"))
        if updated is not None:
            age = (datetime.now(UTC) - updated).total_seconds()
            yield GaugeMetricFamily(
                "newssearch_index_generation_age_seconds",
                "Seconds since the live index was last written.", value=max(0.0, age),
            )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def exposition(stats: Any) -> bytes:
    """The text format of every metric: this process's (or all workers') plus the index gauges."""
    if os.environ.get(MULTIPROC_VARIABLE):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    index = CollectorRegistry()
    index.register(IndexCollector(stats))
    return own + generate_latest(index)
