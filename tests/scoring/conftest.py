"""A real scoring service on the real broker and database, fed through Kafka.

The tests share one scoring consumer group across the session; each test uses its own
customers, so they never see each other's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.scoring.app import create_app
from services.scoring.config import ScoringSettings
from services.scoring.models import signal
from shared.events.schemas import CustomerProfileUpdated, Event
from shared.journey import JourneyMap, JourneyMapPublished
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import Infra, Keys, Running, client_for, groups_at_the_end, settings_for

JOURNEY_MAP = {
    "name": "test retailer",
    "departments": [
        {"id": "logistics", "name": "Logistics"},
        {"id": "service", "name": "Customer service"},
    ],
    "touchpoints": [
        {
            "id": "checkout",
            "name": "Checkout",
            "channels": ["web"],
            "weight": 2.0,
            "repeat_contacts": False,  # buying again is no effort
            "targets": {"nps": 40, "csat": 4.2, "ces": 5.5, "success_rate": 0.95},
        },
        {
            "id": "delivery",
            "name": "Delivery",
            "channels": ["mail"],
            "weight": 1.5,
            "moment_of_truth": True,
            "owner": "logistics",
            "targets": {"nps": 30, "csat": 4.0, "ces": 5.0, "negative_rate": 0.1},
        },
        {
            "id": "support-call",
            "name": "Support call",
            "channels": ["phone"],
            "weight": 1.0,
            "moment_of_pain": True,
            "wait_threshold_seconds": 120,
            "owner": "service",
            "targets": {"ces": 5.0, "success_rate": 0.8},
        },
    ],
    "root_causes": [
        {
            "id": "late-delivery",
            "name": "Late delivery",
            "keywords": {"fr": ["retard", "livraison en retard"], "en": ["late", "delay"]},
        },
        {"id": "rude-staff", "name": "Rude staff", "keywords": {"en": ["rude"], "fr": ["impoli"]}},
    ],
    "journeys": [
        {
            "id": "purchase",
            "name": "Purchase",
            "stages": [
                {"id": "buy", "name": "Buy", "touchpoints": ["checkout"]},
                {"id": "receive", "name": "Receive", "touchpoints": ["delivery"]},
                {"id": "help", "name": "Help", "touchpoints": ["support-call"]},
            ],
        }
    ],
}


@dataclass
class Scoring(Running):
    settings: ScoringSettings

    async def processed(self, event_ids: Sequence[str], timeout: float = 30) -> None:
        """Wait until scoring has recorded every one of ``event_ids``."""
        wanted = set(event_ids)
        async with asyncio.timeout(timeout):
            while True:
                async with self.sessions() as session:
                    query = select(signal.c.event_id).where(signal.c.event_id.in_(wanted))
                    if set((await session.execute(query)).scalars()) == wanted:
                        return
                await asyncio.sleep(0.1)

    async def score(self, events: Sequence[Event]) -> None:
        """Publish ``events`` and wait until scoring has recorded each of their signals (a
        profile is none)."""
        await self.send(events)
        signals = [e for e in events if not isinstance(e, CustomerProfileUpdated)]
        await self.processed([e.event_id for e in signals])

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


async def publish_map(publisher: EventPublisher, version: int, document: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    await publisher.publish(
        JourneyMapPublished(
            event_id=f"test-journey-map-v{version}",
            version=version,
            published_at=datetime.now(UTC),
            map=JourneyMap.model_validate(document),
        )
    )


# package, not session: an app left running would stay in its consumer groups and take
# partitions (and so customers) from the next packages' own apps
@pytest.fixture(scope="package")
async def scoring(infra: Infra, keys: Keys) -> AsyncIterator[Scoring]:
    async with running_scoring(infra, keys) as running:
        yield running


@asynccontextmanager
async def running_scoring(infra: Infra, keys: Keys) -> AsyncIterator[Scoring]:
    """A scoring app served on the session's map, for as long as the block lasts, on
    consumer groups of its own that start at the topics' current end: it reads what is
    published once it runs, and no other app takes its partitions."""
    settings = settings_for(
        infra,
        keys,
        ScoringSettings,
        kafka_session_timeout_ms=3000,
        consumer_batch=200,
        # from the topics' current end: the earlier packages' records are no backlog for it
        kafka_group_prefix=await groups_at_the_end(infra),
    )
    producer = create_producer(settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    app = create_app(settings)
    await publish_map(publisher, 1_000_000, JOURNEY_MAP)
    try:
        async with client_for(app, keys.reader) as client:
            scoring = Scoring(app, client, publisher, settings)
            await until(lambda: _has_map(app))
            yield scoring
    finally:
        await producer.stop()


async def _has_map(app: FastAPI) -> bool:
    return app.state.journey.current is not None


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)
