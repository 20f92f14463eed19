"""The outbox relay on the erasure requests: batches of PRIVACY_RELAY_BATCH until none is
left, and a refusal that keeps what the broker acknowledged before it.

A database of its own, so that no running service's relay takes the rows first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.config import ActionsSettings
from services.actions.outbox import OutboxRelay
from services.actions.privacy.models import erasure
from services.actions.privacy.outbox import erasure_request_relay
from shared.config import ServiceSettings
from shared.db.session import create_engine, create_sessionmaker
from shared.events.privacy import CustomerErasureRequested
from shared.kafka.producer import BrokerUnavailable

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class RecordingPublisher:
    """Stands for the broker: records what it acknowledges, and how many requests were
    committed as published when each was sent; refuses the request events numbered in
    ``refuse`` (1 = the first one it is sent) by raising BrokerUnavailable."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], refuse: frozenset[int] = frozenset()
    ) -> None:
        self.sessions = sessions
        self.refuse = refuse
        self.sent = 0
        self.requests: list[str] = []
        self.committed_before: list[int] = []
        self.tombstones: list[tuple[str, str]] = []

    async def publish(self, event: CustomerErasureRequested) -> None:
        self.sent += 1
        if self.sent in self.refuse:
            raise BrokerUnavailable("no acknowledgement before the deadline")
        self.requests.append(event.erasure_id)
        self.committed_before.append(await _published(self.sessions))

    async def delete_key(self, topic: str, key: str) -> None:
        self.tombstones.append((topic, key))


@pytest.fixture
async def sessions(empty_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(ServiceSettings(database_url=empty_database))
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _request(sessions: async_sessionmaker[AsyncSession], count: int) -> list[str]:
    rows = [
        {
            "id": f"era_{n}",
            "customer_id": f"customer-{n}",
            "requested_at": T0 + timedelta(minutes=n),
            "requested_by": "ops",
        }
        for n in range(count)
    ]
    async with sessions() as session, session.begin():
        await session.execute(insert(erasure), rows)
    return [row["id"] for row in rows]


async def _published(sessions: async_sessionmaker[AsyncSession]) -> int:
    query = select(func.count()).where(erasure.c.published_at.is_not(None))
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def _unpublished(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    query = select(erasure.c.id).where(erasure.c.published_at.is_(None)).order_by(erasure.c.id)
    async with sessions() as session:
        return list((await session.execute(query)).scalars())


def _relay(sessions: async_sessionmaker[AsyncSession], publisher: Any, batch: int) -> OutboxRelay:
    settings = ActionsSettings(privacy_relay_batch=batch, privacy_relay_poll_seconds=0.05)
    return erasure_request_relay(settings, sessions, publisher)


async def test_the_relay_publishes_every_request_in_batches_of_the_setting(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _request(sessions, 5)
    publisher = RecordingPublisher(sessions)

    published = await _relay(sessions, publisher, batch=2).publish_pending()

    assert published == 5
    assert publisher.requests == ids  # oldest first
    assert publisher.committed_before == [0, 0, 2, 2, 4]  # one transaction per 2
    assert publisher.tombstones == [("cx.customers", f"customer-{n}") for n in range(5)]
    assert await _unpublished(sessions) == []


async def test_a_refusal_keeps_what_went_before_and_the_relay_publishes_the_rest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _request(sessions, 3)
    publisher = RecordingPublisher(sessions, refuse=frozenset({2}))
    relay = _relay(sessions, publisher, batch=10)

    with pytest.raises(BrokerUnavailable):
        await relay.publish_pending()
    assert publisher.requests == ids[:1]
    assert await _unpublished(sessions) == ids[1:]

    async with relay.running():
        async with asyncio.timeout(10):
            while await _unpublished(sessions):
                await asyncio.sleep(0.05)

    assert publisher.requests == ids
