"""Erasure in the middle of a stream: many customers erased while their events, and the
moments, alerts and task changes derived from them, are still on their way.

A completed receipt must be true: once everything has drained, no row of any service names
an erased customer, and no webhook naming one reached the receiver after its receipt.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from sqlalchemy import text

from services.alerts.webhooks.schemas import EVENT_TYPES
from shared.events import topics
from shared.events.schemas import Event
from tests.alerts.conftest import Receiver
from tests.conftest import serve, unique
from tests.privacy.conftest import Pipeline, until
from tests.scoring.factories import create_interaction, create_survey

CUSTOMERS = 8
# The receipts and tombstones name the customer on purpose: they are the proof of erasure.
PROOFS = {"actions.erasure", "actions.erasure_receipt"}
GROUPS = {
    "scoring": (topics.INTERACTIONS, topics.SURVEY_RESPONSES, topics.CUSTOMERS),
    "alerts-rules": (topics.MOMENTS,),
    "alerts-closing": (topics.TASK_EVENTS,),
    "alerts-webhooks": (topics.ALERTS, topics.TASK_EVENTS),
    "actions-tasks": (topics.ALERTS,),
    "actions-recovery": (topics.MOMENTS,),
    "actions-policy-tasks": (topics.TASK_EVENTS,),
    "actions-invitations": (topics.INTERACTIONS,),
}


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = FastAPI()
    app.add_api_route("/{path:path}", receiver.handle, methods=["POST"])
    async with serve(app) as url:
        receiver.base_url = url
        yield receiver


def _journey(customer: str) -> list[Event]:
    """A failed delivery, NPS 0, an order, CSAT 1: two tasks' worth of negatives."""
    at = datetime.now(UTC) - timedelta(minutes=30)
    return [
        create_interaction(customer, at, touchpoint="delivery", channel="mail", outcome="failure"),
        create_survey(customer, at + timedelta(minutes=1), nps=0),
        create_interaction(customer, at + timedelta(minutes=2)),
        create_survey(customer, at + timedelta(minutes=3), csat=1),
    ]


async def _stream_then_erase(pipeline: Pipeline, receiver: Receiver, customer: str) -> Any:
    """Publish the customer's events one by one, erase 0-0.2 s after the last; return the
    receipt and how many requests the receiver had when it came back."""
    for event in _journey(customer):
        await pipeline.publisher.publish(event)
    await asyncio.sleep(random.uniform(0, 0.2))
    async with pipeline.client(pipeline.keys["officer"]) as officer:
        response = await officer.delete(f"/v1/customers/{customer}")
    assert response.status_code == 200, response.text
    return response.json(), len(receiver.requests)


async def _caught_up(pipeline: Pipeline) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=pipeline.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        for group, subscribed in GROUPS.items():
            if not await _group_caught_up(pipeline, group, subscribed, consumer):
                return False
        return True
    finally:
        await consumer.stop()


async def _group_caught_up(
    pipeline: Pipeline, group: str, subscribed: tuple[topics.Topic, ...], ends: AIOKafkaConsumer
) -> bool:
    parts = [
        TopicPartition(t.name, p)
        for t in subscribed
        for p in sorted(ends.partitions_for_topic(t.name) or ())
    ]
    end = await ends.end_offsets(parts)
    member = AIOKafkaConsumer(
        bootstrap_servers=pipeline.bootstrap,
        group_id=pipeline.group_prefix + group,
        enable_auto_commit=False,
    )
    await member.start()
    try:
        return all([(await member.committed(tp) or 0) >= end[tp] for tp in parts])
    finally:
        await member.stop()


async def _nothing_left_to_do(pipeline: Pipeline) -> bool:
    """No change waiting in the outbox, every consumer group at the end of its topics, and
    no webhook due or being sent."""
    unpublished = "SELECT count(*) FROM actions.task_change WHERE published_at IS NULL"
    due = (
        "SELECT count(*) FROM alerts.webhook_delivery WHERE status = 'pending'"
        " AND collecting_until IS NULL AND next_attempt_at <= clock_timestamp() + interval '1s'"
        " OR lease_token IS NOT NULL AND status = 'pending'"
    )
    return (
        await pipeline.scalar(unpublished) == 0
        and await _caught_up(pipeline)
        and await pipeline.scalar(unpublished) == 0
        and await pipeline.scalar(due) == 0
    )


async def _drained(pipeline: Pipeline) -> bool:
    """Twice in a row, a little apart: a step in flight between two looks shows on the next."""
    if not await _nothing_left_to_do(pipeline):
        return False
    await asyncio.sleep(0.5)
    return await _nothing_left_to_do(pipeline)


async def _rows_naming(pipeline: Pipeline, customer: str) -> dict[str, int]:
    """Every table of every service whose rows mention ``customer`` anywhere."""
    tables = await pipeline.scalar(
        "SELECT array_agg(table_schema || '.' || table_name) FROM information_schema.tables"
        " WHERE table_schema IN ('scoring', 'alerts', 'actions') AND table_type = 'BASE TABLE'"
    )
    found = {}
    for table in sorted(set(tables) - PROOFS):
        if table.endswith(".customer_erasure"):
            continue  # each service's tombstone
        # the table names come from the catalogue, not from input
        count = await pipeline.scalar(
            f"SELECT count(*) FROM {table} t WHERE strpos(row_to_json(t)::text, :c) > 0",  # noqa: S608
            c=customer,
        )
        if count:
            found[table] = count
    return found


async def test_customers_erased_mid_stream_are_gone_everywhere_once_it_drains(
    pipeline: Pipeline, receiver: Receiver
) -> None:
    path = f"/{unique('erasure')}"
    async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
        body = {"url": receiver.url(path), "event_types": sorted(EVENT_TYPES)}
        created = await alerts.post("/v1/webhooks", json=body)
        assert created.status_code == 201, created.text
    customers = [unique("pv-stream") for _ in range(CUSTOMERS)]
    kept = unique("pv-kept")  # streamed alongside, never erased

    *results, _ = await asyncio.gather(
        *(_stream_then_erase(pipeline, receiver, c) for c in customers),
        pipeline.publisher.publish_many(_journey(kept)),
    )

    for receipt, _ in results:
        assert (receipt["status"], receipt["pending_services"]) == ("completed", [])
    await until(lambda: _drained(pipeline), timeout=120)
    assert await _rows_naming(pipeline, kept), "the stream went through every service"
    assert [r for r in receiver.at(path) if kept.encode() in r.body], "and reached the receiver"
    for customer, (_, seen_before) in zip(customers, results, strict=True):
        assert await _rows_naming(pipeline, customer) == {}, customer
        late = [r for r in receiver.requests[seen_before:] if customer.encode() in r.body]
        assert late == [], f"{customer}: {len(late)} webhooks after the receipt"


async def test_a_webhook_being_sent_is_waited_for_then_blanked(
    pipeline: Pipeline, receiver: Receiver
) -> None:
    customer, path = unique("pv-sending"), f"/{unique('slow')}"
    receiver.respond(path, then=200, delay=2)
    async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
        body = {"url": receiver.url(path), "event_types": ["alert.raised"]}
        created = await alerts.post("/v1/webhooks", json=body)
        assert created.status_code == 201, created.text
    payload = {"type": "alert.raised", "data": {"customer_id": customer, "summary": "x"}}
    async with pipeline.sessions() as session, session.begin():
        delivery = await session.scalar(
            text(
                "INSERT INTO alerts.webhook_delivery (id, endpoint_id, message_id, event_type,"
                " payload, next_attempt_at) VALUES (gen_random_uuid(), :e, :m, 'alert.raised',"
                " CAST(:p AS jsonb), now()) RETURNING id"
            ),
            {"e": created.json()["id"], "m": unique("msg"), "p": json.dumps(payload)},
        )
    await receiver.wait_for(path, 1)  # the worker is sending it: the answer takes 2 s

    async with pipeline.client(pipeline.keys["officer"]) as officer:
        response = await officer.delete(f"/v1/customers/{customer}")

    assert response.status_code == 200, response.text
    assert response.json()["services"]["alerts"]["erased"]["webhook_delivery_payload"] == 1
    row = await pipeline.scalar(
        "SELECT json_build_object('status', status, 'payload', payload)"
        " FROM alerts.webhook_delivery WHERE id = :d",
        d=delivery,
    )
    assert row == {"status": "succeeded", "payload": {"type": "alert.raised", "erased": True}}
    assert len(receiver.at(path)) == 1
    # nothing of it is sent again: the row is kept for the log, not for replays
    async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
        replayed = await alerts.post(f"/v1/deliveries/{delivery}/replay")
        since = {"since": "2026-01-01T00:00:00Z"}
        endpoint = created.json()["id"]
        all_replayed = await alerts.post(f"/v1/webhooks/{endpoint}/replay", params=since)
    assert replayed.status_code == 409, replayed.text
    assert replayed.json()["title"] == "Customer erased"
    assert all_replayed.json() == {"replayed": 0}
