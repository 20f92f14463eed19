"""The scoring service. Per-customer lived experience and touchpoint statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.scoring.config import ScoringSettings
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.runtime import open_resources


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or ScoringSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(app, settings, database=True):
            yield

    return create_service_app(
        settings,
        title="cxloop scoring",
        description="Per-customer lived experience and touchpoint statistics.",
        lifespan=lifespan,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = ScoringSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
