"""The process-wide resources of a service, opened in its lifespan and closed after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.background import repeating
from shared.config import ServiceSettings
from shared.db.session import create_engine, create_sessionmaker, ping
from shared.kafka.deadletter import DeadLetterLimitExceeded
from shared.kafka.producer import (
    EventPublisher,
    create_producer,
    ping_broker,
    start_when_reachable,
)
from shared.kafka.readiness import TopicGate
from shared.kafka.runner import ConsumerRunner, ConsumerSpec, ConsumerStalled
from shared.metrics import CONSUMER_STOPPED

log = structlog.get_logger(__name__)


@dataclass
class Resources:
    producer: AIOKafkaProducer
    publisher: EventPublisher
    gate: TopicGate | None = None
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None


@asynccontextmanager
async def open_resources(
    app: FastAPI, settings: ServiceSettings, *, database: bool, publish_timeout: float = 10.0
) -> AsyncIterator[Resources]:
    """Start the producer (and the database engine), and register their readiness checks."""
    producer = create_producer(settings)
    await start_when_reachable(
        producer, settings.startup_wait_seconds, idempotent=settings.kafka_enable_idempotence
    )
    gate = TopicGate(producer.client, settings)
    await gate.check()
    source = f"/cxloop/{settings.service_name}"
    publisher = EventPublisher(producer, source, publish_timeout, gate)
    resources = Resources(producer, publisher, gate)
    app.state.readiness["broker"] = lambda: _broker_ready(producer, gate)
    if database:
        resources.engine = create_engine(settings)
        resources.sessions = create_sessionmaker(resources.engine)
        engine = resources.engine
        app.state.readiness["database"] = lambda: ping(engine)
    try:
        async with repeating(gate.check, settings.kafka_topic_check_seconds, what="topic check"):
            yield resources
    finally:
        await producer.stop()
        if resources.engine is not None:
            await resources.engine.dispose()


async def _broker_ready(producer: AIOKafkaProducer, gate: TopicGate) -> None:
    """:raises KafkaError: the broker does not answer; :raises TopicsNotReady: it answers,
    but the topics are not verified since it was last lost."""
    await ping_broker(producer)
    await gate.require()


@asynccontextmanager
async def running_consumers(
    app: FastAPI,
    settings: ServiceSettings,
    resources: Resources,
    specs: Sequence[ConsumerSpec],
    restart_after: float = 10.0,
) -> AsyncIterator[list[ConsumerRunner]]:
    """Run each consumer in the background for the life of the app.

    A runner that stalls (see ``ConsumerStalled``) has committed nothing of its failing
    batch; it is started again after ``restart_after`` seconds, and ``/healthz`` reports
    it until its consumer has started again (one that never does keeps the process
    unhealthy, for its orchestrator to restart). A runner that reaches its dead-letter
    limit (``DeadLetterLimitExceeded``) is not started again: ``/healthz`` reports it until
    the process restarts. Both show in ``cxloop_consumer_stopped``. On exit every runner
    finishes its batch, commits and leaves its group.
    """
    assert resources.sessions is not None, "consumers need the database"
    runners = [
        ConsumerRunner(spec, settings, resources.sessions, resources.publisher, instance=i)
        for spec in specs
        for i in range(spec.instances)
    ]
    stalled: dict[str, str] = {}
    tasks = [asyncio.create_task(_supervise(r, stalled, restart_after)) for r in runners]
    app.state.liveness["consumers"] = lambda: "; ".join(stalled.values()) or None
    try:
        yield runners
    finally:
        for runner in runners:
            runner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _supervise(runner: ConsumerRunner, stalled: dict[str, str], pause: float) -> None:
    def started() -> None:
        stalled.pop(runner.label, None)
        CONSUMER_STOPPED.labels(runner.label, runner.spec.group, "stalled").set(0)

    while True:
        try:
            await runner.run(on_started=started)
            return
        except DeadLetterLimitExceeded as exc:
            stalled[runner.label] = f"dead-letter limit: {exc}"[:300]
            CONSUMER_STOPPED.labels(runner.label, runner.spec.group, "dead_letter_limit").set(1)
            log.error("consumer stopped until restart", consumer=runner.label, error=str(exc))
            return
        except (ConsumerStalled, KafkaError, OSError) as exc:
            stalled[runner.label] = f"{runner.label}: {exc}"[:300]
            CONSUMER_STOPPED.labels(runner.label, runner.spec.group, "stalled").set(1)
            log.error("consumer stopped, restarting", consumer=runner.label, error=repr(exc))
            if await runner.wait_stopped(pause):
                return
