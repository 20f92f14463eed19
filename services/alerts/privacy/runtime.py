"""What the privacy part of alerts runs: the erasure consumer, and the retention purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from services.alerts.models import customer_erasure
from services.alerts.privacy import retention
from services.alerts.privacy.erasure import erase_customer
from shared.erasure import ErasureConsumer
from shared.kafka.runner import ConsumerSpec
from shared.retention import Retention
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: AlertsSettings, resources: Resources
) -> AsyncIterator[list[ConsumerSpec]]:
    """Purge in the background; yield the consumer of erasure requests."""
    assert resources.sessions is not None, "privacy needs the database"
    app.state.retention = Retention(
        resources.sessions,
        retention.purges(settings),
        interval=settings.retention_interval_seconds,
        batch=settings.retention_batch,
    )
    async with app.state.retention.running():
        yield [ErasureConsumer("alerts", customer_erasure, erase_customer).spec("alerts-privacy")]
