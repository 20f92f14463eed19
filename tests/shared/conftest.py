"""What the tests of the shared kit's consumers share: settings, a publisher and a fresh
topic on the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.config import ServiceSettings
from shared.events.topics import Topic
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import Infra, unique


@pytest.fixture
def settings(infra: Infra) -> ServiceSettings:
    return ServiceSettings(
        service_name="shared-test",
        database_url=infra.database_url,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        kafka_enable_idempotence=not infra.embedded_broker,
        kafka_session_timeout_ms=3000,
    )


@pytest.fixture
async def publisher(settings: ServiceSettings) -> AsyncIterator[EventPublisher]:
    producer = create_producer(settings)
    await producer.start()
    yield EventPublisher(producer, "/tests", timeout=10)
    await producer.stop()


@pytest.fixture
async def topic(settings: ServiceSettings) -> Topic:
    """A topic of its own for each test, three partitions."""
    topic = Topic(unique("test.shared"), partitions=3)
    await ensure_topics(settings, (topic,))
    return topic
