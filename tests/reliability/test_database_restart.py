"""PostgreSQL stopped and started again while events flow: scoring and alerts report it,
retry their batch, reconnect by themselves, and store every event exactly once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import Starter, publish_journey_map
from tests.reliability.stack import PrivateStack, ServiceProcess, produce, rows, scalar, until
from tests.reliability.stream import survey_stream

pytestmark = pytest.mark.reliability

CUSTOMERS, PER_CUSTOMER = 600, 10
DOWN_SECONDS = 4


async def test_services_reconnect_after_a_database_restart_and_store_every_event_once(
    stack: PrivateStack, engine: AsyncEngine, service: Starter
) -> None:
    stream = survey_stream("db", CUSTOMERS, PER_CUSTOMER)
    total = len(stream.events)
    await publish_journey_map(stack)
    scoring, alerts = service("scoring"), service("alerts")
    await asyncio.gather(scoring.ready(), alerts.ready())
    flowing = asyncio.create_task(
        produce(stack.bootstrap_servers, stream.events, chunk=150, pause=0.1)
    )

    await until(lambda: counts_at_least(engine, total // 4), 60, what="a quarter stored")
    await stack.stop_database()
    down_at = await asyncio.gather(readiness(scoring), readiness(alerts))
    await asyncio.sleep(DOWN_SECONDS)
    await stack.start_database()
    await flowing

    assert down_at == [503, 503], "readiness did not report the database down"
    await until(lambda: counts_at_least(engine, total), 90, what="every event stored")
    (signals, distinct), *_ = await rows(
        engine, "SELECT count(*), count(DISTINCT event_id) FROM scoring.signal"
    )
    assert (signals, distinct) == (total, total)
    assert await scalar(engine, "SELECT sum(signals) FROM scoring.customer") == total
    assert await scalar(engine, "SELECT count(*) FROM alerts.processed_event") == total
    negatives = await scalar(
        engine, "SELECT count(*) FROM alerts.alert WHERE rule = 'negative_moment_of_truth'"
    )
    assert negatives == len(stream.negative_at_delivery)
    assert [await readiness(scoring), await readiness(alerts)] == [200, 200]


async def counts_at_least(engine: AsyncEngine, target: int) -> bool:
    signals = await scalar(engine, "SELECT count(*) FROM scoring.signal")
    moments = await scalar(engine, "SELECT count(*) FROM alerts.processed_event")
    return min(signals, moments) >= target


async def readiness(process: ServiceProcess) -> int:
    async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
        return (await client.get("/readyz")).status_code
