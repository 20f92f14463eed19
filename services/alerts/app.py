"""The alerts service. Alert rules on moments of truth, and signed webhooks to referents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.runtime import open_resources


def create_app(settings: AlertsSettings | None = None) -> FastAPI:
    settings = settings or AlertsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(app, settings, database=True):
            yield

    return create_service_app(
        settings,
        title="cxloop alerts",
        description="Alert rules on moments of truth, and signed webhooks to referents.",
        lifespan=lifespan,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = AlertsSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
