"""The scoring service: per-customer lived experience and touchpoint statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.scoring.committee.endpoints import router as committee_router
from services.scoring.config import ScoringSettings
from services.scoring.consumers import consumer_specs
from services.scoring.experience.endpoints import router as experience_router
from services.scoring.experience.service import ExperienceService
from services.scoring.privacy import retention
from services.scoring.stats.endpoints import router as stats_router
from services.scoring.voice.endpoints import router as voice_router
from services.scoring.voice.lexicon import warm
from services.scoring.voice.schemas import ANALYSE_MAX_BYTES
from shared import journey_applied
from shared.db.pool import read_pool
from shared.http import create_service_app
from shared.kafka.journey_watch import followed_journey_map
from shared.logging import configure_logging
from shared.retention import Retention
from shared.runtime import open_resources, running_consumers


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or ScoringSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            followed_journey_map(settings) as journey,
            open_resources(app, settings, database=True) as resources,
            # The experience read finds one customer by key: its plan does not depend on the
            # values, so the generic plan made once per connection serves; re-planned each
            # time (the engine's force_custom_plan) it cost PostgreSQL twice the CPU.
            read_pool(settings, plan_cache_mode="auto") as pool,
        ):
            app.state.read_pool = pool  # the customer experience read's (shared.db.pool)
            app.state.journey = journey
            warm()  # the lexicons and dictionaries, before the first request needs them
            app.state.sessions = resources.sessions
            assert resources.sessions is not None
            specs = consumer_specs(settings, ExperienceService(settings, journey))
            app.state.retention = Retention(
                resources.sessions,
                retention.purges(settings),
                interval=settings.retention_interval_seconds,
                batch=settings.retention_batch,
            )
            async with (
                running_consumers(app, settings, resources, specs),
                app.state.retention.running(),
            ):
                yield

    return create_service_app(
        settings,
        title="cxloop scoring",
        description="Per-customer lived experience (LXI) and touchpoint statistics.",
        lifespan=lifespan,
        routers=(
            experience_router,
            stats_router,
            journey_applied.router,
            voice_router,
            committee_router,
        ),
        body_limits={"/v1/verbatims/analyse": ANALYSE_MAX_BYTES},
        signs_cursors=True,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = ScoringSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
