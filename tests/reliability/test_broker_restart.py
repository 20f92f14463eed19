"""The broker stopped and started again during ingestion: ingest answers 503 with Retry-After
while it is down, and every service goes on by itself once it is back.

The embedded broker keeps messages in memory: a restart empties it, topics and consumer
offsets included. So the test lets the consumers drain before the stop, creates the topics
again before anything is produced, and proves recovery with events sent after the restart.
With Apache Kafka (docker-compose) what was accepted survives the restart (see
docs/operations.md, "Reliability").

Under a steady stream of posts, without that care: the services create the topics again
themselves, ingest acknowledges nothing until they exist as configured (503 meanwhile), and
scoring reads the new partitions from their beginning, so every answer accepted after the
stop is scored.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events.topics import MOMENTS, SURVEY_RESPONSES, Topic
from shared.kafka.producer import create_producer
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


class SteadyPosts:
    """Survey answers posted to ingest one after another by a few clients, each answer's
    outcome kept: its status, and whether it was sent after the broker had stopped."""

    def __init__(self, client: httpx.AsyncClient, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.sent = 0
        self.after_stop = False
        self.outcomes: list[tuple[str, int, bool, str | None]] = []  # id, status, late, retry
        self._stopping = asyncio.Event()

    async def run(self, clients: int = 4) -> None:
        await asyncio.gather(*(self._post_until_stopped() for _ in range(clients)))

    def stop(self) -> None:
        self._stopping.set()

    async def _post_until_stopped(self) -> None:
        while not self._stopping.is_set():
            self.sent += 1
            body = {**bad_delivery(f"{self.prefix}-{self.sent}"), "nps": 9, "csat": 5}
            late = self.after_stop
            response = await self.client.post("/v1/survey-responses", json=body)
            retry = response.headers.get("retry-after")
            self.outcomes.append((body["event_id"], response.status_code, late, retry))
            await asyncio.sleep(0.02)

    def accepted(self, late: bool) -> list[str]:
        return [
            id for id, status, sent_late, _ in self.outcomes if status == 202 and late == sent_late
        ]

    async def until_accepted(self, count: int, timeout: float = 60) -> None:
        async def enough() -> bool:
            return len(self.accepted(late=self.after_stop)) >= count

        await until(enough, timeout, what=f"{count} answers accepted")


@pytest.mark.broker_outage
@pytest.mark.timeout(300)  # a private stack started, a minute of posts, every service stopped
async def test_every_answer_acknowledged_across_a_broker_restart_reaches_scoring(
    stack: PrivateStack, engine: AsyncEngine, service: Starter, keys: Keys
) -> None:
    await publish_journey_map(stack)
    ingest = service("ingest", publish_timeout_seconds=2, kafka_request_timeout_ms=2000)
    scoring = service("scoring")
    await asyncio.gather(ingest.ready(), scoring.ready())
    async with ingest.client(keys.writer) as client:
        stream = SteadyPosts(client, unique("steady"))
        posting = asyncio.create_task(stream.run())
        await stream.until_accepted(150)  # scoring's positions are well past 0 everywhere
        await asyncio.to_thread(stack.broker.stop)
        stream.after_stop = True
        await asyncio.sleep(DOWN_SECONDS)
        # back empty, and nobody but the services creates the topics again
        await asyncio.to_thread(stack.broker.start)
        await stream.until_accepted(300)
        stream.stop()
        await posting

    assert await partition_counts(stack, SURVEY_RESPONSES, MOMENTS) == [6, 6]

    late = stream.accepted(late=True)
    refused = [o for o in stream.outcomes if o[2] and o[1] != 202]
    print(f"after the stop: {len(late)} accepted, {len(refused)} refused")  # shown with -rP
    assert refused, "no answer was refused while the broker was down"
    assert {(status, retry) for _, status, _, retry in refused} == {(503, "5")}

    async def all_scored() -> bool:
        return await scalar(engine, STEADY_SCORED, ids=late) == len(late)

    try:
        await until(all_scored, 60, what="every answer accepted after the stop scored")
    except AssertionError as exc:
        scored = await scalar(engine, STEADY_SCORED, ids=late)
        raise AssertionError(f"{exc}: {scored} of {len(late)}") from None


STEADY_SCORED = "SELECT count(*) FROM scoring.signal WHERE event_id = ANY(:ids)"


async def partition_counts(stack: PrivateStack, *topics: Topic) -> list[int | None]:
    """How many partitions each topic has on the broker (None: it does not exist)."""
    producer = create_producer(stack.settings())
    await producer.start()
    try:
        metadata = await producer.client.fetch_all_metadata()
        return [len(metadata.partitions_for_topic(t.name) or ()) or None for t in topics]
    finally:
        await producer.stop()
