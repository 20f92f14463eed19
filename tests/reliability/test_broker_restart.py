"""The broker stopped and started again during ingestion: ingest answers 503 with Retry-After
while it is down, and every service goes on by itself once it is back.

The embedded broker keeps messages in memory: a restart empties it, topics and consumer
offsets included. So the test lets the consumers drain before the stop, creates the topics
again before anything is produced, and proves recovery with events sent after the restart.
With Apache Kafka (docker-compose) what was accepted survives the restart (see
docs/operations.md, "Reliability").
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Keys, unique
from tests.reliability.conftest import Starter, publish_journey_map
from tests.reliability.stack import PrivateStack, scalar, until

pytestmark = pytest.mark.reliability

DOWN_SECONDS = 3
SCORED = "SELECT count(*) FROM scoring.signal WHERE customer_id = :c"
RAISED = (
    "SELECT count(*) FROM alerts.alert WHERE customer_id = :c AND rule = 'negative_moment_of_truth'"
)


def bad_delivery(customer: str) -> dict[str, Any]:
    """A survey answer that is a negative moment of truth: scored, then an alert."""
    return {
        "event_id": unique("srv"),
        "customer_id": customer,
        "touchpoint": "delivery",
        "answered_at": "2026-06-01T09:00:00Z",
        "nps": 1,
        "csat": 1,
    }


async def test_ingest_503_while_the_broker_is_down_then_every_service_recovers(
    stack: PrivateStack, engine: AsyncEngine, service: Starter, keys: Keys
) -> None:
    await publish_journey_map(stack)
    ingest = service("ingest", publish_timeout_seconds=2, kafka_request_timeout_ms=2000)
    scoring, alerts = service("scoring"), service("alerts")
    await asyncio.gather(ingest.ready(), scoring.ready(), alerts.ready())
    before, after = unique("before"), unique("after")
    async with ingest.client(keys.writer) as client:
        assert (
            await client.post("/v1/survey-responses", json=bad_delivery(before))
        ).status_code == 202
        # drained: the embedded broker loses what it holds when it stops
        await alerted(engine, before)

        await asyncio.to_thread(stack.broker.stop)
        down = await client.post("/v1/survey-responses", json=bad_delivery(unique("lost")))
        items = [{"type": "survey_response", **bad_delivery(unique("lost"))}]
        batch = await client.post("/v1/batch", json={"items": items})
        ready = await client.get("/readyz")
        await asyncio.sleep(DOWN_SECONDS)
        await stack.restart_broker()

        assert down.status_code == 503, down.text
        assert down.headers["retry-after"] == "5"
        assert down.headers["content-type"] == "application/problem+json"
        assert batch.status_code == 503, batch.text
        assert ready.status_code == 503
        await accepted_again(client, bad_delivery(after), within=30)

    await alerted(engine, after, timeout=60)
    for process in (ingest, scoring, alerts):
        assert process.process is not None
        assert process.process.poll() is None, f"{process.name} exited"
        await process.ready(timeout=30)


async def accepted_again(client: httpx.AsyncClient, body: dict[str, Any], within: float) -> None:
    """Post ``body`` until it is accepted; every answer before that must be a 503."""
    async with asyncio.timeout(within):
        while (response := await client.post("/v1/survey-responses", json=body)).status_code != 202:
            assert response.status_code == 503, response.text
            await asyncio.sleep(0.5)


async def alerted(engine: AsyncEngine, customer: str, timeout: float = 30) -> None:
    """Wait until scoring has the customer's answer and alerts has raised its alert."""

    async def done() -> bool:
        scored = await scalar(engine, SCORED, c=customer)
        raised = await scalar(engine, RAISED, c=customer)
        return bool(scored and raised)

    await until(done, timeout, what=f"{customer} scored and alerted")
