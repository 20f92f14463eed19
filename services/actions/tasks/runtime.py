"""What the corrective tasks run for the life of the actions service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.tasks.config import TaskSettings
from services.actions.tasks.escalation import EscalationSweep
from services.actions.tasks.metrics import task_gauges
from services.actions.tasks.opening import TaskOpener
from services.actions.tasks.recovery import RecoveryFollower
from services.actions.tasks.relay import OutboxRelay
from services.actions.tasks.service import TaskContext
from services.actions.tasks.sla import Clock, utcnow
from shared.events.topics import ALERTS, MOMENTS
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec
from shared.metrics import sampling
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI,
    settings: TaskSettings,
    resources: Resources,
    journey: JourneyMapHolder,
    clock: Clock = utcnow,
) -> AsyncIterator[list[ConsumerSpec]]:
    """Start the outbox relay and the escalation sweep; yield the consumers of alerts and
    moments; stop both on exit (a change left unpublished goes out at the next start)."""
    assert resources.sessions is not None, "tasks need the database"
    relay = OutboxRelay(settings, resources.sessions, resources.publisher)
    sweep = EscalationSweep(settings, resources.sessions, journey, relay, clock)
    app.state.tasks = TaskContext(settings, journey, relay, clock)
    gauges = task_gauges(resources.sessions, clock)
    async with (
        relay.running(),
        sweep.running(),
        sampling(gauges, every=settings.metrics_sample_seconds),
    ):
        yield [
            ConsumerSpec(
                name="tasks",
                topics=(ALERTS,),
                group="actions-tasks",
                handler=TaskOpener(settings, journey, relay).apply,
                max_batch=settings.tasks_consumer_batch,
            ),
            ConsumerSpec(
                name="recovery",
                topics=(MOMENTS,),
                group="actions-recovery",
                handler=RecoveryFollower(settings).apply,
                max_batch=settings.recovery_consumer_batch,
            ),
        ]
