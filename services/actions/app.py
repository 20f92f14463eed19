"""The actions service: corrective tasks, committee backlog, journey map, contact policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.backlog import endpoints as backlog_endpoints
from services.actions.committee import endpoints as committee_endpoints
from services.actions.config import ActionsSettings
from services.actions.consumers import consumer_specs
from services.actions.journey.endpoints import router as journey_map_router
from services.actions.journey.outbox import journey_map_relay
from services.actions.policy import endpoints as policy_endpoints
from services.actions.policy.coalescing import DecisionCoalescer
from services.actions.privacy import endpoints as privacy_endpoints
from services.actions.privacy import runtime as privacy_runtime
from services.actions.surveys import endpoints as survey_endpoints
from services.actions.surveys.campaign import RelationshipCampaign
from services.actions.tasks import endpoints as tasks_endpoints
from services.actions.tasks import runtime as tasks_runtime
from services.actions.tasks.sla import Clock, utcnow
from shared import journey_applied
from shared.auth import key_router
from shared.db.pool import read_pool
from shared.http import create_service_app
from shared.kafka.journey_watch import followed_journey_map
from shared.logging import configure_logging
from shared.runtime import open_resources, running_consumers


def create_app(settings: ActionsSettings | None = None, *, clock: Clock = utcnow) -> FastAPI:
    """``clock`` tells the time to SLAs, escalations and reports (tests move it)."""
    settings = settings or ActionsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            followed_journey_map(settings) as journey,
            open_resources(
                app, settings, database=True, publish_timeout=settings.publish_timeout_seconds
            ) as resources,
            tasks_runtime.started(app, settings, resources, journey, clock) as task_relay,
            privacy_runtime.started(app, settings, resources),
            read_pool(settings) as pool,
            read_pool(settings, plan_cache_mode="auto") as policy_pool,
        ):
            # plain asyncpg connections, no SQLAlchemy around them: the task list's
            # (tasks/listing.py) and the contact policy's, planned for their values; a
            # decision taken alone on a pool of its own, whose statements plan the same
            # whatever the values (policy/coalescing.py)
            app.state.read_pool = pool
            app.state.decisions = DecisionCoalescer(
                policy_pool.acquire, pool.acquire, settings.policy_decision_batches
            )
            assert resources.sessions is not None
            app.state.journey = journey
            app.state.sessions = resources.sessions
            relay = journey_map_relay(
                resources.sessions, resources.publisher, settings.republish_retry_seconds
            )
            app.state.journey_map_relay = relay
            specs = consumer_specs(settings, journey, task_relay)
            campaign = RelationshipCampaign(
                settings, resources.sessions, resources.publisher, journey
            )
            async with (
                relay.running(),
                campaign.running(),
                running_consumers(app, settings, resources, specs),
            ):
                yield

    return create_service_app(
        settings,
        title="cxloop actions",
        description="Corrective tasks, committee backlog, journey map and contact policy.",
        lifespan=lifespan,
        # FastAPI tries the routes in this order: the contact policy's, the most called,
        # first (matching the twenty others before them cost ~3 % of a decision's CPU).
        routers=(
            policy_endpoints.router,
            journey_map_router,
            journey_applied.router,
            tasks_endpoints.router,
            backlog_endpoints.router,
            survey_endpoints.router,
            committee_endpoints.router,
            privacy_endpoints.router,
            key_router,
        ),
        body_limits={
            journey_map_router.prefix: settings.journey_map_max_bytes,
            **policy_endpoints.BODY_LIMITS,
        },
        signs_cursors=True,
    )


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = ActionsSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
