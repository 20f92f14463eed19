"""What the privacy part of actions runs besides its consumers: the relay of erasure
requests and the retention purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.config import ActionsSettings
from services.actions.privacy import retention
from services.actions.privacy.outbox import erasure_request_relay
from shared.retention import Retention
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: ActionsSettings, resources: Resources
) -> AsyncIterator[None]:
    assert resources.sessions is not None, "privacy needs the database"
    relay = erasure_request_relay(settings, resources.sessions, resources.publisher)
    app.state.erasure_relay = relay
    app.state.retention = Retention(
        resources.sessions,
        retention.purges(settings),
        interval=settings.retention_interval_seconds,
        batch=settings.retention_batch,
    )
    async with relay.running(), app.state.retention.running():
        yield
