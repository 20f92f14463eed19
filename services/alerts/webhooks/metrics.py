"""Prometheus metrics of webhook delivery (see docs/operations.md, "Metrics")."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.timing import utcnow
from shared.metrics import Sample, SampledGauge

ATTEMPTS = Counter(
    "cxloop_webhook_attempts",
    "Delivery attempts by what they did to the delivery: succeeded, retrying, dead_lettered"
    " (no attempt left), gone (410, endpoint disabled), disabled (failing too long),"
    " lease_lost or not_recorded (nothing changed).",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "cxloop_webhook_attempt_duration_seconds",
    "Delivery attempts by result: the status class (2xx, 4xx…), timeout, refused or error.",
    ["result"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PENDING = Gauge(
    "cxloop_webhook_deliveries_pending",
    "Pending deliveries: due (waiting for a worker) or later (a retry or a lease running).",
    ["state"],
)


def pending_deliveries(sessions: async_sessionmaker[AsyncSession]) -> SampledGauge:
    """``cxloop_webhook_deliveries_pending``, counted in the database when sampled."""

    async def sample() -> Sample:
        async with sessions() as session:
            due, later = await DeliveryRepository(session).pending_counts(utcnow())
        return {("due",): due, ("later",): later}

    return SampledGauge(PENDING, sample)
