"""After ``PUT /v1/journey-map``, each service that follows the map says when it applies it.

Actions, scoring and alerts run on a broker and a database of their own, so the maps other
tests publish (scoring's tests use very high versions) do not mask the one stored here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest

from cxloop.embedded import EmbeddedBroker
from services.actions.app import create_app as create_actions
from services.actions.config import ActionsSettings
from services.alerts.app import create_app as create_alerts
from services.alerts.config import AlertsSettings
from services.scoring.app import create_app as create_scoring
from services.scoring.config import ScoringSettings
from shared.config import ServiceSettings
from shared.kafka.admin import ensure_topics
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, Keys, client_for, fresh_database, settings_for


@pytest.fixture
async def own_database(infra: Infra) -> AsyncIterator[str]:
    """A database of its own with every service's schema."""
    async with fresh_database(infra, "applied") as url:
        yield url


@pytest.fixture
async def services(
    infra: Infra, keys: Keys, private_broker: EmbeddedBroker, own_database: str
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Clients of actions, scoring and alerts, running on their own broker and database."""
    bootstrap = private_broker.bootstrap_servers
    await ensure_topics(ServiceSettings(kafka_bootstrap_servers=bootstrap))
    common = {
        "database_url": own_database,
        "kafka_bootstrap_servers": bootstrap,
        "kafka_enable_idempotence": False,
    }
    async with AsyncExitStack() as stack:
        clients = {}
        for name, create, cls in (
            ("actions", create_actions, ActionsSettings),
            ("scoring", create_scoring, ScoringSettings),
            ("alerts", create_alerts, AlertsSettings),
        ):
            app = create(settings_for(infra, keys, cls, **common))
            clients[name] = await stack.enter_async_context(client_for(app, keys.reader))
        yield clients


async def applied(client: httpx.AsyncClient, version: int) -> dict[str, object]:
    """The service's applied map once it is ``version``."""
    async with asyncio.timeout(20):
        while True:
            answer = await client.get("/v1/journey-map/applied")
            assert answer.status_code == 200, answer.text
            if answer.json()["version"] == version:
                return dict(answer.json())
            await asyncio.sleep(0.05)


async def test_every_service_shows_the_version_it_applies(
    services: dict[str, httpx.AsyncClient],
) -> None:
    """No map was ever stored here: version 0 everywhere; then each shows the one stored."""
    for name, client in services.items():
        shown = (await client.get("/v1/journey-map/applied")).json()
        assert shown == {"service": name, "version": 0, "applied_at": None}
        anonymous = await client.get("/v1/journey-map/applied", headers={"Authorization": ""})
        assert anonymous.status_code == 401

    before = datetime.now(UTC)
    first = (await services["actions"].put("/v1/journey-map", json=create_journey_map())).json()
    document = create_journey_map()
    document["touchpoints"][0]["weight"] = 2.5
    second = (await services["actions"].put("/v1/journey-map", json=document)).json()

    assert second["version"] == first["version"] + 1
    for name, client in services.items():
        shown = await applied(client, second["version"])
        assert shown["service"] == name
        assert before <= datetime.fromisoformat(str(shown["applied_at"])) <= datetime.now(UTC)
