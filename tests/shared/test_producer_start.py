"""A producer that the broker cannot serve says why instead of retrying without a word."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError

from cxloop.embedded import EmbeddedBroker, free_port
from shared.config import ServiceSettings
from shared.kafka.producer import IdempotenceRefused, create_producer, start_when_reachable


async def test_an_idempotent_producer_on_the_embedded_broker_is_refused_with_the_setting(
    private_broker: EmbeddedBroker,
) -> None:
    settings = ServiceSettings(
        kafka_bootstrap_servers=private_broker.bootstrap_servers, kafka_enable_idempotence=True
    )
    producer = create_producer(settings)
    async with asyncio.timeout(20):  # well before the 60 s of startup_wait_seconds
        with pytest.raises(IdempotenceRefused, match="KAFKA_ENABLE_IDEMPOTENCE=false"):
            await start_when_reachable(producer, settings.startup_wait_seconds, idempotent=True)


async def test_no_broker_at_all_is_not_taken_for_a_refusal() -> None:
    settings = ServiceSettings(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    producer = create_producer(settings)
    with pytest.raises(KafkaConnectionError):
        await start_when_reachable(producer, 1.0, idempotent=True)
    await producer.stop()
