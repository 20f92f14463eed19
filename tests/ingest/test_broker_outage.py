"""Broker down: 503 with Retry-After and nothing claimed accepted; back up: ingest recovers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from cxloop.embedded import EmbeddedBroker
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from shared.config import ServiceSettings
from shared.kafka.admin import ensure_topics
from tests.conftest import Infra, Keys, client_for, settings_for
from tests.ingest.factories import create_interaction

pytestmark = pytest.mark.broker_outage


@pytest.fixture
def broker(private_broker: EmbeddedBroker) -> EmbeddedBroker:
    return private_broker


async def start_topics(broker: EmbeddedBroker) -> None:
    settings = ServiceSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
    await ensure_topics(settings)


@pytest.fixture
async def outage_client(
    broker: EmbeddedBroker, infra: Infra, keys: Keys
) -> AsyncIterator[httpx.AsyncClient]:
    await start_topics(broker)
    settings = settings_for(
        infra,
        keys,
        IngestSettings,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_enable_idempotence=False,
        kafka_request_timeout_ms=2000,
        publish_timeout_seconds=2,
    )
    async with client_for(create_app(settings), keys.writer) as client:
        yield client


async def test_503_while_the_broker_is_down_then_recovery(
    outage_client: httpx.AsyncClient, broker: EmbeddedBroker
) -> None:
    assert (
        await outage_client.post("/v1/interactions", json=create_interaction())
    ).status_code == 202

    broker.stop()
    down = await outage_client.post("/v1/interactions", json=create_interaction())
    batch = await outage_client.post(
        "/v1/batch", json={"items": [{"type": "interaction", **create_interaction()}]}
    )
    ready = await outage_client.get("/readyz")

    assert down.status_code == 503
    assert down.headers["retry-after"] == "5"
    assert down.headers["content-type"] == "application/problem+json"
    assert "nothing was accepted" in down.json()["detail"]
    assert batch.status_code == 503
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"] != "ok"

    broker.start()
    await start_topics(broker)
    assert await eventually_accepted(outage_client, within=30)
    assert (await outage_client.get("/readyz")).status_code == 200


async def eventually_accepted(client: httpx.AsyncClient, within: float) -> bool:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        response = await client.post("/v1/interactions", json=create_interaction())
        if response.status_code == 202:
            return True
        assert response.status_code == 503
        await asyncio.sleep(0.5)
    return False
