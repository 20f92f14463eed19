"""Ingest: where the website and call-centre systems post what customers live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.ingest.config import IngestSettings
from services.ingest.signals.endpoints import router
from services.ingest.signals.service import IngestService
from services.ingest.survey.endpoints import router as survey_router
from services.ingest.survey.invitations import InvitationLookup, lookup_client
from services.ingest.survey.pages import Renderer
from services.ingest.survey.service import SurveyPages
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.runtime import open_resources


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_resources(
                app, settings, database=False, publish_timeout=settings.publish_timeout_seconds
            ) as resources,
            _actions_client(settings) as actions,
        ):
            app.state.ingest = IngestService(resources.publisher, settings)
            lookup = InvitationLookup(actions)
            app.state.survey_pages = SurveyPages(lookup, resources.publisher, settings)
            yield

    app = create_service_app(
        settings,
        title="cxloop ingest",
        description="Interactions, survey responses and customer profiles, into Kafka; "
        "the hosted survey page customers open from their invitation link.",
        lifespan=lifespan,
        routers=(router, survey_router),
        body_limits={"/v1/batch": settings.batch_max_bytes},
        default_body_limit=settings.event_max_bytes,
    )
    app.state.survey_renderer = Renderer(settings.survey_organisation)
    return app


def _actions_client(settings: IngestSettings) -> httpx.AsyncClient:
    key = settings.actions_api_key.get_secret_value() if settings.actions_api_key else None
    return lookup_client(settings.actions_url, key, settings.actions_timeout_seconds)


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = IngestSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
