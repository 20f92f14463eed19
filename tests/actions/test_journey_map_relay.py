"""The current version reaches the topic even when the broker was down or lost it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from cxloop.embedded import EmbeddedBroker
from services.actions.app import create_app
from services.actions.config import ActionsSettings
from services.actions.journey.outbox import journey_map_relay
from shared.config import ServiceSettings
from shared.db.session import create_engine, create_sessionmaker
from shared.journey import JourneyMapPublished
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import BrokerUnavailable
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, Keys, client_for, consume, settings_for

TOPIC = "cx.journey-map"


@pytest.fixture
def broker(private_broker: EmbeddedBroker) -> EmbeddedBroker:
    return private_broker


async def start_topics(broker: EmbeddedBroker) -> None:
    await ensure_topics(ServiceSettings(kafka_bootstrap_servers=broker.bootstrap_servers))


@asynccontextmanager
async def actions(settings: ActionsSettings, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(settings), key) as client:
        yield client


def on_broker(infra: Infra, keys: Keys, broker: EmbeddedBroker, **overrides: Any) -> Any:
    return settings_for(
        infra,
        keys,
        ActionsSettings,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_enable_idempotence=False,
        kafka_request_timeout_ms=2000,
        publish_timeout_seconds=2,
        republish_retry_seconds=0.5,
        **overrides,
    )


@pytest.mark.broker_outage
async def test_503_while_the_broker_is_down_then_published_when_the_service_starts(
    broker: EmbeddedBroker, infra: Infra, keys: Keys
) -> None:
    await start_topics(broker)
    document = create_journey_map()
    async with actions(on_broker(infra, keys, broker), keys.reader) as client:
        assert (await client.put("/v1/journey-map", json=create_journey_map())).status_code == 201
        broker.stop()

        down = await client.put("/v1/journey-map", json=document)
        current = (await client.get("/v1/journey-map")).json()

    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["title"] == "Journey map stored but not published"
    assert current["map"]["name"] == document["name"]
    broker.start()  # empty: the embedded broker kept its topics in memory
    await start_topics(broker)
    async with actions(on_broker(infra, keys, broker), keys.reader):
        event_id = f"journey-map-v{current['version']}".encode()
        assert await eventually_consumed(broker, event_id, within=30)


async def eventually_consumed(broker: EmbeddedBroker, event_id: bytes, within: float) -> bool:
    """A consumer started right after the topic's creation may not see it yet: ask again."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if await consume(broker.bootstrap_servers, TOPIC, 1, timeout=2, ce_id=event_id):
            return True
    return False


class FlakyPublisher:
    """Refuses the first ``failures`` events, as a broker that does not acknowledge."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.published: list[JourneyMapPublished] = []
        self.done = asyncio.Event()

    async def publish(self, event: JourneyMapPublished) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise BrokerUnavailable("no acknowledgement before the deadline")
        self.published.append(event)
        self.done.set()


async def test_a_failed_publication_is_retried_until_acknowledged(
    infra: Infra, client: httpx.AsyncClient
) -> None:
    stored = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    publisher = FlakyPublisher(failures=3)
    relay = journey_map_relay(create_sessionmaker(engine), publisher, retry_seconds=0.05)
    try:
        with pytest.raises(BrokerUnavailable):
            await relay.publish_pending()
        async with relay.running():
            await asyncio.wait_for(publisher.done.wait(), 10)
    finally:
        await engine.dispose()

    assert publisher.failures == 0
    assert [event.version for event in publisher.published] == [stored["version"]]
    assert publisher.published[0].event_id == f"journey-map-v{stored['version']}"


async def test_a_starting_service_publishes_the_current_version(
    broker: EmbeddedBroker, infra: Infra, keys: Keys, client: httpx.AsyncClient
) -> None:
    """As after a restart of the embedded broker, which keeps its topics in memory only."""
    stored = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    await start_topics(broker)

    async with actions(on_broker(infra, keys, broker), keys.reader):
        event_id = f"journey-map-v{stored['version']}".encode()
        (record,) = await consume(broker.bootstrap_servers, TOPIC, 1, ce_id=event_id)

    assert record.key == b"journey-map"


async def test_a_new_installation_starts_without_a_map(
    empty_database: str, infra: Infra, keys: Keys
) -> None:
    settings = settings_for(infra, keys, ActionsSettings, database_url=empty_database)
    async with actions(settings, keys.reader) as client:
        assert (await client.get("/readyz")).status_code == 200
        missing = await client.get("/v1/journey-map")
        versions = await client.get("/v1/journey-map/versions")
        first = await client.put("/v1/journey-map", json=create_journey_map())

    assert missing.status_code == 404
    assert missing.json()["detail"] == "no journey map is stored yet"
    assert versions.json() == []
    assert first.status_code == 201
    assert first.json()["version"] == 1
