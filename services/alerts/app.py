"""The alerts service: alert rules on moments, and signed webhooks to referents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from services.alerts.consumers import consumer_specs
from services.alerts.privacy import runtime as privacy_runtime
from services.alerts.rules import endpoints as rules_endpoints
from services.alerts.webhooks import endpoints as webhooks_endpoints
from services.alerts.webhooks import runtime as webhooks_runtime
from shared import journey_applied
from shared.http import create_service_app
from shared.kafka.journey_watch import followed_journey_map
from shared.logging import configure_logging
from shared.runtime import open_resources, running_consumers


def create_app(settings: AlertsSettings | None = None) -> FastAPI:
    settings = settings or AlertsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            followed_journey_map(settings) as journey,
            open_resources(app, settings, database=True) as resources,
            webhooks_runtime.started(app, settings, resources) as webhook_wakeup,
            privacy_runtime.started(app, settings, resources),
            running_consumers(
                app, settings, resources, consumer_specs(settings, journey, webhook_wakeup)
            ),
        ):
            app.state.journey = journey
            app.state.sessions = resources.sessions
            yield

    return create_service_app(
        settings,
        title="cxloop alerts",
        description="Alert rules on moments of truth, and signed webhooks to referents.",
        lifespan=lifespan,
        routers=(rules_endpoints.router, webhooks_endpoints.router, journey_applied.router),
        signs_cursors=True,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = AlertsSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
