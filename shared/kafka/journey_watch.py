"""Follow the compacted ``cx.journey-map`` topic and keep the newest map in memory.

Every service that needs the map runs one watcher; a new version applies within the poll
interval, without restart. The topic is read from the start with no consumer group.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from shared.config import ServiceSettings
from shared.events.envelope import InvalidEnvelope, decode
from shared.events.topics import JOURNEY_MAP
from shared.journey import JourneyMap, JourneyMapPublished

log = structlog.get_logger(__name__)


class JourneyMapHolder:
    """The newest journey map seen, or None before the first one arrives.

    ``version`` is the one this process applies (0 before any), ``applied_at`` when it
    started to: ``GET /v1/journey-map/applied`` shows both.
    """

    def __init__(self, current: JourneyMap | None = None, version: int = 0) -> None:
        self.current = current
        self.version = version
        self.applied_at: datetime | None = None
        self.changed = asyncio.Event()

    def offer(self, published: JourneyMapPublished) -> bool:
        if published.version <= self.version:
            return False
        self.current, self.version = published.map, published.version
        self.applied_at = datetime.now(UTC)
        self.changed.set()
        log.info("journey map applied", version=published.version)
        return True


async def watch_journey_map(settings: ServiceSettings, holder: JourneyMapHolder) -> None:
    """Run until cancelled; reconnects by itself when the broker goes away."""
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-journey-map",
            enable_auto_commit=False,
        )
        try:
            await consumer.start()
            partition = TopicPartition(JOURNEY_MAP.name, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        _apply(holder, record.headers, record.key, record.value)
        except KafkaError as exc:
            log.warning("journey map watch interrupted", error=repr(exc))
            await asyncio.sleep(1)
        finally:
            await consumer.stop()


def _apply(
    holder: JourneyMapHolder, headers: object, key: bytes | None, value: bytes | None
) -> None:
    try:
        envelope = decode(list(headers or ()), key, value)  # type: ignore[call-overload]
    except InvalidEnvelope as exc:
        log.warning("unreadable journey map message", reason=str(exc)[:300])
        return
    if isinstance(envelope.data, JourneyMapPublished):
        holder.offer(envelope.data)


@asynccontextmanager
async def followed_journey_map(settings: ServiceSettings) -> AsyncIterator[JourneyMapHolder]:
    """A holder kept up to date by a background watcher for as long as the context lasts."""
    holder = JourneyMapHolder()
    watcher = asyncio.create_task(watch_journey_map(settings, holder))
    try:
        yield holder
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
