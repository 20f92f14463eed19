"""What the backlog part of actions runs for the life of the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.backlog.config import BacklogSettings
from services.actions.backlog.handlers import BacklogHandlers
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: BacklogSettings, resources: Resources, journey: JourneyMapHolder
) -> AsyncIterator[list[ConsumerSpec]]:
    """Yield the backlog's consumers (spikes, tasks, negatives); nothing runs besides them."""
    yield BacklogHandlers(settings, journey).specs()
