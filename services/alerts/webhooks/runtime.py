"""What the webhooks part of alerts runs for the life of the service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from services.alerts.webhooks.metrics import pending_deliveries
from services.alerts.webhooks.wakeup import Wakeup
from services.alerts.webhooks.worker import DeliveryWorker, create_client
from shared.metrics import sampling
from shared.runtime import Resources

log = structlog.get_logger(__name__)


@asynccontextmanager
async def started(
    app: FastAPI, settings: AlertsSettings, resources: Resources
) -> AsyncIterator[Wakeup]:
    """Start the delivery worker; yield what wakes it (the fan-out consumer does); on exit,
    let the sends in flight finish (each within ``WEBHOOK_TIMEOUT_SECONDS``) and stop."""
    assert resources.sessions is not None, "webhooks need the database"
    wakeup = Wakeup()
    app.state.webhook_wakeup = wakeup
    gauges = [pending_deliveries(resources.sessions)]
    async with (
        create_client(settings) as client,
        sampling(gauges, every=settings.metrics_sample_seconds),
    ):
        worker = DeliveryWorker(settings, resources.sessions, client, wakeup)
        task = asyncio.create_task(worker.run())
        app.state.liveness["webhook-worker"] = lambda: _failure(task)
        try:
            yield wakeup
        finally:
            worker.stop()
            await asyncio.gather(task, return_exceptions=True)


def _failure(task: asyncio.Task[None]) -> str | None:
    if not task.done():
        return None
    error = None if task.cancelled() else task.exception()
    return f"webhook worker stopped: {error!r}"
