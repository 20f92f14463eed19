"""Bad input on every consumer's topics: garbage bytes, an envelope whose payload has the
wrong schema, and a huge message each go to ``cx.deadletter`` with the reason, and the
consumer goes on with the next valid event.

Consumers (as processes): scoring's ``experience`` (interactions, survey responses,
customers), alerts' ``rules`` (moments), ``webhooks`` (alerts, task events) and
``alert-closing`` (task events).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events.actions import TaskChange, TaskChanged, TaskStatus
from shared.events.envelope import encode
from shared.events.schemas import Event
from tests.alerts.rules_fixtures import create_moment
from tests.alerts.test_webhook_delivery import create_alert
from tests.conftest import read_all, unique
from tests.reliability.conftest import Starter, publish_journey_map
from tests.reliability.stack import PrivateStack, scalar, until
from tests.scoring.factories import create_interaction, create_profile, create_survey

pytestmark = pytest.mark.reliability

# Above aiokafka's default max_request_size (1 MiB) and its max_partition_fetch_bytes.
HUGE = 3 * 1024 * 1024
REASONS = {
    "garbage": "not a CloudEvent",
    "wrong-schema": "payload does not match",
    "huge": "payload does not match",
}
KINDS = tuple(REASONS)
# where a valid event of each topic leaves its mark
APPLIED = {
    "experience": "SELECT count(*) FROM scoring.signal WHERE event_id = :id",
    "profile": "SELECT count(*) FROM scoring.customer WHERE customer_id = :customer "
    "AND profile_at IS NOT NULL",
    "rules": "SELECT count(*) FROM alerts.processed_event WHERE event_id = :id",
    "webhooks": "SELECT count(*) FROM alerts.webhook_event WHERE event_id = :id",
}


def create_task_event() -> TaskChanged:
    now = datetime.now(UTC)
    task = unique("task")
    return TaskChanged(
        event_id=f"task:{task}:1",
        customer_id=unique("cust"),
        task_id=task,
        change=TaskChange.OPENED,
        status=TaskStatus.OPEN,
        touchpoint="delivery",
        priority="high",
        priority_score=6.0,
        severity=4,
        due_at=now + timedelta(hours=24),
        occurrences=1,
        opened_at=now,
        actor="system",
        summary="late delivery",
        changed_at=now,
    )


def valid_events() -> list[tuple[str, str, Event]]:
    """(consumer, where it is applied, a valid event) for each consumed topic."""
    customer = unique("cust")
    return [
        ("experience", "experience", create_interaction(customer)),
        ("experience", "experience", create_survey(customer, nps=3)),
        ("experience", "profile", create_profile(unique("cust"), persona="busy-parent")),
        ("rules", "rules", create_moment(unique("cust"), "delivery")),
        ("webhooks", "webhooks", create_alert("logistics")),
        ("webhooks", "webhooks", create_task_event()),
    ]


async def send_bad(producer: AIOKafkaProducer, event: Event) -> None:
    """Three bad records on ``event``'s topic, each keyed ``<kind>:<topic>``."""
    topic, headers = event.topic.name, list(encode(event, "/tests").headers.items())
    huge = json.dumps(
        {"event_id": unique("huge"), "customer_id": event.customer_id, "verbatim": "x" * HUGE}
    ).encode()
    records = {
        "garbage": (b"\x00\xff not even JSON", []),
        "wrong-schema": (b'{"event_id": "x", "nps": "eleven"}', headers),
        "huge": (huge, headers),
    }
    for kind, (value, record_headers) in records.items():
        key = f"{kind}:{topic}".encode()
        await producer.send_and_wait(topic, value, key=key, headers=record_headers)


async def test_bad_messages_are_dead_lettered_and_every_consumer_goes_on(
    stack: PrivateStack, engine: AsyncEngine, service: Starter
) -> None:
    await publish_journey_map(stack)
    processes = [service("scoring"), service("alerts")]
    await asyncio.gather(*(p.ready() for p in processes))
    cases = valid_events()
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.bootstrap_servers, max_request_size=2 * HUGE, acks="all"
    )
    await producer.start()
    try:
        for _, _, event in cases:
            await send_bad(producer, event)
            message = encode(event, "/tests")
            await producer.send_and_wait(
                event.topic.name,
                message.value,
                key=event.customer_id.encode(),
                headers=list(message.headers.items()),
            )
    finally:
        await producer.stop()

    for _, applied, event in cases:
        query = APPLIED[applied]
        await until(
            lambda q=query, e=event: applied_once(engine, q, e),
            60,  # type: ignore[misc]
            what=f"{event.event_id} applied after the bad records on {event.topic.name}",
        )
    expected = {
        (consumer, event.topic.name, kind) for consumer, _, event in cases for kind in KINDS
    }
    # alerts also closes alerts from task events: that consumer parks them too
    expected |= {("alert-closing", "cx.task-events", kind) for kind in KINDS}

    # a bad record's key puts it on another partition than the valid event's: the valid
    # one applied says nothing of how far the consumer got there
    async def all_parked() -> bool:
        return set(await dead_letters(stack)) >= expected

    await until(all_parked, 60, what="every bad record on cx.deadletter")
    parked = await dead_letters(stack)
    assert set(parked) == expected
    for (_, topic, kind), headers in parked.items():
        assert headers["dlq_reason"].startswith(REASONS[kind]), (topic, kind, headers)
        assert ("dlq_value_bytes" in headers) == (kind == "huge"), (topic, kind)
    assert all(p.process is not None and p.process.poll() is None for p in processes)


async def applied_once(engine: AsyncEngine, query: str, event: Event) -> bool:
    return bool(await scalar(engine, query, id=event.event_id, customer=event.customer_id))


async def dead_letters(stack: PrivateStack) -> dict[tuple[str, str, str], dict[str, str]]:
    """(consumer, topic, kind) → the headers, for each record on ``cx.deadletter``."""
    found = {}
    for record in await read_all(stack.bootstrap_servers, "cx.deadletter"):
        headers = {name: value.decode(errors="replace") for name, value in record.headers}
        kind = (record.key or b"").decode().split(":", 1)[0]
        found[(headers["dlq_consumer"], headers["dlq_topic"], kind)] = headers
    return found
