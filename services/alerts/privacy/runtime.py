"""What the privacy part of alerts runs besides its consumer: the retention purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from services.alerts.privacy import retention
from shared.retention import Retention
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: AlertsSettings, resources: Resources
) -> AsyncIterator[None]:
    """Purge in the background for the life of the service."""
    assert resources.sessions is not None, "privacy needs the database"
    app.state.retention = Retention(
        resources.sessions,
        retention.purges(settings),
        interval=settings.retention_interval_seconds,
        batch=settings.retention_batch,
    )
    async with app.state.retention.running():
        yield
