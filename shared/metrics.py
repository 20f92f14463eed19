"""The Prometheus metrics every service shares, and gauges a service samples from its database.

Metrics live once per process, at module level, in prometheus_client's default registry
(several apps in one process, as in the tests, share them). Labels stay bounded: route
templates, status codes, topics, partitions, outcome classes; never a customer, event or
task id.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import structlog
from prometheus_client import Counter, Gauge, Histogram

from shared.background import repeating

log = structlog.get_logger(__name__)

REQUEST_SECONDS = Histogram(
    "cxloop_http_request_duration_seconds",
    "HTTP requests by method, route template and status code.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_CONSUMED = Counter(
    "cxloop_events_consumed",
    "Records a consumer processed and committed, by topic.",
    ["consumer", "group", "topic"],
)
EVENTS_PRODUCED = Counter(
    "cxloop_events_produced",
    "Events handed to the broker, by topic and outcome (acknowledged or failed).",
    ["topic", "outcome"],
)
DEAD_LETTERS = Counter(
    "cxloop_dead_letters",
    "Records parked on cx.deadletter, by consumer, its group and reason (undecodable or rejected).",
    ["consumer", "group", "reason"],
)
CONSUMER_LAG = Gauge(
    "cxloop_consumer_lag",
    "Records on a partition not yet processed: high watermark minus position.",
    ["consumer", "group", "topic", "partition"],
)
CONSUMER_STOPPED = Gauge(
    "cxloop_consumer_stopped",
    "1 while a consumer is stopped by a failure, by reason: stalled (restarted after a pause) "
    "or dead_letter_limit (stopped until its process restarts).",
    ["consumer", "group", "reason"],
)
BATCH_SECONDS = Histogram(
    "cxloop_consumer_batch_duration_seconds",
    "From a batch in hand to its offsets committed: decode, handle, publish, commit.",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SAMPLE_FAILURES = Counter(
    "cxloop_gauge_sample_failures",
    "Failed samplings of a sampled gauge (its values are then those of the last success).",
    ["gauge"],
)

M = TypeVar("M", Counter, Gauge, Histogram)
_children: dict[tuple[object, tuple[str, ...]], object] = {}


def child(metric: M, *labels: str) -> M:
    """``metric.labels(*labels)``, memoised: the hot paths skip its validation and lock.

    Not for series that are ever removed (the memo would keep a detached child).
    """
    key = (metric, labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found  # type: ignore[return-value]


Sample = Mapping[tuple[str, ...], float]


@dataclass(eq=False)
class SampledGauge:
    """A gauge whose values a service computes every few seconds, e.g. a count in its
    database. ``sample`` returns a value per label tuple (``()`` for an unlabelled gauge);
    a label tuple it no longer returns is removed from the gauge."""

    gauge: Gauge
    sample: Callable[[], Awaitable[Sample]]
    _shown: set[tuple[str, ...]] = field(default_factory=set)

    @property
    def name(self) -> str:
        family = next(iter(self.gauge.describe()))
        return str(family.name)

    async def refresh(self, within: float) -> None:
        """Sample once; on failure or timeout, log it, count it and keep the last values."""
        try:
            values = await asyncio.wait_for(self.sample(), within)
        except Exception as exc:
            child(SAMPLE_FAILURES, self.name).inc()
            log.warning("gauge not sampled", gauge=self.name, error=repr(exc))
            return
        for labels, value in values.items():
            (self.gauge.labels(*labels) if labels else self.gauge).set(value)
        for gone in self._shown - values.keys():
            self.gauge.remove(*gone)
        self._shown = {labels for labels in values if labels}


@asynccontextmanager
async def sampling(gauges: Sequence[SampledGauge], every: float) -> AsyncIterator[None]:
    """Refresh ``gauges`` now and every ``every`` seconds while the context is open.

    Scrapes read the last values and never wait on a database; each sample gets at most
    ``every`` seconds.
    """

    async def sample_all() -> None:
        for gauge in gauges:
            await gauge.refresh(within=every)

    async with repeating(sample_all, every, what="gauge sampling"):
        yield
