"""The consumer runner: effects and offsets commit in that order, bad messages are parked,
and no failure loses or skips a message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.config import ServiceSettings
from shared.db.inbox import processed_event_table
from shared.db.session import create_engine, create_sessionmaker
from shared.events.envelope import encode
from shared.events.schemas import Event, InteractionRecorded
from shared.events.topics import Topic
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher
from shared.kafka.runner import (
    Consumed,
    ConsumerRunner,
    ConsumerSpec,
    ConsumerStalled,
    InvalidEvent,
    only_new,
)
from tests.conftest import Infra, consume, unique

SCHEMA = "runner_test"
metadata = MetaData(schema=SCHEMA)
processed = processed_event_table(metadata, SCHEMA)
effect = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(128), nullable=False),
    Column("topic", String(255), nullable=False),
)


@pytest.fixture(scope="module")
async def engine(infra: Infra) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


def interaction(event_id: str | None = None, customer: str | None = None) -> InteractionRecorded:
    now = datetime.now(UTC)
    return InteractionRecorded(
        event_id=event_id or unique("evt"),
        customer_id=customer or unique("cust"),
        touchpoint="checkout",
        channel="web",
        occurred_at=now,
        outcome="success",
        received_at=now,
    )


async def produce(producer: AIOKafkaProducer, topic: Topic, events: Sequence[Event]) -> None:
    for event in events:
        message = encode(event, "/tests")
        await producer.send(
            topic.name,
            message.value,
            key=event.customer_id.encode(),
            headers=list(message.headers.items()),
        )
    await producer.flush()


async def record_effects(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
    new = await only_new(session, processed, batch)
    if new:
        rows = [{"event_id": c.envelope.id, "topic": c.record.topic} for c in new]
        await session.execute(insert(effect), rows)
    return []


async def effects(sessions: async_sessionmaker[AsyncSession], topic: Topic) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(effect.c.event_id).where(effect.c.topic == topic.name))
        return list(rows.scalars())


def applied(sessions: Any, topic: Topic, count: int) -> Any:
    async def condition() -> bool:
        return len(await effects(sessions, topic)) >= count

    return condition


def spec(topic: Topic, handler: Any = record_effects, **options: Any) -> ConsumerSpec:
    return ConsumerSpec(
        name=unique("consumer"),
        topics=(topic,),
        group=unique("group"),
        handler=handler,
        **{"max_batch": 50, "retry_backoff": 0.01, **options},
    )


async def run_until(
    runner: ConsumerRunner, condition: Any, timeout: float = 30.0
) -> asyncio.Task[None]:
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(timeout):
        while not await condition():
            if task.done():
                task.result()
            await asyncio.sleep(0.1)
    return task


async def stop(runner: ConsumerRunner, task: asyncio.Task[None]) -> None:
    runner.stop()
    await asyncio.wait_for(task, 30)


async def committed_total(settings: ServiceSettings, group: str, topic: Topic) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic.name, p) for p in range(3)]
        return sum([await consumer.committed(tp) or 0 for tp in parts])
    finally:
        await consumer.stop()


async def test_every_event_is_applied_once_and_offsets_follow_the_database(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(200)]
    await produce(publisher.producer, topic, events)
    runner = ConsumerRunner(spec(topic), settings, sessions, publisher)

    await stop(runner, await run_until(runner, applied(sessions, topic, 200)))

    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)
    assert await committed_total(settings, runner.spec.group, topic) == 200


async def test_redelivered_event_ids_change_nothing(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(20)]
    await produce(publisher.producer, topic, events + events)
    first = ConsumerRunner(spec(topic), settings, sessions, publisher)

    async def forty_seen() -> bool:
        return first.processed >= 40

    await stop(first, await run_until(first, forty_seen))
    # A new group replays the topic from the start: still nothing new.
    replay = ConsumerRunner(spec(topic), settings, sessions, publisher)

    async def replayed() -> bool:
        return replay.processed >= 40

    await stop(replay, await run_until(replay, replayed))

    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)


async def test_malformed_messages_are_dead_lettered_and_the_consumer_goes_on(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    good = interaction()
    wrong_schema = encode(interaction(), "/tests")
    unknown_type = encode(interaction(), "/tests")
    unknown_type.headers["ce_type"] = b"cxloop.nothing.happened"
    producer = publisher.producer
    await producer.send(topic.name, b"\x00\xffgarbage", key=b"c1")
    await producer.send(
        topic.name, b'{"event_id": "x"}', key=b"c2", headers=list(wrong_schema.headers.items())
    )
    await producer.send(
        topic.name, unknown_type.value, key=b"c3", headers=list(unknown_type.headers.items())
    )
    await producer.send(
        topic.name, wrong_schema.value, key=None, headers=list(wrong_schema.headers.items())
    )
    await produce(producer, topic, [good])
    runner = ConsumerRunner(spec(topic), settings, sessions, publisher)

    async def good_applied() -> bool:
        return good.event_id in await effects(sessions, topic)

    task = await run_until(runner, good_applied)
    late = interaction()
    await produce(producer, topic, [late])

    async def late_applied() -> bool:
        return late.event_id in await effects(sessions, topic)

    async with asyncio.timeout(20):
        while not await late_applied():
            await asyncio.sleep(0.1)
    await stop(runner, task)

    parked = await consume(
        settings.kafka_bootstrap_servers,
        "cx.deadletter",
        4,
        dlq_consumer=runner.spec.name.encode(),
    )
    reasons = sorted(dict(r.headers)["dlq_reason"].decode() for r in parked)
    assert len(parked) == 4
    assert any("not a CloudEvent" in r or "payload" in r for r in reasons)
    assert any("unknown event type" in r for r in reasons)
    assert any("no key" in r for r in reasons)
    assert {dict(r.headers)["dlq_topic"] for r in parked} == {topic.name.encode()}
    assert b"\x00\xffgarbage" in {r.value for r in parked}
    assert runner.dead_lettered == 4


async def test_a_handler_failing_mid_batch_loses_and_skips_nothing(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(120)]
    await produce(publisher.producer, topic, events)
    calls = 0

    async def flaky(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        nonlocal calls
        calls += 1
        await record_effects(session, batch[: len(batch) // 2])
        if calls % 3 != 0:  # two failures out of three, after writing half the batch
            raise ConnectionError("database went away")
        await record_effects(session, batch)
        return []

    runner = ConsumerRunner(spec(topic, flaky), settings, sessions, publisher)

    await stop(runner, await run_until(runner, applied(sessions, topic, 120)))

    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)
    assert await committed_total(settings, runner.spec.group, topic) == 120


async def test_a_stalled_consumer_commits_nothing_and_the_next_one_resumes(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(50)]
    await produce(publisher.producer, topic, events)

    async def broken(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        await record_effects(session, batch)
        raise ConnectionError("database is down")

    stalled_spec = spec(topic, broken, max_retries=2)
    stalled = ConsumerRunner(stalled_spec, settings, sessions, publisher)
    with pytest.raises(ConsumerStalled):
        await asyncio.wait_for(stalled.run(), 30)
    assert await effects(sessions, topic) == []
    assert await committed_total(settings, stalled_spec.group, topic) == 0

    healthy_spec = ConsumerSpec(**{**stalled_spec.__dict__, "handler": record_effects})
    healthy = ConsumerRunner(healthy_spec, settings, sessions, publisher)

    await stop(healthy, await run_until(healthy, applied(sessions, topic, 50)))
    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)


async def test_an_event_the_handler_refuses_is_dead_lettered_alone(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    poison = interaction()
    others = [interaction() for _ in range(9)]
    await produce(publisher.producer, topic, [*others[:4], poison, *others[4:]])

    async def picky(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        for consumed in batch:
            if consumed.envelope.id == poison.event_id:
                raise InvalidEvent(consumed, "touchpoint retired")
        return await record_effects(session, batch)

    runner = ConsumerRunner(spec(topic, picky), settings, sessions, publisher)

    await stop(runner, await run_until(runner, applied(sessions, topic, 9)))

    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in others)
    (parked,) = await consume(
        settings.kafka_bootstrap_servers, "cx.deadletter", 1, ce_id=poison.event_id.encode()
    )
    assert dict(parked.headers)["dlq_reason"] == b"touchpoint retired"


async def test_stop_finishes_the_batch_commits_it_and_a_restart_continues(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(600)]
    await produce(publisher.producer, topic, events)
    consumer_spec = spec(topic, max_batch=20)

    async def stop_at_100(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        # asked from the handler: a poll from outside can come after the whole backlog
        if first.processed + len(batch) >= 100:
            first.stop()
        return await record_effects(session, batch)

    first = ConsumerRunner(
        replace(consumer_spec, handler=stop_at_100), settings, sessions, publisher
    )

    await stop(first, await run_until(first, applied(sessions, topic, 100)))
    applied_at_stop = len(await effects(sessions, topic))
    assert applied_at_stop < 600
    assert await committed_total(settings, consumer_spec.group, topic) == applied_at_stop

    second = ConsumerRunner(consumer_spec, settings, sessions, publisher)

    await stop(second, await run_until(second, applied(sessions, topic, 600)))
    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)
    assert second.processed == 600 - applied_at_stop


async def test_returned_events_are_published_before_offsets_commit(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    events = [interaction() for _ in range(5)]
    out_topic = Topic(unique("test.out"), partitions=1)
    await ensure_topics(settings, (out_topic,))
    await produce(publisher.producer, topic, events)

    class Echo(InteractionRecorded):
        topic = out_topic  # type: ignore[assignment]

    async def echo(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        await record_effects(session, batch)
        return [Echo(**c.event.model_dump()) for c in batch]

    runner = ConsumerRunner(spec(topic, echo), settings, sessions, publisher)

    await stop(runner, await run_until(runner, applied(sessions, topic, 5)))
    echoed = await consume(settings.kafka_bootstrap_servers, out_topic.name, 5)
    assert sorted(json.loads(r.value)["event_id"] for r in echoed) == sorted(
        e.event_id for e in events
    )


async def test_stop_is_prompt_even_before_the_consumer_has_started(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    asked = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.set()
        await reader.read()  # accepts, never answers: the consumer's start hangs

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mute = settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{port}"})
    runner = ConsumerRunner(spec(topic), mute, sessions, publisher)
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(asked.wait(), 10)  # the consumer is starting, and waits
    assert not task.done()

    runner.stop()

    await asyncio.wait_for(task, 5)
    server.close()
