"""What the corrective tasks run for the life of the actions service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.outbox import OutboxRelay
from services.actions.tasks.config import TaskSettings
from services.actions.tasks.escalation import EscalationSweep
from services.actions.tasks.metrics import task_gauges
from services.actions.tasks.outbox import task_change_relay
from services.actions.tasks.service import TaskContext
from services.actions.tasks.sla import Clock, utcnow
from shared.kafka.journey_watch import JourneyMapHolder
from shared.metrics import sampling
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI,
    settings: TaskSettings,
    resources: Resources,
    journey: JourneyMapHolder,
    clock: Clock = utcnow,
) -> AsyncIterator[OutboxRelay]:
    """Start the outbox relay and the escalation sweep; yield the relay (the consumers
    that open tasks wake it); stop both on exit (a change left unpublished goes out at the
    next start)."""
    assert resources.sessions is not None, "tasks need the database"
    relay = task_change_relay(settings, resources.sessions, resources.publisher)
    sweep = EscalationSweep(settings, resources.sessions, journey, relay, clock)
    app.state.tasks = TaskContext(settings, journey, relay, clock)
    app.state.escalation = sweep
    gauges = task_gauges(resources.sessions, clock)
    async with (
        relay.running(),
        sweep.running(),
        sampling(gauges, every=settings.metrics_sample_seconds),
    ):
        yield relay
