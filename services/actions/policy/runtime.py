"""What the contact policy runs for the life of the actions service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.policy.config import PolicySettings
from services.actions.policy.handlers import PolicyHandlers
from shared.events.topics import CUSTOMERS, INTERACTIONS, TASK_EVENTS
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: PolicySettings, resources: Resources, journey: JourneyMapHolder
) -> AsyncIterator[list[ConsumerSpec]]:
    """Yield the policy's consumers: profiles, tasks (and recovery surveys), invitations
    at moments of truth. The endpoints read the map from ``app.state.journey`` and take
    their connections from ``app.state.policy_engine``."""
    app.state.policy_engine = resources.engine
    handlers = PolicyHandlers(settings, journey)
    batch = settings.policy_consumer_batch
    yield [
        ConsumerSpec(
            "policy-profiles", (CUSTOMERS,), "actions-policy-profiles", handlers.profiles, batch
        ),
        ConsumerSpec(
            "policy-tasks", (TASK_EVENTS,), "actions-policy-tasks", handlers.task_changes, batch
        ),
        ConsumerSpec(
            "invitations", (INTERACTIONS,), "actions-invitations", handlers.interactions, batch
        ),
    ]
