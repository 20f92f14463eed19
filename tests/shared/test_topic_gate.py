"""The topic gate: nothing is published until the topics exist as configured, and a broker
that lost them gets them back as configured, never created on the fly by a producer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from cxloop.embedded import EmbeddedBroker
from shared.config import ServiceSettings
from shared.events.topics import INTERACTIONS, Topic
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import BrokerUnavailable, EventPublisher, create_producer
from shared.kafka.readiness import TopicGate, TopicsNotReady
from tests.conftest import unique
from tests.shared.test_runner import interaction


async def partitions(producer: AIOKafkaProducer, topic: str) -> set[int] | None:
    metadata = await producer.client.fetch_all_metadata()
    found: set[int] | None = metadata.partitions_for_topic(topic)
    return found


async def test_the_gate_opens_once_the_missing_topics_are_created_as_configured(
    publisher: EventPublisher, settings: ServiceSettings
) -> None:
    topic = Topic(unique("test.gate"), partitions=2)
    gate = TopicGate(publisher.producer.client, settings, (topic,))
    assert not gate.open
    with pytest.raises(TopicsNotReady, match="not checked yet"):
        await gate.require()

    await gate.check()

    assert gate.open, gate.reason
    await gate.require()
    assert await partitions(publisher.producer, topic.name) == {0, 1}


async def test_a_topic_with_fewer_partitions_than_configured_keeps_the_gate_closed(
    publisher: EventPublisher, settings: ServiceSettings
) -> None:
    name = unique("test.gate")
    await ensure_topics(settings, (Topic(name, partitions=1),))
    gate = TopicGate(publisher.producer.client, settings, (Topic(name, partitions=3),))

    await gate.check()

    assert not gate.open
    with pytest.raises(TopicsNotReady, match=f"{name}: 1 partitions, 3 configured"):
        await gate.require()


async def test_a_producer_never_creates_a_missing_topic(publisher: EventPublisher) -> None:
    name = unique("test.never-created")
    with pytest.raises(KafkaError):
        await publisher.producer.send_and_wait(name, b"lost?")
    assert await partitions(publisher.producer, name) is None


@pytest.fixture
async def outage(private_broker: EmbeddedBroker) -> AsyncIterator[tuple[EventPublisher, TopicGate]]:
    """A publisher of ``cx.interactions`` on a broker of its own, and its gate."""
    settings = ServiceSettings(
        kafka_bootstrap_servers=private_broker.bootstrap_servers,
        kafka_enable_idempotence=False,
        kafka_request_timeout_ms=1500,
    )
    producer = create_producer(settings)
    await producer.start()
    gate = TopicGate(producer.client, settings, (INTERACTIONS,))
    yield EventPublisher(producer, "/tests", timeout=3, gate=gate), gate
    await producer.stop()


@pytest.mark.broker_outage
async def test_after_a_broker_loss_nothing_is_published_until_the_topics_are_back(
    private_broker: EmbeddedBroker, outage: tuple[EventPublisher, TopicGate]
) -> None:
    publisher, gate = outage
    (refused,) = await publisher.publish_many([interaction()])
    assert isinstance(refused, BrokerUnavailable)  # not checked yet
    await gate.check()
    await publisher.publish(interaction())

    private_broker.stop()
    with pytest.raises(BrokerUnavailable):
        await publisher.publish(interaction())
    assert not gate.open
    private_broker.start()  # memory storage: every topic is gone
    (refused,) = await publisher.publish_many([interaction()])
    assert isinstance(refused, BrokerUnavailable)
    assert str(refused).startswith("topics not ready: a publication failed")

    await gate.check()

    assert gate.open, gate.reason
    await publisher.publish(interaction())
    assert await partitions(publisher.producer, INTERACTIONS.name) == set(range(6))
