"""The actions service: corrective tasks, committee backlog, journey map, contact policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.config import ActionsSettings
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.runtime import open_resources


def create_app(settings: ActionsSettings | None = None) -> FastAPI:
    settings = settings or ActionsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(app, settings, database=True):
            yield

    return create_service_app(
        settings,
        title="cxloop actions",
        description="Corrective tasks, committee backlog, journey map and contact policy.",
        lifespan=lifespan,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = ActionsSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
