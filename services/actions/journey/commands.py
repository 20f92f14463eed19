"""Loading a journey map from a file, outside the API: ``cxloop journey-map load`` and ``make run``.

The same service functions as ``PUT /v1/journey-map``: one transaction stores the version,
and the current version is published after its commit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.config import ActionsSettings
from services.actions.journey import service
from shared.db.session import create_engine, create_sessionmaker
from shared.kafka.producer import (
    BrokerUnavailable,
    EventPublisher,
    create_producer,
    start_when_reachable,
)

EXAMPLE = Path(__file__).parent / "examples" / "retailer.yaml"


@dataclass(frozen=True)
class Loaded:
    version: int
    checksum: str
    created: bool
    published: bool


def media_type_of(path: Path) -> str:
    return "application/json" if path.suffix.lower() == ".json" else "application/yaml"


async def load_file(
    settings: ActionsSettings, path: Path, created_by: str, *, keep_current: bool = False
) -> Loaded:
    """Validate, store and publish the map in ``path`` (``.json``, else YAML).

    ``published`` is false when the broker did not acknowledge; the version stays stored and
    the actions service publishes it when it starts.

    :raises OSError: the file cannot be read.
    :raises ProblemError: 400 or 422 when the file is not a valid journey map.
    :raises KafkaError: no broker answers; nothing is stored.
    :raises IdempotenceRefused: the broker refuses the producer as configured; nothing is
        stored.
    """
    document = await asyncio.to_thread(path.read_bytes)
    journey_map = service.read_journey_map(document, media_type_of(path))
    engine = create_engine(settings)
    producer = create_producer(settings)
    sessions = create_sessionmaker(engine)
    source = f"/cxloop/{settings.service_name}"
    publisher = EventPublisher(producer, source, settings.publish_timeout_seconds)
    try:
        await start_when_reachable(
            producer, settings.startup_wait_seconds, idempotent=settings.kafka_enable_idempotence
        )
        async with sessions() as session, session.begin():
            saved = await service.save_version(
                session, journey_map, created_by, keep_current=keep_current
            )
        published = await _publish(sessions, publisher)
    finally:
        await producer.stop()
        await engine.dispose()
    return Loaded(saved.version.version, saved.version.checksum, saved.created, published)


async def _publish(sessions: async_sessionmaker[AsyncSession], publisher: EventPublisher) -> bool:
    try:
        async with sessions() as session, session.begin():
            await service.publish_current(session, publisher)
    except BrokerUnavailable:
        return False
    return True
