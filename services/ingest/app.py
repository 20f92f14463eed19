"""Ingest: where the website and call-centre systems post what customers live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.ingest.config import IngestSettings
from services.ingest.signals.endpoints import router
from services.ingest.signals.service import IngestService
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.runtime import open_resources


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(
            app, settings, database=False, publish_timeout=settings.publish_timeout_seconds
        ) as resources:
            app.state.ingest = IngestService(resources.publisher, settings)
            yield

    return create_service_app(
        settings,
        title="cxloop ingest",
        description="Interactions, survey responses and customer profiles, into Kafka.",
        lifespan=lifespan,
        routers=(router,),
        body_limits={"/v1/batch": settings.batch_max_bytes},
        default_body_limit=settings.event_max_bytes,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = IngestSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
