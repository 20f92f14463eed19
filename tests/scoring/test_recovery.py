"""kill -9 in the middle of a stream, restart: the same final state as a clean run.

Runs scoring as a real process on a private broker and database, so nothing else consumes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.scoring.models import signal as signal_table
from shared.db.session import create_sessionmaker
from shared.events.schemas import Event
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import Keys
from tests.reliability.stack import PrivateStack, ServiceProcess, service_environment
from tests.scoring.conftest import JOURNEY_MAP, publish_map
from tests.scoring.test_experience import journey_of, with_customer

pytestmark = pytest.mark.reliability

CUSTOMERS = 60


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateStack]:
    stack = PrivateStack(tmp_path_factory.mktemp("recovery"))
    try:
        yield stack.start()
    finally:
        stack.close()


@pytest.fixture
async def setup(
    private: PrivateStack, keys: Keys, tmp_path: Path
) -> AsyncIterator[tuple[ServiceProcess, EventPublisher, Any]]:
    producer = create_producer(private.settings())
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=30)
    await publish_map(publisher, 1, JOURNEY_MAP)
    process = ServiceProcess("scoring", service_environment(private, keys), tmp_path / "log")
    engine = private.engine()
    try:
        yield process, publisher, create_sessionmaker(engine)
    finally:
        process.stop()
        await producer.stop()
        await engine.dispose()


async def count(sessions: Any, prefix: str) -> int:
    async with sessions() as session:
        query = select(func.count()).where(signal_table.c.customer_id.like(f"{prefix}%"))
        return int((await session.execute(query)).scalar_one())


async def wait_count(sessions: Any, prefix: str, target: int, timeout: float = 120) -> None:
    async with asyncio.timeout(timeout):
        while await count(sessions, prefix) < target:
            await asyncio.sleep(0.1)


async def states(port: int, key: str, customers: list[str]) -> list[Any]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        result = []
        for customer in customers:
            body = (await client.get(f"/v1/customers/{customer}/experience")).json()
            timeline = (
                await client.get(f"/v1/customers/{customer}/timeline", params={"limit": 500})
            ).json()
            result.append(
                (
                    round(body["lxi"], 9),
                    body["signals"],
                    body["positives"],
                    body["negatives"],
                    body["last_nps"],
                    [round(e["valence"], 12) for e in timeline["entries"]],
                )
            )
        return result


async def test_kill_9_mid_stream_then_restart_equals_a_clean_run(setup: Any, keys: Keys) -> None:
    process, publisher, sessions = setup
    rng = random.Random(5)
    templates = [journey_of(f"t{i}", rng) for i in range(CUSTOMERS)]
    clean = [with_customer(t, f"clean-{i}") for i, t in enumerate(templates)]
    crashed = [with_customer(t, f"crash-{i}") for i, t in enumerate(templates)]
    total = sum(len(events) for events in clean)

    process.start()
    await send_all(publisher, clean)
    await wait_count(sessions, "clean-", total)
    await send_all(publisher, crashed)
    await wait_count(sessions, "crash-", total // 3, timeout=60)
    process.kill()
    assert await count(sessions, "crash-") < total
    process.start()
    await wait_count(sessions, "crash-", total)
    await process.ready()

    assert await count(sessions, "crash-") == total
    clean_states = await states(process.port, keys.reader, [f"clean-{i}" for i in range(CUSTOMERS)])
    crash_states = await states(process.port, keys.reader, [f"crash-{i}" for i in range(CUSTOMERS)])
    assert crash_states == clean_states


async def send_all(publisher: EventPublisher, per_customer: list[list[Event]]) -> None:
    events = [e for events in per_customer for e in events]
    for start in range(0, len(events), 500):
        outcomes = await publisher.publish_many(events[start : start + 500])
        assert not any(outcomes)
