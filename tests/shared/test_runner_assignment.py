"""A group's members share its topics by range: the member that holds partition p of one
topic holds partition p of every topic it reads, so one customer's events on several topics
(keyed by customer, as every cxloop topic is) reach one member, which alone locks the
customer's row. Round robin, aiokafka's default, split them: with four members over two
topics of six partitions, partition p of the second topic went to another member than
partition p of the first."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from shared.config import ServiceSettings
from shared.events.schemas import Event
from shared.events.topics import Topic
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher
from shared.kafka.runner import Consumed, ConsumerRunner, ConsumerSpec
from tests.conftest import unique
from tests.shared.test_runner import engine, interaction, produce, sessions

__all__ = ["engine", "sessions"]  # the database fixtures of the runner tests

MEMBERS = 4
PARTITIONS = 6
CUSTOMERS = 60


async def test_one_member_gets_a_customers_events_from_every_topic(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher
) -> None:
    topics = tuple(Topic(unique(f"test.{n}"), partitions=PARTITIONS) for n in ("first", "second"))
    await ensure_topics(settings, topics)
    seen: dict[str, set[str]] = defaultdict(set)  # event id → the members that handled it
    members: dict[str, set[str]] = defaultdict(set)  # customer → the members that had them

    def handler(member: str) -> Any:
        async def handle(session: Any, batch: Sequence[Consumed]) -> list[Event]:
            for consumed in batch:
                seen[consumed.envelope.id].add(member)
                members[consumed.envelope.key].add(member)
            return []

        return handle

    group = unique("group")
    runners = [
        ConsumerRunner(
            ConsumerSpec(name=f"m{i}", topics=topics, group=group, handler=handler(f"m{i}")),
            settings,
            sessions,
            publisher,
        )
        for i in range(MEMBERS)
    ]
    tasks = [asyncio.create_task(runner.run()) for runner in runners]
    try:
        # a first wave until every member has handled some: all four joined
        async with asyncio.timeout(60):
            while len({m for handled in seen.values() for m in handled}) < MEMBERS:
                wave = [interaction() for _ in range(40)]
                for topic in topics:
                    await produce(publisher.producer, topic, wave)
                await asyncio.sleep(1)
        members.clear()
        customers = [unique("cust") for _ in range(CUSTOMERS)]
        second = [[interaction(customer=customer) for customer in customers] for _ in topics]
        for topic, events in zip(topics, second, strict=True):
            await produce(publisher.producer, topic, events)
        wanted = {e.event_id for events in second for e in events}
        async with asyncio.timeout(60):
            while not wanted <= seen.keys():
                await asyncio.sleep(0.1)
    finally:
        for runner in runners:
            runner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
    split = {customer: held for customer, held in members.items() if customer in customers}
    assert len(split) == CUSTOMERS
    assert all(len(held) == 1 for held in split.values()), split
    assert len({m for held in split.values() for m in held}) == MEMBERS
