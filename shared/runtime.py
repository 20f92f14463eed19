"""The process-wide resources of a service, opened in its lifespan and closed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.config import ServiceSettings
from shared.db.session import create_engine, create_sessionmaker, ping
from shared.kafka.producer import (
    EventPublisher,
    create_producer,
    ping_broker,
    start_when_reachable,
)


@dataclass
class Resources:
    producer: AIOKafkaProducer
    publisher: EventPublisher
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None


@asynccontextmanager
async def open_resources(
    app: FastAPI, settings: ServiceSettings, *, database: bool, publish_timeout: float = 10.0
) -> AsyncIterator[Resources]:
    """Start the producer (and the database engine), and register their readiness checks."""
    producer = create_producer(settings)
    await start_when_reachable(producer, settings.startup_wait_seconds)
    publisher = EventPublisher(producer, f"/cxloop/{settings.service_name}", publish_timeout)
    resources = Resources(producer, publisher)
    app.state.readiness["broker"] = lambda: ping_broker(producer)
    if database:
        resources.engine = create_engine(settings)
        resources.sessions = create_sessionmaker(resources.engine)
        engine = resources.engine
        app.state.readiness["database"] = lambda: ping(engine)
    try:
        yield resources
    finally:
        await producer.stop()
        if resources.engine is not None:
            await resources.engine.dispose()
